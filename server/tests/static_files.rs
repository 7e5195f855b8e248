//! `--mount` directories over plain HTTP.

mod common;

use common::{http_get, Config, TestServer};
use rtcroom_server::Mount;
use std::path::PathBuf;

/// A fresh directory tree with one file of each interesting type.
fn site(name: &str) -> PathBuf {
    let root =
        std::env::temp_dir().join(format!("rtcroom-server-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("pkg/snippets")).unwrap();
    std::fs::write(root.join("index.html"), "<!doctype html><title>demo</title>").unwrap();
    std::fs::write(root.join("app.js"), "export const x = 1;").unwrap();
    std::fs::write(root.join("pkg/rtcroom.mjs"), "export default 1;").unwrap();
    std::fs::write(root.join("pkg/rtcroom_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(root.join("pkg/snippets/a.js"), "1").unwrap();
    root
}

async fn start(name: &str) -> TestServer {
    let root = site(name);
    let mounts = vec![
        Mount { prefix: "/".into(), dir: root.clone() },
        Mount { prefix: "/pkg".into(), dir: root.join("pkg") },
    ];
    TestServer::start(Config { mounts, ..common::config() }).await
}

#[tokio::test]
async fn files_are_served_with_their_content_type_and_no_cache() {
    let server = start("types").await;
    let cases = [
        ("/", "text/html"),
        ("/index.html", "text/html"),
        ("/app.js", "javascript"),
        ("/pkg/rtcroom.mjs", "javascript"),
        ("/pkg/rtcroom_bg.wasm", "application/wasm"),
    ];
    for (path, mime) in cases {
        let res = http_get(server.addr, path).await;
        assert_eq!(res.status, 200, "{path}");
        let ct = res.header("content-type").unwrap();
        assert!(ct.contains(mime), "{path}: {ct}");
        assert_eq!(res.header("cache-control"), Some("no-cache"), "{path}");
    }
    let wasm = http_get(server.addr, "/pkg/rtcroom_bg.wasm").await;
    assert_eq!(wasm.body, b"\0asm\x01\0\0\0");
}

#[tokio::test]
async fn missing_files_are_404() {
    let server = start("missing").await;
    assert_eq!(http_get(server.addr, "/nope.js").await.status, 404);
    assert_eq!(http_get(server.addr, "/pkg/nope.wasm").await.status, 404);
    assert_eq!(http_get(server.addr, "/../../etc/passwd").await.status, 404);
}

#[tokio::test]
async fn nothing_is_served_without_mounts() {
    let server = TestServer::start_default().await;
    assert_eq!(http_get(server.addr, "/").await.status, 404);
}

#[tokio::test]
async fn directories_without_slash_redirect_inside_their_mount() {
    let server = start("redirect").await;
    let res = http_get(server.addr, "/pkg").await;
    assert_eq!(res.status, 307);
    assert_eq!(res.header("location"), Some("/pkg/"));
    let res = http_get(server.addr, "/pkg/snippets").await;
    assert!((300..400).contains(&res.status), "{}", res.status);
    assert_eq!(res.header("location"), Some("/pkg/snippets/"));
}

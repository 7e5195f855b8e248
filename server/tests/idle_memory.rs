//! Memory per idle WebSocket, measured on the real binary: the server's
//! resident set before and after N joined, idle sockets (loopback only).
//! A measurement, so ignored by default:
//! `cargo test -p rtcroom-server --test idle_memory -- --ignored --nocapture`
//! (`IDLE_SOCKETS` overrides N, default 1000).

use futures::StreamExt;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::Message;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

async fn join_idle(url: &str, room: usize) -> impl Sized {
    let (mut ws, _) = connect_async(url).await.unwrap();
    let join = format!(r#"{{"type":"join","room":"idle-{room}"}}"#);
    futures::SinkExt::send(&mut ws, Message::text(join)).await.unwrap();
    loop {
        match ws.next().await.unwrap().unwrap() {
            Message::Text(t) if t.contains("welcome") => return ws,
            _ => continue,
        }
    }
}

#[tokio::test]
#[ignore = "measurement: run with --ignored --nocapture"]
async fn idle_socket_memory() {
    let n: usize = std::env::var("IDLE_SOCKETS").ok().and_then(|v| v.parse().ok()).unwrap_or(1000);
    let child = Command::new(env!("CARGO_BIN_EXE_rtcroom-server"))
        .args(["--addr", "127.0.0.1:0", "--max-connections-per-ip", &(n + 10).to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut server = Server(child);
    let mut line = String::new();
    BufReader::new(server.0.stdout.as_mut().unwrap()).read_line(&mut line).unwrap();
    let addr = line.trim().strip_prefix("rtcroom-server listening on http://").unwrap().to_owned();
    let url = format!("ws://{addr}/ws");
    let pid = server.0.id();

    // Warm up the runtime's threads and allocator arenas first.
    let warm: Vec<_> = futures::future::join_all((0..20).map(|i| join_idle(&url, i))).await;
    drop(warm);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = rss_kib(pid);

    let mut sockets = Vec::with_capacity(n);
    for chunk in (0..n).collect::<Vec<_>>().chunks(50) {
        // Rooms of four, as in a meeting app.
        let joined = futures::future::join_all(chunk.iter().map(|i| join_idle(&url, i / 4))).await;
        sockets.extend(joined);
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after = rss_kib(pid);
    let per_socket = (after.saturating_sub(before)) as f64 / n as f64;
    println!(
        "idle sockets: {n}; server RSS {before} KiB -> {after} KiB; {per_socket:.1} KiB per idle socket"
    );
    // Was 132.5 KiB with the library's 128 KiB read buffer; 8.5 KiB with 4 KiB.
    assert!(per_socket < 32.0, "{per_socket:.1} KiB per idle socket");
    drop(sockets);
}

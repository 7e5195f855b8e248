//! `--allow-origin`: browser upgrades from other origins get HTTP 403.
mod common;

use common::*;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Error;

async fn upgrade_with_origin(server: &TestServer, origin: Option<&str>) -> Result<(), u16> {
    let mut req = server.ws_url().into_client_request().unwrap();
    if let Some(o) = origin {
        req.headers_mut().insert("Origin", o.parse().unwrap());
    }
    match tokio_tungstenite::connect_async(req).await {
        Ok(_) => Ok(()),
        Err(Error::Http(resp)) => Err(resp.status().as_u16()),
        Err(e) => panic!("unexpected error {e}"),
    }
}

#[tokio::test]
async fn upgrades_from_origins_off_the_allow_list_get_403() {
    let config = Config {
        allowed_origins: vec!["https://app.example.com".into(), "http://127.0.0.1:8080".into()],
        ..config()
    };
    let server = TestServer::start(config).await;
    assert_eq!(upgrade_with_origin(&server, Some("https://evil.example.com")).await, Err(403));
    assert_eq!(upgrade_with_origin(&server, Some("http://127.0.0.1:8081")).await, Err(403));
    assert_eq!(upgrade_with_origin(&server, Some("https://app.example.com")).await, Ok(()));
    assert_eq!(upgrade_with_origin(&server, Some("HTTP://127.0.0.1:8080")).await, Ok(()));
    // Not a browser: no Origin header to check.
    assert_eq!(upgrade_with_origin(&server, None).await, Ok(()));
    assert_eq!(server.stats.drops(rtcroom_server::stats::DropReason::OriginRefused), 2);
}

#[tokio::test]
async fn without_an_allow_list_every_origin_may_upgrade() {
    let server = TestServer::start_default().await;
    assert_eq!(upgrade_with_origin(&server, Some("https://anything.example")).await, Ok(()));
}

//! TURN credentials in `welcome.iceServers` through the real server.
mod common;

use common::*;
use serde_json::json;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[tokio::test]
async fn welcome_carries_coturn_rest_credentials_and_a_resume_renews_them() {
    let config = Config {
        turn_urls: vec!["turn:127.0.0.1:3478?transport=udp".into()],
        turn_secret: Some(b"coturn-shared".to_vec()),
        turn_ttl: Duration::from_secs(600),
        resume_grace: Duration::from_secs(10),
        ..config()
    };
    let server = TestServer::start(config).await;
    let before = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    let (a, welcome) = Client::join(&server, "r", "a").await;
    let ice = &welcome["iceServers"][0];
    assert_eq!(ice["urls"], json!(["turn:127.0.0.1:3478?transport=udp"]));
    let username = ice["username"].as_str().unwrap();
    let (expiry, identity) = username.split_once(':').unwrap();
    let expiry: u64 = expiry.parse().unwrap();
    assert!((before + 600..=before + 602).contains(&expiry), "{username}");
    assert_eq!(identity, a.id);
    let credential = rtcroom_proto::hub::turn::credential(b"coturn-shared", username);
    assert_eq!(ice["credential"], credential.as_str());

    let session = welcome["session"].as_str().unwrap().to_owned();
    a.close_and_wait().await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (_a, resumed) = Client::resume(&server, "r", "a", &session).await;
    let renewed = resumed["iceServers"][0]["username"].as_str().unwrap();
    assert_ne!(renewed, username, "a resume gets fresh credentials");
}

#[tokio::test]
async fn without_turn_flags_welcome_has_no_ice_servers() {
    let server = TestServer::start_default().await;
    let (_a, welcome) = Client::join(&server, "r", "a").await;
    assert_eq!(welcome["iceServers"], json!([]));
}

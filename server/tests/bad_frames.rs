//! Every rejected frame yields its error code; the connection and the room
//! membership survive it.

mod common;

use common::{Client, TestServer};
use serde_json::json;
use std::time::Duration;

/// After an error the sender still answers ping and still relays to `peer`.
async fn assert_still_works(sender: &mut Client, peer: &mut Client) {
    sender.assert_ping_pong().await;
    sender.signal(&peer.id, json!({"n": 1})).await;
    assert_eq!(peer.recv().await, json!({"type": "signal", "from": sender.id, "data": {"n": 1}}));
}

#[tokio::test]
async fn each_bad_frame_kind_yields_its_code_and_the_connection_keeps_working() {
    let server = TestServer::start_default().await;
    let (mut a, _) = Client::join(&server, "r", "alice").await;
    let (mut b, _) = Client::join(&server, "r", "bob").await;
    a.recv().await; // peer-joined

    let cases: &[(&str, &str)] = &[
        ("{not json", "malformed-json"),
        (r#"{"room":"r"}"#, "unknown-type"),
        (r#"{"type":"dance"}"#, "unknown-type"),
        (r#"{"type":"signal","to":"x"}"#, "invalid-frame"),
        (r#"{"type":"join","room":7}"#, "invalid-frame"),
        (r#"{"type":"join","room":"elsewhere"}"#, "already-joined"),
    ];
    for (frame, code) in cases {
        b.send_text(frame).await;
        b.expect_error(code).await;
        assert_still_works(&mut b, &mut a).await;
    }
    b.send_binary(b"{\"type\":\"ping\"}".to_vec()).await;
    b.expect_error("malformed-json").await;
    assert_still_works(&mut b, &mut a).await;
}

#[tokio::test]
async fn room_frames_before_join_report_not_joined() {
    let server = TestServer::start_default().await;
    let mut c = Client::connect(&server).await;
    c.send(json!({"type": "signal", "to": "p", "data": {}})).await;
    c.expect_error("not-joined").await;
    c.send(json!({"type": "update", "meta": {}})).await;
    c.expect_error("not-joined").await;
    c.assert_ping_pong().await;
}

#[tokio::test]
async fn invalid_room_is_rejected_and_a_valid_join_still_works() {
    let server = TestServer::start_default().await;
    let mut c = Client::connect(&server).await;
    c.send(json!({"type": "join", "room": ""})).await;
    c.expect_error("invalid-room").await;
    c.send(json!({"type": "join", "room": "x".repeat(129)})).await;
    c.expect_error("invalid-room").await;
    c.send(json!({"type": "join", "room": "ok"})).await;
    assert_eq!(c.recv().await["type"], "welcome");
}

#[tokio::test]
async fn frame_over_max_frame_is_answered_with_frame_too_large() {
    let server = TestServer::start(common::Config { max_frame: 1024, ..common::config() }).await;
    let (mut a, _) = Client::join(&server, "r", "alice").await;
    let (mut b, _) = Client::join(&server, "r", "bob").await;
    a.recv().await; // peer-joined
    let big = json!({"type": "signal", "to": a.id, "data": "x".repeat(2000)});
    b.send(big).await;
    b.expect_error("frame-too-large").await;
    a.assert_silent_for(Duration::from_millis(200)).await;
    assert_still_works(&mut b, &mut a).await;
    // Exactly at the limit is fine.
    let pad = 1024 - json!({"type": "ping", "pad": ""}).to_string().len();
    b.send(json!({"type": "ping", "pad": "x".repeat(pad)})).await;
    assert_eq!(b.recv().await, json!({"type": "pong"}));
}

#[tokio::test]
async fn flood_over_the_rate_limit_is_dropped_and_reported_once() {
    let server = TestServer::start(common::Config { rate_limit: 20, ..common::config() }).await;
    let mut c = Client::connect(&server).await;
    for _ in 0..30 {
        c.send(json!({"type": "ping"})).await;
    }
    for _ in 0..20 {
        assert_eq!(c.recv().await, json!({"type": "pong"}));
    }
    c.expect_error("rate-limited").await;
    c.assert_silent_for(Duration::from_millis(200)).await;
    // A new one-second window accepts frames again.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    c.assert_ping_pong().await;
}

/// Regression: WebSocket control frames bypassed the rate limit.
#[tokio::test]
async fn websocket_pings_count_against_the_rate_limit() {
    use futures::SinkExt;
    use tokio_tungstenite::tungstenite::Message;
    let server = TestServer::start(common::Config { rate_limit: 20, ..common::config() }).await;
    let mut c = Client::connect(&server).await;
    for _ in 0..25 {
        c.ws.feed(Message::Ping(b"x".to_vec().into())).await.unwrap();
    }
    c.ws.flush().await.unwrap();
    c.send(json!({"type": "ping"})).await;
    c.expect_error("rate-limited").await;
    // The app ping was over the limit too: dropped, no pong.
    c.assert_silent_for(Duration::from_millis(200)).await;
}

#[tokio::test]
async fn a_room_name_with_control_characters_is_refused_with_invalid_room() {
    let server = TestServer::start_default().await;
    let mut c = Client::connect(&server).await;
    for room in ["a\nb", "tab\there", "nul\u{0}", "del\u{7f}", "c1\u{85}"] {
        c.send(json!({"type": "join", "room": room})).await;
        c.expect_error("invalid-room").await;
    }
    c.send(json!({"type": "join", "room": "ünïcode ok"})).await;
    assert_eq!(c.recv().await["type"], "welcome");
}

//! Broken WebSocket framing ends the connection with the RFC 6455 close code
//! (a close frame, never a bare TCP close); oversized frames get an answer.

mod common;

use common::{Client, RawFrame, RawWs, TestServer};
use serde_json::json;

/// Joins `r` on a raw socket and returns it after the welcome.
async fn joined_raw(server: &TestServer) -> RawWs {
    let mut raw = RawWs::connect(server).await;
    raw.send_text(r#"{"type":"join","room":"r"}"#).await;
    match raw.read_frame().await {
        Some(RawFrame::Text(t)) => assert!(t.contains("welcome"), "{t}"),
        other => panic!("expected a welcome, got {other:?}"),
    }
    raw
}

#[tokio::test]
async fn invalid_utf8_in_a_text_frame_is_closed_with_1007() {
    let server = TestServer::start_default().await;
    let mut raw = joined_raw(&server).await;
    raw.send_frame(0x81, &[b'"', 0xff, 0xfe, b'"'], true).await;
    assert_eq!(raw.expect_close_code().await, 1007);
}

#[tokio::test]
async fn an_unmasked_client_frame_is_closed_with_1002() {
    let server = TestServer::start_default().await;
    let mut raw = joined_raw(&server).await;
    raw.send_frame(0x81, br#"{"type":"ping"}"#, false).await;
    assert_eq!(raw.expect_close_code().await, 1002);
}

#[tokio::test]
async fn reserved_opcodes_and_reserved_bits_are_closed_with_1002() {
    let server = TestServer::start_default().await;
    // Data opcode 3, control opcode 0xB, and RSV1 on a text frame.
    for first in [0x83, 0x8B, 0xC1] {
        let mut raw = joined_raw(&server).await;
        raw.send_frame(first, b"{}", true).await;
        assert_eq!(raw.expect_close_code().await, 1002, "first byte {first:#x}");
    }
}

#[tokio::test]
async fn a_frame_above_the_hard_cap_gets_frame_too_large_then_close_1009() {
    // The hard cap is 4x --max-frame: 4096 bytes here.
    let server = TestServer::start(common::Config { max_frame: 1024, ..common::config() }).await;
    let (mut a, _) = Client::join(&server, "r", "alice").await;
    let (mut b, _) = Client::join(&server, "r", "bob").await;
    a.recv().await; // peer-joined
    b.send(json!({"type": "signal", "to": a.id, "data": "x".repeat(5000)})).await;
    b.expect_error("frame-too-large").await;
    let frame = b.expect_close().await.expect("a close code");
    assert_eq!(u16::from(frame.code), 1009);
    // The room-mate got nothing of it.
    a.assert_silent_for(std::time::Duration::from_millis(100)).await;
}

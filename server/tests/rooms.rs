//! Room membership and relay, through real WebSockets.

mod common;

use common::{Client, TestServer};
use futures::SinkExt;
use serde_json::json;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn welcome_lists_earlier_peers_in_join_order() {
    let server = TestServer::start_default().await;
    let (_a, wa) = Client::join(&server, "r", "alice").await;
    assert_eq!(wa["peers"], json!([]));
    assert!(wa["session"].as_str().is_some_and(|s| !s.is_empty()));
    let (b, _) = Client::join(&server, "r", "bob").await;
    let (_c, wc) = Client::join(&server, "r", "carol").await;
    let peers = wc["peers"].as_array().unwrap();
    assert_eq!(peers.len(), 2);
    assert_eq!(peers[0]["id"], wa["id"]);
    assert_eq!(peers[0]["name"], "alice");
    assert_eq!(peers[1]["id"], b.id.as_str());
    assert_eq!(peers[1]["name"], "bob");
}

#[tokio::test]
async fn earlier_members_get_peer_joined() {
    let server = TestServer::start_default().await;
    let (mut a, _) = Client::join(&server, "r", "alice").await;
    let (b, _) = Client::join(&server, "r", "bob").await;
    let msg = a.recv().await;
    assert_eq!(msg["type"], "peer-joined");
    assert_eq!(msg["peer"]["id"], b.id.as_str());
    assert_eq!(msg["peer"]["name"], "bob");
}

#[tokio::test]
async fn leave_announces_peer_left_with_reason_left_and_closes_the_socket() {
    let server = TestServer::start_default().await;
    let (mut a, _) = Client::join(&server, "r", "alice").await;
    let (mut b, _) = Client::join(&server, "r", "bob").await;
    a.recv().await; // peer-joined
    b.send(json!({"type": "leave"})).await;
    assert_eq!(a.recv().await, json!({"type": "peer-left", "id": b.id, "reason": "left"}));
    let frame = b.expect_close().await.unwrap();
    assert_eq!(u16::from(frame.code), rtcroom_server::CLOSE_LEFT);
}

#[tokio::test]
async fn dropped_socket_announces_peer_left_with_reason_disconnected() {
    let server = TestServer::start_default().await;
    let (mut a, _) = Client::join(&server, "r", "alice").await;
    let (b, _) = Client::join(&server, "r", "bob").await;
    a.recv().await; // peer-joined
    let b_id = b.id.clone();
    drop(b); // TCP goes away without `leave` or a close frame
    assert_eq!(a.recv().await, json!({"type": "peer-left", "id": b_id, "reason": "disconnected"}));
}

#[tokio::test]
async fn close_frame_without_leave_counts_as_disconnected() {
    let server = TestServer::start_default().await;
    let (mut a, _) = Client::join(&server, "r", "alice").await;
    let (mut b, _) = Client::join(&server, "r", "bob").await;
    a.recv().await; // peer-joined
    b.ws.close(None).await.unwrap();
    assert_eq!(a.recv().await, json!({"type": "peer-left", "id": b.id, "reason": "disconnected"}));
}

#[tokio::test]
async fn signal_is_relayed_to_the_target_with_opaque_data() {
    let server = TestServer::start_default().await;
    let (mut a, _) = Client::join(&server, "r", "alice").await;
    let (mut b, _) = Client::join(&server, "r", "bob").await;
    a.recv().await; // peer-joined
    let data =
        json!({"kind": "description", "type": "offer", "sdp": "v=0\r\n", "extra": [1, null]});
    b.signal(&a.id, data.clone()).await;
    assert_eq!(a.recv().await, json!({"type": "signal", "from": b.id, "data": data}));
    a.signal(&b.id, json!(42)).await;
    assert_eq!(b.recv().await, json!({"type": "signal", "from": a.id, "data": 42}));
}

/// `data` is relayed as the text the sender wrote (spacing, key order,
/// number spelling, escapes), and a burst that the server writes out in
/// batches arrives whole and in order.
#[tokio::test]
async fn signal_data_is_relayed_byte_for_byte_and_a_burst_arrives_in_order() {
    let server = TestServer::start_default().await;
    let (mut a, _) = Client::join(&server, "r", "alice").await;
    let (mut b, _) = Client::join(&server, "r", "bob").await;
    a.recv().await; // peer-joined
    let data = |i: usize| {
        format!(
            r#"{{ "z": {i}, "a" :[1.50, 1e2, "\u00e9\n"], "pad": "{}" }}"#,
            "x".repeat(i * 7 % 900)
        )
    };
    // One write, so the server reads them together and queues them for `a`.
    for i in 0..120 {
        let text = format!(r#"{{"type":"signal","to":"{}","data":{}}}"#, a.id, data(i));
        b.ws.feed(Message::text(text)).await.unwrap();
    }
    b.ws.flush().await.unwrap();
    for i in 0..120 {
        let want = format!(r#"{{"type":"signal","from":"{}","data":{}}}"#, b.id, data(i));
        assert_eq!(a.recv_text().await, want, "frame {i}");
    }
}

#[tokio::test]
async fn signal_to_a_peer_in_another_room_is_not_delivered_and_reports_unknown_target() {
    let server = TestServer::start_default().await;
    let (mut a, _) = Client::join(&server, "room-1", "alice").await;
    let (mut other, _) = Client::join(&server, "room-2", "mallory").await;
    a.signal(&other.id, json!({"secret": true})).await;
    a.expect_error("unknown-target").await;
    other.assert_silent_for(Duration::from_millis(300)).await;
    a.signal("no-such-peer", json!({})).await;
    a.expect_error("unknown-target").await;
}

#[tokio::test]
async fn update_is_broadcast_as_peer_updated() {
    let server = TestServer::start_default().await;
    let (mut a, _) = Client::join(&server, "r", "alice").await;
    let (mut b, _) = Client::join(&server, "r", "bob").await;
    a.recv().await; // peer-joined
    b.send(json!({"type": "update", "meta": {"mic": "off"}})).await;
    let msg = a.recv().await;
    assert_eq!(msg["type"], "peer-updated");
    assert_eq!(msg["peer"]["id"], b.id.as_str());
    assert_eq!(msg["peer"]["meta"], json!({"mic": "off"}));
}

#[tokio::test]
async fn shutdown_closes_websockets_with_going_away() {
    let server = TestServer::start_default().await;
    let (mut a, _) = Client::join(&server, "r", "alice").await;
    let closing = tokio::spawn(async move { a.expect_close().await });
    server.shutdown().await;
    let frame = closing.await.unwrap().unwrap();
    assert_eq!(u16::from(frame.code), rtcroom_server::CLOSE_SHUTDOWN);
}

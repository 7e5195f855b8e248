//! WebSocket pings from the server, liveness and the heartbeat timeout.

mod common;

use common::{Client, TestServer};
use futures::StreamExt;
use serde_json::json;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

/// The test interval: the silence limit is two of them (1 s). Shorter
/// limits made the tests fail when a loaded machine starved the test
/// process for longer than the limit.
const INTERVAL: Duration = Duration::from_millis(500);

fn fast_heartbeat() -> common::Config {
    common::Config { heartbeat: INTERVAL, ..common::config() }
}

/// A member on a raw socket (it answers nothing unless the test does) and a
/// client watching it in the same room; returns both and the member's id.
async fn watched_raw_member(server: &TestServer) -> (common::RawWs, Client, String) {
    let mut raw = common::RawWs::connect(server).await;
    raw.send_text(r#"{"type":"join","room":"r"}"#).await;
    let (watcher, welcome) = Client::join(server, "r", "watcher").await;
    let raw_id = welcome["peers"][0]["id"].as_str().unwrap().to_owned();
    (raw, watcher, raw_id)
}

#[tokio::test]
async fn client_that_stops_reading_is_removed_with_reason_timeout() {
    let server = TestServer::start(fast_heartbeat()).await;
    // The silent client never reads again, so it never answers pings.
    let mut silent = Client::connect(&server).await;
    silent.send(json!({"type": "join", "room": "r"})).await;
    let (mut watcher, welcome) = Client::join(&server, "r", "watcher").await;
    let silent_id = welcome["peers"][0]["id"].as_str().unwrap().to_owned();
    let started = Instant::now();
    assert_eq!(
        watcher.recv().await,
        json!({"type": "peer-left", "id": silent_id, "reason": "timeout"})
    );
    // Two intervals of silence (1 s) counted from the join frame.
    let waited = started.elapsed();
    assert!(waited < INTERVAL * 2 + Duration::from_secs(2), "timed out after {waited:?}");
    drop(silent);
}

#[tokio::test]
async fn server_sends_pings_and_clients_that_answer_stay() {
    let server = TestServer::start(fast_heartbeat()).await;
    let (mut a, _) = Client::join(&server, "r", "alice").await;
    let (mut b, _) = Client::join(&server, "r", "bob").await;
    a.recv().await; // peer-joined

    // Both keep reading (tungstenite answers pings while reading) well past
    // the 1 s silence limit; b also counts the pings it sees.
    let watch = INTERVAL * 5;
    let count_pings = async {
        let mut pings = 0;
        let deadline = tokio::time::Instant::now() + watch;
        while let Ok(Some(msg)) = tokio::time::timeout_at(deadline, b.ws.next()).await {
            match msg.unwrap() {
                Message::Ping(_) => pings += 1,
                other => panic!("unexpected {other:?}"),
            }
        }
        pings
    };
    let (pings, ()) = tokio::join!(count_pings, a.assert_silent_for(watch));
    assert!(pings >= 3, "only {pings} pings in {watch:?} at a {INTERVAL:?} interval");
    a.assert_ping_pong().await;
    b.signal(&a.id, json!("still here")).await;
    assert_eq!(a.recv().await["data"], "still here");
}

#[tokio::test]
async fn application_ping_is_answered_with_pong() {
    let server = TestServer::start_default().await;
    let mut c = Client::connect(&server).await;
    c.assert_ping_pong().await;
}

/// Regression: any frame refreshed the silence deadline, so a client that
/// sent WebSocket pings (or pongs nobody asked for) stayed a member for ever
/// without answering the server's pings.
#[tokio::test]
async fn client_pings_and_unsolicited_pongs_do_not_keep_a_silent_member_alive() {
    let server = TestServer::start(fast_heartbeat()).await;
    let (mut raw, mut watcher, raw_id) = watched_raw_member(&server).await;
    // Never reads, so never answers the server's pings; keeps writing
    // control frames well within the rate limit.
    let keep_busy = async {
        loop {
            raw.send_frame(0x89, b"ping", true).await;
            raw.send_frame(0x8A, b"fake pong", true).await;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    let left = tokio::select! {
        left = watcher.recv() => left,
        () = keep_busy => unreachable!(),
        () = tokio::time::sleep(common::PATIENCE) => panic!("the busy member was never timed out"),
    };
    assert_eq!(left, json!({"type": "peer-left", "id": raw_id, "reason": "timeout"}));
    let timeouts = server.stats.drops(rtcroom_server::stats::DropReason::HeartbeatTimeout);
    assert_eq!(timeouts, 1);
}

/// The silence deadline follows the member's last frame although its timer
/// is re-armed only when it fires (not at every frame): a member that keeps
/// sending past the first deadline stays, and is timed out two intervals
/// after it stops.
#[tokio::test]
async fn a_member_is_timed_out_two_intervals_after_its_last_frame() {
    let server = TestServer::start(fast_heartbeat()).await;
    let (mut raw, mut watcher, raw_id) = watched_raw_member(&server).await;
    // 2.5 silence limits of application frames; never reads, so it never
    // answers the server's pings.
    let keep_sending = async {
        let until = Instant::now() + INTERVAL * 5;
        while Instant::now() < until {
            raw.send_text(r#"{"type":"ping"}"#).await;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::select! {
        msg = watcher.recv() => panic!("while the member was sending: {msg}"),
        () = keep_sending => {}
    }
    let stopped = Instant::now();
    assert_eq!(
        watcher.recv().await,
        json!({"type": "peer-left", "id": raw_id, "reason": "timeout"})
    );
    let after = stopped.elapsed();
    assert!(
        after >= INTERVAL * 3 / 2 && after < INTERVAL * 2 + Duration::from_secs(2),
        "timed out {after:?} after its last frame (silence limit {:?})",
        INTERVAL * 2
    );
}

//! Bounded outgoing queues: a client that stops reading is closed as a slow
//! consumer and never costs its room-mates memory, latency or frames.

mod common;

use common::{eventually, Client, Config, TestServer, PATIENCE};
use futures::StreamExt;
use rtcroom_server::stats::DropReason;
use serde_json::json;
use std::time::Duration;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::Message;

const BOUND: usize = 256 * 1024;

fn bounded() -> Config {
    Config {
        max_queue_bytes: BOUND,
        max_queue_frames: 64,
        resume_grace: Duration::from_secs(60),
        ..common::config()
    }
}

/// Reads and discards text frames until the close frame; returns its code.
async fn close_code_after_backlog(c: &mut Client) -> u16 {
    let read = async {
        loop {
            match c.ws.next().await {
                Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
                Some(Ok(_)) => continue,
                other => panic!("expected a close frame, got {other:?}"),
            }
        }
    };
    timeout(PATIENCE, read).await.expect("no close frame").expect("a close frame without a code")
}

#[tokio::test]
async fn clients_that_stop_reading_are_closed_as_slow_consumers_while_a_reading_pair_gets_every_frame_in_order(
) {
    let server = TestServer::start(bounded()).await;
    let stats = server.stats.clone();
    let (mut a, _) = Client::join(&server, "r", "sender").await;
    let (mut b, _) = Client::join(&server, "r", "reader").await;
    assert_eq!(a.recv().await["type"], "peer-joined");
    let mut slow = Client::connect_small_window(&server).await;
    slow.send(json!({"type": "join", "room": "r", "name": "slow"})).await;
    let welcome = slow.recv().await;
    let token = welcome["session"].as_str().unwrap().to_owned();
    let slow_id = welcome["id"].as_str().unwrap().to_owned();
    assert_eq!(a.recv().await["type"], "peer-joined");
    assert_eq!(b.recv().await["type"], "peer-joined");
    // A second non-reader that only gets the broadcasts.
    let mut mute = Client::connect_small_window(&server).await;
    mute.send(json!({"type": "join", "room": "r", "name": "mute"})).await;
    assert_eq!(mute.recv().await["type"], "welcome");
    assert_eq!(a.recv().await["type"], "peer-joined");
    assert_eq!(b.recv().await["type"], "peer-joined");
    // From here on `slow` and `mute` read nothing until they are closed.

    // 150 updates of 60 KB (9 MB to each other member) plus a small signal
    // to the slow client each, ~170 frames/s: within the 200/s rate limit.
    const UPDATES: usize = 150;
    let pad = "x".repeat(60_000);
    let sender = async {
        for n in 0..UPDATES {
            a.send(json!({"type": "update", "meta": {"seq": n.to_string(), "pad": pad}})).await;
            a.signal(&slow_id, json!({"seq": n})).await;
            tokio::time::sleep(Duration::from_millis(12)).await;
        }
    };
    let reader = async {
        for n in 0..UPDATES {
            let m = b.recv().await;
            assert_eq!(m["type"], "peer-updated", "{}", m["type"]);
            assert_eq!(m["peer"]["meta"]["seq"], n.to_string());
        }
    };
    // They read again only once the server gave up on them, to find the
    // close frame behind their backlog (the server waits 2 s for that).
    let slow_side = async {
        eventually("both non-readers are dropped", || stats.drops(DropReason::SlowConsumer) == 2)
            .await;
        tokio::join!(close_code_after_backlog(&mut slow), close_code_after_backlog(&mut mute))
    };
    let mut peak = 0;
    let sampler = async {
        loop {
            peak = peak.max(stats.queued_bytes());
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    let codes = tokio::select! {
        ((), (), codes) = async { tokio::join!(sender, reader, slow_side) } => codes,
        () = sampler => unreachable!(),
    };
    // Three receivers, each within its own bound.
    assert!(peak <= 3 * BOUND, "{peak} bytes queued; the bound is {BOUND} per connection");
    let slow_code = rtcroom_server::CLOSE_SLOW_CONSUMER;
    assert_eq!(codes, (slow_code, slow_code));
    assert_eq!(stats.drops(DropReason::SlowConsumer), 2, "only the non-readers");

    // Suspended like a dropped socket: it resumes as the same participant,
    // and the others saw nothing.
    let (slow, welcome) = Client::resume(&server, "r", "slow", &token).await;
    assert_eq!(welcome["id"], slow_id.as_str());
    b.assert_silent_for(Duration::from_millis(100)).await;

    drop(mute);
    for c in [a, b, slow] {
        c.close_and_wait().await;
    }
    eventually("every queue is empty", || stats.queued_bytes() == 0 && stats.connections() == 0)
        .await;
    assert_eq!(stats.queued_frames(), 0);
}

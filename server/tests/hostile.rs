//! A hostile client in the middle of a real call: while a legitimate pair
//! signals in the attacked room and another pair in a second room, one
//! client sends malformed, oversized, spoofed, cross-room and flooding
//! frames and two more break RFC 6455. Every legitimate frame arrives, in
//! order, with the right `from`; nothing crosses into the other room; every
//! hostile frame gets the typed error or close code the README gives it.

mod common;

use common::{Client, RawWs, TestServer};
use serde_json::{json, Value};
use std::time::Duration;
use tokio::time::sleep;

const SIGNALS: u64 = 60;
/// 25 frames/s per legitimate client, well under the limit below.
const SPACING: Duration = Duration::from_millis(40);
const RATE_LIMIT: u32 = 50;
const MAX_FRAME: usize = 1024;

/// Sends `SIGNALS` numbered signals to `to`, then reads until the same
/// number arrived from `partner`; returns every text frame it read.
async fn call(mut me: Client, to: String, partner: String) -> (Client, Vec<Value>) {
    for seq in 0..SIGNALS {
        me.signal(&to, json!({"seq": seq, "sdp": "v=0 ".repeat(40)})).await;
        sleep(SPACING).await;
    }
    let mut frames = Vec::new();
    let mut from_partner = 0;
    while from_partner < SIGNALS {
        let f = me.recv().await;
        if f["type"] == "signal" && f["from"] == partner.as_str() {
            from_partner += 1;
        }
        frames.push(f);
    }
    (me, frames)
}

/// The partner's signals arrived once each, in order; other frames are only
/// the allowed ones (`extra` decides).
fn assert_call(who: &str, partner: &str, frames: &[Value], extra: impl Fn(&Value) -> bool) {
    let seqs: Vec<u64> = frames
        .iter()
        .filter(|f| f["type"] == "signal" && f["from"] == partner)
        .map(|f| f["data"]["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, (0..SIGNALS).collect::<Vec<_>>(), "{who}: partner's signals in order");
    for f in frames.iter().filter(|f| !(f["type"] == "signal" && f["from"] == partner)) {
        assert!(extra(f), "{who} got an unexpected frame {f}");
    }
}

/// Reads the hostile client's frames until an `error`, skipping pongs.
async fn next_error(h: &mut Client) -> String {
    loop {
        let f = h.recv().await;
        match f["type"].as_str() {
            Some("error") => {
                assert!(f["message"].as_str().is_some_and(|m| !m.is_empty()), "{f}");
                return f["code"].as_str().unwrap().to_owned();
            }
            Some("pong" | "peer-joined" | "peer-left" | "peer-updated") => continue,
            _ => panic!("hostile client got {f}"),
        }
    }
}

async fn join_raw(server: &TestServer, room: &str) -> RawWs {
    let mut raw = RawWs::connect(server).await;
    raw.send_text(&json!({"type": "join", "room": room}).to_string()).await;
    match raw.read_frame().await {
        Some(common::RawFrame::Text(t)) => assert!(t.contains("\"welcome\""), "{t}"),
        other => panic!("expected welcome, got {other:?}"),
    }
    raw
}

#[tokio::test]
async fn a_hostile_client_cannot_disturb_a_call_in_its_room_or_reach_another_room() {
    let server = TestServer::start(common::Config {
        rate_limit: RATE_LIMIT,
        max_frame: MAX_FRAME,
        ..common::config()
    })
    .await;
    let (a, _) = Client::join(&server, "call", "alice").await;
    let (b, _) = Client::join(&server, "call", "bob").await;
    let (c, _) = Client::join(&server, "other", "carol").await;
    let (d, _) = Client::join(&server, "other", "dave").await;
    let (mut h, _) = Client::join(&server, "call", "mallory").await;
    let (a_id, b_id, c_id, d_id, h_id) =
        (a.id.clone(), b.id.clone(), c.id.clone(), d.id.clone(), h.id.clone());

    let calls = tokio::spawn({
        let (a_id, b_id, c_id, d_id) = (a_id.clone(), b_id.clone(), c_id.clone(), d_id.clone());
        async move {
            tokio::join!(
                call(a, b_id.clone(), b_id.clone()),
                call(b, a_id.clone(), a_id.clone()),
                call(c, d_id.clone(), d_id.clone()),
                call(d, c_id.clone(), c_id.clone()),
            )
        }
    });

    // Malformed, wrongly typed and misplaced frames: typed errors, and the
    // connection stays.
    let cases: Vec<(String, &str)> = vec![
        ("{\"type\":\"signal\",".into(), "malformed-json"),
        ("\u{feff}{\"type\":\"ping\"}".into(), "malformed-json"),
        (r#"{"type":"signal","to":null,"data":1}"#.into(), "invalid-frame"),
        (r#"{"type":"teleport","to":"everyone"}"#.into(), "unknown-type"),
        (r#"{"type":"update","meta":{"role":["admin"]}}"#.into(), "invalid-frame"),
        (json!({"type": "join", "room": "other"}).to_string(), "already-joined"),
        (
            json!({"type": "join", "room": "call", "resume": "v1.forged"}).to_string(),
            "already-joined",
        ),
        // Cross-room: carol is in the other room.
        (json!({"type": "signal", "to": c_id, "data": {"seq": 0}}).to_string(), "unknown-target"),
        // Oversized but under the hard cap: refused, the connection stays.
        (
            json!({"type": "signal", "to": a_id, "data": "x".repeat(2 * MAX_FRAME)}).to_string(),
            "frame-too-large",
        ),
    ];
    for (frame, code) in &cases {
        h.send_text(frame).await;
        assert_eq!(next_error(&mut h).await, *code, "after {frame:.80}");
    }
    h.send_binary(vec![0xff; 64]).await;
    assert_eq!(next_error(&mut h).await, "malformed-json");
    h.assert_ping_pong().await;

    // A spoofed `from` is overwritten: alice sees the signal as mallory's.
    h.send(json!({"type": "signal", "to": a_id, "from": b_id, "data": {"spoof": true}})).await;

    // Two more attackers in the call's room break the WebSocket protocol.
    let mut unmasked = join_raw(&server, "call").await;
    unmasked.send_frame(0x81, br#"{"type":"ping"}"#, false).await;
    assert_eq!(unmasked.expect_close_code().await, rtcroom_server::CLOSE_PROTOCOL_ERROR);
    let mut bad_utf8 = join_raw(&server, "call").await;
    bad_utf8.send_frame(0x81, &[b'"', 0xc3, 0x28, b'"'], true).await;
    assert_eq!(bad_utf8.expect_close_code().await, rtcroom_server::CLOSE_INVALID_PAYLOAD);

    // A flood in a fresh one-second window: pings and cross-room signals.
    sleep(Duration::from_millis(1100)).await;
    let flood: Vec<Value> = (0..200)
        .map(|i| match i % 2 {
            0 => json!({"type": "ping"}),
            _ => json!({"type": "signal", "to": c_id, "data": {"seq": i}}),
        })
        .collect();
    h.send_batch(&flood).await;
    let (mut answered, mut limited) = (0, 0);
    while limited == 0 {
        let f = h.recv().await;
        match (f["type"].as_str(), f["code"].as_str()) {
            (Some("pong"), _) | (Some("error"), Some("unknown-target")) => answered += 1,
            (Some("error"), Some("rate-limited")) => limited += 1,
            (Some("peer-joined" | "peer-left"), _) => {}
            _ => panic!("flood answered with {f}"),
        }
    }
    assert!(answered <= RATE_LIMIT, "{answered} flood frames answered");
    h.assert_silent_for(Duration::from_millis(300)).await;
    sleep(Duration::from_millis(800)).await;
    h.assert_ping_pong().await;

    // Above the hard cap (4x the limit): `frame-too-large`, then close 1009.
    h.send_text(&json!({"type": "ping", "pad": "x".repeat(5 * MAX_FRAME)}).to_string()).await;
    assert_eq!(next_error(&mut h).await, "frame-too-large");
    let close = h.expect_close().await.expect("a close frame");
    assert_eq!(u16::from(close.code), rtcroom_server::CLOSE_TOO_BIG);

    let ((a, fa), (b, fb), (c, fc), (d, fd)) = calls.await.unwrap();
    // In the attacked room: the partner's signals, the attackers coming and
    // going, and mallory's spoof attempt under mallory's own id.
    let in_call = |f: &Value| match f["type"].as_str() {
        // Bob joined after alice; the attackers come and go.
        Some("peer-joined") => f["peer"]["id"] != a_id,
        Some("peer-left") => f["id"] != a_id && f["id"] != b_id,
        Some("signal") => f["from"] == h_id.as_str() && f["data"] == json!({"spoof": true}),
        _ => false,
    };
    assert_call("alice", &b_id, &fa, in_call);
    assert!(fa.iter().any(|f| f["from"] == h_id.as_str()), "alice got mallory's signal");
    assert_call("bob", &a_id, &fb, |f| in_call(f) && f["type"] != "signal");
    // In the other room: nothing but the partner's signals.
    assert_call("carol", &d_id, &fc, |f| f["type"] == "peer-joined" && f["peer"]["id"] == d_id);
    assert_call("dave", &c_id, &fd, |_| false);
    // Checked together: a client dropped early would be a `peer-left` here.
    let (mut a, mut b, mut c, mut d) = (a, b, c, d);
    tokio::join!(
        c.assert_silent_for(Duration::from_millis(200)),
        d.assert_silent_for(Duration::from_millis(200)),
    );
    // Both still work; meanwhile the attackers' grace ran out.
    for member in [&mut a, &mut b] {
        member.send(json!({"type": "ping"})).await;
        loop {
            let f = member.recv().await;
            if f["type"] == "pong" {
                break;
            }
            assert!(f["type"] == "peer-left" && f["id"] != a_id && f["id"] != b_id, "{f}");
        }
    }
}

//! Keepalive and transaction deadlines.

use super::*;
use rtcroom::core::sfu::janus::{
    JanusError, JanusState, KEEPALIVE_INTERVAL, SESSION_TIMEOUT, TRANSACTION_TIMEOUT,
};

#[test]
fn keepalives_keep_the_session_from_ever_being_idle_60_s() {
    let mut j = Script::joined(30, json!([]));
    let from = j.sent.len();
    let start = j.now.0;
    // Ten idle minutes; Janus acks each keepalive after 30 ms.
    while j.now.0 < start + 600_000 {
        let before = j.sent.len();
        j.advance(1_000);
        for v in j.sent_since(before) {
            assert_eq!(v, json!({"janus":"keepalive","transaction":tx(&v),"session_id":SESSION}));
            j.advance(30);
            j.recv(json!({"janus":"ack","session_id":SESSION,"transaction":tx(&v)}));
        }
    }
    let times: Vec<u64> = std::iter::once(j.sent[from - 1].0 .0)
        .chain(j.sent[from..].iter().map(|(t, _)| t.0))
        .collect();
    assert!(times.len() >= 600_000 / KEEPALIVE_INTERVAL as usize, "{times:?}");
    let max_gap = times.windows(2).map(|w| w[1] - w[0]).max().unwrap();
    assert_eq!(max_gap, KEEPALIVE_INTERVAL, "a keepalive every 25 s");
    assert!(max_gap < SESSION_TIMEOUT);
    assert_eq!(j.s.state(), JanusState::Joined);
}

#[test]
fn any_request_postpones_the_next_keepalive() {
    let mut j = Script::joined(31, json!([Script::publisher(2)]));
    let t = j.now.0;
    j.advance(20_000);
    j.s.subscribe(j.now, &[2]).unwrap();
    j.drain();
    let out_before = j.sent.len();
    j.advance(24_000);
    assert_eq!(j.sent.len(), out_before, "no keepalive 24 s after the subscribe");
    j.advance(1_000);
    assert_eq!(j.last_sent()["janus"], "keepalive");
    assert_eq!(j.sent.last().unwrap().0 .0, t + 45_000);
}

#[test]
fn an_unanswered_create_fails_the_session_at_the_transaction_timeout() {
    let mut j = Script::new(32);
    j.s.join_room(j.now).unwrap();
    j.drain();
    j.opened();
    assert_eq!(j.s.poll_timeout(), Some(Millis(TRANSACTION_TIMEOUT)));
    let out = j.advance(TRANSACTION_TIMEOUT);
    assert_eq!(
        out,
        [
            JanusOutput::Disconnect(SocketId(1)),
            event(JanusEvent::Failed {
                reason: JanusError::TransactionTimedOut {
                    request: "create",
                    ms: TRANSACTION_TIMEOUT
                }
            }),
        ]
    );
    assert_eq!(j.s.state(), JanusState::Failed);
    assert_eq!(j.s.poll_timeout(), None);
}

#[test]
fn an_unanswered_subscribe_is_reported_and_the_session_stays_joined() {
    let mut j = Script::joined(33, json!([Script::publisher(2)]));
    j.s.subscribe(j.now, &[2]).unwrap();
    j.drain();
    let join = j.last_sent();
    // Acked, but the event never comes.
    j.recv(json!({"janus":"ack","session_id":SESSION,"transaction":tx(&join)}));
    let out = j.advance(TRANSACTION_TIMEOUT);
    assert!(
        out.contains(&event(JanusEvent::RequestFailed {
            request: "join",
            error: JanusError::TransactionTimedOut { request: "join", ms: TRANSACTION_TIMEOUT },
        })),
        "{out:?}"
    );
    assert_eq!(j.s.state(), JanusState::Joined);
    // The subscriber can be joined again.
    j.s.subscribe(j.now, &[2]).unwrap();
    j.drain();
    assert_eq!(j.last_sent()["body"]["request"], "join");
}

#[test]
fn a_socket_that_opens_too_late_fails_the_join() {
    let mut j = Script::new(34);
    j.s.join_room(j.now).unwrap();
    j.drain();
    let out = j.advance(10_000);
    assert_eq!(
        out,
        [
            JanusOutput::Disconnect(SocketId(1)),
            event(JanusEvent::Failed { reason: JanusError::Unreachable(5_000) })
        ]
    );
}

#[test]
fn an_unacked_keepalive_means_a_dead_socket_and_a_reconnect() {
    let mut j = Script::joined(35, json!([]));
    let t = j.now.0;
    let out = j.advance(t + KEEPALIVE_INTERVAL + TRANSACTION_TIMEOUT - j.now.0);
    let tail: Vec<_> = out.into_iter().filter(|o| !matches!(o, JanusOutput::Send(_))).collect();
    assert_eq!(
        tail,
        [
            JanusOutput::Disconnect(SocketId(1)),
            event(JanusEvent::Reconnecting),
            JanusOutput::Connect(SocketId(2))
        ]
    );
    assert_eq!(j.s.state(), JanusState::Reconnecting);
}

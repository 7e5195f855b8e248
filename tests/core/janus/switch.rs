//! Substream switching: `configure {streams:[{mid, substream}]}`, done when
//! Janus's event reports that substream on that mid, re-sent until then
//! (TOOLCHAIN.md: switches otherwise stall ~10 s): every 20 ms until the
//! publisher's key-frame interval (300 ms) has passed since the first send,
//! then every 400 ms, given up after a bounded number of sends.

use super::subscribe::subscribed;
use super::*;
use rtcroom::core::sfu::janus::{
    next_send_at, JanusError, KEYFRAME_REQUEST_INTERVAL, SWITCH_MAX_SENDS, SWITCH_RESEND_AFTER,
    SWITCH_RESEND_FAST,
};

fn switches_sent(j: &Script, from: usize) -> Vec<(u64, Value)> {
    j.sent[from..]
        .iter()
        .filter(|(_, v)| v["body"]["request"] == "configure")
        .map(|(t, v)| (t.0, v.clone()))
        .collect()
}

#[test]
fn the_resend_schedule_covers_the_key_frame_interval_finely_then_slows_down() {
    let at = |n| next_send_at(Millis(1_000), n).0 - 1_000;
    assert_eq!(
        (KEYFRAME_REQUEST_INTERVAL, SWITCH_RESEND_FAST, SWITCH_RESEND_AFTER),
        (300, 20, 400)
    );
    let times: Vec<u64> = (0..SWITCH_MAX_SENDS).map(at).collect();
    let fast: Vec<u64> = (0..=15).map(|n| n * 20).collect();
    assert_eq!(times[..16], fast[..]);
    assert_eq!(times[16..], [700, 1_100, 1_500, 1_900]);
    // A send lands at most SWITCH_RESEND_FAST after the interval ends,
    // however late in it the first one came.
    assert!(times
        .windows(2)
        .take_while(|w| w[0] < KEYFRAME_REQUEST_INTERVAL)
        .all(|w| w[1] - w[0] == SWITCH_RESEND_FAST));
}

#[test]
fn a_switch_whose_event_never_comes_is_resent_on_schedule_then_given_up_with_a_typed_error() {
    let mut j = subscribed(20);
    let from = j.sent.len();
    let t0 = j.now.0;
    j.s.set_substream(j.now, "1", 2).unwrap();
    j.drain();
    let first = j.last_sent();
    assert_eq!(
        first,
        json!({"janus":"message","transaction":tx(&first),"session_id":SESSION,"handle_id":SUB,
               "body":{"request":"configure","streams":[{"mid":"1","substream":2}]}})
    );
    // Janus acks every configure (and says `configured`) but the layer
    // does not change.
    let mut given_up = Vec::new();
    for _ in 0..30 {
        let last = j.last_sent();
        j.recv(json!({"janus":"ack","session_id":SESSION,"transaction":tx(&last)}));
        let out = j.advance(100);
        given_up.extend(
            out.into_iter()
                .filter(|o| matches!(o, JanusOutput::Event(JanusEvent::SwitchFailed { .. }))),
        );
    }
    let sends = switches_sent(&j, from);
    assert_eq!(sends.len() as u32, SWITCH_MAX_SENDS);
    let times: Vec<u64> = sends.iter().map(|(t, _)| t - t0).collect();
    let expected: Vec<u64> =
        (0..SWITCH_MAX_SENDS).map(|i| next_send_at(Millis(t0), i).0 - t0).collect();
    assert_eq!(times, expected, "re-sent on schedule");
    let mut ids: Vec<String> = sends.iter().map(|(_, v)| tx(v)).collect();
    for (_, v) in &sends {
        assert_eq!(v["body"], first["body"], "the same request each time");
    }
    ids.dedup();
    assert_eq!(ids.len(), sends.len(), "each send is its own transaction");
    assert_eq!(
        given_up,
        [event(JanusEvent::SwitchFailed {
            mid: "1".into(),
            substream: 2,
            error: JanusError::SwitchNotConfirmed {
                mid: "1".into(),
                substream: 2,
                attempts: SWITCH_MAX_SENDS
            },
        })]
    );
    assert_eq!(
        JanusError::SwitchNotConfirmed { mid: "1".into(), substream: 2, attempts: 11 }.code(),
        "switch-timeout"
    );
}

#[test]
fn a_switch_whose_event_comes_is_done_and_never_resent() {
    let mut j = subscribed(21);
    let from = j.sent.len();
    j.s.set_substream(j.now, "1", 0).unwrap();
    j.drain();
    let cfg = j.last_sent();
    j.advance(150);
    // Janus acks, says `configured`, and later reports the new layer.
    j.recv(json!({"janus":"ack","session_id":SESSION,"transaction":tx(&cfg)}));
    j.recv(json!({"janus":"event","session_id":SESSION,"transaction":tx(&cfg),"sender":SUB,
        "plugindata":{"plugin":"janus.plugin.videoroom","data":{"videoroom":"event","room":ROOM,"configured":"ok"}}}));
    j.advance(100);
    // Re-sent meanwhile (every SWITCH_RESEND_FAST ms): the publisher may
    // have dropped the key-frame request.
    let sent = switches_sent(&j, from).len();
    assert_eq!(sent as u64, 250 / SWITCH_RESEND_FAST + 1);
    let out =
        j.push_event(SUB, json!({"videoroom":"event","room":ROOM,"mid":"1","substream":0}), None);
    assert_eq!(out, [event(JanusEvent::SubstreamChanged { mid: "1".into(), substream: 0 })]);
    j.advance(5_000);
    assert_eq!(switches_sent(&j, from).len(), sent, "no re-send once confirmed");
    assert!(!j.events().iter().any(|e| matches!(e, JanusEvent::SwitchFailed { .. })));
}

#[test]
fn a_report_of_another_substream_does_not_complete_the_switch() {
    let mut j = subscribed(22);
    let from = j.sent.len();
    j.s.set_substream(j.now, "1", 2).unwrap();
    j.drain();
    j.advance(100);
    // Janus passes through layer 1 on its way (or still sends the old one).
    let out =
        j.push_event(SUB, json!({"videoroom":"event","room":ROOM,"mid":"1","substream":1}), None);
    assert_eq!(out, [event(JanusEvent::SubstreamChanged { mid: "1".into(), substream: 1 })]);
    j.advance(350);
    let sent = switches_sent(&j, from).len();
    assert!(sent > 1, "still re-sent");
    j.push_event(SUB, json!({"videoroom":"event","room":ROOM,"mid":"1","substream":2}), None);
    j.advance(3_000);
    assert_eq!(switches_sent(&j, from).len(), sent, "done at the matching report");
}

#[test]
fn a_newer_switch_on_the_same_mid_replaces_the_pending_one() {
    let mut j = subscribed(23);
    let from = j.sent.len();
    j.s.set_substream(j.now, "1", 2).unwrap();
    j.advance(200);
    j.s.set_substream(j.now, "1", 0).unwrap();
    j.drain();
    j.push_event(SUB, json!({"videoroom":"event","room":ROOM,"mid":"1","substream":0}), None);
    j.advance(3_000);
    let sends = switches_sent(&j, from);
    let targets: Vec<&Value> =
        sends.iter().map(|(_, v)| &v["body"]["streams"][0]["substream"]).collect();
    let first_new = targets.iter().position(|t| **t == 0).expect("the new switch is sent");
    assert!(targets[..first_new].iter().all(|t| **t == 2));
    assert_eq!(targets[first_new..], [&json!(0)], "once, and the old one never again");
    assert!(!j.events().iter().any(|e| matches!(e, JanusEvent::SwitchFailed { .. })));
}

#[test]
fn a_switch_janus_refuses_is_reported_and_not_resent() {
    let mut j = subscribed(24);
    let from = j.sent.len();
    j.s.set_substream(j.now, "1", 1).unwrap();
    j.drain();
    let cfg = j.last_sent();
    let out = j.reply_event(
        &cfg,
        SUB,
        json!({"videoroom":"event","error_code":430,"error":"Invalid element (substream)"}),
        None,
    );
    assert_eq!(
        out,
        [event(JanusEvent::SwitchFailed {
            mid: "1".into(),
            substream: 1,
            error: JanusError::VideoRoom {
                code: 430,
                reason: "Invalid element (substream)".into()
            },
        })]
    );
    j.advance(3_000);
    assert_eq!(switches_sent(&j, from).len(), 1);
}

#[test]
fn switch_arguments_are_validated() {
    let mut j = subscribed(25);
    assert_eq!(j.s.set_substream(j.now, "9", 1), Err(JanusError::UnknownMid("9".into())));
    assert_eq!(j.s.set_substream(j.now, "1", 3), Err(JanusError::InvalidSubstream(3)));
}

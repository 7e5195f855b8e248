//! Adaptive stream: the layer of each subscribed video follows the size the
//! app renders it at; hidden pauses it; switches are re-sent until Janus
//! confirms them.

use super::*;
use rtcroom::core::sfu::janus::{SWITCH_RESEND_AFTER, SWITCH_RESEND_FAST};
use rtcroom::core::sfu::room::adaptive::{layer_for, layer_widths, Layer, View};

fn view(width: u32, visible: bool) -> View {
    View { width, height: width * 9 / 16, visible }
}

fn configures(s: &Sfu, from: usize) -> Vec<Value> {
    s.sent[from..]
        .iter()
        .filter(|v| v["body"]["request"] == "configure" && v["handle_id"] == SUB)
        .map(|v| v["body"]["streams"][0].clone())
        .collect()
}

#[test]
fn the_layer_is_the_smallest_covering_the_rendered_width() {
    assert_eq!(layer_widths(), [320, 640, 1280]);
    assert_eq!(layer_for(view(160, true)), Layer::Substream(0));
    assert_eq!(layer_for(view(320, true)), Layer::Substream(0));
    // Up to 15 % of upscaling keeps the lower layer.
    assert_eq!(layer_for(view(360, true)), Layer::Substream(0));
    assert_eq!(layer_for(view(380, true)), Layer::Substream(1));
    assert_eq!(layer_for(view(640, true)), Layer::Substream(1));
    assert_eq!(layer_for(view(900, true)), Layer::Substream(2));
    assert_eq!(layer_for(view(3840, true)), Layer::Substream(2));
}

#[test]
fn hidden_or_empty_pauses() {
    assert_eq!(layer_for(view(1280, false)), Layer::Paused);
    assert_eq!(layer_for(View { width: 0, height: 0, visible: true }), Layer::Paused);
}

#[test]
fn shrinking_switches_down_growing_switches_up_and_the_same_size_sends_nothing() {
    let mut s = subscribed(&[901]);
    let from = s.sent.len();
    s.room.set_video_size(s.now, "t1", view(320, true)).unwrap();
    s.drain();
    assert_eq!(configures(&s, from), [json!({"mid":"1","substream":0})]);
    s.room.set_video_size(s.now, "t1", view(300, true)).unwrap();
    s.drain();
    assert_eq!(configures(&s, from).len(), 1, "same layer: nothing sent");
    s.room.set_video_size(s.now, "t1", view(1280, true)).unwrap();
    s.drain();
    assert_eq!(configures(&s, from)[1], json!({"mid":"1","substream":2}));
    s.push_event(SUB, json!({"videoroom":"event","room":ROOM,"mid":"1","substream":2}), None);
    s.room.set_video_size(s.now, "t1", view(640, true)).unwrap();
    s.drain();
    assert_eq!(configures(&s, from)[2], json!({"mid":"1","substream":1}));
    assert_eq!(s.room.sfu().unwrap().wanted_layer("1"), Some(Layer::Substream(1)));
}

#[test]
fn an_unconfirmed_switch_is_re_sent_and_a_confirmed_one_is_not() {
    let mut s = subscribed(&[901]);
    let from = s.sent.len();
    s.room.set_video_size(s.now, "t1", view(320, true)).unwrap();
    s.drain();
    s.advance(SWITCH_RESEND_FAST);
    assert_eq!(configures(&s, from).len(), 2, "re-sent after {SWITCH_RESEND_FAST} ms");
    s.push_event(SUB, json!({"videoroom":"event","room":ROOM,"mid":"1","substream":0}), None);
    s.advance(5 * SWITCH_RESEND_AFTER);
    assert_eq!(configures(&s, from).len(), 2);
}

#[test]
fn a_switch_is_timed_from_the_call_not_from_the_rooms_last_input() {
    let mut s = subscribed(&[901]);
    // Nothing happens for a while (no frame, no timer): the room's clock
    // stands still until the app calls.
    s.now = Millis(s.now.0 + 10_000);
    let from = s.sent.len();
    s.room.set_video_size(s.now, "t1", view(320, true)).unwrap();
    s.drain();
    assert_eq!(configures(&s, from).len(), 1);
    s.advance(SWITCH_RESEND_FAST - 1);
    assert_eq!(configures(&s, from).len(), 1, "no re-send before {SWITCH_RESEND_FAST} ms");
    s.advance(1);
    assert_eq!(configures(&s, from).len(), 2);
}

#[test]
fn hiding_pauses_the_stream_and_showing_resumes_it_at_the_layer_for_its_size() {
    let mut s = subscribed(&[901]);
    s.room.set_video_size(s.now, "t1", view(1280, true)).unwrap();
    s.drain();
    let from = s.sent.len();
    s.room.set_video_size(s.now, "t1", view(1280, false)).unwrap();
    s.drain();
    assert_eq!(configures(&s, from), [json!({"mid":"1","send":false})]);
    // A paused stream never confirms the earlier switch: no re-send.
    s.advance(3 * SWITCH_RESEND_AFTER);
    assert_eq!(configures(&s, from).len(), 1);
    s.room.set_video_size(s.now, "t1", view(320, true)).unwrap();
    s.drain();
    assert_eq!(
        configures(&s, from)[1..],
        [json!({"mid":"1","send":true}), json!({"mid":"1","substream":0})]
    );
}

#[test]
fn a_size_for_a_track_that_is_not_received_is_an_error() {
    let mut s = subscribed(&[901]);
    assert!(s.room.set_video_size(s.now, "nope", view(320, true)).is_err());
}

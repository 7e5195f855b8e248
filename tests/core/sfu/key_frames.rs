//! Key frames asked of an rtcroom publisher directly, for a layer switch
//! that would wait for the publisher browser's key-frame interval: the
//! subscriber's side (when it asks, on which channel, of whom) and the
//! publisher's (which layer it restarts, how often).

use super::*;
use rtcroom::core::sfu::janus::{ASSIST_AFTER, KEYFRAME_REQUEST_INTERVAL};
use rtcroom::core::sfu::room::adaptive::View;
use rtcroom::core::sfu::LayerRestart;
use rtcroom::core::{Channel, CoreError, Payload};

fn view(width: u32) -> View {
    View { width, height: width * 9 / 16, visible: true }
}

/// A publisher whose video says it restarts layers on request.
fn rtcroom_publisher(id: u64) -> Value {
    json!({"id":id,"display":format!("p{id}"),"streams":[
        {"type":"audio","mindex":0,"mid":"0","codec":"opus","description":"microphone"},
        {"type":"video","mindex":1,"mid":"1","codec":"vp8","simulcast":true,"description":"camera;kf"}]})
}

/// Subscribed to `list`'s feed 901 (our mid 1 is its video), with our own
/// publisher connection's data channels open (we sent a message).
fn subscribed_and_sending(list: Value) -> Sfu {
    let mut s = subscribed_with(list, &[901]);
    s.room.send(None, Payload::Text("hello".into()), true).unwrap();
    s.drain();
    s.peer(PUBLISHER, PeerInput::ChannelOpen(Channel::Reliable));
    s.peer(PUBLISHER, PeerInput::ChannelOpen(Channel::Lossy));
    s
}

/// The SDK's own messages sent on our publisher connection, with their channel.
fn requests(s: &Sfu) -> Vec<(String, Channel)> {
    s.outs
        .iter()
        .filter_map(|o| match o {
            RoomOutput::Pc {
                peer,
                cmd: PcCommand::SendData { data: Payload::Text(t), channel },
            } if peer == PUBLISHER && t.starts_with('\0') => Some((t.clone(), *channel)),
            _ => None,
        })
        .collect()
}

fn confirm(s: &mut Sfu, substream: u8) {
    s.push_event(
        SUB,
        json!({"videoroom":"event","room":ROOM,"mid":"1","substream":substream}),
        None,
    );
}

fn restarts(s: &Sfu) -> Vec<(String, LayerRestart)> {
    s.outs
        .iter()
        .filter_map(|o| match o {
            RoomOutput::Pc { peer, cmd: PcCommand::RestartLayer(l) } => {
                Some((peer.clone(), l.clone()))
            }
            _ => None,
        })
        .collect()
}

fn layer(mid: &str, rid: &'static str) -> LayerRestart {
    LayerRestart { mid: mid.into(), rid }
}

#[test]
fn a_switch_soon_after_ours_asks_the_rtcroom_publisher_for_the_key_frame_at_once() {
    let mut s = subscribed_and_sending(json!([rtcroom_publisher(901)]));
    s.room.set_video_size(s.now, "t1", view(320)).unwrap();
    s.drain();
    assert!(requests(&s).is_empty(), "the first switch waits as any other");
    confirm(&mut s, 0);
    // The app grows the tile 150 ms later: within the interval our last
    // request may have started.
    s.advance(150);
    s.room.set_video_size(s.now, "t1", view(1280)).unwrap();
    s.drain();
    assert_eq!(requests(&s), [("\0rtcroom:kf 901 1 2".to_owned(), Channel::Lossy)]);
    // Once per switch: its re-sends and its delay ask nothing more.
    s.advance(2 * ASSIST_AFTER);
    assert_eq!(requests(&s).len(), 1);
}

#[test]
fn a_switch_after_the_interval_asks_only_when_it_stays_unconfirmed() {
    let mut s = subscribed_and_sending(json!([rtcroom_publisher(901)]));
    s.room.set_video_size(s.now, "t1", view(320)).unwrap();
    s.drain();
    confirm(&mut s, 0);
    s.advance(KEYFRAME_REQUEST_INTERVAL);
    s.room.set_video_size(s.now, "t1", view(640)).unwrap();
    s.drain();
    confirm(&mut s, 1);
    s.advance(KEYFRAME_REQUEST_INTERVAL + ASSIST_AFTER);
    assert!(requests(&s).is_empty(), "confirmed in time: Janus's own request worked");
    // This one is not confirmed: someone else's request may have started
    // the interval.
    s.room.set_video_size(s.now, "t1", view(1280)).unwrap();
    s.drain();
    s.advance(ASSIST_AFTER - 1);
    assert!(requests(&s).is_empty());
    s.advance(1);
    assert_eq!(requests(&s), [("\0rtcroom:kf 901 1 2".to_owned(), Channel::Lossy)]);
    s.advance(10 * ASSIST_AFTER);
    assert_eq!(requests(&s).len(), 1, "once per switch");
}

#[test]
fn a_publisher_that_does_not_say_kf_is_never_asked() {
    // Another Janus client's feed (no descriptions), or an older rtcroom.
    let mut s = subscribed_and_sending(json!([publisher(901)]));
    for width in [320, 1280, 640] {
        s.room.set_video_size(s.now, "t1", view(width)).unwrap();
        s.drain();
        s.advance(100);
    }
    s.advance(10 * ASSIST_AFTER);
    assert!(requests(&s).is_empty());
}

#[test]
fn a_subscriber_without_a_data_channel_opens_one_for_the_next_switch() {
    let mut s = subscribed_with(json!([rtcroom_publisher(901)]), &[901]);
    s.room.set_video_size(s.now, "t1", view(320)).unwrap();
    s.drain();
    s.advance(50);
    s.room.set_video_size(s.now, "t1", view(1280)).unwrap();
    let step = s.drain();
    assert!(step.iter().any(|o| matches!(o,
        RoomOutput::CreatePeer { peer, data_channel: true, .. } if peer == PUBLISHER)));
    assert!(requests(&s).is_empty(), "no channel yet: this switch waits");
    s.peer(PUBLISHER, PeerInput::ChannelOpen(Channel::Reliable));
    s.advance(KEYFRAME_REQUEST_INTERVAL);
    s.room.set_video_size(s.now, "t1", view(320)).unwrap();
    s.drain();
    // Within the interval of the last re-send: asked, on the channel open.
    assert_eq!(requests(&s), [("\0rtcroom:kf 901 1 0".to_owned(), Channel::Reliable)]);
}

/// We publish a camera (3 layers, mid 0) as feed `ME`; 902 is in the room.
fn publishing() -> Sfu {
    let mut s = subscribed_with(json!([rtcroom_publisher(902)]), &[902]);
    s.publishing_camera_and_microphone(camera());
    s
}

fn request_from(s: &mut Sfu, from: &str, text: &str) {
    let data = Payload::Text(text.into());
    s.peer(SUBSCRIBER, PeerInput::RelayedMessage { label: from.into(), data });
}

#[test]
fn a_request_for_our_camera_restarts_that_one_layer_at_most_once_per_interval() {
    let mut s = publishing();
    request_from(&mut s, "902", &format!("\0rtcroom:kf {ME} 0 1"));
    assert_eq!(restarts(&s), [(PUBLISHER.to_owned(), layer("0", "h"))]);
    // Another subscriber wants the same layer: the key frame is on its way.
    s.advance(KEYFRAME_REQUEST_INTERVAL - 1);
    request_from(&mut s, "903", &format!("\0rtcroom:kf {ME} 0 1"));
    // Another layer is another key frame.
    request_from(&mut s, "902", &format!("\0rtcroom:kf {ME} 0 2"));
    assert_eq!(restarts(&s).len(), 2);
    assert_eq!(restarts(&s)[1], (PUBLISHER.to_owned(), layer("0", "f")));
    s.advance(1);
    request_from(&mut s, "903", &format!("\0rtcroom:kf {ME} 0 1"));
    assert_eq!(restarts(&s).len(), 3);
    // Never the app's.
    assert!(!s.events().iter().any(|e| matches!(e, RoomEvent::Message { .. })));
}

#[test]
fn requests_for_others_feeds_our_audio_or_nonsense_restart_nothing() {
    let mut s = publishing();
    for text in [
        "\0rtcroom:kf 902 1 1".to_owned(),
        format!("\0rtcroom:kf {ME} 1 0"),
        format!("\0rtcroom:kf {ME} 7 0"),
        format!("\0rtcroom:kf {ME} 0"),
        "\0rtcroom:future-message 1 2 3".to_owned(),
    ] {
        request_from(&mut s, "902", &text);
    }
    assert!(restarts(&s).is_empty());
    assert!(!s.events().iter().any(|e| matches!(e, RoomEvent::Message { .. })));
}

#[test]
fn a_request_for_our_screen_feed_restarts_the_screen_layer() {
    let mut s = publishing();
    s.room.publish(screen()).unwrap();
    s.drain();
    s.screen_joined();
    s.negotiate(SCREEN, SCREEN_HANDLE, &[("scr", "0")]);
    // The screen has two layers (h, f): substream 0 is `h`, and one above
    // the top is the top.
    request_from(&mut s, "902", &format!("\0rtcroom:kf {MY_SCREEN} 0 0"));
    request_from(&mut s, "902", &format!("\0rtcroom:kf {MY_SCREEN} 0 2"));
    assert_eq!(
        restarts(&s),
        [(SCREEN.to_owned(), layer("0", "h")), (SCREEN.to_owned(), layer("0", "f"))]
    );
}

#[test]
fn the_app_cannot_send_text_that_begins_like_the_sdks_own() {
    let mut s = subscribed(&[901]);
    let refused = s.room.send(None, Payload::Text("\0rtcroom:kf 1 1 1".into()), true);
    let Err(e) = refused else { panic!("refused") };
    assert!(matches!(e, CoreError::ReservedMessage(_)));
    assert_eq!(e.code(), "invalid-argument");
    assert!(e.message().contains("reserved"), "{}", e.message());
    // Bytes are the app's, whatever they hold; so is text that only looks alike.
    s.room.send(None, Payload::Binary(b"\0rtcroom:kf 1 1 1".to_vec()), true).unwrap();
    s.room.send(None, Payload::Text("rtcroom:kf 1 1 1".into()), true).unwrap();
}

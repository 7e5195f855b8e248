//! Screen share in an SFU room: our screen is a Janus publisher of its own
//! (its own handle, feed and connection, the screen preset's layers), its
//! streams described as ours; the others' screen feeds are theirs (source
//! `screen`), and unpublishing ends the feed.

use super::*;
use rtcroom::core::{SessionState, UnpublishReason};

/// Joined, the camera published and negotiated (mid 0).
fn with_camera() -> Sfu {
    let mut s = Sfu::joined(json!([]));
    s.room.publish(camera()).unwrap();
    s.drain();
    s.negotiate(PUBLISHER, PUB, &[("cam", "0")]);
    s
}

/// `with_camera`, then the screen published on its own feed (mid 0 there).
fn sharing() -> Sfu {
    let mut s = with_camera();
    s.room.publish(screen()).unwrap();
    s.drain();
    s.screen_joined();
    s.negotiate(SCREEN, SCREEN_HANDLE, &[("scr", "0")]);
    s
}

#[test]
fn the_screen_is_published_on_a_handle_and_connection_of_its_own_with_the_screen_layers() {
    let mut s = with_camera();
    let camera_generation = s.generation(PUBLISHER);
    let sent_before = s.sent.len();
    s.room.publish(screen()).unwrap();
    let step = s.drain();
    let create = step.iter().find_map(|o| match o {
        RoomOutput::CreatePeer { peer, data_channel, .. } => Some((peer.clone(), *data_channel)),
        _ => None,
    });
    assert_eq!(create, Some((SCREEN.to_owned(), false)), "a new connection, no data channel");
    let layers = step.iter().find_map(|o| match o {
        RoomOutput::AddTransceiver { peer, track, encodings, .. } if peer == SCREEN => {
            assert_eq!(track.track_id, "scr");
            Some(encodings.iter().map(|e| (e.rid, e.max_framerate)).collect::<Vec<_>>())
        }
        _ => None,
    });
    // The text preset's two layers, low to high (rid_order lmh).
    assert_eq!(layers, Some(vec![(Some("h"), Some(5.0)), (Some("f"), Some(15.0))]));
    assert!(s.last_sld(SCREEN).is_none(), "no offer before the handle joined");
    assert_eq!(s.sent.len(), sent_before + 1, "only the attach");
    s.screen_joined();
    assert!(s.last_sld(SCREEN).is_some(), "offered once the screen handle joined");
    let configure = s.negotiate(SCREEN, SCREEN_HANDLE, &[("scr", "0")]);
    assert_eq!(configure["body"]["request"], "configure");
    assert_eq!(configure["jsep"]["rid_order"], "lmh");
    // Whose it is (our main feed) and what, in the stream's description.
    assert_eq!(
        configure["body"]["descriptions"],
        json!([{"mid":"0","description":"screen;of=111;kf"}])
    );
    assert_eq!(s.generation(PUBLISHER), camera_generation, "the camera's connection is untouched");
    assert!(s.closed().is_empty());
    assert!(s.events().iter().any(|e| matches!(e,
        RoomEvent::TrackPublished { track_id, source: TrackSource::Screen, .. } if track_id == "scr")));
}

#[test]
fn the_camera_s_offer_describes_its_streams_by_mid() {
    let mut s = Sfu::joined(json!([]));
    s.room.publish(camera()).unwrap();
    s.room.publish(microphone()).unwrap();
    s.drain();
    let configure = s.negotiate(PUBLISHER, PUB, &[("cam", "0"), ("mic", "1")]);
    assert_eq!(
        configure["body"]["descriptions"],
        json!([{"mid":"0","description":"camera;kf"},{"mid":"1","description":"microphone"}])
    );
}

#[test]
fn unpublishing_the_screen_unpublishes_its_feed_and_closes_only_its_connection() {
    let mut s = sharing();
    s.room.unpublish_as("scr", UnpublishReason::Ended).unwrap();
    s.drain();
    assert!(s.events().iter().any(|e| matches!(e,
        RoomEvent::TrackUnpublished { track_id, source: TrackSource::Screen, reason: "ended", .. }
            if track_id == "scr")));
    let unpublish = s.last_sent();
    assert_eq!(unpublish["handle_id"], SCREEN_HANDLE);
    assert_eq!(unpublish["body"], json!({"request":"unpublish"}));
    assert_eq!(s.closed(), [SCREEN]);
    // Janus hangs up the screen's connection: our doing, no warning.
    s.reply_event(
        &unpublish,
        SCREEN_HANDLE,
        json!({"videoroom":"event","room":ROOM,"unpublished":"ok"}),
        None,
    );
    s.recv(
        json!({"janus":"hangup","session_id":SESSION,"sender":SCREEN_HANDLE,"reason":"Close PC"}),
    );
    assert!(!s.events().iter().any(|e| matches!(e, RoomEvent::Warning { .. })), "{:?}", s.events());
    assert_eq!(s.room.state(), SessionState::Joined);

    // Sharing again: the same handle, already joined: a new connection
    // offers at once.
    let attaches = s.sent.iter().filter(|v| v["janus"] == "attach").count();
    let mut again = screen();
    again.track_id = "scr2".into();
    s.room.publish(again).unwrap();
    s.drain();
    assert_eq!(s.sent.iter().filter(|v| v["janus"] == "attach").count(), attaches);
    let configure = s.negotiate(SCREEN, SCREEN_HANDLE, &[("scr2", "0")]);
    assert_eq!(configure["body"]["descriptions"][0]["description"], "screen;of=111;kf");
}

/// A moderator kicks our screen's feed (Janus: `leaving: "ok"`, `reason:
/// "kicked"` on the screen's handle, then it closes that connection): the
/// share ends as if the user had stopped it; the camera, the session and
/// the participant stay. The kicked handle cannot join again: the next
/// share attaches a new one.
#[test]
fn a_kick_of_our_screen_feed_ends_the_share_with_reason_kicked_and_the_camera_goes_on() {
    let mut s = sharing();
    let sent = s.sent.len();
    let before = s.events().len();
    s.push_event(
        SCREEN_HANDLE,
        json!({"videoroom":"event","room":ROOM,"leaving":"ok","reason":"kicked"}),
        None,
    );
    // What every other publisher handle hears, ours included.
    s.push_event(PUB, json!({"videoroom":"event","room":ROOM,"kicked":MY_SCREEN}), None);
    s.recv(
        json!({"janus":"hangup","session_id":SESSION,"sender":SCREEN_HANDLE,"reason":"Close PC"}),
    );
    assert!(
        s.events().iter().any(|e| matches!(e,
        RoomEvent::TrackUnpublished { track_id, source: TrackSource::Screen, reason: "kicked", .. }
            if track_id == "scr")),
        "{:?}",
        s.events()
    );
    assert_eq!(s.closed(), [SCREEN], "only the screen's connection");
    let after = s.events().split_off(before);
    assert!(
        !after.iter().any(|e| matches!(
            e,
            RoomEvent::Warning { .. }
                | RoomEvent::ParticipantLeft { .. }
                | RoomEvent::ConnectionState { .. }
        )),
        "{after:?}"
    );
    assert_eq!(s.room.state(), SessionState::Joined);
    assert!(
        !s.sent[sent..].iter().any(|v| v["handle_id"] == SCREEN_HANDLE),
        "nothing more for the kicked handle: {:?}",
        &s.sent[sent..]
    );
    assert!(s.room.published().iter().all(|t| t.track_id != "scr"));

    let mut again = screen();
    again.track_id = "scr2".into();
    s.room.publish(again).unwrap();
    s.drain();
    assert_eq!(s.last_sent()["janus"], "attach", "a new handle for the next share");
}

#[test]
fn the_hangup_of_an_unpublished_share_arriving_after_the_next_share_started_is_not_a_warning() {
    let mut s = sharing();
    s.room.unpublish_as("scr", UnpublishReason::Unpublished).unwrap();
    s.drain();
    let mut again = screen();
    again.track_id = "scr2".into();
    s.room.publish(again).unwrap();
    s.drain();
    // The old connection's hangup, late: the new share is already built.
    s.recv(
        json!({"janus":"hangup","session_id":SESSION,"sender":SCREEN_HANDLE,"reason":"Close PC"}),
    );
    assert!(!s.events().iter().any(|e| matches!(e, RoomEvent::Warning { .. })), "{:?}", s.events());
    // A hangup of the new share's connection is one.
    s.recv(
        json!({"janus":"hangup","session_id":SESSION,"sender":SCREEN_HANDLE,"reason":"DTLS alert"}),
    );
    assert!(s.events().iter().any(|e| matches!(e,
        RoomEvent::Warning { code: "sfu-hangup", message, .. } if message.contains("DTLS alert"))));
}

#[test]
fn a_screen_unpublished_before_its_handle_joined_is_never_offered() {
    let mut s = with_camera();
    s.room.publish(screen()).unwrap();
    s.drain();
    s.room.unpublish_as("scr", UnpublishReason::Unpublished).unwrap();
    s.drain();
    assert_eq!(s.closed(), [SCREEN]);
    s.screen_joined();
    assert!(s.last_sld(SCREEN).is_none());
}

#[test]
fn our_own_screen_feed_in_the_publisher_list_is_not_a_participant() {
    let mut s = sharing();
    let screen_feed = json!({"id":MY_SCREEN,"display":"Ada","streams":[
        {"type":"video","mindex":0,"mid":"0","codec":"vp8","simulcast":true,"description":"screen;of=111"}]});
    s.push_event(PUB, json!({"videoroom":"event","room":ROOM,"publishers":[screen_feed]}), None);
    assert!(!s.events().iter().any(|e| matches!(e, RoomEvent::ParticipantJoined(_))));
    assert!(!s.sent.iter().any(|v| v["body"]["ptype"] == "subscriber"), "not subscribed to");
}

#[test]
fn a_screen_share_that_fails_to_attach_leaves_the_session_and_the_camera_alone() {
    let mut s = with_camera();
    s.room.publish(screen()).unwrap();
    s.drain();
    let attach = s.last_sent();
    s.recv(json!({"janus":"error","session_id":SESSION,"transaction":tx(&attach),
        "error":{"code":403,"reason":"Unauthorized"}}));
    assert_eq!(s.room.state(), SessionState::Joined);
    assert!(s.events().iter().any(|e| matches!(e, RoomEvent::Warning { .. })));
    assert!(s.closed().is_empty());
}

/// 901's screen feed 902: one simulcast video described as 901's screen.
fn screen_feed_of_901() -> Value {
    json!({"id":902,"display":"p901","streams":[
        {"type":"video","mindex":0,"mid":"0","codec":"vp8","simulcast":true,"description":"screen;of=901"}]})
}

/// Subscribed to 901's camera, then 901 shares its screen (feed 902, our mid 2).
fn watching_a_share() -> Sfu {
    let mut s = subscribed(&[901]);
    s.push_event(
        PUB,
        json!({"videoroom":"event","room":ROOM,"publishers":[screen_feed_of_901()]}),
        None,
    );
    let sub = s.last_sent();
    assert_eq!(sub["body"], json!({"request":"subscribe","streams":[{"feed":902}]}));
    let mut list = streams(&[901]);
    list.as_array_mut().unwrap().push(json!({"type":"video","active":true,"mindex":2,"mid":"2",
        "feed_id":902,"feed_mid":"0","codec":"vp8","simulcast":true}));
    s.resubscribed(list, &["2"]);
    s
}

#[test]
fn another_participant_s_screen_feed_arrives_as_its_track_with_source_screen() {
    let s = watching_a_share();
    let joined: Vec<String> = s
        .events()
        .into_iter()
        .filter_map(|e| match e {
            RoomEvent::ParticipantJoined(p) => Some(p.id),
            _ => None,
        })
        .collect();
    assert_eq!(joined, ["901"], "the screen feed is 901's, not a participant");
    let tracks: Vec<(String, String, TrackSource, Option<String>)> = s
        .events()
        .into_iter()
        .filter_map(|e| match e {
            RoomEvent::Track { participant, track_id, source, publication, .. } => {
                Some((participant, track_id, source, publication))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        tracks,
        [
            ("901".into(), "t0".into(), TrackSource::Microphone, Some("901:0".into())),
            ("901".into(), "t1".into(), TrackSource::Camera, Some("901:1".into())),
            ("901".into(), "t2".into(), TrackSource::Screen, Some("902:0".into())),
        ]
    );
    let sources: Vec<TrackSource> = s.room.publications("901").iter().map(|t| t.source).collect();
    assert_eq!(sources, [TrackSource::Microphone, TrackSource::Camera, TrackSource::Screen]);
}

#[test]
fn a_screen_feed_that_unpublishes_removes_its_track_and_the_participant_stays() {
    let mut s = watching_a_share();
    s.push_event(PUB, json!({"videoroom":"event","room":ROOM,"unpublished":902}), None);
    assert_eq!(s.removed_tracks(), [("901".into(), "t2".into(), TrackSource::Screen)]);
    assert!(!s.events().iter().any(|e| matches!(e, RoomEvent::ParticipantLeft { .. })));
    assert_eq!(s.room.publications("901").len(), 2);
    // The app hears that its publications changed (its snapshot lists them).
    assert!(matches!(s.events().last(), Some(RoomEvent::ParticipantUpdated(p)) if p.id == "901"));
    // Its camera leaving then takes the participant.
    s.push_event(PUB, json!({"videoroom":"event","room":ROOM,"leaving":901}), None);
    assert!(s.events().iter().any(|e| matches!(e,
        RoomEvent::ParticipantLeft { participant, .. } if participant.id == "901")));
}

#[test]
fn a_screen_feed_seen_before_its_owner_s_camera_makes_the_participant_once() {
    let mut s = Sfu::joined(json!([screen_feed_of_901()]));
    s.push_event(PUB, json!({"videoroom":"event","room":ROOM,"publishers":[publisher(901)]}), None);
    let joined: Vec<(String, Option<String>)> = s
        .events()
        .into_iter()
        .filter_map(|e| match e {
            RoomEvent::ParticipantJoined(p) => Some((p.id, p.name)),
            _ => None,
        })
        .collect();
    assert_eq!(joined, [("901".to_owned(), Some("p901".to_owned()))]);
    let ids: Vec<String> = s.room.publications("901").iter().filter_map(|t| t.id.clone()).collect();
    assert_eq!(ids, ["901:0", "901:1", "902:0"]);
    // The screen feed alone leaving keeps the participant.
    s.push_event(PUB, json!({"videoroom":"event","room":ROOM,"unpublished":902}), None);
    assert!(!s.events().iter().any(|e| matches!(e, RoomEvent::ParticipantLeft { .. })));
}

#[test]
fn a_lost_session_shares_the_screen_again_on_a_new_handle() {
    let mut s = sharing();
    s.lose_session();
    // Both publishing connections belonged to the lost session's handles.
    assert_eq!(s.closed(), [PUBLISHER, SCREEN]);
    s.new_session_joined(json!({"publishers":[]}));
    let attach = s.last_sent();
    assert_eq!(attach["janus"], "attach", "the screen's handle again");
    assert_eq!(attach["session_id"], SESSION_2);
    let screen_again = s.outs.iter().rev().find_map(|o| match o {
        RoomOutput::AddTransceiver { peer, track, .. } if peer == SCREEN => {
            Some(track.track_id.clone())
        }
        _ => None,
    });
    assert_eq!(screen_again.as_deref(), Some("scr"));
}

#[test]
fn a_screen_share_is_switched_between_its_two_layers_only() {
    use rtcroom::core::sfu::room::adaptive::{screen_layer_widths, View};
    assert_eq!(screen_layer_widths(), [960, 1920]);
    let mut s = watching_a_share();
    let switch = |s: &mut Sfu, track: &str, width: u32| {
        let view = View { width, height: width * 9 / 16, visible: true };
        s.room.set_video_size(s.now, track, view).unwrap();
        s.drain();
        let c = s.last_sent();
        assert_eq!(c["body"]["request"], "configure");
        (c["body"]["streams"][0]["mid"].clone(), c["body"]["streams"][0]["substream"].clone())
    };
    // A 4K tile: the camera's top layer is its third, the screen's its second.
    assert_eq!(switch(&mut s, "t1", 3840), (json!("1"), json!(2)));
    assert_eq!(switch(&mut s, "t2", 3840), (json!("2"), json!(1)));
    // A tile the screen's half-size layer covers (the camera's would be its top).
    assert_eq!(switch(&mut s, "t2", 1000), (json!("2"), json!(0)));
}

#[test]
fn the_screen_s_audio_rides_the_screen_feed_described_as_screen_audio() {
    let mut s = with_camera();
    s.room.publish(screen()).unwrap();
    let audio = LocalTrack {
        track_id: "scra".into(),
        kind: TrackKind::Audio,
        source: TrackSource::ScreenAudio,
        size: None,
        ..screen()
    };
    s.room.publish(audio).unwrap();
    let step = s.drain();
    let on_screen: Vec<(String, usize)> = step
        .iter()
        .filter_map(|o| match o {
            RoomOutput::AddTransceiver { peer, track, encodings, .. } if peer == SCREEN => {
                Some((track.track_id.clone(), encodings.len()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(on_screen, [("scr".to_owned(), 2), ("scra".to_owned(), 0)]);
    s.screen_joined();
    let configure = s.negotiate(SCREEN, SCREEN_HANDLE, &[("scr", "0"), ("scra", "1")]);
    assert_eq!(
        configure["body"]["descriptions"],
        json!([{"mid":"0","description":"screen;of=111;kf"},{"mid":"1","description":"screen-audio;of=111"}])
    );
    // The audio alone stopping leaves the feed (its sender goes idle).
    s.room.unpublish_as("scra", UnpublishReason::Unpublished).unwrap();
    s.drain();
    assert!(s.closed().is_empty());
    assert_ne!(s.last_sent()["body"]["request"], "unpublish");
}

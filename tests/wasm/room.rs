//! The room driver end to end in one page: media with sources, messages,
//! leaving and teardown.

use crate::harness::*;
use rtcroom::core::{Payload, TrackSource};
use rtcroom::web::transport::InPageHub;
use rtcroom::web::{JoinOptions, Room, RoomEvent, TrackEvent};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::{MediaStreamConstraints, RtcPeerConnectionState};

fn camera_only() -> MediaStreamConstraints {
    let c = MediaStreamConstraints::new();
    c.set_video(&wasm_bindgen::JsValue::TRUE);
    c.set_audio(&wasm_bindgen::JsValue::TRUE);
    c
}

fn tracks_from(m: &Member, from: &str) -> Vec<TrackEvent> {
    m.events
        .borrow()
        .iter()
        .filter_map(|e| match e {
            RoomEvent::Track(t) if t.participant.id == from => Some(t.clone()),
            _ => None,
        })
        .collect()
}

#[wasm_bindgen_test]
async fn published_camera_arrives_with_sources_in_one_stream() {
    let (a, b, _hub) = pair(true).await;
    let sent = a.room.publish_camera(&camera_only()).await.expect("fake camera");
    assert_eq!(sent.len(), 2);
    until("b receives a's camera and microphone", 15_000, || tracks_from(&b, &a.id()).len() == 2)
        .await;
    let got = tracks_from(&b, &a.id());
    let sources: Vec<_> = got.iter().map(|t| (t.kind.as_str(), t.source)).collect();
    assert!(sources.contains(&("video", TrackSource::Camera)), "{sources:?}");
    assert!(sources.contains(&("audio", TrackSource::Microphone)), "{sources:?}");
    // Camera and microphone share one remote stream (lip sync, one srcObject).
    assert_eq!(got[0].stream.id(), got[1].stream.id());
    assert_eq!(got[0].stream.get_tracks().length(), 2);
}

#[wasm_bindgen_test]
async fn unpublish_removes_the_track_remotely() {
    let (a, b, _hub) = pair(false).await;
    let sent = a.room.publish_camera(&camera_only()).await.expect("fake camera");
    until("b receives both tracks", 15_000, || tracks_from(&b, &a.id()).len() == 2).await;
    // Clone::clone: MediaStreamTrack::clone() is the JS method (a new track).
    let video = Clone::clone(sent.iter().find(|t| t.kind() == "video").expect("a video track"));
    a.room.unpublish(&video).expect("unpublish");
    until("b gets track-removed for the camera", 10_000, || {
        b.count(|e| matches!(e, RoomEvent::TrackRemoved(t) if t.source == TrackSource::Camera)) == 1
    })
    .await;
    // The SDK acquired the camera, so unpublishing stopped it.
    assert_eq!(video.ready_state(), web_sys::MediaStreamTrackState::Ended);
    assert!(
        a.room.publish_track(&video, TrackSource::Microphone).is_err(),
        "kind/source mismatch is refused"
    );
}

/// Unpublishing detaches the tracks and publishing again reuses their
/// transceivers: no m-section is added, and the other side gets `track`
/// again with the receiving tracks it had (their media now the new ones).
#[wasm_bindgen_test]
async fn republishing_the_camera_reuses_its_transceivers_and_arrives_again() {
    let (a, b, _hub) = pair(true).await;
    a.room.publish_camera(&camera_only()).await.expect("fake camera");
    until("b receives both tracks", 15_000, || tracks_from(&b, &a.id()).len() == 2).await;
    let before = (transceivers(&a.pc(&b)), transceivers(&b.pc(&a)));
    for cycle in 1..=3 {
        for t in a.room.local_tracks() {
            a.room.unpublish(&t).expect("unpublish");
        }
        until("b gets track-removed for both", 10_000, || {
            b.count(|e| matches!(e, RoomEvent::TrackRemoved(_))) == 2 * cycle
        })
        .await;
        a.room.publish_camera(&camera_only()).await.expect("fake camera again");
        until("b receives both again", 15_000, || {
            tracks_from(&b, &a.id()).len() == 2 * (cycle + 1)
        })
        .await;
        assert_eq!((transceivers(&a.pc(&b)), transceivers(&b.pc(&a))), before, "cycle {cycle}");
    }
    let got = tracks_from(&b, &a.id());
    let ids = |ts: &[TrackEvent]| {
        ts.iter().map(|t| t.track.id()).collect::<std::collections::BTreeSet<_>>()
    };
    assert_eq!(ids(&got[..2]), ids(&got[got.len() - 2..]), "the same receiving tracks");
}

#[wasm_bindgen_test]
async fn messages_sent_before_the_channel_opens_arrive_in_order() {
    let hub = InPageHub::new();
    let a = Member::join(&hub, "a").await;
    let b = Member::join(&hub, "b").await;
    // Sent right away: the data channel is not open yet, the core queues.
    for i in 0..20 {
        a.room.send(Payload::Text(format!("m{i}")), None, true).expect("send");
    }
    b.room.send("direct".into(), Some(&a.id()), true).expect("send to one");
    until("b got all 20", 15_000, || b.count(|e| matches!(e, RoomEvent::Message { .. })) == 20)
        .await;
    let got: Vec<String> = b
        .events
        .borrow()
        .iter()
        .filter_map(|e| match e {
            RoomEvent::Message { data: Payload::Text(data), .. } => Some(data.clone()),
            _ => None,
        })
        .collect();
    let want: Vec<String> = (0..20).map(|i| format!("m{i}")).collect();
    assert_eq!(got, want);
    until("a got the direct message", 5_000, || {
        a.count(
            |e| matches!(e, RoomEvent::Message { data, .. } if *data == Payload::from("direct")),
        ) == 1
    })
    .await;
    let err = a.room.send("x".into(), Some("nobody"), true).expect_err("unknown participant");
    assert_eq!(err.code(), "unknown-participant");
}

#[wasm_bindgen_test]
async fn leaving_closes_connections_and_notifies_the_others() {
    let (a, b, _hub) = pair(true).await;
    let (pa, pb) = (a.pc(&b), b.pc(&a));
    until_connected(&a, &b).await;
    a.room.leave();
    assert_eq!(
        pa.connection_state(),
        RtcPeerConnectionState::Closed,
        "leave closes a's connection"
    );
    assert!(a.room.peer_connection(&b.id()).is_none());
    until("b sees a leave", 5_000, || {
        b.count(|e| matches!(e, RoomEvent::ParticipantLeft { reason: "left", .. })) == 1
    })
    .await;
    assert_eq!(
        pb.connection_state(),
        RtcPeerConnectionState::Closed,
        "b closed its connection to a"
    );
    assert!(b.room.participants().is_empty());
    let err = a.room.send("late".into(), None, true).expect_err("send after leave");
    assert_eq!(err.code(), "not-joined");
}

#[wasm_bindgen_test]
async fn a_departing_participant_s_track_removed_events_still_carry_its_name() {
    let (a, b, _hub) = pair(true).await;
    a.room.publish_camera(&camera_only()).await.expect("fake camera");
    until("b receives a's tracks", 15_000, || tracks_from(&b, &a.id()).len() == 2).await;
    let a_name = tracks_from(&b, &a.id())[0].participant.name.clone();
    assert!(a_name.is_some(), "a joined with a name");
    a.room.leave();
    until("b sees a leave", 5_000, || {
        b.count(|e| matches!(e, RoomEvent::ParticipantLeft { reason: "left", .. })) == 1
    })
    .await;
    // The core forgets a before it reports a's tracks removed: the events
    // still say who it was, as every earlier event of a's did.
    let removed: Vec<Option<String>> = b
        .events
        .borrow()
        .iter()
        .filter_map(|e| match e {
            RoomEvent::TrackRemoved(t) if t.participant.id == a.id() => {
                Some(t.participant.name.clone())
            }
            _ => None,
        })
        .collect();
    assert_eq!(removed, [a_name.clone(), a_name]);
}

#[wasm_bindgen_test]
async fn dropping_the_last_handle_leaves_the_room() {
    let hub = InPageHub::new();
    let b = Member::join(&hub, "b").await;
    {
        let options = JoinOptions { room: "test".into(), ..Default::default() };
        let _a = Room::join_with(hub.connector(), options, |_| {}).await.expect("join");
        until("b sees a", 5_000, || b.room.participants().len() == 1).await;
    }
    until("b sees a leave after its handle dropped", 5_000, || b.room.participants().is_empty())
        .await;
}

#[wasm_bindgen_test]
async fn join_without_a_room_name_is_refused() {
    let hub = InPageHub::new();
    let err = Room::join_with(hub.connector(), JoinOptions::default(), |_| {})
        .await
        .err()
        .expect("refused");
    assert_eq!(err.code(), "invalid-argument");
}

#[wasm_bindgen_test]
async fn join_to_a_dead_server_fails_with_signaling_failed() {
    let options =
        JoinOptions { room: "r".into(), join_timeout_ms: Some(3_000), ..Default::default() };
    let err = Room::join(vec!["ws://127.0.0.1:9/ws".into()], options, |_| {})
        .await
        .err()
        .expect("no server there");
    assert!(matches!(err.code(), "signaling-failed" | "join-timeout"), "{}", err.code());
    let _ = wasm_bindgen::JsValue::from(err).dyn_into::<js_sys::Error>().expect("a JS Error");
}

#[wasm_bindgen_test]
async fn screen_share_arrives_next_to_the_camera_as_source_screen() {
    let (a, b, _hub) = pair(false).await;
    let camera = web_sys::MediaStreamConstraints::new();
    camera.set_video(&wasm_bindgen::JsValue::TRUE);
    a.room.publish_camera(&camera).await.expect("fake camera");
    let screen = web_sys::DisplayMediaStreamConstraints::new();
    screen.set_video(&wasm_bindgen::JsValue::TRUE);
    let shared = a
        .room
        .publish_screen(&screen, "detail")
        .await
        .expect("fake screen (headless, fake-device flag)");
    assert_eq!(shared.len(), 1);
    let hint =
        js_sys::Reflect::get(&shared[0], &"contentHint".into()).ok().and_then(|h| h.as_string());
    assert_eq!(hint.as_deref(), Some("detail"), "the hint is set before publishing");
    until("b receives camera and screen", 15_000, || tracks_from(&b, &a.id()).len() == 2).await;
    let got = tracks_from(&b, &a.id());
    let screen_track =
        got.iter().find(|t| t.source == TrackSource::Screen).expect("a screen track");
    let camera_track =
        got.iter().find(|t| t.source == TrackSource::Camera).expect("a camera track");
    // Separate streams: the app can lay them out independently.
    assert_ne!(screen_track.stream.id(), camera_track.stream.id());
    // A second screen share is refused with a stable code.
    let again = a.room.publish_screen(&screen, "").await.expect_err("one screen at a time");
    assert_eq!(again.code(), "source-already-published");
}

/// A connection the app closed itself (through `peer_connection`) makes
/// `addTrack` throw; the room reports a warning and keeps working.
#[wasm_bindgen_test]
async fn a_browser_exception_becomes_a_warning_not_a_locked_room() {
    let hub = InPageHub::new();
    let a = Member::join(&hub, "a").await;
    let b = Member::join(&hub, "b").await;
    let c = Member::join(&hub, "c").await;
    until_connected(&a, &b).await;
    a.pc(&b).close();
    let camera = web_sys::MediaStreamConstraints::new();
    camera.set_video(&wasm_bindgen::JsValue::TRUE);
    a.room.publish_camera(&camera).await.expect("publishing still works");
    until("a warning about b's closed connection", 5_000, || {
        a.count(|e| matches!(e, RoomEvent::Warning { participant: Some(p), .. } if p.id == b.id()))
            > 0
    })
    .await;
    // The room is not wedged: c still gets the camera and messages.
    until("c receives a's camera", 15_000, || tracks_from(&c, &a.id()).len() == 1).await;
    a.room.send("still here".into(), Some(&c.id()), true).expect("no reentrant-call error");
    until("c gets the message", 10_000, || {
        c.count(|e| matches!(e, RoomEvent::Message { data, .. } if *data == Payload::from("still here"))) == 1
    })
    .await;
}

#[wasm_bindgen_test]
async fn stats_show_inbound_bytes_growing_while_media_flows() {
    let (a, b, _hub) = pair(true).await;
    a.room.publish_camera(&camera_only()).await.expect("fake camera");
    until("b receives a's camera", 15_000, || tracks_from(&b, &a.id()).len() == 2).await;
    let pc = b.pc(&a);
    let sample = || async {
        let report = wasm_bindgen_futures::JsFuture::from(pc.get_stats()).await.expect("stats");
        rtcroom::web::stats::snapshot(&report)
    };
    // The track event comes with the remote description, before media may
    // flow: wait (up to 10 s) for bytes and a decoded frame, then for more.
    let mut first = sample().await;
    for _ in 0..50 {
        if first.bytes_received > 0
            && first
                .inbound
                .iter()
                .any(|i| i.kind == rtcroom::core::TrackKind::Video && i.frames_decoded > 0)
        {
            break;
        }
        rtcroom::web::sleep(200).await;
        first = sample().await;
    }
    rtcroom::web::sleep(500).await;
    let second = sample().await;
    let (b1, b2) = (first.bytes_received, second.bytes_received);
    assert!(b2 > b1 && b1 > 0, "bytes received {b1} then {b2}");
    // The typed snapshot: the selected pair (host candidates on loopback)
    // and the inbound video at the fake camera's size.
    let pair = second.pair.expect("a selected candidate pair");
    assert!(pair.bytes_received > 0 && pair.bytes_sent > 0);
    assert_eq!(pair.local_candidate_type.as_deref(), Some("host"));
    let video = second.inbound.iter().find(|i| i.kind == rtcroom::core::TrackKind::Video);
    let video = video.expect("inbound video");
    assert!(video.frames_decoded > 0 && video.frame_width.unwrap_or(0) > 0, "{video:?}");
    assert!(video.mid.is_some());
}

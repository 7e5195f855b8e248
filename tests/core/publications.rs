//! Publications on the wire: each announced track names its publication
//! id, the `mid` that carries it on the receiver's connection, and whether
//! it is muted; receivers match by `mid`, and mute changes reach them.

use crate::room_world::{track, track_in, App, RoomConfig, RoomWorld};
use rtcroom::core::{
    Millis, RoomConfig as CoreConfig, RoomCore, RoomEvent, RoomInput, SocketId, TrackKind,
    TrackSource, UnpublishReason,
};
use rtcroom::proto::{PeerInfo, ServerMessage, SignalData, TrackInfo};

/// Two clients, each with a camera and a microphone, in a settled call.
fn call_with_cameras() -> RoomWorld {
    let mut w = RoomWorld::new(RoomConfig::default(), 2);
    for i in 0..2 {
        w.join(i);
        w.run();
        let s = format!("s{i}");
        w.publish(i, track_in(&format!("cam{i}"), &s, TrackKind::Video, TrackSource::Camera))
            .unwrap();
        w.publish(i, track_in(&format!("mic{i}"), &s, TrackKind::Audio, TrackSource::Microphone))
            .unwrap();
    }
    w.run();
    w.assert_settled();
    w
}

#[test]
fn announcements_name_each_publication_by_the_mid_that_carries_it_to_that_receiver() {
    let w = call_with_cameras();
    for i in 0..2 {
        let other = 1 - i;
        let from = w.clients[other].id().to_owned();
        let announced = w.clients[i].core.publications(&from);
        assert_eq!(announced.len(), 2, "client {i} knows both of {from}'s publications");
        let pc = &w.clients[i].pcs[&from];
        for a in announced {
            let mid = a.mid.as_deref().unwrap_or_else(|| panic!("{a:?} has no mid"));
            let t = pc.transceivers().iter().find(|t| t.mid.as_deref() == Some(mid));
            let t = t.unwrap_or_else(|| panic!("no m-section {mid} on client {i}'s connection"));
            assert_eq!(t.kind, a.kind, "mid {mid} carries a {:?} track", a.kind);
            assert_eq!(
                a.id.as_deref(),
                Some(&*format!(
                    "{}{other}",
                    if a.kind == TrackKind::Video { "cam" } else { "mic" }
                ))
            );
        }
        let got: Vec<_> = w.clients[i]
            .events
            .iter()
            .filter_map(|e| match e {
                RoomEvent::Track { publication, source, muted, .. } => {
                    Some((publication.clone(), *source, *muted))
                }
                _ => None,
            })
            .collect();
        assert_eq!(got.len(), 2, "client {i}: one track event per publication: {got:?}");
        for (publication, source, muted) in got {
            let expected = match source {
                TrackSource::Camera => format!("cam{other}"),
                _ => format!("mic{other}"),
            };
            assert_eq!(publication, Some(expected));
            assert!(!muted);
        }
    }
}

#[test]
fn mute_and_unmute_reach_the_other_side_and_disable_the_local_track() {
    let mut w = call_with_cameras();
    let now = w.now();
    w.at(now + 10, 0, App::SetMuted("mic0".into(), true));
    w.run();
    assert_eq!(w.clients[0].enabled.get("mic0"), Some(&false), "the track is disabled");
    let muted = |w: &RoomWorld| -> Vec<bool> {
        w.clients[1]
            .events
            .iter()
            .filter_map(|e| match e {
                RoomEvent::TrackMuted { muted, .. } => Some(*muted),
                _ => None,
            })
            .collect()
    };
    assert_eq!(muted(&w), [true]);
    let from = w.clients[0].id().to_owned();
    let mic = w.clients[1].core.publications(&from).iter().find(|a| a.kind == TrackKind::Audio);
    assert!(mic.is_some_and(|a| a.muted), "the participant's publication shows muted");
    // Muting twice changes nothing; unmuting comes through once.
    let now = w.now();
    w.at(now + 10, 0, App::SetMuted("mic0".into(), true));
    w.at(now + 20, 0, App::SetMuted("mic0".into(), false));
    w.run();
    assert_eq!(muted(&w), [true, false]);
    assert_eq!(w.clients[0].enabled.get("mic0"), Some(&true));
    w.assert_settled();
}

#[test]
fn a_track_published_while_muted_arrives_muted_and_unpublishing_forgets_the_mute() {
    let mut w = RoomWorld::new(RoomConfig::default(), 2);
    for i in 0..2 {
        w.join(i);
        w.run();
    }
    w.publish(0, track("cam0", TrackKind::Video, TrackSource::Camera)).unwrap();
    w.app(0, App::SetMuted("cam0".into(), true)).unwrap();
    w.run();
    let first = w.clients[1].events.iter().find_map(|e| match e {
        RoomEvent::Track { muted, .. } => Some(*muted),
        _ => None,
    });
    assert_eq!(first, Some(true), "the track event says it is muted");
    w.unpublish(0, "cam0").unwrap();
    assert!(!w.clients[0].core.is_muted("cam0"));
    w.run();
    w.assert_settled();
}

#[test]
fn muting_a_track_that_is_not_published_is_refused() {
    let mut w = RoomWorld::new(RoomConfig::default(), 1);
    w.join(0);
    w.run();
    let e = w.app(0, App::SetMuted("nope".into(), true)).unwrap_err();
    assert_eq!(e.code(), "not-published");
}

#[test]
fn local_publish_and_unpublish_are_events_with_the_reason() {
    let mut w = RoomWorld::new(RoomConfig::default(), 1);
    w.join(0);
    w.run();
    w.publish(0, track("cam0", TrackKind::Video, TrackSource::Camera)).unwrap();
    w.publish(0, track("scr0", TrackKind::Video, TrackSource::Screen)).unwrap();
    w.unpublish(0, "cam0").unwrap();
    w.clients[0].core.unpublish_as("scr0", UnpublishReason::Ended).unwrap();
    let local: Vec<_> = w.clients[0]
        .events
        .iter()
        .filter_map(|e| match e {
            RoomEvent::TrackPublished { track_id, .. } => Some(format!("+{track_id}")),
            RoomEvent::TrackUnpublished { track_id, reason, .. } => {
                Some(format!("-{track_id} {reason}"))
            }
            _ => None,
        })
        .collect();
    // The last one came straight from the core (not through the world's drain).
    let last = std::iter::from_fn(|| w.clients[0].core.poll_output()).find_map(|o| match o {
        rtcroom::core::RoomOutput::Event(RoomEvent::TrackUnpublished {
            track_id, reason, ..
        }) => Some(format!("-{track_id} {reason}")),
        _ => None,
    });
    assert_eq!(local, ["+cam0", "+scr0", "-cam0 unpublished"]);
    assert_eq!(last.as_deref(), Some("-scr0 ended"));
}

#[test]
fn a_receiver_whose_stream_is_unknown_is_matched_by_its_mid() {
    // A sender without a stream (or one an SFU relabels) gives the
    // receiver a stream id the announcement cannot name: the mid still
    // identifies it.
    let mut core =
        RoomCore::new(Millis(0), CoreConfig { room: "r".into(), ..CoreConfig::default() });
    let now = Millis(1);
    while core.poll_output().is_some() {}
    core.handle_input(now, RoomInput::SocketOpened { socket: SocketId(1) }).unwrap();
    let frame = |msg| RoomInput::Frame { socket: SocketId(1), msg };
    let welcome = ServerMessage::Welcome {
        id: "p1".into(),
        session: "s".into(),
        peers: vec![PeerInfo { id: "p2".into(), name: None, meta: Default::default() }],
        ice_servers: vec![],
        resumed: false,
        resume_grace_ms: 0,
        grants: Default::default(),
    };
    core.handle_input(now, frame(welcome)).unwrap();
    let generation = core.generation("p2").unwrap();
    core.handle_input(
        now,
        RoomInput::RemoteTrack {
            peer: "p2".into(),
            generation,
            track_id: "recv-7".into(),
            stream_id: Some("made-up-by-the-driver".into()),
            kind: TrackKind::Video,
            mid: Some("3".into()),
        },
    )
    .unwrap();
    let tracks = vec![TrackInfo {
        stream: "s-cam".into(),
        kind: TrackKind::Video,
        source: TrackSource::Camera,
        id: Some("cam".into()),
        mid: Some("3".into()),
        muted: false,
    }];
    let announce = ServerMessage::Signal { from: "p2".into(), data: SignalData::Tracks { tracks } };
    core.handle_input(now, frame(announce)).unwrap();
    let matched = std::iter::from_fn(|| core.poll_output()).any(|o| {
        matches!(o, rtcroom::core::RoomOutput::Event(RoomEvent::Track { ref track_id, source: TrackSource::Camera, .. }) if track_id == "recv-7")
    });
    assert!(matched, "the receiver on mid 3 is the announced camera");
}

#[test]
fn a_device_switch_replaces_the_track_on_its_senders_and_keeps_the_publication() {
    let mut w = call_with_cameras();
    let from = w.clients[0].id().to_owned();
    let before: Vec<TrackInfo> = w.clients[1].core.publications(&from).to_vec();
    let tracks_before = w.clients[1].tracks().len();
    let offers = |w: &RoomWorld| w.clients[0].pcs.values().map(|pc| pc.ops.len()).sum::<usize>();
    let ops_before = offers(&w);
    w.app(0, App::SetMuted("cam0".into(), true)).unwrap();
    w.run();
    let new = track_in("cam0-b", "s0", TrackKind::Video, TrackSource::Custom);
    w.app(0, App::Replace("cam0".into(), new)).unwrap();
    assert_eq!(
        w.clients[0].enabled.get("cam0-b"),
        Some(&false),
        "the new track stays muted like the publication"
    );
    let to = w.clients[1].id().to_owned();
    let on_sender =
        w.clients[0].pcs[&to].transceivers().iter().any(|t| t.track.as_deref() == Some("cam0-b"));
    assert!(on_sender, "replaceTrack put the new track on the camera's sender");
    assert!(w.clients[0].core.is_muted("cam0-b"));
    assert_eq!(w.clients[0].core.publication_of("cam0-b"), "cam0");
    w.run();
    // Nothing the receiver sees changes: same publications (id, mid), no new
    // track, and no renegotiation was needed.
    let after = w.clients[1].core.publications(&from).to_vec();
    assert_eq!(
        after,
        before
            .into_iter()
            .map(|mut a| {
                a.muted |= a.kind == TrackKind::Video;
                a
            })
            .collect::<Vec<_>>()
    );
    assert_eq!(w.clients[1].tracks().len(), tracks_before);
    assert_eq!(offers(&w), ops_before, "no description operation on the sender's connection");
    // Errors: another kind, an unknown track, a published one.
    let audio = track_in("x", "s0", TrackKind::Audio, TrackSource::Microphone);
    assert_eq!(
        w.clients[0].core.replace_published("cam0-b", audio).unwrap_err().code(),
        "invalid-argument"
    );
    let v = track_in("y", "s0", TrackKind::Video, TrackSource::Camera);
    assert_eq!(w.clients[0].core.replace_published("nope", v).unwrap_err().code(), "not-published");
    let mic = track_in("mic0", "s0", TrackKind::Audio, TrackSource::Microphone);
    assert_eq!(
        w.clients[0].core.replace_published("cam0-b", mic).unwrap_err().code(),
        "track-already-published"
    );
    w.assert_settled();
}

/// A new connection's first negotiation carries our track list once, right
/// before the first description and with the mids it fixes: not also an
/// empty list when the connection is built and a list without mids when a
/// capture lands (three messages the other side handled while setting up).
#[test]
fn a_new_connection_gets_one_track_list_right_before_its_first_description_with_the_mids() {
    let mut w = RoomWorld::new(RoomConfig::default(), 2);
    for i in 0..2 {
        w.join(i);
        w.app(i, App::BeginCapture).unwrap();
        let cam = track(&format!("cam{i}"), TrackKind::Video, TrackSource::Camera);
        w.at(w.now() + 30, i, App::EndCapture(Some(cam)));
    }
    w.run();
    w.assert_settled();
    for i in 0..2 {
        let sent = &w.clients[i].signals;
        let lists: Vec<usize> =
            (0..sent.len()).filter(|&k| matches!(sent[k].1, SignalData::Tracks { .. })).collect();
        let first_description =
            sent.iter().position(|(_, d)| matches!(d, SignalData::Description { .. }));
        assert_eq!(lists.len(), 1, "client {i}: one track list, got {:?}", sent);
        assert_eq!(
            first_description,
            lists.first().map(|k| k + 1),
            "client {i}: right before the first description"
        );
        let Some((_, SignalData::Tracks { tracks })) = lists.first().and_then(|&k| sent.get(k))
        else {
            panic!("client {i}: no track list")
        };
        assert_eq!(tracks.len(), 1, "client {i}: {tracks:?}");
        assert!(tracks.iter().all(|t| t.mid.is_some()), "client {i}: with mids: {tracks:?}");
    }
    // Both see each other's camera.
    for i in 0..2 {
        assert_eq!(w.clients[i].tracks().len(), 1, "client {i}: {:?}", w.clients[i].tracks());
    }
}

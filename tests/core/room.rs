//! The room model over the real hub: membership, track sources, messages.

use crate::room_world::{track, track_in, App, RoomConfig as WorldConfig, RoomWorld};

/// A core whose first socket is open and whose `join` went out.
fn joining_core() -> RoomCore {
    let config = RoomConfig { room: "r".into(), ..RoomConfig::default() };
    let mut core = RoomCore::new(Millis(0), config);
    core.handle_input(Millis(0), RoomInput::SocketOpened { socket: SocketId(1) }).unwrap();
    while core.poll_output().is_some() {}
    core
}

/// A frame from the server on the first socket.
fn frame(msg: ServerMessage<SignalData>) -> RoomInput {
    RoomInput::Frame { socket: SocketId(1), msg }
}
use rtcroom::core::{
    CoreError, Millis, PeerState, RoomConfig, RoomConnection, RoomCore, RoomEvent, RoomInput,
    SocketId, TrackKind, TrackSource,
};
use rtcroom::proto::{ErrorCode, LeaveReason, PeerInfo, ServerMessage, SignalData, TrackInfo};

fn joined(ids: &[RoomEvent]) -> Vec<String> {
    ids.iter()
        .filter_map(|e| match e {
            RoomEvent::ParticipantJoined(p) => Some(p.id.clone()),
            _ => None,
        })
        .collect()
}

/// `n` clients join one after another and connect to each other.
fn room(n: usize) -> RoomWorld {
    let mut w = RoomWorld::new(WorldConfig::default(), n);
    for i in 0..n {
        w.join(i);
        w.run();
    }
    w.assert_settled();
    w
}

/// Every client saw `connected` for the room.
fn c_connected(w: &RoomWorld) -> bool {
    w.clients.iter().all(|c| {
        c.events.iter().any(|e| {
            matches!(e, RoomEvent::ConnectionState { state: RoomConnection::Connected, .. })
        })
    })
}

#[test]
fn participants_joining_and_leaving_produce_events() {
    let mut w = room(3);
    let ids: Vec<String> = w.clients.iter().map(|c| c.id().to_owned()).collect();
    assert_eq!(ids, ["p1", "p2", "p3"]);
    assert_eq!(joined(&w.clients[0].events), ["p2", "p3"]);
    assert_eq!(joined(&w.clients[1].events), ["p1", "p3"]);
    assert_eq!(joined(&w.clients[2].events), ["p1", "p2"]);
    // Each pair agrees on who is polite: the smaller id.
    for c in &w.clients {
        for (peer, polite) in &c.created {
            assert_eq!(*polite, c.id() < peer.as_str(), "{} to {peer}", c.id());
        }
        assert_eq!(c.pcs.len(), 2);
        let connected = c
            .events
            .iter()
            .filter(|e| {
                matches!(e, RoomEvent::ParticipantState { state: PeerState::Connected, .. })
            })
            .count();
        assert_eq!(connected, 2, "{}", c.id());
    }
    assert!(c_connected(&w));
    // p2 leaves; p3's browser dies.
    w.leave(1);
    w.run();
    assert!(w.clients[1].disconnected());
    assert_eq!(w.clients[1].closed, ["p1", "p3"]);
    assert!(w.clients[1].core.participants().next().is_none());
    assert_eq!(w.clients[0].left(), [("p2".into(), LeaveReason::Left)]);
    assert_eq!(w.clients[2].left(), [("p2".into(), LeaveReason::Left)]);
    assert_eq!(w.clients[0].closed, ["p2"]);
    w.kill(2);
    w.run();
    assert_eq!(w.clients[0].left()[1], ("p3".into(), LeaveReason::Disconnected));
    assert!(w.clients[0].pcs.is_empty());
    assert_eq!(w.hub.room_peers("room"), ["p1"]);
}

#[test]
fn announced_tracks_map_to_track_events_with_their_source() {
    let mut w = RoomWorld::new(WorldConfig::default(), 2);
    w.join(0);
    w.run();
    // Camera and microphone share one stream (as from getUserMedia).
    w.publish(0, track_in("cam", "user", TrackKind::Video, TrackSource::Camera)).unwrap();
    w.publish(0, track_in("mic", "user", TrackKind::Audio, TrackSource::Microphone)).unwrap();
    w.join(1);
    w.run();
    w.assert_settled();
    let mut got = w.clients[1].tracks();
    got.sort_by_key(|t| t.3.as_str());
    assert_eq!(
        got,
        [
            ("p1".into(), "user".into(), TrackKind::Video, TrackSource::Camera),
            ("p1".into(), "user".into(), TrackKind::Audio, TrackSource::Microphone),
        ]
    );
    // Published on an existing connection, in the other direction.
    w.publish(1, track("screen", TrackKind::Video, TrackSource::Screen)).unwrap();
    w.run();
    w.assert_settled();
    assert_eq!(
        w.clients[0].tracks(),
        [("p2".into(), "stream-screen".into(), TrackKind::Video, TrackSource::Screen)]
    );
    // A second camera is refused; a custom track is not exclusive.
    let again = w.publish(0, track("cam2", TrackKind::Video, TrackSource::Camera));
    assert_eq!(again, Err(CoreError::SourceAlreadyPublished("camera")));
}

#[test]
fn glare_between_publishing_participants_converges() {
    let mut w = RoomWorld::new(WorldConfig::default(), 2);
    for i in 0..2 {
        w.join(i);
    }
    w.run();
    for i in 0..2 {
        let stream = format!("user{i}");
        let cam = track_in(&format!("cam{i}"), &stream, TrackKind::Video, TrackSource::Camera);
        let mic = track_in(&format!("mic{i}"), &stream, TrackKind::Audio, TrackSource::Microphone);
        w.publish(i, cam).unwrap();
        w.publish(i, mic).unwrap();
    }
    w.run();
    w.assert_settled();
    for (i, other) in [(0, "p2"), (1, "p1")] {
        let sources: Vec<_> = w.clients[i].tracks().into_iter().map(|t| (t.0, t.3)).collect();
        assert_eq!(sources.len(), 2, "client {i}: {sources:?}");
        assert!(sources.contains(&(other.into(), TrackSource::Camera)));
        assert!(sources.contains(&(other.into(), TrackSource::Microphone)));
    }
}

#[test]
fn remote_track_before_its_announcement_waits_for_the_source() {
    let mut core = joining_core();
    let now = Millis(0);
    let peer = PeerInfo { id: "p2".into(), name: None, meta: Default::default() };
    let welcome = ServerMessage::Welcome {
        id: "p1".into(),
        session: "s".into(),
        peers: vec![peer],
        ice_servers: vec![],
        resumed: false,
        resume_grace_ms: 0,
        grants: Default::default(),
    };
    core.handle_input(now, frame(welcome)).unwrap();
    let track = RoomInput::RemoteTrack {
        peer: "p2".into(),
        generation: core.generation("p2").unwrap(),
        track_id: "recv-0".into(),
        stream_id: Some("stream-cam".into()),
        kind: TrackKind::Video,
        mid: Some("1".into()),
    };
    core.handle_input(now, track.clone()).unwrap();
    let events = |core: &mut RoomCore| -> Vec<RoomEvent> {
        std::iter::from_fn(|| core.poll_output())
            .filter_map(|o| match o {
                rtcroom::core::RoomOutput::Event(e) => Some(e),
                _ => None,
            })
            .collect()
    };
    assert!(!events(&mut core).iter().any(|e| matches!(e, RoomEvent::Track { .. })));
    let tracks = vec![TrackInfo {
        stream: "stream-cam".into(),
        kind: TrackKind::Video,
        source: TrackSource::Camera,
        id: None,
        mid: None,
        muted: false,
    }];
    let announce = ServerMessage::Signal { from: "p2".into(), data: SignalData::Tracks { tracks } };
    core.handle_input(now, frame(announce.clone())).unwrap();
    assert_eq!(
        events(&mut core),
        [RoomEvent::Track {
            participant: "p2".into(),
            track_id: "recv-0".into(),
            stream_id: "stream-cam".into(),
            kind: TrackKind::Video,
            source: TrackSource::Camera,
            publication: None,
            muted: false,
        }]
    );
    // Neither a repeated announcement nor a repeated track event repeats it.
    core.handle_input(now, frame(announce)).unwrap();
    core.handle_input(now, track).unwrap();
    assert!(events(&mut core).is_empty());
}

#[test]
fn unpublish_produces_track_removed() {
    let mut w = RoomWorld::new(WorldConfig::default(), 2);
    w.join(0);
    w.join(1);
    w.run();
    w.publish(0, track("cam", TrackKind::Video, TrackSource::Camera)).unwrap();
    w.publish(0, track("mic", TrackKind::Audio, TrackSource::Microphone)).unwrap();
    w.run();
    assert_eq!(w.clients[1].tracks().len(), 2);
    let camera_track = w.clients[1]
        .events
        .iter()
        .find_map(|e| match e {
            RoomEvent::Track { track_id, source: TrackSource::Camera, .. } => {
                Some(track_id.clone())
            }
            _ => None,
        })
        .unwrap();
    w.unpublish(0, "cam").unwrap();
    w.run();
    w.assert_settled();
    let removed: Vec<_> = w.clients[1]
        .events
        .iter()
        .filter(|e| matches!(e, RoomEvent::TrackRemoved { .. }))
        .cloned()
        .collect();
    assert_eq!(
        removed,
        [RoomEvent::TrackRemoved {
            participant: "p1".into(),
            track_id: camera_track,
            kind: TrackKind::Video,
            source: TrackSource::Camera,
        }]
    );
    // The sender stopped sending on that m-section.
    let pc = &w.clients[0].pcs["p2"];
    assert!(pc.transceivers().iter().all(|t| t.track.as_ref().is_none_or(|t| t == "mic")));
    assert_eq!(w.unpublish(0, "cam"), Err(CoreError::NotPublished));
}

#[test]
fn leaving_peer_produces_track_removed_then_participant_left_and_is_named_until_then() {
    let mut w = RoomWorld::new(WorldConfig::default(), 2);
    w.join(0);
    w.run();
    w.publish(0, track("mic", TrackKind::Audio, TrackSource::Microphone)).unwrap();
    w.join(1);
    w.run();
    assert_eq!(w.clients[1].tracks().len(), 1);
    let before = w.clients[1].events.len();
    w.leave(0);
    w.run();
    let after: Vec<_> = w.clients[1].events[before..]
        .iter()
        .filter(|e| matches!(e, RoomEvent::TrackRemoved { .. } | RoomEvent::ParticipantLeft { .. }))
        .collect();
    assert!(
        matches!(
            after[..],
            [
                RoomEvent::TrackRemoved { participant: p, source: TrackSource::Microphone, .. },
                RoomEvent::ParticipantLeft { participant: PeerInfo { id: q, .. }, reason: LeaveReason::Left },
            ] if p == "p1" && q == "p1"
        ),
        "{after:?}"
    );
    assert_eq!(w.clients[1].closed, ["p1"]);
    // The core forgot p1 before those events were polled, yet still named
    // it then: the driver's track-removed carries its name and metadata.
    assert_eq!(w.clients[1].unnamed, []);
    assert_eq!(w.clients[1].core.participant("p1"), None);
}

#[test]
fn send_to_one_and_to_all() {
    let mut w = RoomWorld::new(WorldConfig::default(), 3);
    for i in 0..3 {
        w.join(i);
    }
    w.run();
    w.assert_settled();
    w.send(0, Some("p2"), "to p2").unwrap();
    w.send(0, None, "to all").unwrap();
    w.run();
    assert_eq!(
        w.clients[1].messages(),
        [("p1".into(), "to p2".into()), ("p1".into(), "to all".into())]
    );
    assert_eq!(w.clients[2].messages(), [("p1".into(), "to all".into())]);
    assert!(w.clients[0].messages().is_empty());
    assert_eq!(w.send(0, Some("p9"), "x"), Err(CoreError::UnknownParticipant("p9".into())));
}

#[test]
fn messages_sent_before_the_connection_opens_are_delivered() {
    let mut w = RoomWorld::new(WorldConfig::default(), 2);
    w.join(0);
    w.run();
    // Before the room is joined there is nobody to send to.
    let mut fresh = joining_core();
    assert_eq!(fresh.send(None, "x".into(), true), Err(CoreError::NotJoined));
    w.join(1);
    // p1 hears of p2 and sends at once, before any negotiation.
    let mut sent = false;
    while !sent {
        w.run_to(w.now() + 1);
        if w.clients[0].core.participant("p2").is_some() {
            w.send(0, None, "early").unwrap();
            sent = true;
        }
    }
    assert!(!w.clients[0].pcs["p2"].channel_open());
    w.run();
    w.assert_settled();
    assert_eq!(w.clients[1].messages(), [("p1".into(), "early".into())]);
}

/// Seeded: three participants join at random times with random latencies,
/// publish camera and microphone at random times (some in one stream),
/// then some unpublish. Every connection settles and every participant
/// ends up with exactly the others' published tracks, with their sources.
#[test]
fn randomized_rooms_settle_with_the_right_tracks() {
    use crate::sched::{Delay, Draws, Rng};
    use std::collections::BTreeSet;
    for seed in 0..60u64 {
        let mut r = Rng::new(seed);
        let cfg = WorldConfig {
            seed,
            signal_delay: Delay::Range(0, r.range(1, 30)),
            op_delay: Delay::Range(0, r.range(0, 20)),
            gather_delay: Delay::Range(0, 10),
            ice_delay: Delay::Range(1, 40),
            ..WorldConfig::default()
        };
        let mut w = RoomWorld::new(cfg, 3);
        for i in 0..3 {
            w.join_at(r.range(0, 100), i);
        }
        w.run();
        let mut published: Vec<BTreeSet<(String, &'static str)>> = vec![BTreeSet::new(); 3];
        for (i, set) in published.iter_mut().enumerate() {
            let stream = if r.percent(50) { format!("user{i}") } else { format!("cam{i}") };
            let cam = track_in(&format!("cam{i}"), &stream, TrackKind::Video, TrackSource::Camera);
            let mic = track_in(
                &format!("mic{i}"),
                &format!("user{i}"),
                TrackKind::Audio,
                TrackSource::Microphone,
            );
            for t in [cam, mic] {
                if r.percent(70) {
                    set.insert((t.stream_id.clone(), t.source.as_str()));
                    w.at(w.now() + r.range(0, 100), i, App::Publish(t));
                }
            }
        }
        w.run();
        for (i, set) in published.iter_mut().enumerate() {
            if r.percent(30) {
                if let Some(first) = set.iter().next().cloned() {
                    set.remove(&first);
                    let id =
                        if first.1 == "camera" { format!("cam{i}") } else { format!("mic{i}") };
                    w.at(w.now() + r.range(0, 50), i, App::Unpublish(id));
                }
            }
        }
        w.run();
        w.assert_settled();
        for (i, c) in w.clients.iter().enumerate() {
            let mut live: BTreeSet<(String, String, &'static str)> = BTreeSet::new();
            for e in &c.events {
                match e {
                    RoomEvent::Track { participant, stream_id, source, .. } => {
                        assert!(
                            live.insert((participant.clone(), stream_id.clone(), source.as_str())),
                            "seed {seed}: duplicate {e:?}"
                        );
                    }
                    RoomEvent::TrackRemoved { participant, source, .. } => {
                        live.retain(|t| !(t.0 == *participant && t.2 == source.as_str()));
                    }
                    _ => {}
                }
            }
            let expected: BTreeSet<(String, String, &'static str)> = (0..3)
                .filter(|&j| j != i)
                .flat_map(|j| {
                    let id = w.clients[j].id().to_owned();
                    published[j].iter().map(move |(s, src)| (id.clone(), s.clone(), *src))
                })
                .collect();
            assert_eq!(live, expected, "seed {seed}, client {i}");
        }
    }
}

/// The polite side never makes the first offer: its tracks go onto the
/// connection when the impolite side's first offer arrives, just before it
/// is applied, so the answer carries them (one round trip) and no offer of
/// its own is ever rolled back (Chromium never gathers ICE candidates on a
/// connection whose first offer was rolled back before gathering began).
#[test]
fn polite_side_adds_its_tracks_just_before_applying_the_first_offer() {
    use rtcroom::core::{LocalTrack, PcCommand, RoomOutput};
    use rtcroom::proto::SdpType;
    let t = Millis(0);
    let drain = |c: &mut RoomCore| std::iter::from_fn(|| c.poll_output()).collect::<Vec<_>>();
    let mut a = joining_core(); // "a" < "b": polite
    let welcome = ServerMessage::Welcome {
        id: "a".into(),
        session: "s".into(),
        peers: vec![],
        ice_servers: vec![],
        resumed: false,
        resume_grace_ms: 0,
        grants: Default::default(),
    };
    a.handle_input(t, frame(welcome)).unwrap();
    let camera = LocalTrack {
        track_id: "t1".into(),
        stream_id: "s1".into(),
        kind: TrackKind::Video,
        source: TrackSource::Camera,
        size: None,
        device_id: None,
        preset: None,
    };
    a.publish(camera).unwrap();
    let peer = PeerInfo { id: "b".into(), name: None, meta: Default::default() };
    a.handle_input(t, frame(ServerMessage::PeerJoined { peer })).unwrap();
    let out = drain(&mut a);
    assert!(out.iter().any(
        |o| matches!(o, RoomOutput::CreatePeer { polite: true, tracks, .. } if tracks.is_empty())
    ));
    assert!(!out.iter().any(|o| matches!(o, RoomOutput::AddTrack { .. })), "not before the offer");

    let offer = SignalData::Description {
        sdp_type: SdpType::Offer,
        sdp: "v=0\r\na=ice-ufrag:u\r\n".into(),
    };
    a.handle_input(t, frame(ServerMessage::Signal { from: "b".into(), data: offer })).unwrap();
    let out = drain(&mut a);
    let add = out.iter().position(
        |o| matches!(o, RoomOutput::AddTrack { peer, track, .. } if peer == "b" && track.track_id == "t1"),
    );
    let srd = out.iter().position(|o| {
        matches!(o, RoomOutput::Pc { cmd: PcCommand::SetRemoteDescription { .. }, .. })
    });
    assert!(add.expect("AddTrack") < srd.expect("setRemoteDescription"), "{out:?}");
    // Once only: a later offer adds nothing again.
    let again = SignalData::Description { sdp_type: SdpType::Offer, sdp: "v=0\r\n".into() };
    a.handle_input(t, frame(ServerMessage::Signal { from: "b".into(), data: again })).unwrap();
    assert!(!drain(&mut a).iter().any(|o| matches!(o, RoomOutput::AddTrack { .. })));
}

/// The impolite side creates the data channel and one receive-only
/// transceiver per kind (the first offer fixes both kinds' RTP header
/// extension ids); the polite side creates neither and waits for that offer.
#[test]
fn only_the_impolite_side_prepares_the_first_offer() {
    use rtcroom::core::RoomOutput;
    for (me, other, polite) in [("a", "b", true), ("b", "a", false)] {
        let mut core = joining_core();
        let peer = PeerInfo { id: other.into(), name: None, meta: Default::default() };
        let welcome = ServerMessage::Welcome {
            id: me.into(),
            session: "s".into(),
            peers: vec![peer],
            ice_servers: vec![],
            resumed: false,
            resume_grace_ms: 0,
            grants: Default::default(),
        };
        core.handle_input(Millis(0), frame(welcome)).unwrap();
        let created = std::iter::from_fn(|| core.poll_output()).find_map(|o| match o {
            RoomOutput::CreatePeer { polite, data_channel, receive, .. } => {
                Some((polite, data_channel, receive))
            }
            _ => None,
        });
        let expected_receive =
            if polite { vec![] } else { vec![TrackKind::Audio, TrackKind::Video] };
        assert_eq!(created, Some((polite, !polite, expected_receive)), "{me}");
    }
}

/// A source fixes the kind (camera and screen are video, microphone and
/// screen audio are audio); a mismatch is refused before anything is sent.
#[test]
fn a_track_whose_kind_contradicts_its_source_is_refused() {
    use rtcroom::core::{LocalTrack, RoomOutput};
    let mut core = joining_core();
    let welcome = ServerMessage::Welcome {
        id: "a".into(),
        session: "s".into(),
        peers: vec![],
        ice_servers: vec![],
        resumed: false,
        resume_grace_ms: 0,
        grants: Default::default(),
    };
    core.handle_input(Millis(0), frame(welcome)).unwrap();
    let _ = std::iter::from_fn(|| core.poll_output()).count();
    for (kind, source) in [
        (TrackKind::Audio, TrackSource::Camera),
        (TrackKind::Video, TrackSource::Microphone),
        (TrackKind::Audio, TrackSource::Screen),
        (TrackKind::Video, TrackSource::ScreenAudio),
    ] {
        let track = LocalTrack {
            track_id: "t".into(),
            stream_id: "s".into(),
            kind,
            source,
            size: None,
            device_id: None,
            preset: None,
        };
        let err = core.publish(track).unwrap_err();
        assert_eq!(err.code(), "invalid-argument", "{kind:?} as {source:?}");
    }
    assert!(core.published().is_empty());
    assert!(std::iter::from_fn(|| core.poll_output())
        .all(|o| !matches!(o, RoomOutput::AddTrack { .. })));
    for kind in [TrackKind::Audio, TrackKind::Video] {
        let track = LocalTrack {
            track_id: kind.as_str().into(),
            stream_id: "s".into(),
            kind,
            source: TrackSource::Custom,
            size: None,
            device_id: None,
            preset: None,
        };
        core.publish(track).expect("custom takes any kind");
    }
}

#[test]
fn camera_and_microphone_share_a_stream_as_do_screen_and_its_audio() {
    use rtcroom::core::stream_group;
    assert_eq!(stream_group(TrackSource::Camera), stream_group(TrackSource::Microphone));
    assert_eq!(stream_group(TrackSource::Screen), stream_group(TrackSource::ScreenAudio));
    assert_ne!(stream_group(TrackSource::Camera), stream_group(TrackSource::Screen));
    assert_eq!(stream_group(TrackSource::Custom), None);
}

/// A welcome with these grants, and the core that got it.
fn welcomed_with(grants: rtcroom::proto::Grants, relay_only: bool) -> RoomCore {
    let config = RoomConfig { room: "r".into(), relay_only, ..RoomConfig::default() };
    welcomed(config, grants, vec![])
}

/// A core with `config` welcomed (with `grants` and `ice_servers`) into a
/// room where p2 is.
fn welcomed(
    config: RoomConfig,
    grants: rtcroom::proto::Grants,
    ice_servers: Vec<rtcroom::proto::IceServer>,
) -> RoomCore {
    let mut core = RoomCore::new(Millis(0), config);
    core.handle_input(Millis(0), RoomInput::SocketOpened { socket: SocketId(1) }).unwrap();
    while core.poll_output().is_some() {}
    let peer = PeerInfo { id: "p2".into(), name: None, meta: Default::default() };
    let welcome = ServerMessage::Welcome {
        id: "p1".into(),
        session: "s".into(),
        peers: vec![peer],
        ice_servers,
        resumed: false,
        resume_grace_ms: 0,
        grants,
    };
    core.handle_input(Millis(0), frame(welcome)).unwrap();
    core
}

#[test]
fn publish_without_the_publish_grant_is_refused_with_not_allowed_and_sends_nothing() {
    let grants = rtcroom::proto::Grants { can_publish: false, ..Default::default() };
    let mut core = welcomed_with(grants, false);
    while core.poll_output().is_some() {}
    let err = core.publish(track("t1", TrackKind::Video, TrackSource::Camera)).unwrap_err();
    assert_eq!(err, CoreError::NotAllowed("canPublish"));
    assert_eq!(err.code(), "not-allowed");
    assert!(core.published().is_empty());
    assert_eq!(core.poll_output(), None, "nothing announced or added");
    // The data grant is separate: sending still works as far as the grant goes.
    assert!(!matches!(
        core.send(None, rtcroom::core::Payload::Text("hi".into()), true),
        Err(CoreError::NotAllowed(_))
    ));
}

#[test]
fn send_without_the_data_grant_is_refused_with_not_allowed() {
    let grants = rtcroom::proto::Grants { can_publish_data: false, ..Default::default() };
    let mut core = welcomed_with(grants, false);
    let err = core.send(None, rtcroom::core::Payload::Text("hi".into()), true).unwrap_err();
    assert_eq!(err, CoreError::NotAllowed("canPublishData"));
    // Publishing is still granted.
    assert_eq!(core.publish(track("t1", TrackKind::Video, TrackSource::Camera)), Ok(()));
}

#[test]
fn relay_only_reaches_every_create_peer() {
    let mut core = welcomed_with(Default::default(), true);
    let creates: Vec<bool> = std::iter::from_fn(|| core.poll_output())
        .filter_map(|o| match o {
            rtcroom::core::RoomOutput::CreatePeer { relay_only, .. } => Some(relay_only),
            _ => None,
        })
        .collect();
    assert_eq!(creates, [true]);
}

#[test]
fn the_apps_ice_servers_follow_the_servers_in_every_create_peer() {
    let server = |url: &str| rtcroom::proto::IceServer {
        urls: vec![url.into()],
        username: None,
        credential: None,
    };
    let config = RoomConfig {
        room: "r".into(),
        ice_servers: vec![server("stun:app.example")],
        ..RoomConfig::default()
    };
    let mut core = welcomed(config, Default::default(), vec![server("turn:server.example")]);
    let creates: Vec<Vec<String>> = std::iter::from_fn(|| core.poll_output())
        .filter_map(|o| match o {
            rtcroom::core::RoomOutput::CreatePeer { ice_servers, .. } => {
                Some(ice_servers.into_iter().flat_map(|s| s.urls).collect())
            }
            _ => None,
        })
        .collect();
    assert_eq!(creates, [vec!["turn:server.example".to_string(), "stun:app.example".into()]]);
}

/// A refused join keeps the server's code and message apart, for the
/// driver's `join-refused` error (which names the code once; it used to
/// read the code back from the failure's text and repeat it).
#[test]
fn a_refused_join_keeps_the_servers_code_and_message() {
    let mut core = joining_core();
    assert_eq!(core.refused(), None);
    let message = "this server requires a join token".to_string();
    let error = ServerMessage::Error { code: ErrorCode::TokenRequired, message };
    core.handle_input(Millis(0), frame(error)).unwrap();
    while core.poll_output().is_some() {}
    assert_eq!(
        core.refused(),
        Some((ErrorCode::TokenRequired, "this server requires a join token"))
    );
    assert_eq!(core.failure().map(|(reason, _)| reason), Some("join-refused"));
}

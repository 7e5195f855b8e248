//! Joining and publishing: the room's lifecycle events from Janus's, the
//! camera with its simulcast plan, one offer at a time, `rid_order`.

use super::*;
use rtcroom::core::{RoomConnection, SenderId, SessionState};

#[test]
fn joining_a_videoroom_reports_connected_with_our_publisher_id() {
    let s = Sfu::joined(json!([]));
    assert_eq!(s.room.local_id(), Some(ME.to_string().as_str()));
    assert_eq!(s.room.state(), SessionState::Joined);
    assert!(s.room.is_joined());
    assert!(s
        .events()
        .contains(&RoomEvent::ConnectionState { state: RoomConnection::Connected, reason: None }));
    // No connection until there is something to send or receive.
    assert!(!s.outs.iter().any(|o| matches!(o, RoomOutput::CreatePeer { .. })));
}

#[test]
fn publishing_before_the_join_is_refused() {
    let mut s = Sfu::new();
    assert_eq!(s.room.publish(camera()), Err(rtcroom::core::CoreError::NotJoined));
}

#[test]
fn a_janus_that_cannot_be_reached_fails_the_join_with_signaling_failed() {
    let mut s = Sfu::new();
    let socket = s.socket;
    s.input(RoomInput::SocketClosed { socket });
    assert_eq!(s.room.state(), SessionState::Failed);
    assert_eq!(s.room.failure().map(|(c, _)| c), Some("signaling-failed"));
    assert!(s.events().contains(&RoomEvent::ConnectionState {
        state: RoomConnection::Disconnected,
        reason: Some("signaling-failed")
    }));
}

#[test]
fn the_camera_is_published_with_three_layers_low_to_high_and_rid_order_lmh() {
    let mut s = Sfu::joined(json!([]));
    s.room.publish(camera()).unwrap();
    let step = s.drain();
    let create = step.iter().find_map(|o| match o {
        RoomOutput::CreatePeer { peer, data_channel, receive, tracks, .. } => {
            Some((peer.clone(), *data_channel, receive.clone(), tracks.len()))
        }
        _ => None,
    });
    // Our data channel rides the publisher connection (Janus relays it).
    assert_eq!(create, Some((PUBLISHER.to_owned(), true, vec![], 0)));
    let encodings = step
        .iter()
        .find_map(|o| match o {
            RoomOutput::AddTransceiver { peer, track, encodings, .. } if peer == PUBLISHER => {
                assert_eq!(track.track_id, "cam");
                Some(encodings.clone())
            }
            _ => None,
        })
        .expect("the camera goes on an addTransceiver");
    let plan: Vec<(Option<&str>, f64)> =
        encodings.iter().map(|e| (e.rid, e.scale_resolution_down_by)).collect();
    assert_eq!(plan, [(Some("q"), 4.0), (Some("h"), 2.0), (Some("f"), 1.0)]);
    assert!(encodings.windows(2).all(|w| w[0].max_bitrate_bps < w[1].max_bitrate_bps));
    assert!(s.events().iter().any(|e| matches!(e,
        RoomEvent::TrackPublished { track_id, source: TrackSource::Camera, .. } if track_id == "cam")));

    let sld = s.last_sld(PUBLISHER).expect("the core offers at once");
    s.complete(PUBLISHER, sld, Some(offer("v=0 our-offer")));
    let configure = s.last_sent();
    assert_eq!(configure["handle_id"], PUB);
    assert_eq!(configure["body"]["request"], "configure");
    assert_eq!(configure["jsep"]["type"], "offer");
    assert_eq!(configure["jsep"]["sdp"], "v=0 our-offer");
    assert_eq!(configure["jsep"]["rid_order"], "lmh");

    s.reply_event(
        &configure,
        PUB,
        json!({"videoroom":"event","room":ROOM,"configured":"ok"}),
        Some(json!({"type":"answer","sdp":"v=0 janus-answer"})),
    );
    let (_, answer) = s.last_srd(PUBLISHER).expect("Janus's answer is applied");
    assert_eq!(answer.sdp, "v=0 janus-answer");
    assert_eq!(answer.sdp_type, SdpType::Answer);
}

#[test]
fn audio_goes_without_encodings_and_a_second_track_waits_for_the_first_answer() {
    let mut s = Sfu::joined(json!([]));
    s.room.publish(camera()).unwrap();
    s.drain();
    let first = s.last_sld(PUBLISHER).unwrap();
    s.room.publish(microphone()).unwrap();
    let step = s.drain();
    let audio = step.iter().find_map(|o| match o {
        RoomOutput::AddTransceiver { sender, track, encodings, .. } if track.track_id == "mic" => {
            Some((*sender, encodings.is_empty()))
        }
        _ => None,
    });
    assert_eq!(audio, Some((SenderId(1), true)));
    // The browser's negotiationneeded too: still one negotiation at a time.
    s.peer(PUBLISHER, PeerInput::NegotiationNeeded);
    assert_eq!(s.last_sld(PUBLISHER), Some(first), "no second offer while one is in flight");

    s.complete(PUBLISHER, first, Some(offer("v=0 one")));
    let configure = s.last_sent();
    s.reply_event(
        &configure,
        PUB,
        json!({"videoroom":"event","room":ROOM,"configured":"ok"}),
        Some(json!({"type":"answer","sdp":"v=0 a1"})),
    );
    assert_eq!(s.last_sld(PUBLISHER), Some(first), "not before the answer is applied");
    let (srd, _) = s.last_srd(PUBLISHER).unwrap();
    s.complete(PUBLISHER, srd, None);
    let second = s.last_sld(PUBLISHER).unwrap();
    assert_ne!(second, first, "the microphone is offered once the answer is applied");
    s.complete(PUBLISHER, second, Some(offer("v=0 two")));
    assert_eq!(s.last_sent()["jsep"]["sdp"], "v=0 two");
}

#[test]
fn our_candidates_are_trickled_on_the_publisher_handle_after_the_offer() {
    let mut s = Sfu::joined(json!([]));
    s.room.publish(camera()).unwrap();
    s.drain();
    let before = s.sent.len();
    let c = rtcroom::core::Candidate {
        candidate: "candidate:1 1 udp 1 10.99.0.1 5000 typ host".into(),
        sdp_mid: Some("0".into()),
        sdp_m_line_index: Some(0),
        username_fragment: None,
    };
    s.peer(PUBLISHER, PeerInput::LocalCandidate(Some(c)));
    assert_eq!(s.sent.len(), before, "held until the offer went to Janus");
    let sld = s.last_sld(PUBLISHER).unwrap();
    s.complete(PUBLISHER, sld, Some(offer("v=0 o")));
    let trickle: Vec<&Value> =
        s.sent[before..].iter().filter(|v| v["janus"] == "trickle").collect();
    assert_eq!(trickle.len(), 1);
    assert_eq!(trickle[0]["handle_id"], PUB);
}

#[test]
fn a_report_of_an_older_connection_is_dropped() {
    let mut s = Sfu::joined(json!([]));
    s.room.publish(camera()).unwrap();
    s.drain();
    let sld = s.last_sld(PUBLISHER).unwrap();
    let generation = s.generation(PUBLISHER) + 1;
    let input = PeerInput::OpCompleted {
        op: sld,
        result: OpResult::Ok { local: Some(offer("v=0 stale")) },
    };
    let before = s.sent.len();
    s.input(RoomInput::Peer { peer: PUBLISHER.into(), generation, input });
    assert_eq!(s.sent.len(), before);
}

#[test]
fn leaving_destroys_the_session_and_closes_both_connections() {
    let mut s = super::subscribed(&[901]);
    s.room.publish(camera()).unwrap();
    s.drain();
    s.room.leave();
    s.drain();
    let destroy = s.last_sent();
    assert_eq!(destroy["janus"], "destroy");
    let closed: Vec<&str> = s
        .outs
        .iter()
        .filter_map(|o| match o {
            RoomOutput::ClosePeer { peer } => Some(peer.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(closed, [PUBLISHER, SUBSCRIBER]);
    s.recv(json!({"janus":"success","session_id":SESSION,"transaction":tx(&destroy)}));
    assert_eq!(s.room.state(), SessionState::Left);
    assert!(s.events().contains(&RoomEvent::ConnectionState {
        state: RoomConnection::Disconnected,
        reason: Some("left")
    }));
}

#[test]
fn a_relay_only_room_builds_its_janus_connections_relay_only() {
    let config = RoomConfig { relay_only: true, ..RoomConfig::default() };
    let mut s = attached_with(config, json!([publisher(901)]), &[901]);
    s.room.publish(camera()).unwrap();
    s.drain();
    let created: Vec<(String, bool)> = s
        .outs
        .iter()
        .filter_map(|o| match o {
            RoomOutput::CreatePeer { peer, relay_only, .. } => Some((peer.clone(), *relay_only)),
            _ => None,
        })
        .collect();
    assert!(created.len() >= 2, "publisher and subscriber: {created:?}");
    assert!(created.iter().all(|(_, relay)| *relay), "{created:?}");
}

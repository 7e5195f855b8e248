//! Media-path recovery in SFU rooms: a connection to Janus whose path is
//! lost restarts ICE with the mesh's policy — a publishing connection by a
//! new offer, the subscriber by asking Janus for one — and the app sees it
//! as `participant-state` (the subscriber carries everyone's media) or as
//! the room's `connection-state` (ours).

use super::*;
use rtcroom::core::sfu::room::STALL_RESTART_DELAY;
use rtcroom::core::{
    ConnectionState, InboundStats, PairStats, PeerState, RoomConnection, StatsSnapshot,
};

fn states(s: &Sfu) -> Vec<(String, PeerState, Option<&'static str>)> {
    s.events()
        .into_iter()
        .filter_map(|e| match e {
            RoomEvent::ParticipantState { participant, state, reason } => {
                Some((participant, state, reason))
            }
            _ => None,
        })
        .collect()
}

fn connection_states(s: &Sfu) -> Vec<(RoomConnection, Option<&'static str>)> {
    s.events()
        .into_iter()
        .filter_map(|e| match e {
            RoomEvent::ConnectionState { state, reason } => Some((state, reason)),
            _ => None,
        })
        .collect()
}

/// Runs `ms`, answering each `getStats()` of `peer` with its inbound bytes
/// so far; `grow` bytes more per sample.
fn flow(s: &mut Sfu, peer: &str, bytes: &mut u64, ms: u64, grow: u64) {
    let end = s.now.0 + ms;
    while s.now.0 < end {
        for o in s.advance(50) {
            if matches!(&o, RoomOutput::Pc { peer: p, cmd: PcCommand::GetStats } if p == peer) {
                *bytes += grow;
                s.peer(peer, PeerInput::Stats(received(*bytes, 0)));
            }
        }
    }
}

/// Runs `ms` with the socket to Janus alive (keepalives acknowledged).
fn live_for(s: &mut Sfu, ms: u64) {
    for _ in 0..ms / 1_000 {
        let from = s.sent.len();
        s.advance(1_000);
        let keepalives: Vec<Value> =
            s.sent[from..].iter().filter(|v| v["janus"] == "keepalive").cloned().collect();
        for k in keepalives {
            s.recv(ack(&k));
        }
    }
}

/// A sample with `bytes` of media received on mid 1, and `stun` STUN
/// messages received on the pair, whose bytes also count Janus's RTCP
/// reports (`stun` stands for their count: both go on while the publishers
/// are silent and our path lives).
fn received(bytes: u64, stun: u64) -> StatsSnapshot {
    let rtcp = stun * 1_000 + bytes / 100;
    let inbound = InboundStats {
        kind: TrackKind::Video,
        mid: Some("1".into()),
        bytes_received: bytes,
        packets_received: bytes / 1_000,
        packets_lost: 0,
        jitter_ms: None,
        frame_width: None,
        frame_height: None,
        frames_per_second: None,
        frames_decoded: 0,
        freeze_count: 0,
        total_freezes_duration_s: 0.0,
    };
    let pair =
        PairStats { bytes_received: bytes + rtcp, stun_received: stun, ..Default::default() };
    StatsSnapshot {
        bytes_received: bytes + rtcp,
        pair: Some(pair),
        inbound: vec![inbound],
        ..Default::default()
    }
}

fn restarts_asked(s: &Sfu) -> usize {
    s.sent
        .iter()
        .filter(|v| {
            v["handle_id"] == SUB
                && v["body"]["request"] == "configure"
                && v["body"]["restart"] == true
        })
        .count()
}

#[test]
fn participants_are_connected_once_the_subscriber_connection_is() {
    let mut s = subscribed(&[901, 902]);
    assert_eq!(states(&s), []);
    s.peer(SUBSCRIBER, PeerInput::ConnectionState(ConnectionState::Connected));
    assert_eq!(
        states(&s),
        [("901".into(), PeerState::Connected, None), ("902".into(), PeerState::Connected, None)]
    );
    // One who joins later is connected at once (the connection is up).
    s.push_event(PUB, json!({"videoroom":"event","room":ROOM,"publishers":[publisher(903)]}), None);
    assert_eq!(states(&s).last(), Some(&("903".into(), PeerState::Connected, None)));
}

#[test]
fn a_stalled_subscriber_path_asks_janus_for_an_ice_restart_offer_and_answers_it() {
    let mut s = subscribed(&[901]);
    s.peer(SUBSCRIBER, PeerInput::ConnectionState(ConnectionState::Connected));
    let mut bytes = 0;
    flow(&mut s, SUBSCRIBER, &mut bytes, 2_000, 10_000);
    assert_eq!(restarts_asked(&s), 0);
    // Nothing arrives any more: lost 1.2 s after the last growth (told at
    // once), and the restart is asked for STALL_RESTART_DELAY later.
    flow(&mut s, SUBSCRIBER, &mut bytes, 1_700, 0);
    assert_eq!(
        states(&s).last(),
        Some(&("901".into(), PeerState::Reconnecting, Some("media-stalled")))
    );
    assert_eq!(restarts_asked(&s), 0);
    flow(&mut s, SUBSCRIBER, &mut bytes, STALL_RESTART_DELAY, 0);
    assert_eq!(restarts_asked(&s), 1);
    // No answer yet: asked again 2 s later.
    flow(&mut s, SUBSCRIBER, &mut bytes, 2_000, 0);
    assert_eq!(restarts_asked(&s), 2);
    // Janus's restart offer: applied and answered with `start`.
    let configure = s.sent.iter().rev().find(|v| v["body"]["restart"] == true).cloned().unwrap();
    s.reply_event(
        &configure,
        SUB,
        json!({"videoroom":"event","room":ROOM,"configured":"ok"}),
        Some(json!({"type":"offer","sdp":"v=0 janus-restart-offer","restart":true})),
    );
    let (srd, offer) = s.last_srd(SUBSCRIBER).expect("the restart offer is applied");
    assert_eq!(offer.sdp, "v=0 janus-restart-offer");
    s.complete(SUBSCRIBER, srd, None);
    let sld = s.last_sld(SUBSCRIBER).expect("an answer is made");
    s.complete(SUBSCRIBER, sld, Some(answer("v=0 restart-answer")));
    let start = s.last_sent();
    assert_eq!(
        (start["body"]["request"].as_str(), start["jsep"]["sdp"].as_str()),
        (Some("start"), Some("v=0 restart-answer"))
    );
    // Media again: recovered.
    flow(&mut s, SUBSCRIBER, &mut bytes, 1_000, 10_000);
    assert_eq!(states(&s).last(), Some(&("901".into(), PeerState::Connected, Some("recovered"))));
    assert_eq!(restarts_asked(&s), 2, "no attempt after the recovery");
    assert_eq!(
        connection_states(&s),
        [(RoomConnection::Connected, None)],
        "the room's own connection is not concerned"
    );
}

#[test]
fn a_failed_publisher_path_restarts_ice_offers_again_and_the_room_says_reconnecting() {
    let mut s = subscribed(&[901]);
    s.publishing_camera_and_microphone(camera());
    s.peer(PUBLISHER, PeerInput::ConnectionState(ConnectionState::Connected));
    s.drain();
    let out = s.peer(PUBLISHER, PeerInput::ConnectionState(ConnectionState::Failed));
    assert!(out.iter().any(|o| matches!(o, RoomOutput::Pc { peer, cmd: PcCommand::RestartIce } if peer == PUBLISHER)), "{out:?}");
    assert_eq!(
        connection_states(&s).last(),
        Some(&(RoomConnection::Reconnecting, Some("ice-failed")))
    );
    assert_eq!(states(&s), [], "the others' media is not concerned");
    // The restart's negotiation: our new offer goes to Janus as a configure.
    let from = s.sent.len();
    s.peer(PUBLISHER, PeerInput::NegotiationNeeded);
    let sld = s.last_sld(PUBLISHER).expect("a new offer");
    s.complete(PUBLISHER, sld, Some(offer("v=0 restart-offer")));
    let sent: Vec<_> =
        s.sent[from..].iter().filter(|v| v["jsep"]["sdp"] == "v=0 restart-offer").collect();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["body"]["request"], "configure");
    // Connected again: key frames first, then `reconnected`.
    let out = s.peer(PUBLISHER, PeerInput::ConnectionState(ConnectionState::Connected));
    assert!(out.iter().any(|o| matches!(o, RoomOutput::Pc { peer, cmd: PcCommand::SendKeyFrames } if peer == PUBLISHER)), "{out:?}");
    assert_eq!(connection_states(&s).last(), Some(&(RoomConnection::Reconnected, None)));
}

#[test]
fn restart_attempts_wait_while_the_socket_to_janus_is_down_and_run_once_it_is_back() {
    let mut s = subscribed(&[901]);
    s.peer(SUBSCRIBER, PeerInput::ConnectionState(ConnectionState::Connected));
    // The socket drops first, then the media path fails.
    let socket = s.socket;
    s.input(RoomInput::SocketClosed { socket });
    s.peer(SUBSCRIBER, PeerInput::ConnectionState(ConnectionState::Failed));
    assert_eq!(
        states(&s).last(),
        Some(&("901".into(), PeerState::Reconnecting, Some("ice-failed")))
    );
    s.advance(5_000);
    assert_eq!(restarts_asked(&s), 0, "nothing can reach Janus");
    // Reclaimed: the restart goes at once.
    let socket = s.socket;
    s.input(RoomInput::SocketOpened { socket });
    let claim = s.last_sent();
    s.recv(json!({"janus":"success","session_id":SESSION,"transaction":tx(&claim)}));
    assert_eq!(restarts_asked(&s), 1);
}

#[test]
fn a_publishing_path_lost_during_a_socket_drop_is_one_reconnecting_and_one_reconnected() {
    let mut s = subscribed(&[901]);
    s.publishing_camera_and_microphone(camera());
    s.peer(PUBLISHER, PeerInput::ConnectionState(ConnectionState::Connected));
    let socket = s.socket;
    s.input(RoomInput::SocketClosed { socket });
    s.peer(PUBLISHER, PeerInput::ConnectionState(ConnectionState::Failed));
    let socket = s.socket;
    s.input(RoomInput::SocketOpened { socket });
    let claim = s.last_sent();
    s.recv(json!({"janus":"success","session_id":SESSION,"transaction":tx(&claim)}));
    // The socket is back but our media path is not: still reconnecting.
    assert_eq!(
        connection_states(&s),
        [(RoomConnection::Connected, None), (RoomConnection::Reconnecting, Some("socket-lost"))]
    );
    s.peer(PUBLISHER, PeerInput::ConnectionState(ConnectionState::Connected));
    assert_eq!(connection_states(&s).last(), Some(&(RoomConnection::Reconnected, None)));
    assert_eq!(connection_states(&s).len(), 3);
}

/// Janus sends a publishing connection about one RTCP report a second:
/// receiving nothing there says nothing about the path.
#[test]
fn a_publishing_connection_that_receives_nothing_is_not_lost() {
    let mut s = subscribed(&[901]);
    s.publishing_camera_and_microphone(camera());
    s.peer(PUBLISHER, PeerInput::ConnectionState(ConnectionState::Connected));
    let mut bytes = 0;
    flow(&mut s, PUBLISHER, &mut bytes, 1_500, 5_000);
    flow(&mut s, PUBLISHER, &mut bytes, 5_000, 0);
    assert!(!s.outs.iter().any(|o| matches!(o, RoomOutput::Pc { cmd: PcCommand::RestartIce, .. })));
    assert_eq!(connection_states(&s), [(RoomConnection::Connected, None)]);
}

/// Everyone muted (a muted camera sends nothing): silence is expected.
#[test]
fn a_subscriber_connection_whose_media_stops_because_everyone_muted_is_not_lost() {
    let mut s = subscribed(&[901]);
    s.peer(SUBSCRIBER, PeerInput::ConnectionState(ConnectionState::Connected));
    let mut bytes = 0;
    flow(&mut s, SUBSCRIBER, &mut bytes, 2_000, 10_000);
    let list = json!([{"id":901,"display":"p901","streams":[
        {"type":"audio","mindex":0,"mid":"0","codec":"opus","description":"microphone;muted"},
        {"type":"video","mindex":1,"mid":"1","codec":"vp8","simulcast":true,"description":"camera;muted"}]}]);
    s.push_event(PUB, json!({"videoroom":"event","room":ROOM,"publishers":list}), None);
    flow(&mut s, SUBSCRIBER, &mut bytes, 5_000, 0);
    assert_eq!(restarts_asked(&s), 0);
    assert_eq!(states(&s), [("901".into(), PeerState::Connected, None)]);
}

#[test]
fn restart_ice_on_a_participant_restarts_the_subscriber_connection_and_on_sfu_publisher_ours() {
    let mut s = subscribed(&[901]);
    s.publishing_camera_and_microphone(camera());
    s.room.restart_ice(s.now, "901").unwrap();
    s.drain();
    assert_eq!(restarts_asked(&s), 1);
    s.room.restart_ice(s.now, PUBLISHER).unwrap();
    let out = s.drain();
    assert!(out.iter().any(|o| matches!(o, RoomOutput::Pc { peer, cmd: PcCommand::RestartIce } if peer == PUBLISHER)), "{out:?}");
    // No loss was declared: nobody is told anything.
    assert_eq!(states(&s), []);
    assert_eq!(connection_states(&s), [(RoomConnection::Connected, None)]);
    assert_eq!(s.room.restart_ice(s.now, "903").unwrap_err().code(), "unknown-participant");
    assert_eq!(s.room.restart_ice(s.now, SCREEN).unwrap_err().code(), "unknown-participant");
}

#[test]
fn update_meta_in_an_sfu_room_is_refused_not_dropped() {
    let mut s = subscribed(&[901]);
    let before = s.sent.len();
    let err = s.room.update_meta(Default::default()).unwrap_err();
    assert_eq!(err.code(), "unsupported");
    assert_eq!(s.sent.len(), before);
}

#[test]
fn a_publishing_path_that_never_comes_back_is_given_up_after_60_s_with_a_warning_not_reconnected() {
    let mut s = subscribed(&[901]);
    s.publishing_camera_and_microphone(camera());
    s.peer(PUBLISHER, PeerInput::ConnectionState(ConnectionState::Connected));
    s.peer(PUBLISHER, PeerInput::ConnectionState(ConnectionState::Failed));
    live_for(&mut s, 61_000);
    let restarts = s.outs.iter().filter(|o| matches!(o, RoomOutput::Pc { peer, cmd: PcCommand::RestartIce } if peer == PUBLISHER)).count();
    // At 0, 2, 4, 7, 11, then every 4 s up to 59 s.
    assert_eq!(restarts, 17);
    assert!(s
        .events()
        .iter()
        .any(|e| matches!(e, RoomEvent::Warning { code: "sfu-connection-failed", .. })));
    assert_eq!(
        connection_states(&s),
        [(RoomConnection::Connected, None), (RoomConnection::Reconnecting, Some("ice-failed"))]
    );
    // Over: no attempt after that.
    let before = s.outs.len();
    live_for(&mut s, 20_000);
    assert!(!s.outs[before..]
        .iter()
        .any(|o| matches!(o, RoomOutput::Pc { cmd: PcCommand::RestartIce, .. })));
}

/// Janus drops the old ICE session when it restarts: a short outage heals
/// on the old session, with no restart (which would make the media wait for
/// the new session's checks).
#[test]
fn a_short_media_stall_heals_without_an_ice_restart() {
    let mut s = subscribed(&[901]);
    s.peer(SUBSCRIBER, PeerInput::ConnectionState(ConnectionState::Connected));
    let mut bytes = 0;
    flow(&mut s, SUBSCRIBER, &mut bytes, 2_000, 10_000);
    flow(&mut s, SUBSCRIBER, &mut bytes, 3_000, 0);
    flow(&mut s, SUBSCRIBER, &mut bytes, 1_000, 10_000);
    assert_eq!(
        states(&s),
        [
            ("901".into(), PeerState::Connected, None),
            ("901".into(), PeerState::Reconnecting, Some("media-stalled")),
            ("901".into(), PeerState::Connected, Some("recovered")),
        ]
    );
    assert_eq!(restarts_asked(&s), 0);
}

/// ICE itself failing is not a short outage: the restart goes at once.
#[test]
fn an_ice_failure_of_the_subscriber_connection_restarts_at_once() {
    let mut s = subscribed(&[901]);
    s.peer(SUBSCRIBER, PeerInput::ConnectionState(ConnectionState::Connected));
    s.peer(SUBSCRIBER, PeerInput::ConnectionState(ConnectionState::Failed));
    assert_eq!(restarts_asked(&s), 1);
}

/// The screen's connection lost, then the share stopped: the room is not
/// left `reconnecting` for a path that is no longer ours.
#[test]
fn a_screen_share_stopped_while_its_path_was_lost_ends_the_reconnecting() {
    let mut s = Sfu::joined(json!([]));
    s.room.publish(screen()).unwrap();
    s.drain();
    s.screen_joined();
    s.negotiate(SCREEN, SCREEN_HANDLE, &[("scr", "0")]);
    s.peer(SCREEN, PeerInput::ConnectionState(ConnectionState::Connected));
    s.peer(SCREEN, PeerInput::ConnectionState(ConnectionState::Failed));
    assert_eq!(
        connection_states(&s).last(),
        Some(&(RoomConnection::Reconnecting, Some("ice-failed")))
    );
    s.room.unpublish_as("scr", rtcroom::core::UnpublishReason::Ended).unwrap();
    s.drain();
    assert_eq!(connection_states(&s).last(), Some(&(RoomConnection::Reconnected, None)));
}

/// Runs `ms` answering the subscriber's `getStats()`: `grow` media bytes
/// and `stun` STUN messages more per sample.
fn flow_with_stun(
    s: &mut Sfu,
    bytes: &mut u64,
    stun: &mut u64,
    ms: u64,
    grow: u64,
    more_stun: u64,
) {
    let end = s.now.0 + ms;
    while s.now.0 < end {
        for o in s.advance(50) {
            if matches!(&o, RoomOutput::Pc { peer, cmd: PcCommand::GetStats } if peer == SUBSCRIBER)
            {
                *bytes += grow;
                *stun += more_stun;
                s.peer(SUBSCRIBER, PeerInput::Stats(received(*bytes, *stun)));
            }
        }
    }
}

/// Every publisher went silent (their uplinks, their tabs asleep) while our
/// path to Janus still answers ICE consent checks: not our path, no restart,
/// and no loss left to give up on after 60 s.
#[test]
fn silent_publishers_on_a_path_that_still_answers_stun_are_not_restarted_for() {
    let mut s = subscribed(&[901]);
    s.peer(SUBSCRIBER, PeerInput::ConnectionState(ConnectionState::Connected));
    let (mut bytes, mut stun) = (0, 0);
    flow_with_stun(&mut s, &mut bytes, &mut stun, 2_000, 10_000, 1);
    // Media stops; consent answers keep coming (one per ~2.5 s, here one
    // sample in six).
    for _ in 0..10 {
        flow_with_stun(&mut s, &mut bytes, &mut stun, 2_000, 0, 0);
        flow_with_stun(&mut s, &mut bytes, &mut stun, 400, 0, 1);
    }
    assert_eq!(restarts_asked(&s), 0);
    assert_eq!(
        states(&s),
        [
            ("901".into(), PeerState::Connected, None),
            ("901".into(), PeerState::Reconnecting, Some("media-stalled")),
            ("901".into(), PeerState::Connected, Some("recovered")),
        ],
        "told once, then no loss while the media is absent"
    );
    // Their media again, then our path dies for real: lost and restarted.
    flow_with_stun(&mut s, &mut bytes, &mut stun, 2_000, 10_000, 1);
    flow_with_stun(&mut s, &mut bytes, &mut stun, 1_500 + STALL_RESTART_DELAY, 0, 0);
    assert_eq!(restarts_asked(&s), 1);
}

/// Janus keeps sending RTCP reports on a subscription whose publishers went
/// silent: the pair's bytes keep growing, the media's do not. A stall is
/// seen from the media (found in real Janus: the pair's bytes hid it).
#[test]
fn a_media_stall_is_seen_while_janus_rtcp_keeps_the_pairs_bytes_growing() {
    let mut s = subscribed(&[901]);
    s.peer(SUBSCRIBER, PeerInput::ConnectionState(ConnectionState::Connected));
    let mut bytes = 0;
    flow(&mut s, SUBSCRIBER, &mut bytes, 2_000, 10_000);
    let mut rtcp = 0;
    let end = s.now.0 + 2_000;
    while s.now.0 < end {
        for o in s.advance(50) {
            if matches!(&o, RoomOutput::Pc { peer, cmd: PcCommand::GetStats } if peer == SUBSCRIBER)
            {
                rtcp += 120;
                let mut snap = received(bytes, 0);
                snap.bytes_received += rtcp;
                if let Some(p) = &mut snap.pair {
                    p.bytes_received += rtcp;
                }
                s.peer(SUBSCRIBER, PeerInput::Stats(snap));
            }
        }
    }
    assert_eq!(
        states(&s).last(),
        Some(&("901".into(), PeerState::Reconnecting, Some("media-stalled")))
    );
}

//! The session lifecycle over the real hub: socket loss and resume, a
//! restarted server, a crashed participant, giving up.

use crate::room_world::{track, RoomConfig, RoomWorld};
use rtcroom::core::{PeerState, RoomConnection, RoomEvent, SessionState, TrackKind, TrackSource};
use rtcroom::proto::LeaveReason;

fn room(n: usize) -> RoomWorld {
    let mut w = RoomWorld::new(RoomConfig::default(), n);
    for i in 0..n {
        w.join(i);
        w.run();
    }
    w.assert_settled();
    w
}

fn connection_events(w: &RoomWorld, i: usize) -> Vec<(RoomConnection, Option<&'static str>)> {
    w.clients[i]
        .events
        .iter()
        .filter_map(|e| match e {
            RoomEvent::ConnectionState { state, reason } => Some((*state, *reason)),
            _ => None,
        })
        .collect()
}

#[test]
fn a_dropped_socket_resumes_as_the_same_participant_and_the_others_see_no_leave() {
    let mut w = room(2);
    let created = w.clients[0].created.len();
    w.drop_socket(1);
    // While it is away, the other side's signals are held by the server
    // and its own are queued: publishing still works.
    w.publish(1, track("cam", TrackKind::Video, TrackSource::Camera)).unwrap();
    w.run();
    assert_eq!(w.clients[1].core.state(), SessionState::Joined);
    assert_eq!(w.clients[1].id(), "p2", "same id after resume");
    assert_eq!(
        connection_events(&w, 1),
        [
            (RoomConnection::Connected, None),
            (RoomConnection::Reconnecting, Some("socket-lost")),
            (RoomConnection::Reconnected, None)
        ]
    );
    assert!(w.clients[0].left().is_empty(), "no leave for a resumed participant");
    assert_eq!(w.clients[0].created.len(), created, "the connection was kept");
    assert_eq!(w.clients[0].tracks().len(), 1, "the track published meanwhile arrived");
    w.assert_settled();
}

#[test]
fn a_silent_socket_is_detected_by_the_heartbeat_and_resumed() {
    let mut w = room(2);
    // Client 1's signaling is blackholed but no socket closes (a dead TCP
    // path): only the heartbeat can notice.
    let t0 = w.now();
    w.cut_signaling(1, true);
    let noticed = w.run_until(t0 + 10_000, |w| w.clients[1].core.state() == SessionState::Resuming);
    assert!(noticed);
    let after = w.now() - t0;
    assert!((3_000..=7_000).contains(&after), "noticed after {after} ms");
    w.run_to(t0 + 12_000);
    w.cut_signaling(1, false);
    w.run();
    assert_eq!(w.clients[1].core.state(), SessionState::Joined);
    assert_eq!(connection_events(&w, 1).last(), Some(&(RoomConnection::Reconnected, None)));
    assert!(w.clients[0].left().is_empty(), "the other side saw no leave");
    w.assert_settled();
}

#[test]
fn a_restarted_server_takes_everyone_back_and_the_room_is_whole_within_two_seconds() {
    let mut w = room(3);
    let created: Vec<usize> = w.clients.iter().map(|c| c.created.len()).collect();
    let t0 = w.now();
    w.kill_server();
    w.run_to(t0 + 10_000);
    for i in 0..3 {
        assert_eq!(w.clients[i].core.state(), SessionState::Resuming, "client {i}");
        assert!(w.clients[i].connects > 2, "client {i} kept trying");
    }
    w.start_server();
    let back = w.now();
    let whole = w.run_until(back + 10_000, |w| {
        w.clients.iter().all(|c| c.core.state() == SessionState::Joined)
            && w.hub.room_peers("room").len() == 3
    });
    assert!(whole, "the room came back");
    assert!(w.now() - back <= 2_000, "whole again {} ms after the server", w.now() - back);
    w.publish(2, track("late", TrackKind::Video, TrackSource::Camera)).unwrap();
    w.run();
    for (i, before) in created.iter().enumerate().take(2) {
        assert!(w.clients[i].left().is_empty(), "client {i} saw a leave");
        assert_eq!(w.clients[i].created.len(), *before, "client {i} rebuilt a connection");
        assert_eq!(w.clients[i].tracks().len(), 1, "client {i} got the track published after");
    }
    w.assert_settled();
}

#[test]
fn signals_to_a_participant_not_yet_back_after_a_server_restart_wait_for_it() {
    // Alice is back on the restarted server first and publishes at once;
    // Bob is not there yet, so the server would refuse a signal to him.
    let mut w = room(2);
    let t0 = w.now();
    w.kill_server();
    w.run_to(t0 + 10_000);
    w.cut_signaling(1, true);
    w.start_server();
    let back = w.now();
    assert!(w.run_until(back + 5_000, |w| w.clients[0].core.state() == SessionState::Joined));
    w.publish(0, track("screen", TrackKind::Video, TrackSource::Screen)).unwrap();
    w.run_to(w.now() + 3_000);
    w.cut_signaling(1, false);
    let whole = w.run_until(w.now() + 10_000, |w| {
        w.clients[1].core.state() == SessionState::Joined && w.clients[1].tracks().len() == 1
    });
    assert!(whole, "bob got the track published while he was away: {:?}", w.clients[1].tracks());
    for i in 0..2 {
        assert!(w.clients[i].left().is_empty(), "client {i} saw a leave");
        let refused: Vec<_> = w.clients[i]
            .events
            .iter()
            .filter(|e| matches!(e, RoomEvent::ServerError { .. }))
            .collect();
        assert!(refused.is_empty(), "client {i}: the server refused signals: {refused:?}");
    }
    w.run();
    w.assert_settled();
}

#[test]
fn a_crashed_participant_leaves_for_the_others_within_fifteen_seconds() {
    let mut w = room(2);
    let t0 = w.now();
    w.kill(1);
    let gone = w.run_until(t0 + 15_000, |w| !w.clients[0].left().is_empty());
    assert!(gone, "no leave within 15 s");
    assert_eq!(w.clients[0].left(), [("p2".into(), LeaveReason::Disconnected)]);
    assert!(w.clients[0].pcs.is_empty());
}

#[test]
fn resuming_gives_up_after_the_grace_period() {
    let mut w = room(2);
    let t0 = w.now();
    w.kill_server();
    w.run_to(t0 + 25_000);
    for i in 0..2 {
        assert_eq!(w.clients[i].core.state(), SessionState::Failed, "client {i}");
        assert_eq!(
            connection_events(&w, i).last(),
            Some(&(RoomConnection::Disconnected, Some("resume-timeout")))
        );
        assert!(w.clients[i].pcs.is_empty(), "client {i} closed its connections");
        assert_eq!(w.clients[i].core.poll_timeout(), None, "client {i} stopped");
    }
}

#[test]
fn a_media_blackhole_recovers_once_the_path_returns() {
    let mut w = room(2);
    let t0 = w.now();
    w.blackhole(0, 1, true);
    w.run_to(t0 + 40_000);
    assert_eq!(w.clients[0].core.session("p2").map(|s| s.state()), Some(PeerState::Reconnecting));
    w.blackhole(0, 1, false);
    let back = w.now();
    let ok = w.run_until(back + 5_000, |w| {
        w.clients[0].core.session("p2").map(|s| s.state()) == Some(PeerState::Connected)
            && w.clients[1].core.session("p1").map(|s| s.state()) == Some(PeerState::Connected)
    });
    assert!(ok, "recovered");
    assert!(w.now() - back <= 1_000, "media back {} ms after the path", w.now() - back);
}

#[test]
fn a_resumed_welcomes_fresh_turn_credentials_reach_the_live_connections() {
    let turn = rtcroom::proto::hub::TurnConfig {
        urls: vec!["turn:127.0.0.1:3478?transport=udp".into()],
        secret: b"coturn-secret".to_vec(),
        ttl_ms: 10_000,
    };
    let mut w = RoomWorld::new(RoomConfig { turn: Some(turn), ..RoomConfig::default() }, 2);
    for i in 0..2 {
        w.join(i);
        w.run();
    }
    w.assert_settled();
    // `expiry:identity`: the expiry (unix seconds) a credential carries.
    let expiry = |w: &RoomWorld, i: usize, peer: &str| -> u64 {
        let servers = &w.clients[i].ice_servers[peer];
        assert_eq!(servers.len(), 1, "the hub's TURN server");
        let user = servers[0].username.as_deref().expect("a TURN username");
        user.split(':').next().unwrap().parse().unwrap()
    };
    let (first, other) = (expiry(&w, 1, "p1"), expiry(&w, 0, "p2"));
    // Later than the credential's whole-second resolution, then a resume.
    let t = w.now() + 5_000;
    w.run_to(t);
    w.drop_socket(1);
    w.run();
    assert_eq!(w.clients[1].core.state(), SessionState::Joined);
    let renewed = expiry(&w, 1, "p1");
    assert!(
        renewed >= first + 5,
        "the live connection got the resumed welcome's credentials ({first} → {renewed})"
    );
    assert_eq!(expiry(&w, 0, "p2"), other, "the side that did not resume keeps its own");
    w.assert_settled();
}

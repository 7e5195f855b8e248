//! Recovery in SFU rooms: a dropped socket is `reconnecting` then
//! `reconnected` with the connections kept; a session Janus no longer knows
//! rebuilds both connections and takes the tracks away until they return.

use super::*;
use rtcroom::core::RoomConnection;

#[test]
fn a_dropped_socket_reconnects_and_claims_the_session_keeping_the_connections() {
    let mut s = subscribed(&[901]);
    s.room.publish(camera()).unwrap();
    s.drain();
    let socket = s.socket;
    s.input(RoomInput::SocketClosed { socket });
    assert!(s.events().contains(&RoomEvent::ConnectionState {
        state: RoomConnection::Reconnecting,
        reason: Some("socket-lost")
    }));
    assert!(s.room.is_joined(), "still in the room while reconnecting");
    assert_ne!(s.socket, socket, "a new socket is opened");
    let socket = s.socket;
    s.input(RoomInput::SocketOpened { socket });
    let claim = s.last_sent();
    assert_eq!(claim["janus"], "claim");
    s.recv(json!({"janus":"success","session_id":SESSION,"transaction":tx(&claim)}));
    assert!(s.events().contains(&RoomEvent::ConnectionState {
        state: RoomConnection::Reconnected,
        reason: None
    }));
    assert!(s.closed().is_empty(), "media kept flowing: no connection closed");
    assert!(!s.events().iter().any(|e| matches!(e, RoomEvent::TrackRemoved { .. })));
}

/// Also when our first offer had not gone out yet (the machine itself
/// would not republish: it never published).
#[test]
fn a_lost_session_closes_both_connections_removes_the_tracks_and_publishes_again() {
    let mut s = subscribed(&[901]);
    s.room.publish(camera()).unwrap();
    s.drain();
    let first_publisher = s.generation(PUBLISHER);
    s.lose_session();
    assert!(s.events().contains(&RoomEvent::ConnectionState {
        state: RoomConnection::Reconnecting,
        reason: Some("sfu-session-lost")
    }));
    // Both connections belonged to the lost session's handles.
    assert_eq!(s.closed(), [PUBLISHER, SUBSCRIBER]);
    let removed = s
        .events()
        .iter()
        .filter(
            |e| matches!(e, RoomEvent::TrackRemoved { participant, .. } if participant == "901"),
        )
        .count();
    assert_eq!(removed, 2);
    // The new session: create, attach twice, join; then our camera goes out
    // on a new publisher connection with its layers.
    s.new_session_joined(json!({"publishers":[publisher(901)]}));
    assert_ne!(s.generation(PUBLISHER), first_publisher, "a new publisher connection");
    let layers = s.outs.iter().rev().find_map(|o| match o {
        RoomOutput::AddTransceiver { track, encodings, .. } if track.track_id == "cam" => {
            Some(encodings.len())
        }
        _ => None,
    });
    assert_eq!(layers, Some(3));
    assert!(s.last_sld(PUBLISHER).is_some(), "offered again");
    assert!(s.events().contains(&RoomEvent::ConnectionState {
        state: RoomConnection::Reconnected,
        reason: None
    }));
    // And subscribed again to the publisher still there.
    let sub = s.last_sent();
    assert_eq!(sub["body"]["ptype"], "subscriber");
    assert_eq!(sub["body"]["streams"], json!([{"feed":901}]));
}

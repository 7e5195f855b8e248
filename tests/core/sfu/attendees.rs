//! Rooms that announce joins without media (VideoRoom's `notify_joining`):
//! `joined` lists the `attendees`, `joining` tells a new one, `leaving` any
//! departure. There a participant is in the room from its join to its
//! leave, whatever it publishes; our screen handles (display marked with a
//! zero-width space) are never participants of their own.

use super::*;
use rtcroom::core::{PeerState, RoomConnection, SessionState};

/// (participant id, name) of every `participant-joined`, in order.
fn joined(s: &Sfu) -> Vec<(String, Option<String>)> {
    s.events()
        .into_iter()
        .filter_map(|e| match e {
            RoomEvent::ParticipantJoined(p) => Some((p.id, p.name)),
            _ => None,
        })
        .collect()
}

fn left(s: &Sfu) -> Vec<String> {
    s.events()
        .into_iter()
        .filter_map(|e| match e {
            RoomEvent::ParticipantLeft { participant, .. } => Some(participant.id),
            _ => None,
        })
        .collect()
}

#[test]
fn viewers_announced_by_the_room_are_participants_from_their_join_to_their_leave() {
    let mut s = Sfu::joined_announcing(
        json!([]),
        json!([{"id":601,"display":"Vi"},{"id":602},{"id":603,"display":"Vi\u{200B}"}]),
    );
    // 603 is a screen handle (marked): not a participant.
    assert_eq!(joined(&s), [("601".into(), Some("Vi".into())), ("602".into(), None)]);
    // Nothing to connect to a viewer: connected at once.
    assert!(s.events().contains(&RoomEvent::ParticipantState {
        participant: "601".into(),
        state: PeerState::Connected,
        reason: None
    }));
    s.push_event(
        PUB,
        json!({"videoroom":"event","room":ROOM,"joining":{"id":604,"display":"Bo"}}),
        None,
    );
    s.push_event(
        PUB,
        json!({"videoroom":"event","room":ROOM,"joining":{"id":605,"display":"Bo\u{200B}"}}),
        None,
    );
    // Told twice (a repeated event): joined once.
    s.push_event(
        PUB,
        json!({"videoroom":"event","room":ROOM,"joining":{"id":604,"display":"Bo"}}),
        None,
    );
    assert_eq!(joined(&s).len(), 3);
    assert_eq!(joined(&s)[2], ("604".into(), Some("Bo".into())));
    s.push_event(PUB, json!({"videoroom":"event","room":ROOM,"leaving":601}), None);
    assert_eq!(left(&s), ["601"]);
    assert!(!s.room.participants().any(|p| p.id == "601"));
    assert!(s.room.participants().any(|p| p.id == "604"));
}

#[test]
fn in_a_room_that_announces_joins_a_publisher_that_unpublishes_stays_until_it_leaves() {
    let mut s = Sfu::joined_announcing(json!([publisher(222)]), json!([]));
    assert_eq!(joined(&s), [("222".into(), Some("p222".into()))]);
    s.push_event(PUB, json!({"videoroom":"event","room":ROOM,"unpublished":222}), None);
    assert!(left(&s).is_empty(), "still in the room without media");
    assert!(s
        .events()
        .iter()
        .any(|e| matches!(e, RoomEvent::ParticipantUpdated(p) if p.id == "222")));
    s.push_event(PUB, json!({"videoroom":"event","room":ROOM,"leaving":222}), None);
    assert_eq!(left(&s), ["222"]);
}

#[test]
fn a_viewer_who_publishes_keeps_its_participant_and_gets_its_feed() {
    let mut s = Sfu::joined_announcing(json!([]), json!([{"id":601,"display":"Vi"}]));
    s.push_event(PUB, json!({"videoroom":"event","room":ROOM,"publishers":[publisher(601)]}), None);
    assert_eq!(joined(&s).len(), 1, "the same participant");
    assert!(s
        .events()
        .iter()
        .any(|e| matches!(e, RoomEvent::ParticipantUpdated(p) if p.id == "601")));
    let subscribe = s.last_sent();
    assert_eq!(subscribe["body"]["request"], "join");
    assert_eq!(subscribe["body"]["ptype"], "subscriber");
    assert_eq!(subscribe["body"]["streams"], json!([{"feed":601}]));
}

/// Without `notify_joining` (Janus's default) a participant is known by
/// its media only; it leaves with its last feed, as before. Its `leaving`
/// also takes every other feed of its own (a screen) at once.
#[test]
fn without_announced_joins_a_leaving_participant_goes_with_all_its_feeds() {
    let mut s = Sfu::joined(json!([publisher(222)]));
    let screen = json!({"id":223,"display":"p222","streams":[
        {"type":"video","mindex":0,"mid":"0","codec":"vp8","description":"screen;of=222"}]});
    s.push_event(PUB, json!({"videoroom":"event","room":ROOM,"publishers":[screen]}), None);
    assert_eq!(joined(&s).len(), 1);
    s.push_event(PUB, json!({"videoroom":"event","room":ROOM,"leaving":222}), None);
    assert_eq!(left(&s), ["222"]);
    assert_eq!(s.room.participants().count(), 0);
    // Viewers are unknown here: their `leaving` is nothing.
    s.push_event(PUB, json!({"videoroom":"event","room":ROOM,"leaving":777}), None);
    assert_eq!(left(&s), ["222"]);
}

#[test]
fn after_a_new_session_viewers_who_left_meanwhile_leave() {
    let mut s = Sfu::joined_announcing(
        json!([]),
        json!([{"id":601,"display":"Vi"},{"id":602,"display":"Wu"}]),
    );
    s.lose_session();
    s.new_session_joined(json!({"publishers":[],"attendees":[{"id":602,"display":"Wu"}]}));
    assert_eq!(left(&s), ["601"]);
    assert_eq!(joined(&s).len(), 2, "602 is not joined again");
    assert_eq!(s.room.participants().count(), 1);
}

#[test]
fn a_participant_a_moderator_kicks_leaves_for_the_others() {
    let mut s = Sfu::joined_announcing(json!([publisher(222)]), json!([{"id":601,"display":"Vi"}]));
    s.push_event(PUB, json!({"videoroom":"event","room":ROOM,"kicked":601}), None);
    s.push_event(PUB, json!({"videoroom":"event","room":ROOM,"kicked":222}), None);
    assert_eq!(left(&s), ["601", "222"]);
    assert_eq!(s.room.participants().count(), 0);
}

/// Kicked ourselves (Janus: `leaving: "ok"`, `reason: "kicked"`): the room
/// is over, told as `disconnected` with reason `kicked`; nothing recovers.
#[test]
fn kicked_by_a_moderator_the_room_disconnects_with_reason_kicked_lists_nobody_and_tries_nothing_more() {
    let mut s = subscribed(&[901]);
    s.room.publish(camera()).unwrap();
    s.drain();
    s.push_event(
        PUB,
        json!({"videoroom":"event","room":ROOM,"leaving":"ok","reason":"kicked"}),
        None,
    );
    assert!(s.events().contains(&RoomEvent::ConnectionState {
        state: RoomConnection::Disconnected,
        reason: Some("kicked")
    }));
    assert_eq!(s.closed(), [PUBLISHER, SUBSCRIBER]);
    assert!(s.outs.iter().any(|o| matches!(o, RoomOutput::Disconnect { .. })));
    assert_eq!(s.room.state(), SessionState::Left);
    assert_eq!(s.room.participants().count(), 0, "nobody is in a room we were kicked from");
    let sent = s.sent.len();
    let later = s.advance(120_000);
    assert_eq!(s.sent.len(), sent, "no keepalive, claim or request after the kick");
    assert!(!later.iter().any(|o| matches!(o, RoomOutput::Connect { .. })), "no reconnect");
}

//! Subscribing: every other publisher is a participant, subscribed to as it
//! appears; Janus's offers are answered; tracks are announced by mid with
//! their participant; a publisher that leaves takes its tracks along.

use super::*;
use rtcroom::proto::LeaveReason;

fn tracks(s: &Sfu) -> Vec<(String, String, TrackKind, Option<String>)> {
    s.events()
        .into_iter()
        .filter_map(|e| match e {
            RoomEvent::Track { participant, track_id, kind, publication, .. } => {
                Some((participant, track_id, kind, publication))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn publishers_in_the_room_are_participants_subscribed_at_once() {
    let s = Sfu::joined(json!([publisher(901), publisher(902)]));
    let joined: Vec<String> = s
        .events()
        .into_iter()
        .filter_map(|e| match e {
            RoomEvent::ParticipantJoined(p) => Some(p.id + "/" + &p.name.unwrap_or_default()),
            _ => None,
        })
        .collect();
    assert_eq!(joined, ["901/p901", "902/p902"]);
    let join = s.last_sent();
    assert_eq!(join["handle_id"], SUB);
    assert_eq!(join["body"]["ptype"], "subscriber");
    assert_eq!(join["body"]["streams"], json!([{"feed":901}]));
    // 902 waits for the subscriber join and goes with `subscribe`.
    let pubs: Vec<String> =
        s.room.sfu().unwrap().publications("901").iter().filter_map(|t| t.id.clone()).collect();
    assert_eq!(pubs, ["901:0", "901:1"]);
}

#[test]
fn janus_offers_are_answered_on_the_subscriber_connection_and_tracks_announced_by_mid() {
    let s = subscribed(&[901]);
    let create = s.outs.iter().find_map(|o| match o {
        RoomOutput::CreatePeer { peer, data_channel, .. } if peer == SUBSCRIBER => {
            Some(*data_channel)
        }
        _ => None,
    });
    // Janus relays data to a subscriber only once that side opened a channel.
    assert_eq!(create, Some(true));
    assert_eq!(s.last_srd(SUBSCRIBER).unwrap().1.sdp, "v=0 janus-offer");
    assert_eq!(
        s.sent.iter().rev().find(|v| v["body"]["request"] == "start").unwrap()["jsep"]["sdp"],
        "v=0 our-answer"
    );
    assert_eq!(
        tracks(&s),
        [
            ("901".into(), "t0".into(), TrackKind::Audio, Some("901:0".into())),
            ("901".into(), "t1".into(), TrackKind::Video, Some("901:1".into())),
        ]
    );
}

#[test]
fn a_track_whose_stream_list_comes_after_its_receiver_is_announced_then() {
    let mut s = Sfu::joined(json!([publisher(901)]));
    let join = s.last_sent();
    // The receivers first (the answer's tracks fire before Janus's `attached`
    // has been read, in this script).
    s.reply_event(
        &join,
        SUB,
        json!({"videoroom":"attached","room":ROOM,"streams":[]}),
        Some(json!({"type":"offer","sdp":"v=0 o"})),
    );
    s.remote_track("v", None, TrackKind::Video, "1");
    assert!(tracks(&s).is_empty(), "no feed known for mid 1 yet");
    s.push_event(SUB, json!({"videoroom":"updated","room":ROOM,"streams":streams(&[901])}), None);
    assert_eq!(tracks(&s), [("901".into(), "v".into(), TrackKind::Video, Some("901:1".into()))]);
}

#[test]
fn a_publisher_that_appears_later_is_added_to_the_subscription() {
    let mut s = subscribed(&[901]);
    s.push_event(PUB, json!({"videoroom":"event","room":ROOM,"publishers":[publisher(903)]}), None);
    assert!(s
        .events()
        .iter()
        .any(|e| matches!(e, RoomEvent::ParticipantJoined(p) if p.id == "903")));
    let sub = s.last_sent();
    assert_eq!(sub["handle_id"], SUB);
    assert_eq!(sub["body"], json!({"request":"subscribe","streams":[{"feed":903}]}));
    // Janus's updated offer is answered (no new connection).
    s.reply_event(
        &sub,
        SUB,
        json!({"videoroom":"updated","room":ROOM,"streams":streams(&[901, 903])}),
        Some(json!({"type":"offer","sdp":"v=0 o2"})),
    );
    let creates = s
        .outs
        .iter()
        .filter(|o| matches!(o, RoomOutput::CreatePeer { peer, .. } if peer == SUBSCRIBER))
        .count();
    assert_eq!(creates, 1);
    let (srd, d) = s.last_srd(SUBSCRIBER).unwrap();
    assert_eq!(d.sdp, "v=0 o2");
    s.complete(SUBSCRIBER, srd, None);
    let sld = s.last_sld(SUBSCRIBER).unwrap();
    s.complete(SUBSCRIBER, sld, Some(answer("v=0 a2")));
    assert_eq!(s.last_sent()["body"]["request"], "start");
    s.remote_track("t3", None, TrackKind::Video, "3");
    assert!(tracks(&s).contains(&(
        "903".into(),
        "t3".into(),
        TrackKind::Video,
        Some("903:1".into())
    )));
}

#[test]
fn a_publisher_that_leaves_takes_its_tracks_and_leaves_the_room_named_until_then() {
    let mut s = subscribed(&[901, 902]);
    s.push_event(PUB, json!({"videoroom":"event","room":ROOM,"leaving":902}), None);
    let removed: Vec<(String, String)> = s
        .events()
        .into_iter()
        .filter_map(|e| match e {
            RoomEvent::TrackRemoved { participant, track_id, .. } => Some((participant, track_id)),
            _ => None,
        })
        .collect();
    assert_eq!(removed, [("902".to_owned(), "t2".to_owned()), ("902".to_owned(), "t3".to_owned())]);
    assert!(s.events().iter().any(|e| matches!(e,
        RoomEvent::ParticipantLeft { participant, reason: LeaveReason::Left } if participant.id == "902")));
    // The room forgot 902 before those events were polled, yet still named
    // it then (the driver's track-removed carries its name), and not after.
    assert_eq!(s.unnamed, []);
    assert_eq!(s.room.participant("902"), None);
    assert!(s.room.participant("901").is_some());
    // Janus's next offer drops the streams: nothing is announced twice.
    let before = tracks(&s).len();
    s.push_event(
        SUB,
        json!({"videoroom":"updated","room":ROOM,"streams":streams(&[901])}),
        Some(json!({"type":"offer","sdp":"v=0 o3"})),
    );
    assert_eq!(tracks(&s).len(), before);
}

#[test]
fn a_mid_janus_reuses_for_another_feed_is_removed_then_announced_for_it() {
    let mut s = subscribed(&[901]);
    let mut list = streams(&[904]);
    // Janus moved mid 1 to feed 904 (901's stream inactive, then reused).
    s.push_event(PUB, json!({"videoroom":"event","room":ROOM,"publishers":[publisher(904)]}), None);
    list[0]["mid"] = json!("0");
    s.push_event(SUB, json!({"videoroom":"updated","room":ROOM,"streams":list}), None);
    let ev = s.events();
    let removed = ev.iter().position(|e| matches!(e, RoomEvent::TrackRemoved { participant, track_id, .. } if participant == "901" && track_id == "t1"));
    let added = ev.iter().position(|e| matches!(e, RoomEvent::Track { participant, track_id, .. } if participant == "904" && track_id == "t1"));
    assert!(removed.is_some() && added.is_some() && removed < added, "{ev:?}");
}

//! Subscribing: the publisher list drives a subscriber `join`, Janus's
//! candidates wait for its offer, our answer goes with `start`; more feeds
//! through `subscribe`; publishers leaving.

use super::*;
use rtcroom::core::sfu::janus::{JanusError, SubscribedStream};
use rtcroom::core::Candidate;
use rtcroom::proto::janus::StreamKind;

fn janus_cand(n: u32) -> Value {
    json!({"sdpMid":"0","sdpMLineIndex":0,"candidate":format!("candidate:{n} 1 udp 2015363327 10.99.0.1 {} typ host", 20000 + n)})
}

fn as_candidate(v: Value) -> Candidate {
    serde_json::from_value(v).unwrap()
}

fn streams_222() -> Value {
    json!([
        {"type":"audio","active":true,"mindex":0,"mid":"0","ready":false,"send":true,"feed_id":222,"feed_display":"p222","feed_mid":"0","codec":"opus"},
        {"type":"video","active":true,"mindex":1,"mid":"1","ready":false,"send":true,"feed_id":222,"feed_display":"p222","feed_mid":"1","codec":"vp8","simulcast":true}
    ])
}

/// Joined with publisher 222, subscribed to it, answer sent.
pub fn subscribed(seed: u64) -> Script {
    let mut j = Script::joined(seed, json!([Script::publisher(222)]));
    j.s.subscribe(j.now, &[222]).unwrap();
    j.drain();
    let join = j.last_sent();
    j.reply_event(
        &join,
        SUB,
        json!({"videoroom":"attached","room":ROOM,"streams":streams_222()}),
        Some(json!({"type":"offer","sdp":"v=0 janus-offer"})),
    );
    j.s.answer(j.now, answer("v=0 our-answer")).unwrap();
    j.drain();
    let start = j.last_sent();
    j.reply_event(&start, SUB, json!({"videoroom":"event","room":ROOM,"started":"ok"}), None);
    j
}

#[test]
fn subscribe_joins_the_subscriber_handle_and_janus_candidates_before_its_offer_wait_for_it() {
    let mut j = Script::joined(10, json!([Script::publisher(222)]));
    j.s.subscribe(j.now, &[222]).unwrap();
    j.drain();
    let join = j.last_sent();
    assert_eq!(
        join,
        json!({"janus":"message","transaction":tx(&join),"session_id":SESSION,"handle_id":SUB,
               "body":{"request":"join","ptype":"subscriber","room":ROOM,"streams":[{"feed":222}],"private_id":5555}})
    );
    j.recv(json!({"janus":"ack","session_id":SESSION,"transaction":tx(&join)}));
    // Janus trickles before its offer reaches us.
    for v in [
        json!({"janus":"trickle","session_id":SESSION,"sender":SUB,"candidate":janus_cand(1)}),
        json!({"janus":"trickle","session_id":SESSION,"sender":SUB,"candidate":janus_cand(2)}),
        json!({"janus":"trickle","session_id":SESSION,"sender":SUB,"candidate":{"completed":true}}),
    ] {
        assert!(j.recv(v).is_empty(), "held until the offer");
    }
    let out = j.recv(json!({"janus":"event","session_id":SESSION,"transaction":tx(&join),"sender":SUB,
        "plugindata":{"plugin":"janus.plugin.videoroom","data":{"videoroom":"attached","room":ROOM,"streams":streams_222()}},
        "jsep":{"type":"offer","sdp":"v=0 janus-offer"}}));
    assert_eq!(
        out,
        [
            event(JanusEvent::Subscribed {
                streams: vec![
                    SubscribedStream {
                        mid: "0".into(),
                        kind: StreamKind::Audio,
                        feed: Some(222),
                        feed_mid: Some("0".into()),
                        active: true
                    },
                    SubscribedStream {
                        mid: "1".into(),
                        kind: StreamKind::Video,
                        feed: Some(222),
                        feed_mid: Some("1".into()),
                        active: true
                    },
                ]
            }),
            JanusOutput::ApplyRemoteDescription {
                role: Role::Subscriber,
                description: Description {
                    sdp_type: SdpType::Offer,
                    sdp: "v=0 janus-offer".into()
                }
            },
            JanusOutput::AddRemoteCandidate {
                role: Role::Subscriber,
                candidate: Some(as_candidate(janus_cand(1)))
            },
            JanusOutput::AddRemoteCandidate {
                role: Role::Subscriber,
                candidate: Some(as_candidate(janus_cand(2)))
            },
            JanusOutput::AddRemoteCandidate { role: Role::Subscriber, candidate: None },
            JanusOutput::LocalDescriptionNeeded { role: Role::Subscriber },
        ]
    );
    // Our answer goes with `start`.
    j.s.answer(j.now, answer("v=0 our-answer")).unwrap();
    j.drain();
    let start = j.last_sent();
    assert_eq!(
        start,
        json!({"janus":"message","transaction":tx(&start),"session_id":SESSION,"handle_id":SUB,
               "body":{"request":"start"},"jsep":{"type":"answer","sdp":"v=0 our-answer"}})
    );
    assert_eq!(
        j.s.answer(j.now, answer("again")),
        Err(JanusError::NoOfferToAnswer),
        "one answer per offer"
    );
    let out =
        j.reply_event(&start, SUB, json!({"videoroom":"event","room":ROOM,"started":"ok"}), None);
    assert!(out.is_empty(), "{out:?}");
}

#[test]
fn a_new_publisher_is_added_to_the_existing_subscription_with_subscribe() {
    let mut j = subscribed(11);
    let out = j.push_event(
        PUB,
        json!({"videoroom":"event","room":ROOM,"publishers":[Script::publisher(333)]}),
        None,
    );
    assert!(
        matches!(out.as_slice(), [JanusOutput::Event(JanusEvent::PublisherJoined { id: 333, .. })]),
        "{out:?}"
    );
    // An already-known publisher announced again (it reconfigured) is not new.
    let out = j.push_event(
        PUB,
        json!({"videoroom":"event","room":ROOM,"publishers":[Script::publisher(333)]}),
        None,
    );
    assert!(out.is_empty(), "{out:?}");
    j.s.subscribe(j.now, &[222, 333]).unwrap();
    j.drain();
    let sub = j.last_sent();
    assert_eq!(
        sub["body"],
        json!({"request":"subscribe","streams":[{"feed":333}]}),
        "only the new feed"
    );
    assert_eq!(sub["handle_id"], SUB);
    let out = j.reply_event(&sub, SUB, json!({"videoroom":"updated","room":ROOM,"streams":[
        {"type":"audio","mid":"0","feed_id":222,"feed_mid":"0"},{"type":"video","mid":"1","feed_id":222,"feed_mid":"1"},
        {"type":"audio","mid":"2","feed_id":333,"feed_mid":"0"},{"type":"video","mid":"3","feed_id":333,"feed_mid":"1"}]}),
        Some(json!({"type":"offer","sdp":"v=0 offer-2"})));
    assert!(
        matches!(&out[0], JanusOutput::Event(JanusEvent::Subscribed { streams }) if streams.len() == 4)
    );
    assert_eq!(
        out[1],
        JanusOutput::ApplyRemoteDescription {
            role: Role::Subscriber,
            description: offer("v=0 offer-2")
        }
    );
    assert_eq!(out[2], JanusOutput::LocalDescriptionNeeded { role: Role::Subscriber });
    assert_eq!(out.len(), 3);
    // Subscribing again to what we have sends nothing.
    let n = j.sent.len();
    j.s.subscribe(j.now, &[333]).unwrap();
    j.drain();
    assert_eq!(j.sent.len(), n);
}

#[test]
fn feeds_asked_for_while_the_subscriber_join_is_in_flight_follow_it_with_subscribe() {
    let mut j = Script::joined(12, json!([Script::publisher(222), Script::publisher(333)]));
    j.s.subscribe(j.now, &[222]).unwrap();
    j.drain();
    let join = j.last_sent();
    j.s.subscribe(j.now, &[333]).unwrap();
    j.drain();
    assert_eq!(j.last_sent(), join, "held until the subscriber has joined");
    j.reply_event(
        &join,
        SUB,
        json!({"videoroom":"attached","room":ROOM,"streams":streams_222()}),
        Some(json!({"type":"offer","sdp":"o"})),
    );
    assert_eq!(j.last_sent()["body"], json!({"request":"subscribe","streams":[{"feed":333}]}));
}

#[test]
fn subscribing_to_an_unknown_feed_is_refused_locally() {
    let mut j = Script::joined(13, json!([Script::publisher(222)]));
    assert_eq!(j.s.subscribe(j.now, &[999]), Err(JanusError::NoSuchFeed("999".into())));
    assert_eq!(j.drain(), []);
}

#[test]
fn publishers_leaving_or_unpublishing_are_reported_once_leaving_always_and_left_feeds_cannot_be_subscribed(
) {
    let mut j = Script::joined(
        14,
        json!([Script::publisher(222), Script::publisher(333), Script::publisher(444)]),
    );
    let out = j.push_event(PUB, json!({"videoroom":"event","room":ROOM,"unpublished":222}), None);
    assert_eq!(out, [event(JanusEvent::PublisherLeft { id: 222 })]);
    let out = j.push_event(PUB, json!({"videoroom":"event","room":ROOM,"leaving":333}), None);
    assert_eq!(
        out,
        [event(JanusEvent::PublisherLeft { id: 333 }), event(JanusEvent::AttendeeLeft { id: 333 })]
    );
    // A participant that never published leaves: only its leaving (the
    // room knows it if the VideoRoom announces joins).
    let out = j.push_event(PUB, json!({"videoroom":"event","room":ROOM,"leaving":555}), None);
    assert_eq!(out, [event(JanusEvent::AttendeeLeft { id: 555 })]);
    // Unpublished then leaving: the feed reported gone once.
    let out = j.push_event(PUB, json!({"videoroom":"event","room":ROOM,"leaving":222}), None);
    assert_eq!(out, [event(JanusEvent::AttendeeLeft { id: 222 })]);
    assert_eq!(j.s.publishers().map(|p| p.id).collect::<Vec<_>>(), [444]);
    assert!(j.s.subscribe(j.now, &[222]).is_err());
}

#[test]
fn a_left_publisher_s_streams_go_with_janus_updated_offer() {
    let mut j = subscribed(15);
    let out = j.push_event(PUB, json!({"videoroom":"event","room":ROOM,"unpublished":222}), None);
    assert_eq!(out, [event(JanusEvent::PublisherLeft { id: 222 })]);
    // Janus renegotiates the subscription without the feed (no transaction).
    let out = j.push_event(
        SUB,
        json!({"videoroom":"updated","room":ROOM,"streams":[
        {"type":"audio","mid":"0","active":false},{"type":"video","mid":"1","active":false}]}),
        Some(json!({"type":"offer","sdp":"v=0 offer-3"})),
    );
    assert!(
        matches!(&out[0], JanusOutput::Event(JanusEvent::Subscribed { streams }) if streams.iter().all(|s| !s.active && s.feed.is_none()))
    );
    assert_eq!(out[2], JanusOutput::LocalDescriptionNeeded { role: Role::Subscriber });
    j.s.answer(j.now, answer("a3")).unwrap();
    j.drain();
    assert_eq!(j.last_sent()["body"]["request"], "start");
}

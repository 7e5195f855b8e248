//! Janus frames as Janus 1.1 and janus.js put them on the wire (shapes from
//! the VideoRoom documentation in janus_videoroom.c and janus.js), both ways.
use rtcroom_proto::janus::*;
use rtcroom_proto::{Candidate, SdpType};
use serde_json::{json, Value};

mod common;
use common::roundtrip;

#[test]
fn session_and_handle_requests_have_janus_shapes() {
    roundtrip(
        &Request::Create { transaction: "t1".into() },
        json!({"janus":"create","transaction":"t1"}),
    );
    roundtrip(
        &Request::Attach { transaction: "t2".into(), session_id: 42, plugin: VIDEOROOM.into() },
        json!({"janus":"attach","transaction":"t2","session_id":42,"plugin":"janus.plugin.videoroom"}),
    );
    roundtrip(
        &Request::Keepalive { transaction: "t3".into(), session_id: 42 },
        json!({"janus":"keepalive","transaction":"t3","session_id":42}),
    );
    roundtrip(
        &Request::Claim { transaction: "t4".into(), session_id: 42 },
        json!({"janus":"claim","transaction":"t4","session_id":42}),
    );
    roundtrip(
        &Request::Destroy { transaction: "t5".into(), session_id: 42 },
        json!({"janus":"destroy","transaction":"t5","session_id":42}),
    );
    roundtrip(
        &Request::Detach { transaction: "t6".into(), session_id: 42, handle_id: 7 },
        json!({"janus":"detach","transaction":"t6","session_id":42,"handle_id":7}),
    );
}

#[test]
fn videoroom_messages_have_janus_shapes() {
    roundtrip(
        &Request::Message {
            transaction: "a".into(),
            session_id: 1,
            handle_id: 2,
            body: Body::Join(Join {
                ptype: Ptype::Publisher,
                room: 1234,
                display: Some("Ada".into()),
                streams: vec![],
                private_id: None,
            }),
            jsep: None,
        },
        json!({"janus":"message","transaction":"a","session_id":1,"handle_id":2,
               "body":{"request":"join","ptype":"publisher","room":1234,"display":"Ada"}}),
    );
    roundtrip(
        &Request::Message {
            transaction: "b".into(),
            session_id: 1,
            handle_id: 2,
            body: Body::Configure(Configure::default()),
            jsep: Some(Jsep {
                sdp_type: SdpType::Offer,
                sdp: "v=0".into(),
                rid_order: Some("lmh".into()),
            }),
        },
        json!({"janus":"message","transaction":"b","session_id":1,"handle_id":2,"body":{"request":"configure"},
               "jsep":{"type":"offer","sdp":"v=0","rid_order":"lmh"}}),
    );
    roundtrip(
        &Body::Join(Join {
            ptype: Ptype::Subscriber,
            room: 1234,
            display: None,
            streams: vec![
                StreamFeed { feed: 9, mid: None },
                StreamFeed { feed: 10, mid: Some("1".into()) },
            ],
            private_id: Some(77),
        }),
        json!({"request":"join","ptype":"subscriber","room":1234,"streams":[{"feed":9},{"feed":10,"mid":"1"}],"private_id":77}),
    );
    roundtrip(&Body::Start {}, json!({"request":"start"}));
    roundtrip(
        &Body::Subscribe { streams: vec![StreamFeed { feed: 3, mid: None }] },
        json!({"request":"subscribe","streams":[{"feed":3}]}),
    );
    roundtrip(
        &Body::Configure(Configure {
            streams: vec![StreamConfig {
                mid: "1".into(),
                substream: Some(2),
                temporal: None,
                send: None,
            }],
            descriptions: vec![],
            restart: None,
        }),
        json!({"request":"configure","streams":[{"mid":"1","substream":2}]}),
    );
    roundtrip(
        &Body::Configure(Configure { restart: Some(true), ..Configure::default() }),
        json!({"request":"configure","restart":true}),
    );
    roundtrip(
        &Body::Configure(Configure {
            streams: vec![],
            descriptions: vec![StreamDescription {
                mid: "0".into(),
                description: "camera;muted".into(),
            }],
            restart: None,
        }),
        json!({"request":"configure","descriptions":[{"mid":"0","description":"camera;muted"}]}),
    );
    roundtrip(&Body::Leave {}, json!({"request":"leave"}));
}

#[test]
fn trickle_carries_a_candidate_or_completed() {
    roundtrip(
        &Request::Trickle {
            transaction: "c".into(),
            session_id: 1,
            handle_id: 2,
            candidate: TrickleCandidate::Candidate(Candidate {
                candidate: "candidate:1 1 udp 1 10.99.0.1 5000 typ host".into(),
                sdp_mid: Some("0".into()),
                sdp_m_line_index: Some(0),
                username_fragment: None,
            }),
        },
        json!({"janus":"trickle","transaction":"c","session_id":1,"handle_id":2,
               "candidate":{"candidate":"candidate:1 1 udp 1 10.99.0.1 5000 typ host","sdpMid":"0","sdpMLineIndex":0}}),
    );
    roundtrip(&TrickleCandidate::Completed { completed: true }, json!({"completed":true}));
}

#[test]
fn janus_replies_and_events_decode() {
    let v: Incoming = serde_json::from_value(
        json!({"janus":"success","transaction":"t1","data":{"id":5_123_456_789_u64}}),
    )
    .unwrap();
    assert_eq!(
        v,
        Incoming::Success {
            transaction: Some("t1".into()),
            session_id: None,
            sender: None,
            data: Some(IdData { id: 5_123_456_789 }),
            plugindata: None
        }
    );
    let v: Incoming =
        serde_json::from_value(json!({"janus":"ack","session_id":1,"transaction":"t2"})).unwrap();
    assert_eq!(v, Incoming::Ack { transaction: Some("t2".into()), session_id: Some(1) });
    let v: Incoming = serde_json::from_value(json!({"janus":"error","session_id":1,"transaction":"t3","error":{"code":458,"reason":"No such session 1"}})).unwrap();
    assert_eq!(
        v,
        Incoming::Error {
            transaction: Some("t3".into()),
            session_id: Some(1),
            error: ErrorBody { code: 458, reason: "No such session 1".into() }
        }
    );
    // A `joined` with a simulcast publisher, as Janus 1.1 sends it.
    let v: Incoming = serde_json::from_value(json!({"janus":"event","session_id":1,"transaction":"t4","sender":2,
        "plugindata":{"plugin":"janus.plugin.videoroom","data":{"videoroom":"joined","room":1234,"description":"Demo Room",
        "id":111,"private_id":5555,"publishers":[{"id":222,"display":"Bob","audio_codec":"opus","video_codec":"vp8",
        "streams":[{"type":"audio","mindex":0,"mid":"0","codec":"opus","fec":true},
                   {"type":"video","mindex":1,"mid":"1","codec":"vp8","simulcast":true}],"talking":false}]}}})).unwrap();
    let Incoming::Event { plugindata, jsep: None, sender: 2, .. } = v else { panic!("{v:?}") };
    assert_eq!(plugindata.plugin, VIDEOROOM);
    let d = plugindata.data;
    assert_eq!(
        (d.videoroom.as_deref(), d.id, d.private_id),
        (Some("joined"), Some(111), Some(5555))
    );
    let p = &d.publishers.unwrap()[0];
    assert_eq!((p.id, p.display.as_deref()), (222, Some("Bob")));
    assert_eq!(p.streams[1].kind, StreamKind::Video);
    assert_eq!(p.streams[1].simulcast, Some(true));
    // Subscriber `attached` with Janus's offer.
    let v: Incoming = serde_json::from_value(json!({"janus":"event","session_id":1,"transaction":"t5","sender":3,
        "plugindata":{"plugin":"janus.plugin.videoroom","data":{"videoroom":"attached","room":1234,
        "streams":[{"type":"video","active":true,"mindex":0,"mid":"0","ready":false,"send":true,"feed_id":222,
                    "feed_display":"Bob","feed_mid":"1","codec":"vp8"}]}},
        "jsep":{"type":"offer","sdp":"v=0"}})).unwrap();
    let Incoming::Event { plugindata, jsep: Some(jsep), .. } = v else { panic!() };
    assert_eq!(jsep.sdp_type, SdpType::Offer);
    assert_eq!(plugindata.data.streams.unwrap()[0].feed_id, Some(222));
    // `unpublished` / `leaving` carry an id, or "ok" about ourselves.
    let d: VideoRoomData =
        serde_json::from_value(json!({"videoroom":"event","room":1234,"unpublished":222})).unwrap();
    assert_eq!(d.unpublished, Some(FeedRef::Id(222)));
    let d: VideoRoomData = serde_json::from_value(
        json!({"videoroom":"event","room":1234,"leaving":"ok","reason":"kicked"}),
    )
    .unwrap();
    assert_eq!(d.leaving, Some(FeedRef::Ok("ok".into())));
    // The simulcast report and plugin errors.
    let d: VideoRoomData =
        serde_json::from_value(json!({"videoroom":"event","room":1234,"mid":"0","substream":2}))
            .unwrap();
    assert_eq!((d.mid.as_deref(), d.substream), (Some("0"), Some(2)));
    let d: VideoRoomData = serde_json::from_value(
        json!({"videoroom":"event","error_code":426,"error":"No such room (99)"}),
    )
    .unwrap();
    assert_eq!((d.error_code, d.error.as_deref()), (Some(426), Some("No such room (99)")));
}

#[test]
fn transport_events_decode_and_unknown_kinds_are_other() {
    let cases = [
        (
            json!({"janus":"webrtcup","session_id":1,"sender":2}),
            Incoming::Webrtcup { session_id: Some(1), sender: 2 },
        ),
        (
            json!({"janus":"hangup","session_id":1,"sender":2,"reason":"DTLS alert"}),
            Incoming::Hangup { session_id: Some(1), sender: 2, reason: Some("DTLS alert".into()) },
        ),
        (
            json!({"janus":"slowlink","session_id":1,"sender":2,"mid":"1","media":"video","uplink":true,"lost":12}),
            Incoming::Slowlink {
                session_id: Some(1),
                sender: 2,
                uplink: true,
                lost: 12,
                mid: Some("1".into()),
            },
        ),
        (
            json!({"janus":"media","session_id":1,"sender":2,"mid":"0","type":"audio","receiving":true}),
            Incoming::Media {
                session_id: Some(1),
                sender: 2,
                kind: "audio".into(),
                receiving: true,
                mid: Some("0".into()),
            },
        ),
        (
            json!({"janus":"detached","session_id":1,"sender":2}),
            Incoming::Detached { session_id: Some(1), sender: 2 },
        ),
        (json!({"janus":"timeout","session_id":1}), Incoming::Timeout { session_id: Some(1) }),
        (
            json!({"janus":"trickle","session_id":1,"sender":2,"candidate":{"completed":true}}),
            Incoming::Trickle {
                session_id: Some(1),
                sender: 2,
                candidate: TrickleCandidate::Completed { completed: true },
            },
        ),
        (json!({"janus":"server_info","name":"Janus WebRTC Server"}), Incoming::Other),
    ];
    for (v, expected) in cases {
        let got: Incoming = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(got, expected, "{v}");
    }
}

/// The shared Janus frame vectors (also checked against the browser's
/// hand-written codec in tests/wasm/janus_codec.rs) are what serde reads,
/// and they cover every frame kind.
#[test]
fn shared_janus_vectors_decode_and_cover_every_kind() {
    let vectors: Vec<Value> = serde_json::from_str(include_str!("../vectors/janus.json")).unwrap();
    let mut kinds = std::collections::BTreeSet::new();
    for v in vectors {
        let got: Incoming =
            serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{v}: {e}"));
        let kind = v["janus"].as_str().unwrap().to_owned();
        assert_eq!(matches!(got, Incoming::Other), kind == "server_info", "{v}");
        kinds.insert(kind);
    }
    let all = [
        "success",
        "ack",
        "error",
        "event",
        "trickle",
        "webrtcup",
        "media",
        "slowlink",
        "hangup",
        "detached",
        "timeout",
        "server_info",
    ];
    assert_eq!(kinds, all.iter().map(|k| k.to_string()).collect());
}

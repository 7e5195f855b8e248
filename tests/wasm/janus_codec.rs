//! The browser's hand-written Janus codec agrees with proto's serde derives
//! (which the native Janus transcripts use) on every frame kind Janus sends
//! (proto/vectors/janus.json) and on every request the SDK sends.

use rtcroom::proto::janus::*;
use rtcroom::proto::{Candidate, SdpType};
use rtcroom::web::janus_codec::{decode, encode};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

fn text(v: &JsValue) -> String {
    js_sys::JSON::stringify(v).unwrap().as_string().unwrap()
}

#[wasm_bindgen_test]
fn every_janus_frame_decodes_like_serde() {
    let all = js_sys::JSON::parse(include_str!("../../proto/vectors/janus.json")).unwrap();
    let mut n = 0;
    for frame in js_sys::Array::from(&all).iter() {
        let t = text(&frame);
        let serde: Incoming = serde_wasm_bindgen::from_value(frame).expect(&t);
        let ours = decode(&t).expect(&t);
        assert_eq!(ours, serde, "{t}");
        n += 1;
    }
    assert!(n >= 30);
}

#[wasm_bindgen_test]
fn malformed_janus_frames_are_errors_and_unknown_kinds_are_other() {
    for bad in [
        "not json",
        "[1]",
        r#"{"transaction":"t"}"#,
        r#"{"janus":"event","sender":2}"#,
        r#"{"janus":"event","sender":"2","plugindata":{"plugin":"p","data":{}}}"#,
        r#"{"janus":"success","data":{"id":-1}}"#,
        r#"{"janus":"success","data":{"id":1.5}}"#,
        r#"{"janus":"error","error":{"reason":"no code"}}"#,
        r#"{"janus":"trickle","sender":2,"candidate":{}}"#,
        r#"{"janus":"event","sender":2,"plugindata":{"plugin":"p","data":{"substream":300}}}"#,
        r#"{"janus":"event","sender":2,"plugindata":{"plugin":"p","data":{"publishers":[{"display":"no id"}]}}}"#,
        r#"{"janus":"event","sender":2,"plugindata":{"plugin":"p","data":{}},"jsep":{"type":"nope","sdp":""}}"#,
    ] {
        assert!(decode(bad).is_err(), "{bad}");
        // serde agrees that these are malformed.
        let v = js_sys::JSON::parse(bad);
        if let Ok(v) = v {
            assert!(serde_wasm_bindgen::from_value::<Incoming>(v).is_err(), "{bad}");
        }
    }
    assert_eq!(decode(r#"{"janus":"keepalive_ack","x":[1]}"#).unwrap(), Incoming::Other);
}

fn requests() -> Vec<Request> {
    let t = || "tx-1".to_string();
    let msg = |body: Body, jsep: Option<Jsep>| Request::Message {
        transaction: t(),
        session_id: 4_000_000_001,
        handle_id: 9_007_199_254_740_991,
        body,
        jsep,
    };
    let feeds =
        vec![StreamFeed { feed: 9, mid: None }, StreamFeed { feed: 10, mid: Some("1".into()) }];
    let offer =
        Jsep { sdp_type: SdpType::Offer, sdp: "v=0\r\n".into(), rid_order: Some("lmh".into()) };
    let answer = Jsep { sdp_type: SdpType::Answer, sdp: "v=0 answer".into(), rid_order: None };
    let trickle =
        |candidate| Request::Trickle { transaction: t(), session_id: 1, handle_id: 2, candidate };
    vec![
        Request::Create { transaction: t() },
        Request::Claim { transaction: t(), session_id: 42 },
        Request::Keepalive { transaction: t(), session_id: 42 },
        Request::Destroy { transaction: t(), session_id: 42 },
        Request::Attach { transaction: t(), session_id: 42, plugin: VIDEOROOM.into() },
        Request::Detach { transaction: t(), session_id: 42, handle_id: 7 },
        msg(
            Body::Join(Join {
                ptype: Ptype::Publisher,
                room: 1234,
                display: Some("Ada \"A\"".into()),
                streams: vec![],
                private_id: None,
            }),
            None,
        ),
        msg(
            Body::Join(Join {
                ptype: Ptype::Subscriber,
                room: 1234,
                display: None,
                streams: feeds.clone(),
                private_id: Some(77),
            }),
            None,
        ),
        msg(Body::Configure(Configure::default()), Some(offer)),
        msg(
            Body::Configure(Configure {
                streams: vec![
                    StreamConfig {
                        mid: "1".into(),
                        substream: Some(2),
                        temporal: Some(0),
                        send: None,
                    },
                    StreamConfig {
                        mid: "2".into(),
                        substream: None,
                        temporal: None,
                        send: Some(false),
                    },
                ],
                descriptions: vec![],
                restart: None,
            }),
            None,
        ),
        msg(Body::Configure(Configure { restart: Some(true), ..Configure::default() }), None),
        msg(
            Body::Configure(Configure {
                streams: vec![],
                descriptions: vec![
                    StreamDescription { mid: "0".into(), description: "camera".into() },
                    StreamDescription { mid: "1".into(), description: "screen;of=111".into() },
                ],
                restart: None,
            }),
            None,
        ),
        msg(Body::Start {}, Some(answer)),
        msg(Body::Subscribe { streams: feeds.clone() }, None),
        msg(Body::Unsubscribe { streams: vec![StreamFeed { feed: 3, mid: None }] }, None),
        msg(Body::Unpublish {}, None),
        msg(Body::Leave {}, None),
        trickle(TrickleCandidate::Candidate(Candidate {
            candidate: "candidate:1 1 udp 1 10.99.0.1 5000 typ host".into(),
            sdp_mid: Some("0".into()),
            sdp_m_line_index: Some(0),
            username_fragment: Some("abcd".into()),
        })),
        trickle(TrickleCandidate::Candidate(Candidate {
            candidate: "candidate:2 1 udp 1 10.99.0.2 5000 typ host".into(),
            sdp_mid: None,
            sdp_m_line_index: None,
            username_fragment: None,
        })),
        trickle(TrickleCandidate::Completed { completed: true }),
    ]
}

#[wasm_bindgen_test]
fn every_janus_request_encodes_like_serde() {
    let all = requests();
    for r in &all {
        let serde =
            serde::Serialize::serialize(r, &serde_wasm_bindgen::Serializer::json_compatible())
                .unwrap();
        // Same text as serde's (same keys, same order), and serde reads it back.
        let ours = encode(r).unwrap();
        assert_eq!(ours, text(&serde));
        let back: Request =
            serde_wasm_bindgen::from_value(js_sys::JSON::parse(&ours).unwrap()).unwrap();
        assert_eq!(&back, r);
    }
    assert_eq!(all.len(), 20);
}

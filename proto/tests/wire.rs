//! The JSON shapes documented in the README, checked both ways.
use rtcroom_proto::*;
use serde_json::{json, Value};

mod common;
use common::roundtrip;

#[test]
fn join_and_signal_frames_have_the_documented_shape() {
    roundtrip(
        &ClientMessage::<SignalData>::Join {
            room: "demo".into(),
            name: Some("Ada".into()),
            token: None,
            meta: Meta::new(),
            resume: None,
        },
        json!({"type":"join","room":"demo","name":"Ada"}),
    );
    roundtrip(
        &ClientMessage::<SignalData>::Join {
            room: "demo".into(),
            name: None,
            token: None,
            meta: Meta::new(),
            resume: Some("v1.tok".into()),
        },
        json!({"type":"join","room":"demo","resume":"v1.tok"}),
    );
    roundtrip(
        &ClientMessage::Signal {
            to: "p2".into(),
            data: SignalData::Description { sdp_type: SdpType::Offer, sdp: "v=0".into() },
        },
        json!({"type":"signal","to":"p2","data":{"kind":"description","type":"offer","sdp":"v=0"}}),
    );
    roundtrip(
        &ServerMessage::Signal {
            from: "p1".into(),
            data: SignalData::Candidate(Candidate {
                candidate: "candidate:1 1 udp 1 127.0.0.1 5000 typ host".into(),
                sdp_mid: Some("0".into()),
                sdp_m_line_index: Some(0),
                username_fragment: None,
            }),
        },
        json!({"type":"signal","from":"p1","data":{"kind":"candidate","candidate":"candidate:1 1 udp 1 127.0.0.1 5000 typ host","sdpMid":"0","sdpMLineIndex":0}}),
    );
    roundtrip(&ServerMessage::<SignalData>::Pong, json!({"type":"pong"}));
    roundtrip(
        &ServerMessage::<SignalData>::Error { code: ErrorCode::UnknownTarget, message: "m".into() },
        json!({"type":"error","code":"unknown-target","message":"m"}),
    );
}

#[test]
fn welcome_and_tracks_frames_have_the_documented_shape() {
    roundtrip(
        &ServerMessage::<SignalData>::Welcome {
            id: "p1".into(),
            session: "s".into(),
            peers: vec![PeerInfo { id: "p0".into(), name: None, meta: Meta::new() }],
            ice_servers: vec![IceServer {
                urls: vec!["turn:127.0.0.1:3478".into()],
                username: Some("u".into()),
                credential: Some("c".into()),
            }],
            resumed: false,
            resume_grace_ms: 0,
            grants: Grants::default(),
        },
        json!({"type":"welcome","id":"p1","session":"s","peers":[{"id":"p0"}],
               "iceServers":[{"urls":["turn:127.0.0.1:3478"],"username":"u","credential":"c"}]}),
    );
    roundtrip(
        &ServerMessage::<SignalData>::Welcome {
            id: "p1".into(),
            session: "s".into(),
            peers: vec![],
            ice_servers: vec![],
            resumed: false,
            resume_grace_ms: 0,
            grants: Grants { can_publish: false, can_subscribe: true, can_publish_data: false },
        },
        json!({"type":"welcome","id":"p1","session":"s","peers":[],"iceServers":[],
               "grants":{"canPublish":false,"canSubscribe":true,"canPublishData":false}}),
    );
    // A grant left out of the object is granted.
    let partial: ServerMessage<SignalData> = serde_json::from_value(json!({"type":"welcome",
        "id":"p1","session":"s","peers":[],"grants":{"canPublish":false}}))
    .unwrap();
    assert!(matches!(partial, ServerMessage::Welcome { grants, .. }
        if grants == Grants { can_publish: false, ..Grants::default() }));
    roundtrip(
        &SignalData::Tracks {
            tracks: vec![TrackInfo {
                stream: "s1".into(),
                kind: TrackKind::Video,
                source: TrackSource::ScreenAudio,
                id: None,
                mid: None,
                muted: false,
            }],
        },
        json!({"kind":"tracks","tracks":[{"stream":"s1","kind":"video","source":"screen-audio"}]}),
    );
    roundtrip(
        &SignalData::Tracks {
            tracks: vec![TrackInfo {
                stream: "s1".into(),
                kind: TrackKind::Audio,
                source: TrackSource::Microphone,
                id: Some("t1".into()),
                mid: Some("0".into()),
                muted: true,
            }],
        },
        json!({"kind":"tracks","tracks":[{"stream":"s1","kind":"audio","source":"microphone","id":"t1","mid":"0","muted":true}]}),
    );
    roundtrip(&SignalData::EndOfCandidates { ufrag: None }, json!({"kind":"end-of-candidates"}));
    roundtrip(
        &SignalData::EndOfCandidates { ufrag: Some("u1".into()) },
        json!({"kind":"end-of-candidates","usernameFragment":"u1"}),
    );
    roundtrip(
        &ServerMessage::<SignalData>::PeerLeft { id: "p".into(), reason: LeaveReason::Timeout },
        json!({"type":"peer-left","id":"p","reason":"timeout"}),
    );
}

#[test]
fn server_relays_opaque_signal_data() {
    let frame = json!({"type":"signal","to":"p2","data":{"kind":"future-thing","x":[1,2]}});
    let msg: ClientMessage<Value> = serde_json::from_value(frame.clone()).unwrap();
    assert_eq!(serde_json::to_value(&msg).unwrap(), frame);
}

#[test]
fn error_codes_serialize_as_their_as_str() {
    for code in ErrorCode::ALL {
        assert_eq!(serde_json::to_value(code).unwrap(), Value::String(code.as_str().into()));
    }
}

/// Every frame of the shared vectors (also checked against the browser codec
/// in tests/wasm) parses and re-serializes to itself.
#[test]
fn shared_frame_vectors_round_trip() {
    let vectors: Vec<Value> = serde_json::from_str(include_str!("../vectors/frames.json")).unwrap();
    assert!(vectors.len() > 20);
    for v in vectors {
        let frame = v["frame"].clone();
        let back = match v["dir"].as_str().unwrap() {
            "client" => serde_json::to_value(
                serde_json::from_value::<ClientMessage<SignalData>>(frame.clone()).unwrap(),
            ),
            _ => serde_json::to_value(
                serde_json::from_value::<ServerMessage<SignalData>>(frame.clone()).unwrap(),
            ),
        }
        .unwrap();
        assert_eq!(back, frame);
    }
}

#[test]
fn parse_is_the_inverse_of_as_str() {
    for c in ErrorCode::ALL {
        assert_eq!(ErrorCode::parse(c.as_str()), Some(c));
    }
    for r in [LeaveReason::Left, LeaveReason::Disconnected, LeaveReason::Timeout] {
        assert_eq!(LeaveReason::parse(r.as_str()), Some(r));
    }
    for t in [SdpType::Offer, SdpType::Answer, SdpType::Pranswer, SdpType::Rollback] {
        assert_eq!(SdpType::parse(t.as_str()), Some(t));
    }
    assert_eq!(ErrorCode::parse("nope"), None);
}

/// Found by the decoder fuzzer: opaque signal data holds numbers the
/// protocol does not know; relayed through the server (parsed, then
/// written again) they must arrive as sent. Without serde_json's
/// `float_roundtrip` the parser could land one ulp off, so the next hop
/// saw another number.
#[test]
fn numbers_in_opaque_signal_data_survive_a_relay_exactly() {
    let text = r#"{"type":"signal","to":"p2","data":{"kind":"x","n":[118446744073709551616,0.1,1.7976931348623157e308,5e-324]}}"#;
    let once: ClientMessage<Value> = serde_json::from_str(text).unwrap();
    let relayed = serde_json::to_string(&once).unwrap();
    let twice: ClientMessage<Value> = serde_json::from_str(&relayed).unwrap();
    assert_eq!(once, twice, "relayed as {relayed}");
    let ClientMessage::Signal { data, .. } = once else { panic!("a signal") };
    assert_eq!(data["n"][0].as_f64(), Some(118_446_744_073_709_551_616.0));
}

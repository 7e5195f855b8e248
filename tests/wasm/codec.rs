//! The browser codec agrees with serde (which the server and the native
//! proto tests use) on every shared frame vector.

use rtcroom::proto::{ClientMessage, ServerMessage, SignalData};
use rtcroom::web::codec::{decode_server, encode_client};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

fn vectors() -> Vec<(String, JsValue)> {
    let all = js_sys::JSON::parse(include_str!("../../proto/vectors/frames.json"))
        .expect("vectors parse");
    js_sys::Array::from(&all)
        .iter()
        .map(|v| {
            let dir = js_sys::Reflect::get(&v, &"dir".into()).unwrap().as_string().unwrap();
            (dir, js_sys::Reflect::get(&v, &"frame".into()).unwrap())
        })
        .collect()
}

fn text(v: &JsValue) -> String {
    js_sys::JSON::stringify(v).unwrap().as_string().unwrap()
}

#[wasm_bindgen_test]
fn client_frames_encode_like_serde() {
    let mut n = 0;
    for (dir, frame) in vectors().into_iter().filter(|(d, _)| d == "client") {
        let msg: ClientMessage<SignalData> =
            serde_wasm_bindgen::from_value(frame.clone()).expect(&dir);
        // Same text as the vector (same key order), and serde reads it back.
        let encoded = encode_client(&msg).expect("encode");
        assert_eq!(encoded, text(&frame));
        let back: ClientMessage<SignalData> =
            serde_wasm_bindgen::from_value(js_sys::JSON::parse(&encoded).unwrap()).unwrap();
        assert_eq!(back, msg);
        n += 1;
    }
    assert!(n >= 10);
}

#[wasm_bindgen_test]
fn server_frames_decode_like_serde() {
    let mut n = 0;
    for (_, frame) in vectors().into_iter().filter(|(d, _)| d == "server") {
        let by_serde: ServerMessage<SignalData> =
            serde_wasm_bindgen::from_value(frame.clone()).unwrap();
        assert_eq!(decode_server(&text(&frame)).expect("decode"), Some(by_serde));
        n += 1;
    }
    assert!(n >= 10);
}

#[wasm_bindgen_test]
fn unknown_frame_types_and_signal_kinds_are_ignored() {
    for newer in [
        r#"{"type":"room-closed","at":1}"#,
        r#"{"type":"signal","from":"p","data":{"kind":"mute","track":"t"}}"#,
    ] {
        assert_eq!(decode_server(newer).expect(newer), None, "{newer}");
    }
}

#[wasm_bindgen_test]
fn malformed_server_frames_are_protocol_errors() {
    for bad in [
        "not json",
        "{}",
        r#"{"type":"welcome","id":"p1"}"#,
        r#"{"type":"signal","from":"p","data":{"kind":"candidate","candidate":"c","sdpMLineIndex":-1}}"#,
        r#"{"type":"signal","from":"p","data":{"kind":"tracks","tracks":[{"stream":"s","kind":"smell","source":"camera"}]}}"#,
        r#"{"type":"peer-joined","peer":{"id":"p","meta":{"a":1}}}"#,
    ] {
        let err = decode_server(bad).expect_err(bad);
        assert_eq!(err.code(), "protocol-error", "{bad}");
    }
}

#[wasm_bindgen_test]
fn join_options_are_read_and_bad_ones_refused() {
    use rtcroom::web::codec::join_options;
    let v = js_sys::JSON::parse(
        r#"{"room":"r","name":"Ada","meta":{"k":"v"},"joinTimeoutMs":500,
            "iceServers":[{"urls":"turn:127.0.0.1:3478","username":"u","credential":"c"}],"wasmUrl":"x"}"#,
    )
    .unwrap();
    let o = join_options(&v).expect("valid options");
    assert_eq!(
        (o.room.as_str(), o.name.as_deref(), o.join_timeout_ms),
        ("r", Some("Ada"), Some(500))
    );
    assert_eq!(o.meta.get("k").map(String::as_str), Some("v"));
    assert_eq!(o.ice_servers[0].urls, vec!["turn:127.0.0.1:3478".to_string()]);
    // SFU rooms (Janus VideoRoom) are numbers.
    let sfu = join_options(&js_sys::JSON::parse(r#"{"room":1234,"sfu":"janus"}"#).unwrap())
        .expect("an SFU room");
    assert_eq!((sfu.room.as_str(), sfu.sfu.as_deref()), ("1234", Some("janus")));
    for bad in [
        r#"{"room":1}"#,
        r#"{"room":1.5,"sfu":"janus"}"#,
        r#"{"room":"r","meta":{"k":1}}"#,
        r#"{"room":"r","joinTimeoutMs":-1}"#,
        "3",
    ] {
        let err = join_options(&js_sys::JSON::parse(bad).unwrap()).expect_err(bad);
        assert_eq!(err.code(), "invalid-argument", "{bad}");
    }
}

/// The browser codec under fuzzing (the native fuzzers cannot reach it: it
/// parses through the browser's `JSON`): mutations of the shared server
/// vectors and random protocol-shaped JSON never trap the wasm instance,
/// every refusal is a typed `protocol-error`, and whatever serde accepts the
/// codec decodes to the same frame. A fixed seed and budget, so the run is
/// reproducible (see `rtcroom_fuzz`).
#[wasm_bindgen_test]
fn fuzzed_server_frames_decode_like_serde_or_are_protocol_errors() {
    let seeds: Vec<Vec<u8>> = vectors()
        .into_iter()
        .filter(|(d, _)| d == "server")
        .map(|(_, f)| text(&f).into_bytes())
        .collect();
    let mut rng = rtcroom_fuzz::Rng::new(0x5eed_c0de);
    let mut agreed = 0;
    for i in 0..5000 {
        let input = if i < seeds.len() {
            seeds[i].clone()
        } else if rng.chance(5) {
            rtcroom_fuzz::gen_json(&mut rng, 4).into_bytes()
        } else {
            let base = rng.pick(&seeds).clone();
            rtcroom_fuzz::mutate(&mut rng, &base, &seeds)
        };
        let frame = String::from_utf8_lossy(&input);
        let decoded = decode_server(&frame);
        if let Err(e) = &decoded {
            assert_eq!(e.code(), "protocol-error", "{frame}");
        }
        // Objects only: serde's internally tagged enums also take the array
        // form (`["pong"]`, `["peer-left","p1","left"]`), which the
        // protocol does not have; the codec refuses it, as the server's
        // frame parser does (found by this test).
        let by_serde = js_sys::JSON::parse(&frame)
            .ok()
            .filter(|v| v.is_object() && !js_sys::Array::is_array(v))
            .and_then(|v| serde_wasm_bindgen::from_value::<ServerMessage<SignalData>>(v).ok());
        if let Some(by_serde) = by_serde {
            assert_eq!(decoded.expect(&frame), Some(by_serde), "{frame}");
            agreed += 1;
        }
    }
    assert!(agreed >= 10, "{agreed}");
}

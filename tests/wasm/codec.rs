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
    for bad in [
        r#"{"room":1}"#,
        r#"{"room":"r","meta":{"k":1}}"#,
        r#"{"room":"r","joinTimeoutMs":-1}"#,
        "3",
    ] {
        let err = join_options(&js_sys::JSON::parse(bad).unwrap()).expect_err(bad);
        assert_eq!(err.code(), "invalid-argument", "{bad}");
    }
}

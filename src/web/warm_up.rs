//! A dry run of the join path, for idle time right after the module loads.
//!
//! The browser compiles wasm functions (and the JS glue) on their first
//! call: a fresh page's first `Room.join` spent ~20 ms of that before its
//! WebSocket even existed (later joins in the same page: 2–9 ms). Running
//! the same code once beforehand, with nothing on the network and no
//! connection built, moves that cost out of the user's way. The stand-in
//! server below only answers `join` (the in-page hub would add ~20 KiB of
//! gzipped wasm to every page).

use super::codec;
use super::error::WebError;
use super::room::{JoinOptions, Room};
use super::transport::{Connector, FrameSink, Transport, TransportEvent};
use futures::future::LocalBoxFuture;
use rtcroom_proto::{ClientMessage, SignalData};
use std::rc::Rc;

/// A `welcome` as the server sends it (the wire codec's decode path too).
const WELCOME: &str = r#"{"type":"welcome","id":"p1","session":"v1.warm-up","peers":[],"iceServers":[],"resumeGraceMs":20000}"#;
/// Frames a join usually meets next, decoded only.
const FRAMES: [&str; 3] = [
    r#"{"type":"peer-joined","peer":{"id":"p2","name":"Ada"}}"#,
    r#"{"type":"signal","from":"p2","data":{"kind":"description","type":"offer","sdp":"v=0\r\n"}}"#,
    r#"{"type":"signal","from":"p2","data":{"kind":"candidate","candidate":"candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":"abcd"}}"#,
];

struct StandIn;

struct StandInSocket {
    sink: FrameSink,
}

impl Connector for StandIn {
    fn connect(
        &self,
        _endpoint: usize,
        sink: FrameSink,
    ) -> LocalBoxFuture<'static, Result<Rc<dyn Transport>, WebError>> {
        Box::pin(async move { Ok(Rc::new(StandInSocket { sink }) as Rc<dyn Transport>) })
    }
}

impl Transport for StandInSocket {
    fn send(&self, frame: &ClientMessage<SignalData>) -> Result<(), WebError> {
        // Through the codec both ways, as over a WebSocket.
        let _ = codec::encode_client(frame)?;
        if matches!(frame, ClientMessage::Join { .. }) {
            if let Some(welcome) = codec::decode_server(WELCOME)? {
                let sink = self.sink.clone();
                // Delivered later, like a network would.
                wasm_bindgen_futures::spawn_local(async move {
                    sink(TransportEvent::Frame(welcome));
                });
            }
        }
        Ok(())
    }

    fn close(&self) {}
}

pub async fn warm_up() {
    for text in FRAMES {
        let _ = codec::decode_server(text);
    }
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"room".into(), &"warm-up".into());
    let options = codec::join_options(&options)
        .unwrap_or_else(|_| JoinOptions { room: "warm-up".into(), ..JoinOptions::default() });
    if let Ok(room) = Room::join_with(Rc::new(StandIn), options, |_| {}).await {
        room.leave();
    }
}

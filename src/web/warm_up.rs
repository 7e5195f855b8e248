//! A dry-run call, for idle time right after the module loads.
//!
//! The browser compiles wasm functions (and the JS glue) on their first
//! call: a fresh page's first call spent ~11 ms compiling on its way to
//! `connected` (traced), which took it 66 ms against the plain page's 49;
//! with this dry run, 52 ms (bench/README.md, "What the phases show"). Two rooms of this page call each other once
//! beforehand, through a relay in memory, each publishing a blank canvas
//! track as its camera: join, welcome, connection build, publish, offer and
//! answer, announcements, remote tracks, leave — the code every call runs.
//! Nothing reaches the network: there is no server, and the connections are
//! relay-only with no TURN server, so ICE gathers nothing (no socket, no
//! mDNS name). A real join started meanwhile cancels what is left of it.

use super::codec;
use super::error::WebError;
use super::events::RoomEvent;
use super::guard::sleep;
use super::room::{JoinOptions, Room};
use super::transport::{Connector, FrameSink, Transport, TransportEvent};
use crate::core::TrackSource;
use futures::future::LocalBoxFuture;
use rtcroom_proto::{ClientMessage, ServerMessage, SignalData};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};

/// A candidate frame, decoded only: a relay-only dry run with no TURN
/// server gathers none (the relay's own frames go through the decoder as
/// they are sent).
const CANDIDATE: &str = r#"{"type":"signal","from":"p2","data":{"kind":"candidate","candidate":"candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":"abcd"}}"#;
const IDS: [&str; 2] = ["warm-up-a", "warm-up-b"];
/// Longest the dry run may take (it usually takes tens of ms).
const LIMIT_MS: u64 = 2_000;

thread_local! {
    static CANCELLED: Cell<bool> = const { Cell::new(false) };
}

/// A real join started: the dry run stops where it is (its work would
/// only compete with the join for the main thread).
pub fn cancel() {
    CANCELLED.with(|c| c.set(true));
}

fn cancelled() -> bool {
    CANCELLED.with(Cell::get)
}

/// The two sides' sinks, in join order: what a server would relay between.
#[derive(Default)]
struct Relay {
    joined: RefCell<Vec<(usize, FrameSink)>>,
}

/// Delivered later, like a network would (in order: one task queue).
fn deliver(sink: &FrameSink, msg: ServerMessage<SignalData>) {
    let sink = sink.clone();
    wasm_bindgen_futures::spawn_local(async move { sink(TransportEvent::Frame(msg)) });
}

fn id(side: usize) -> &'static str {
    IDS.get(side).copied().unwrap_or_default()
}

/// A frame of the relay's, as JSON text through the codec (less code than
/// building the message, and the decode path a server's frames take).
fn deliver_text(sink: &FrameSink, text: &str) {
    if let Ok(Some(msg)) = codec::decode_server(text) {
        deliver(sink, msg);
    }
}

struct Side {
    relay: Rc<Relay>,
    me: usize,
}

struct SideSocket {
    relay: Rc<Relay>,
    me: usize,
    sink: FrameSink,
}

impl Connector for Side {
    fn connect(
        &self,
        _endpoint: usize,
        sink: FrameSink,
    ) -> LocalBoxFuture<'static, Result<Rc<dyn Transport>, WebError>> {
        let socket = SideSocket { relay: self.relay.clone(), me: self.me, sink };
        Box::pin(async move { Ok(Rc::new(socket) as Rc<dyn Transport>) })
    }
}

impl Transport for SideSocket {
    fn send(&self, frame: &ClientMessage<SignalData>) -> Result<(), WebError> {
        // Through the codec, as over a WebSocket.
        let text = codec::encode_client(frame)?;
        let Ok(mut joined) = self.relay.joined.try_borrow_mut() else { return Ok(()) };
        match frame {
            ClientMessage::Join { .. } => {
                let mut welcome = String::from(
                    r#"{"type":"welcome","session":"v1.warm-up","resumeGraceMs":20000,"peers":["#,
                );
                for (i, (side, _)) in joined.iter().enumerate() {
                    welcome.push_str(if i == 0 { r#"{"id":""# } else { r#",{"id":""# });
                    welcome.push_str(id(*side));
                    welcome.push_str(r#""}"#);
                }
                welcome.push_str(r#"],"id":""#);
                welcome.push_str(id(self.me));
                welcome.push_str(r#""}"#);
                deliver_text(&self.sink, &welcome);
                let mut peer = String::from(r#"{"type":"peer-joined","peer":{"id":""#);
                peer.push_str(id(self.me));
                peer.push_str(r#""}}"#);
                for (_, other) in joined.iter() {
                    deliver_text(other, &peer);
                }
                joined.push((self.me, self.sink.clone()));
            }
            // The frame as the server relays it: ours with a `from` (the
            // decoder reads `from` and `data`, and skips our `to`).
            ClientMessage::Signal { .. } => {
                let mut relayed = String::from(r#"{"from":""#);
                relayed.push_str(id(self.me));
                relayed.push_str(r#"","#);
                relayed.push_str(text.strip_prefix('{').unwrap_or_default());
                for (side, other) in joined.iter() {
                    if *side != self.me {
                        deliver_text(other, &relayed);
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn close(&self) {
        if let Ok(mut joined) = self.relay.joined.try_borrow_mut() {
            joined.retain(|(side, _)| *side != self.me);
        }
    }
}

/// A blank canvas's video track from the facade's `blank()` (it makes
/// one in a few lines of JS, less than the wasm's calls for it).
fn canvas_track(blank: &js_sys::Function) -> Option<web_sys::MediaStreamTrack> {
    blank.call0(&JsValue::NULL).ok()?.dyn_into().ok()
}

// Not `async`: the join's state machine is the room's.
fn join(
    relay: &Rc<Relay>,
    me: usize,
    seen: Rc<Cell<u32>>,
) -> impl std::future::Future<Output = Result<Room, WebError>> {
    let options = JoinOptions {
        room: "warm-up".into(),
        // No TURN server: ICE gathers nothing.
        relay_only: true,
        ..JoinOptions::default()
    };
    let connector = Rc::new(Side { relay: relay.clone(), me });
    let on_event = move |e: RoomEvent| {
        // The app's handler converts every event; so does this one.
        let _ = (e.name(), e.to_js());
        if matches!(e, RoomEvent::Track(_)) {
            seen.set(seen.get() + 1);
        }
    };
    Room::join_with(connector, options, on_event)
}

/// Resolves (with `undefined`, what `warmUp()`'s promise gives: no
/// wrapper state machine in the export) when over or cancelled. `blank()`
/// makes each room's camera track (a blank 640x480 canvas's, no frames).
pub async fn warm_up(blank: js_sys::Function) -> Result<JsValue, WebError> {
    let _ = codec::decode_server(CANDIDATE);
    let relay = Rc::new(Relay::default());
    let seen = Rc::new(Cell::new(0));
    let mut rooms = Vec::new();
    let mut tracks = Vec::new();
    for me in 0..IDS.len() {
        if cancelled() {
            break;
        }
        let Ok(room) = join(&relay, me, seen.clone()).await else { break };
        if let Some(track) = canvas_track(&blank) {
            let _ = room.publish_track(&track, TrackSource::Camera);
            tracks.push(track);
        }
        rooms.push(room);
    }
    // Until each side has the other's track (or the limit, or a real join).
    let mut waited = 0;
    while rooms.len() == IDS.len() && seen.get() < 2 && waited < LIMIT_MS && !cancelled() {
        sleep(10).await;
        waited += 10;
    }
    for room in &rooms {
        room.leave();
    }
    for track in &tracks {
        track.stop();
    }
    Ok(JsValue::UNDEFINED)
}

//! The room driver. Every browser callback becomes one core input, handled
//! synchronously in the callback: the core then sees the connection's
//! `signalingState` exactly as the spec's example reads it. Outputs run in
//! order; app events are delivered after the batch's commands, in order,
//! outside any borrow, so handlers may call back into the room.

use super::error::WebError;
use super::events::{Participant, RoomEvent, TrackEvent};
use super::guard::{sleep, Listener, Timeout};
use super::media;
use super::peer::{PeerConn, PeerSignal, PeerSink};
use super::sys::now_ms;
use super::transport::{Connector, FrameSink, Transport, TransportEvent, WebSocketConnector};
use crate::core::{
    self, LocalTrack, Millis, RoomCore, RoomInput, RoomOutput, TrackKind, TrackSource,
};
use futures::future::{select, Either};
use rtcroom_proto::{ClientMessage, IceServer, LeaveReason, Meta, ServerMessage};
use serde::Deserialize;
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, VecDeque};
use std::rc::{Rc, Weak};
use web_sys::{MediaStream, MediaStreamTrack};

/// Options of [`Room::join`] (JS: the second argument of `Room.join`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct JoinOptions {
    pub room: String,
    pub name: Option<String>,
    pub meta: Meta,
    /// Added to the servers the signaling server sends in `welcome`.
    pub ice_servers: Vec<IceServer>,
    /// How long to wait for the socket and the `welcome` (default 10 000).
    pub join_timeout_ms: Option<u32>,
}

// Note: web-sys gives MediaStream and MediaStreamTrack an inherent `clone()`
// that calls the JS method (a *new* stream or track). Handle copies here use
// `Clone::clone(&x)` explicitly.

/// A joined room. Cheap to clone; all clones are the same room.
#[derive(Clone)]
pub struct Room {
    shared: Rc<Shared>,
}

type Handler = Rc<dyn Fn(RoomEvent)>;

struct Shared {
    inner: RefCell<Inner>,
    events: RefCell<VecDeque<RoomEvent>>,
    delivering: Cell<bool>,
    /// The app's handler; dropped on leave so that nothing the app closed
    /// over (in JS: the Room object) is kept alive by the room.
    handler: RefCell<Option<Handler>>,
}

struct LocalMedia {
    track: MediaStreamTrack,
    stream: MediaStream,
    /// Acquired by the SDK (publishCamera/publishScreen): stopped on unpublish.
    owned: bool,
    _ended: Listener,
}

struct Peer {
    conn: PeerConn,
    sink: PeerSink,
}

#[derive(Default)]
struct Inner {
    core: RoomCore,
    transport: Option<Rc<dyn Transport>>,
    extra_ice: Vec<IceServer>,
    peers: BTreeMap<String, Peer>,
    names: BTreeMap<String, Participant>,
    local: BTreeMap<String, LocalMedia>,
    /// One stream per source group, so camera+microphone (and screen+its
    /// audio) arrive in one remote stream and play in sync.
    groups: BTreeMap<&'static str, MediaStream>,
    remote: BTreeMap<(String, String), (MediaStreamTrack, MediaStream)>,
    timer: Option<(Millis, Timeout)>,
    join_waiter: Option<futures::channel::oneshot::Sender<Result<(), WebError>>>,
    pagehide: Option<Listener>,
}

impl Drop for Shared {
    fn drop(&mut self) {
        // Last handle gone without leave(): still tell the server.
        if let Ok(inner) = self.inner.try_borrow() {
            if let Some(t) = &inner.transport {
                if inner.core.is_joined() {
                    let _ = t.send(&ClientMessage::Leave);
                }
                t.close();
            }
        }
    }
}

impl Room {
    /// Connects to `url` (a `ws(s)://…/ws` endpoint) and joins a room.
    pub async fn join(
        url: &str,
        options: JoinOptions,
        on_event: impl Fn(RoomEvent) + 'static,
    ) -> Result<Room, WebError> {
        Self::join_with(Box::new(WebSocketConnector { url: url.to_owned() }), options, on_event)
            .await
    }

    /// Joins over any [`Connector`] (e.g. an in-page hub in tests).
    pub async fn join_with(
        connector: Box<dyn Connector>,
        options: JoinOptions,
        on_event: impl Fn(RoomEvent) + 'static,
    ) -> Result<Room, WebError> {
        if options.room.is_empty() {
            return Err(WebError::InvalidArgument("options.room is required".into()));
        }
        let timeout = options.join_timeout_ms.unwrap_or(10_000);
        let shared = Rc::new(Shared {
            inner: RefCell::new(Inner {
                extra_ice: options.ice_servers.clone(),
                ..Inner::default()
            }),
            events: RefCell::new(VecDeque::new()),
            delivering: Cell::new(false),
            handler: RefCell::new(Some(Rc::new(on_event))),
        });
        let weak = Rc::downgrade(&shared);
        let sink: FrameSink = Rc::new(move |ev| {
            if let Some(s) = weak.upgrade() {
                on_transport(&s, ev)
            }
        });
        let (tx, rx) = futures::channel::oneshot::channel();
        let handshake = async {
            let transport = connector.connect(sink).await?;
            {
                let mut inner = shared.inner.try_borrow_mut().map_err(|_| WebError::Reentrant)?;
                inner.transport = Some(transport.clone());
                inner.join_waiter = Some(tx);
            }
            transport.send(&ClientMessage::Join {
                room: options.room.clone(),
                name: options.name.clone(),
                token: None,
                meta: options.meta.clone(),
                resume: None,
            })?;
            rx.await.map_err(|_| WebError::SignalingClosed)?
        };
        let result = match select(Box::pin(handshake), Box::pin(sleep(timeout.into()))).await {
            Either::Left((r, _)) => r,
            Either::Right(_) => Err(WebError::JoinTimeout(timeout)),
        };
        if let Err(e) = result {
            if let Ok(mut inner) = shared.inner.try_borrow_mut() {
                if let Some(t) = inner.transport.take() {
                    t.close();
                }
            }
            return Err(e);
        }
        let room = Room { shared };
        room.watch_pagehide();
        Ok(room)
    }

    fn watch_pagehide(&self) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let weak = Rc::downgrade(&self.shared);
        let listener = Listener::new(&window, "pagehide", move |_| {
            if let Some(shared) = weak.upgrade() {
                Room { shared }.leave();
            }
        });
        if let Ok(mut inner) = self.shared.inner.try_borrow_mut() {
            inner.pagehide = Some(listener);
        }
    }

    /// Our participant id (empty after a failed join).
    pub fn id(&self) -> String {
        self.with(|i| i.core.local_id().unwrap_or_default().to_owned()).unwrap_or_default()
    }

    /// Everyone else in the room, in id order.
    pub fn participants(&self) -> Vec<Participant> {
        self.with(|i| i.names.values().cloned().collect()).unwrap_or_default()
    }

    pub fn is_joined(&self) -> bool {
        self.with(|i| i.core.is_joined()).unwrap_or(false)
    }

    /// The connection to one participant (for stats, or tests).
    pub fn peer_connection(&self, id: &str) -> Option<web_sys::RtcPeerConnection> {
        self.with(|i| i.peers.get(id).map(|p| p.conn.connection().clone())).flatten()
    }

    /// Tracks we publish.
    pub fn local_tracks(&self) -> Vec<MediaStreamTrack> {
        self.with(|i| i.local.values().map(|m| Clone::clone(&m.track)).collect())
            .unwrap_or_default()
    }

    /// Publishes any track. `source` names it for the receivers; camera,
    /// microphone, screen and screen-audio can each be published once.
    pub fn publish_track(
        &self,
        track: &MediaStreamTrack,
        source: TrackSource,
    ) -> Result<(), WebError> {
        self.publish(track, source, false)
    }

    /// getUserMedia + publish: video as `camera`, audio as `microphone`.
    pub async fn publish_camera(
        &self,
        constraints: &web_sys::MediaStreamConstraints,
    ) -> Result<Vec<MediaStreamTrack>, WebError> {
        let stream = media::user_media(constraints).await?;
        self.publish_all(media::tracks(&stream), TrackSource::Camera, TrackSource::Microphone)
    }

    /// getDisplayMedia + publish: video as `screen`, audio as `screen-audio`.
    pub async fn publish_screen(
        &self,
        constraints: &web_sys::DisplayMediaStreamConstraints,
    ) -> Result<Vec<MediaStreamTrack>, WebError> {
        let stream = media::display_media(constraints).await?;
        self.publish_all(media::tracks(&stream), TrackSource::Screen, TrackSource::ScreenAudio)
    }

    fn publish_all(
        &self,
        tracks: Vec<MediaStreamTrack>,
        video: TrackSource,
        audio: TrackSource,
    ) -> Result<Vec<MediaStreamTrack>, WebError> {
        let mut done: Vec<MediaStreamTrack> = Vec::new();
        for t in &tracks {
            let source = if t.kind() == "audio" { audio } else { video };
            if let Err(e) = self.publish(t, source, true) {
                // All or nothing: undo and release the devices.
                for p in &done {
                    let _ = self.unpublish(p);
                }
                for t in &tracks {
                    t.stop();
                }
                return Err(e);
            }
            done.push(Clone::clone(t));
        }
        Ok(done)
    }

    fn publish(
        &self,
        track: &MediaStreamTrack,
        source: TrackSource,
        owned: bool,
    ) -> Result<(), WebError> {
        let kind = TrackKind::parse(&track.kind())
            .ok_or_else(|| WebError::InvalidArgument("track kind must be audio or video".into()))?;
        let track_id = track.id();
        let stream_id = {
            let mut inner = self.shared.inner.try_borrow_mut().map_err(|_| WebError::Reentrant)?;
            if !inner.core.is_joined() {
                return Err(core::CoreError::NotJoined.into());
            }
            if inner.local.contains_key(&track_id) {
                return Err(core::CoreError::TrackAlreadyPublished.into());
            }
            let stream = match core::stream_group(source) {
                Some(g) => match inner.groups.get(g) {
                    Some(s) => Clone::clone(s),
                    None => {
                        let s = MediaStream::new().map_err(|e| WebError::browser(&e))?;
                        inner.groups.insert(g, Clone::clone(&s));
                        s
                    }
                },
                None => MediaStream::new().map_err(|e| WebError::browser(&e))?,
            };
            let weak = Rc::downgrade(&self.shared);
            let id = track_id.clone();
            // A track that ends (device unplugged, "stop sharing") is unpublished.
            let ended = Listener::new(track, "ended", move |_| {
                if let Some(shared) = weak.upgrade() {
                    let _ = Room { shared }.unpublish_id(&id);
                }
            });
            let stream_id = stream.id();
            inner.local.insert(
                track_id.clone(),
                LocalMedia { track: Clone::clone(track), stream, owned, _ended: ended },
            );
            stream_id
        };
        let input =
            RoomInput::Publish(LocalTrack { track_id: track_id.clone(), stream_id, kind, source });
        if let Err(e) = dispatch(&self.shared, input) {
            let _ = self.with(|i| i.local.remove(&track_id));
            return Err(e);
        }
        Ok(())
    }

    /// Stops sending `track` to everyone (tracks the SDK acquired are also stopped).
    pub fn unpublish(&self, track: &MediaStreamTrack) -> Result<(), WebError> {
        self.unpublish_id(&track.id())
    }

    fn unpublish_id(&self, track_id: &str) -> Result<(), WebError> {
        dispatch(&self.shared, RoomInput::Unpublish { track_id: track_id.to_owned() })?;
        if let Some(m) = self.with(|i| i.local.remove(track_id)).flatten() {
            m.stream.remove_track(&m.track);
            if m.owned {
                m.track.stop();
            }
        }
        Ok(())
    }

    /// Reliable, ordered message to one participant or (`to: None`) everyone.
    pub fn send(&self, data: &str, to: Option<&str>) -> Result<(), WebError> {
        let input = RoomInput::Send { to: to.map(str::to_owned), data: data.to_owned() };
        dispatch(&self.shared, input)
    }

    pub fn restart_ice(&self, peer: &str) -> Result<(), WebError> {
        dispatch(&self.shared, RoomInput::RestartIce { peer: peer.to_owned() })
    }

    /// Leaves the room: tells the server, closes every connection, stops the
    /// tracks the SDK acquired. Idempotent.
    pub fn leave(&self) {
        let _ = dispatch(&self.shared, RoomInput::Leave);
        let Ok(mut inner) = self.shared.inner.try_borrow_mut() else {
            return;
        };
        if let Some(t) = inner.transport.take() {
            t.close();
        }
        for (_, m) in std::mem::take(&mut inner.local) {
            if m.owned {
                m.track.stop();
            }
        }
        inner.peers.clear();
        inner.remote.clear();
        inner.names.clear();
        inner.groups.clear();
        inner.timer = None;
        inner.pagehide = None;
        drop(inner);
        // Events of the leave itself were delivered by `dispatch` above.
        if let Ok(mut handler) = self.shared.handler.try_borrow_mut() {
            handler.take();
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> Option<T> {
        self.shared.inner.try_borrow_mut().ok().map(|mut i| f(&mut i))
    }
}

fn on_transport(shared: &Rc<Shared>, ev: TransportEvent) {
    let waiter = || shared.inner.try_borrow_mut().ok().and_then(|mut i| i.join_waiter.take());
    match ev {
        TransportEvent::Frame(ServerMessage::Error { code, message }) if joining(shared) => {
            if let Some(w) = waiter() {
                let _ = w.send(Err(WebError::JoinRefused { code: code.as_str(), message }));
            }
        }
        TransportEvent::Frame(frame) => {
            let welcome = matches!(frame, ServerMessage::Welcome { .. });
            let r = dispatch(shared, RoomInput::Server(frame));
            if welcome {
                if let Some(w) = waiter() {
                    let _ = w.send(r);
                }
            }
        }
        TransportEvent::Garbage(message) => {
            let w = RoomEvent::Warning { participant: None, code: "protocol-error", message };
            queue_event(shared, w);
            deliver(shared);
        }
        TransportEvent::Closed => match waiter() {
            Some(w) => {
                let _ = w.send(Err(WebError::SignalingClosed));
            }
            None => {
                let _ = dispatch(shared, RoomInput::SignalingClosed);
            }
        },
    }
}

fn joining(shared: &Shared) -> bool {
    shared.inner.try_borrow().map(|i| i.join_waiter.is_some()).unwrap_or(false)
}

fn on_peer(shared: &Rc<Shared>, peer: &str, signal: PeerSignal) {
    let input = match signal {
        PeerSignal::Input(input) => input,
        PeerSignal::Track { track, stream } => {
            let track_id = track.id();
            let kind = TrackKind::parse(&track.kind()).unwrap_or(TrackKind::Video);
            let stream_id = Some(stream.id());
            if let Ok(mut inner) = shared.inner.try_borrow_mut() {
                inner.remote.insert((peer.to_owned(), track_id.clone()), (track, stream));
            }
            let input = RoomInput::RemoteTrack { peer: peer.to_owned(), track_id, stream_id, kind };
            let _ = dispatch(shared, input);
            return;
        }
    };
    // A closed peer's late callbacks are refused by the core; nothing to do.
    let _ = dispatch(shared, RoomInput::Peer { peer: peer.to_owned(), input });
}

/// Feeds one input to the core and runs everything it asks for.
fn dispatch(shared: &Rc<Shared>, input: RoomInput) -> Result<(), WebError> {
    let (result, outputs) = {
        let mut inner = shared.inner.try_borrow_mut().map_err(|_| WebError::Reentrant)?;
        // An input can fail after the core queued work (a broadcast that
        // reached some peers): run that work before reporting the error.
        let result = inner.core.handle_input(Millis(now_ms()), input);
        (result, drain(&mut inner.core))
    };
    execute(shared, outputs);
    Ok(result?)
}

fn on_timer(weak: &Weak<Shared>) {
    let Some(shared) = weak.upgrade() else { return };
    let outputs = {
        let Ok(mut inner) = shared.inner.try_borrow_mut() else {
            return;
        };
        inner.timer = None;
        inner.core.handle_timeout(Millis(now_ms()));
        drain(&mut inner.core)
    };
    execute(&shared, outputs);
}

fn drain(core: &mut RoomCore) -> Vec<RoomOutput> {
    std::iter::from_fn(|| core.poll_output()).collect()
}

fn execute(shared: &Rc<Shared>, outputs: Vec<RoomOutput>) {
    let weak = Rc::downgrade(shared);
    if let Ok(mut inner) = shared.inner.try_borrow_mut() {
        for o in outputs {
            if let Some(e) = inner.apply(o, &weak) {
                queue_event(shared, e);
            }
        }
        inner.schedule_timer(&weak);
    }
    deliver(shared);
}

fn queue_event(shared: &Shared, e: RoomEvent) {
    // Only `deliver` borrows the queue, and never across the app's handler.
    if let Ok(mut q) = shared.events.try_borrow_mut() {
        q.push_back(e);
    }
}

/// Delivers queued events in order; a handler that triggers more events
/// (by calling the room) gets them after the current one, not nested.
fn deliver(shared: &Rc<Shared>) {
    if shared.delivering.replace(true) {
        return;
    }
    loop {
        let next = shared.events.try_borrow_mut().ok().and_then(|mut q| q.pop_front());
        match next {
            Some(e) => {
                let handler = shared.handler.try_borrow().ok().and_then(|h| h.clone());
                if let Some(handler) = handler {
                    handler(e);
                }
            }
            None => break,
        }
    }
    shared.delivering.set(false);
}

impl Inner {
    fn apply(&mut self, o: RoomOutput, weak: &Weak<Shared>) -> Option<RoomEvent> {
        match o {
            RoomOutput::Send(frame) => {
                let sent = self.transport.as_ref().map(|t| t.send(&frame));
                if let Some(Err(e)) = sent {
                    return Some(warning(None, e.code(), e.to_string()));
                }
            }
            RoomOutput::CreatePeer { peer, ice_servers, data_channel, receive, tracks, .. } => {
                let mut servers = ice_servers;
                servers.extend(self.extra_ice.iter().cloned());
                let w = weak.clone();
                let id = peer.clone();
                let sink: PeerSink = Rc::new(move |sig| {
                    if let Some(s) = w.upgrade() {
                        on_peer(&s, &id, sig)
                    }
                });
                let result = PeerConn::new(&servers, data_channel, &receive, sink.clone())
                    .and_then(|mut conn| {
                        for t in tracks {
                            if let Some(m) = self.local.get(&t.track_id) {
                                conn.add_track(&m.track, &m.stream)?;
                            }
                        }
                        Ok(conn)
                    });
                match result {
                    Ok(conn) => {
                        self.peers.insert(peer, Peer { conn, sink });
                    }
                    Err(e) => return Some(self.peer_warning(&peer, e)),
                }
            }
            RoomOutput::Pc { peer, cmd } => {
                let result = self.peers.get(&peer).map(|p| p.conn.execute(cmd, &p.sink));
                if let Some(Err(e)) = result {
                    return Some(self.peer_warning(&peer, e));
                }
            }
            RoomOutput::AddTrack { peer, track } => {
                let result = match (self.peers.get_mut(&peer), self.local.get(&track.track_id)) {
                    (Some(p), Some(m)) => p.conn.add_track(&m.track, &m.stream),
                    _ => Ok(()),
                };
                if let Err(e) = result {
                    return Some(self.peer_warning(&peer, e));
                }
            }
            RoomOutput::RemoveTrack { peer, track_id } => {
                let result = self.peers.get_mut(&peer).map(|p| p.conn.remove_track(&track_id));
                if let Some(Err(e)) = result {
                    return Some(self.peer_warning(&peer, e));
                }
            }
            RoomOutput::ClosePeer { peer } => {
                self.peers.remove(&peer);
                self.remote.retain(|(p, _), _| *p != peer);
            }
            RoomOutput::Event(e) => return self.event(e),
        }
        None
    }

    fn peer_warning(&self, peer: &str, e: WebError) -> RoomEvent {
        warning(Some(self.participant(peer)), e.code(), e.to_string())
    }

    fn participant(&self, id: &str) -> Participant {
        self.names.get(id).cloned().unwrap_or_else(|| Participant {
            id: id.to_owned(),
            name: None,
            meta: Meta::new(),
        })
    }

    fn event(&mut self, e: core::RoomEvent) -> Option<RoomEvent> {
        use core::RoomEvent as C;
        Some(match e {
            C::ParticipantJoined(info) => {
                let p = Participant::from(info);
                self.names.insert(p.id.clone(), p.clone());
                RoomEvent::ParticipantJoined(p)
            }
            C::ParticipantUpdated(info) => {
                let p = Participant::from(info);
                self.names.insert(p.id.clone(), p.clone());
                RoomEvent::ParticipantUpdated(p)
            }
            C::ParticipantLeft { participant, reason } => {
                self.names.remove(&participant.id);
                let reason = match reason {
                    LeaveReason::Left => "left",
                    LeaveReason::Timeout => "timeout",
                    _ => "disconnected",
                };
                RoomEvent::ParticipantLeft { participant: participant.into(), reason }
            }
            C::Track { participant, track_id, kind, source, .. } => {
                let (track, stream) = self.remote.get(&(participant.clone(), track_id))?.clone();
                let participant = self.participant(&participant);
                RoomEvent::Track(TrackEvent { participant, track, stream, kind, source })
            }
            C::TrackRemoved { participant, track_id, kind, source } => {
                let (track, stream) = self.remote.remove(&(participant.clone(), track_id))?;
                let participant = self.participant(&participant);
                RoomEvent::TrackRemoved(TrackEvent { participant, track, stream, kind, source })
            }
            C::Message { from, data } => RoomEvent::Message { from: self.participant(&from), data },
            C::ConnectionState { participant, state } => RoomEvent::ConnectionState {
                participant: self.participant(&participant),
                state: state.as_str(),
            },
            C::Warning { participant, code, message } => {
                warning(participant.map(|p| self.participant(&p)), code, message)
            }
            C::ServerError { code, message } => warning(None, code.as_str(), message),
            C::SignalingClosed => RoomEvent::Disconnected,
        })
    }

    fn schedule_timer(&mut self, weak: &Weak<Shared>) {
        let next = self.core.poll_timeout();
        if next == self.timer.as_ref().map(|(at, _)| *at) {
            return;
        }
        self.timer = next.map(|at| {
            let w = weak.clone();
            let delay = at.0.saturating_sub(now_ms());
            (at, Timeout::new(delay, move || on_timer(&w)))
        });
    }
}

fn warning(participant: Option<Participant>, code: &'static str, message: String) -> RoomEvent {
    RoomEvent::Warning { participant, code, message }
}

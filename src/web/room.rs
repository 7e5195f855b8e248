//! The room driver. It executes the core's outputs (open and close the
//! signaling socket, send frames, run `RTCPeerConnection` commands) and
//! turns every browser callback into one core input, handled synchronously
//! in the callback: the core then sees the connection's `signalingState`
//! exactly as the spec's example reads it. App events are delivered after
//! the batch's commands, in order, outside any borrow, so handlers may call
//! back into the room. All policy (timeouts, reconnects, restarts) is the
//! core's.

use super::error::WebError;
use super::events::{Participant, RoomEvent, TrackEvent};
use super::guard::{Listener, Timeout};
use super::media;
use super::peer::{PeerConn, PeerSignal, PeerSink};
use super::sys::now_ms;
use super::transport::{Connector, FrameSink, Transport, TransportEvent, WebSocketConnector};
use crate::core::map::Set;
use crate::core::{
    self, Generation, LocalTrack, Millis, Payload, PeerInput, RoomConfig, RoomConnection, RoomCore,
    RoomInput, RoomOutput, SocketId, TrackKind, TrackSource,
};
use rtcroom_proto::{IceServer, Meta, PeerInfo};
use serde::Deserialize;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
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
    /// Join token (JWT) from the app's backend.
    pub token: Option<String>,
    /// `iceTransportPolicy: 'relay'`: media only through TURN.
    pub relay_only: bool,
    /// The adaptive-bitrate controller (default on); `false` sends the
    /// published plan as is.
    pub adaptive_bitrate: Option<bool>,
    /// `Some("janus")`: `url` is a Janus WebSocket and `room` the number of
    /// a VideoRoom (the SFU topology); `None`: an rtcroom server (mesh).
    pub sfu: Option<String>,
}

// Note: web-sys gives MediaStream and MediaStreamTrack an inherent `clone()`
// that calls the JS method (a *new* stream or track). Handle copies here use
// `Clone::clone(&x)` explicitly.

/// How the core takes a new capture in an old track's place (a fn
/// pointer, not a generic closure: one copy of the code that calls it).
type Replace = fn(&mut RoomCore, &str, LocalTrack) -> Result<(), core::CoreError>;

/// A capture to make from `kind` device `device_id`, for track `old`.
pub(crate) struct Recapture {
    pub(crate) old: String,
    pub(crate) kind: TrackKind,
    pub(crate) device_id: String,
    pub(crate) replace: Replace,
}

/// How [`Room::recaptured`] hands a new capture to the core: a device
/// switch (`replace_published`) or a camera's unmute (`recaptured`).
pub(crate) const SWITCH: Replace = |core, old, new| core.replace_published(old, new);
pub(crate) const UNMUTE: Replace = |core, old, new| core.recaptured(old, new);

/// A joined room. Cheap to clone; all clones are the same room.
#[derive(Clone)]
pub struct Room {
    shared: Rc<Shared>,
}

pub(crate) type Handler = Rc<dyn Fn(RoomEvent)>;

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

/// Values by id (our published media by track id, the connections by
/// participant), in insertion order: a few, searched in place (less code
/// than a sorted map's).
struct ById<T>(Vec<(String, T)>);

impl<T> Default for ById<T> {
    fn default() -> Self {
        ById(Vec::new())
    }
}

impl<T> ById<T> {
    fn get(&self, id: &str) -> Option<&T> {
        self.0.iter().find(|(k, _)| k == id).map(|(_, m)| m)
    }
    fn get_mut(&mut self, id: &str) -> Option<&mut T> {
        self.0.iter_mut().find(|(k, _)| k == id).map(|(_, m)| m)
    }
    fn contains_key(&self, id: &str) -> bool {
        self.get(id).is_some()
    }
    fn remove(&mut self, id: &str) -> Option<T> {
        let i = self.0.iter().position(|(k, _)| k == id)?;
        Some(self.0.remove(i).1)
    }
    /// Replaces in place (the order stays the first insertion's).
    fn insert(&mut self, id: String, m: T) {
        match self.get_mut(&id) {
            Some(old) => *old = m,
            None => self.0.push((id, m)),
        }
    }
    fn values(&self) -> impl Iterator<Item = &T> {
        self.0.iter().map(|(_, m)| m)
    }
}

struct Inner {
    core: RoomCore,
    connector: Rc<dyn Connector>,
    /// The socket the core asked for, and its transport once open.
    wanted: Option<SocketId>,
    transport: Option<(SocketId, Rc<dyn Transport>)>,
    join_timeout_ms: u32,
    peers: ById<PeerConn>,
    local: ById<LocalMedia>,
    /// One stream per source group, so camera+microphone (and screen+its
    /// audio) arrive in one remote stream and play in sync.
    groups: Vec<(&'static str, MediaStream)>,
    /// Received tracks: (participant, track id, track, stream).
    remote: Vec<(String, String, MediaStreamTrack, MediaStream)>,
    timer: Option<(Millis, Timeout)>,
    join_waiter: Option<super::oneshot::Sender<Result<(), WebError>>>,
    pagehide: Option<Listener>,
    devicechange: Option<Listener>,
    /// Inputs that outputs of this batch produced (reported after it).
    deferred: Vec<RoomInput>,
    /// Connection outputs held while `yielded`, in order.
    backlog: Vec<RoomOutput>,
    /// Set while execution yields to the event loop (see `execute`).
    yielded: Option<Timeout>,
    /// SFU rooms: one stream per remote participant.
    sfu_streams: super::sfu::ParticipantStreams,
}

impl Drop for Shared {
    fn drop(&mut self) {
        // Last handle gone without leave(): still tell the server.
        if let Ok(mut inner) = self.inner.try_borrow_mut() {
            inner.core.leave();
            while let Some(o) = inner.core.poll_output() {
                if let Some((_, t)) = &inner.transport {
                    let _ = match o {
                        RoomOutput::Send(frame) => t.send(&frame),
                        RoomOutput::SendSfu(frame) => super::sfu::send(t.as_ref(), &frame),
                        _ => Ok(()),
                    };
                }
            }
            if let Some((_, t)) = inner.transport.take() {
                t.close();
            }
        }
    }
}

impl Room {
    /// Connects to one of `urls` (`ws(s)://…/ws` endpoints of server nodes
    /// sharing rooms; the core picks which, and moves on when one fails)
    /// and joins a room.
    pub fn join(
        urls: Vec<String>,
        options: JoinOptions,
        on_event: impl Fn(RoomEvent) + 'static,
    ) -> impl Future<Output = Result<Room, WebError>> {
        // The handler is boxed here so the join's state machine is not
        // generic: one copy of it in the wasm, whatever the handler.
        Self::join_urls(urls, options, Rc::new(on_event))
    }

    // Not `async`: the join's one state machine is `join_handler`'s.
    fn join_urls(
        urls: Vec<String>,
        options: JoinOptions,
        on_event: Handler,
    ) -> impl Future<Output = Result<Room, WebError>> {
        let connector = Self::connector(urls, &options);
        Self::join_handler(connector, options, on_event)
    }

    /// What opens the signaling connections to `urls`: rtcroom servers, or
    /// (`options.sfu`) one Janus.
    pub(crate) fn connector(
        urls: Vec<String>,
        options: &JoinOptions,
    ) -> Result<Rc<dyn Connector>, WebError> {
        match options.sfu {
            _ if urls.is_empty() => {
                Err(WebError::InvalidArgument("a signaling URL is required".into()))
            }
            // One Janus: its sessions live on that server only.
            Some(_) => super::sfu::connector(urls.into_iter().next().unwrap_or_default()),
            None => Ok(Rc::new(WebSocketConnector { urls })),
        }
    }

    /// Joins over any [`Connector`] (e.g. an in-page hub in tests).
    pub fn join_with(
        connector: Rc<dyn Connector>,
        options: JoinOptions,
        on_event: impl Fn(RoomEvent) + 'static,
    ) -> impl Future<Output = Result<Room, WebError>> {
        Self::join_handler(Ok(connector), options, Rc::new(on_event))
    }

    // Not generic: one copy of the join however many handler types call it.
    async fn join_handler(
        connector: Result<Rc<dyn Connector>, WebError>,
        options: JoinOptions,
        handler: Handler,
    ) -> Result<Room, WebError> {
        let (room, joined) = Self::start(connector?, options, handler)?;
        room.joined(joined.await)
    }

    /// Starts joining: the room exists from here on, and `joined` says how
    /// the join ended (hand it to [`Room::joined`]). Synchronous: the
    /// JS facade waits for the end itself (`joinRoom`'s `settle`).
    pub(crate) fn start(
        connector: Rc<dyn Connector>,
        options: JoinOptions,
        handler: Handler,
    ) -> Result<(Room, super::oneshot::Receiver<Result<(), WebError>>), WebError> {
        if options.room.is_empty() {
            return Err(WebError::InvalidArgument("options.room is required".into()));
        }
        core::validate_ice_servers(&options.ice_servers)?;
        let janus = match options.sfu.as_deref() {
            None => false,
            Some("janus") => true,
            Some(_) => return Err(WebError::InvalidArgument("options.sfu must be 'janus'".into())),
        };
        let join_timeout_ms = options.join_timeout_ms.unwrap_or(10_000);
        let config = RoomConfig {
            room: options.room,
            name: options.name,
            meta: options.meta,
            token: options.token,
            relay_only: options.relay_only,
            ice_servers: options.ice_servers,
            join_timeout_ms: u64::from(join_timeout_ms),
            seed: (js_sys::Math::random() * 9_007_199_254_740_991.0) as u64,
            endpoints: connector.endpoints(),
            // On unless the app opts out (`adaptiveBitrate: false`).
            adaptive_bitrate: options.adaptive_bitrate.unwrap_or(true),
        };
        let now = Millis(now_ms());
        let core = match janus {
            true => super::sfu::core(now, config)?,
            false => RoomCore::new(now, config),
        };
        let (tx, rx) = super::oneshot::channel();
        let shared = Rc::new(Shared {
            inner: RefCell::new(Inner {
                core,
                connector,
                wanted: None,
                transport: None,
                join_timeout_ms,
                peers: ById::default(),
                local: ById::default(),
                groups: Vec::new(),
                remote: Vec::new(),
                timer: None,
                join_waiter: Some(tx),
                pagehide: None,
                devicechange: None,
                deferred: Vec::new(),
                backlog: Vec::new(),
                yielded: None,
                sfu_streams: Default::default(),
            }),
            events: RefCell::new(VecDeque::new()),
            delivering: Cell::new(false),
            handler: RefCell::new(Some(handler)),
        });
        run(&shared);
        Ok((Room { shared }, rx))
    }

    /// The end of a join [`Room::start`] began (what its receiver gave):
    /// joined (the room then leaves on `pagehide`), or failed (its socket
    /// and timer stop; a dropped sender is a closed room).
    pub(crate) fn joined(
        self,
        result: Result<Result<(), WebError>, super::oneshot::Canceled>,
    ) -> Result<Room, WebError> {
        if let Err(e) = result.unwrap_or(Err(WebError::SignalingClosed)) {
            if let Ok(mut inner) = self.shared.inner.try_borrow_mut() {
                if let Some((_, t)) = inner.transport.take() {
                    t.close();
                }
                inner.timer = None;
            }
            return Err(e);
        }
        self.watch_pagehide();
        Ok(self)
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
        let weak = Rc::downgrade(&self.shared);
        let devices = media::on_device_change(move |_| {
            if let Some(shared) = weak.upgrade() {
                emit(&shared, RoomEvent::DevicesChanged);
            }
        });
        if let Ok(mut inner) = self.shared.inner.try_borrow_mut() {
            inner.pagehide = Some(listener);
            inner.devicechange = devices;
        }
    }

    /// The media devices (`enumerateDevices`).
    pub async fn list_devices() -> Result<Vec<(String, String, String, String)>, WebError> {
        media::list_devices().await
    }

    /// Switches our published camera (`video`) or microphone (`audio`) to
    /// `device_id`: a new capture from that device replaces the old track on
    /// every sender (`replaceTrack`: no renegotiation; the others keep their
    /// track and its publication). The old track is stopped.
    pub async fn switch_device(
        &self,
        kind: TrackKind,
        device_id: &str,
    ) -> Result<MediaStreamTrack, WebError> {
        let plan = self.switch_plan(kind, device_id.to_owned())?;
        self.recapture(plan).await
    }

    /// What [`Room::switch_device`] captures, and which track it replaces.
    pub(crate) fn switch_plan(
        &self,
        kind: TrackKind,
        device_id: String,
    ) -> Result<Recapture, WebError> {
        let source = match kind {
            TrackKind::Video => TrackSource::Camera,
            TrackKind::Audio => TrackSource::Microphone,
        };
        let old = self
            .with(|i| {
                i.core.published().iter().find(|t| t.source == source).map(|t| t.track_id.clone())
            })
            .flatten()
            .ok_or(core::CoreError::NotPublished)?;
        Ok(Recapture {
            old,
            kind,
            device_id,
            replace: SWITCH,
        })
    }

    /// A new capture takes a published track's place (a device switch, a
    /// camera's unmute): one state machine for both.
    pub(crate) async fn recapture(&self, plan: Recapture) -> Result<MediaStreamTrack, WebError> {
        let constraints = media::device_constraints(plan.kind, &plan.device_id);
        let stream = media::capture(&constraints, false).await;
        self.recaptured(&plan.old, stream, plan.replace)
    }

    /// The end of a recapture (the capture ran here, or in the JS facade):
    /// the stream's track takes `old`'s place (stopped if it cannot).
    pub(crate) fn recaptured(
        &self,
        old: &str,
        stream: Result<MediaStream, WebError>,
        replace: Replace,
    ) -> Result<MediaStreamTrack, WebError> {
        let track = media::tracks(&stream?)
            .into_iter()
            .next()
            .ok_or_else(|| WebError::Media("the device gave no track".into()))?;
        let done = self.replace_local(old, &track, replace);
        if done.is_err() {
            track.stop();
        }
        done.map(|()| track)
    }

    /// `track` takes `old`'s place: in its stream, in the driver's map, in
    /// the core (`replace`, which replaces it on the senders); `old` is stopped.
    fn replace_local(
        &self,
        old: &str,
        track: &MediaStreamTrack,
        replace: Replace,
    ) -> Result<(), WebError> {
        let (stream, local) = {
            let inner = self.shared.inner.try_borrow().map_err(|_| WebError::Reentrant)?;
            let m = inner.local.get(old).ok_or(core::CoreError::NotPublished)?;
            let kind = TrackKind::parse(&media::track_kind(track)).unwrap_or(TrackKind::Video);
            let source = TrackSource::Custom; // the core keeps the publication's source
            let (size, device_id) = (media::source_size(track), media::device_id(track));
            let stream_id = media::stream_id(&m.stream);
            let local = LocalTrack {
                track_id: track.id(),
                stream_id,
                kind,
                source,
                size,
                device_id,
                preset: None,
            };
            (Clone::clone(&m.stream), local)
        };
        let ended = self.unpublish_when_ended(track);
        let media = LocalMedia {
            track: Clone::clone(track),
            stream: Clone::clone(&stream),
            owned: true,
            _ended: ended,
        };
        self.with(|i| i.local.insert(track.id(), media));
        if let Err(e) = call(&self.shared, |core| replace(core, old, local)) {
            self.with(|i| i.local.remove(&track.id()));
            return Err(e);
        }
        if let Some(m) = self.with(|i| i.local.remove(old)).flatten() {
            stream.remove_track(&m.track);
            m.track.stop();
        }
        stream.add_track(track);
        Ok(())
    }

    /// Our participant id (empty after a failed join).
    pub fn id(&self) -> String {
        self.with(|i| i.core.local_id().unwrap_or_default().to_owned()).unwrap_or_default()
    }

    /// Everyone else in the room, in id order (an SFU room's: by Janus
    /// id); none once the room was left or failed.
    pub fn participants(&self) -> Vec<Participant> {
        self.with(|i| i.core.participants().map(|p| i.with_publications(p.clone())).collect())
            .unwrap_or_default()
    }

    /// In the room (also while resuming after a socket loss).
    pub fn is_joined(&self) -> bool {
        self.with(|i| i.core.is_joined()).unwrap_or(false)
    }

    /// The session's lifecycle state (`joined`, `resuming`, `left`, …).
    pub fn state(&self) -> &'static str {
        self.with(|i| i.core.state().as_str()).unwrap_or("left")
    }

    /// The latest stats of the connection to one participant (sampled every
    /// 400 ms once connected), with its quality level.
    pub fn stats(&self, id: &str) -> Option<core::ConnectionStats> {
        self.with(|i| i.core.stats(id).cloned()).flatten()
    }

    /// [`Room::stats`] as its JS object (`null` if none), read in place.
    #[cfg(feature = "js")]
    pub(crate) fn stats_js(&self, id: &str) -> wasm_bindgen::JsValue {
        self.with(|i| i.core.stats(id).map(super::events::stats_js))
            .flatten()
            .unwrap_or(wasm_bindgen::JsValue::NULL)
    }

    /// The connection to one participant (for stats, or tests). In an SFU
    /// room: the subscriber connection for any participant (their media
    /// arrives there), or `sfu-publisher` / `sfu-screen` / `sfu-subscriber`
    /// by name.
    pub fn peer_connection(&self, id: &str) -> Option<web_sys::RtcPeerConnection> {
        self.with(|i| {
            let sfu = i.core.sfu().is_some() && i.core.participant(id).is_some();
            let id = if sfu { core::sfu::room::SUBSCRIBER_PEER } else { id };
            i.peers.get(id).map(|p| p.connection().clone())
        })
        .flatten()
    }

    /// Our publications: (track, publication id, kind, source, muted), in
    /// publish order.
    #[allow(clippy::type_complexity)]
    pub fn local_publications(
        &self,
    ) -> Vec<(MediaStreamTrack, String, TrackKind, TrackSource, bool)> {
        self.with(|i| {
            let mut out = Vec::new();
            for t in i.core.published() {
                if let Some(m) = i.local.get(&t.track_id) {
                    let publication = i.core.publication_of(&t.track_id);
                    let muted = i.core.is_muted(&t.track_id);
                    out.push((Clone::clone(&m.track), publication, t.kind, t.source, muted));
                }
            }
            out
        })
        .unwrap_or_default()
    }

    /// Tracks we publish.
    pub fn local_tracks(&self) -> Vec<MediaStreamTrack> {
        let mut tracks = Vec::new();
        self.with(|i| {
            for m in i.local.values() {
                tracks.push(Clone::clone(&m.track));
            }
        });
        tracks
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
        self.capture_and_publish(constraints, None).await
    }

    /// getDisplayMedia + publish: video as `screen` (with `content_hint`),
    /// audio as `screen-audio`.
    pub async fn publish_screen(
        &self,
        constraints: &web_sys::DisplayMediaStreamConstraints,
        content_hint: &str,
    ) -> Result<Vec<MediaStreamTrack>, WebError> {
        self.capture_and_publish(constraints, Some(content_hint)).await
    }

    /// getUserMedia (camera and microphone) or, with a content hint,
    /// getDisplayMedia (screen and its audio) with `constraints`, and
    /// publishes what it yields; while it runs the core holds first
    /// negotiations for it (see `core::room::capture`). One state machine
    /// for camera and screen.
    pub(crate) async fn capture_and_publish(
        &self,
        constraints: &wasm_bindgen::JsValue,
        screen_hint: Option<&str>,
    ) -> Result<Vec<MediaStreamTrack>, WebError> {
        let id = self.begin_capture()?;
        let stream = media::capture(constraints, screen_hint.is_some()).await;
        self.captured(id, stream, screen_hint)
    }

    /// A capture begins: the core holds first negotiations for it until
    /// [`Room::captured`] (see `core::room::capture`).
    pub(crate) fn begin_capture(&self) -> Result<core::CaptureId, WebError> {
        call(&self.shared, |core| Ok(core.begin_capture(Millis(now_ms()))))
    }

    /// The end of capture `id` (it ran here, or in the JS facade): what it
    /// gave is published, camera and microphone or, with a content hint,
    /// screen and its audio (all or nothing: the tracks are stopped on
    /// failure, also when the room was left meanwhile).
    pub(crate) fn captured(
        &self,
        id: core::CaptureId,
        stream: Result<MediaStream, WebError>,
        screen_hint: Option<&str>,
    ) -> Result<Vec<MediaStreamTrack>, WebError> {
        let (video, audio) = match screen_hint {
            Some(_) => (TrackSource::Screen, TrackSource::ScreenAudio),
            None => (TrackSource::Camera, TrackSource::Microphone),
        };
        let published = match stream {
            Ok(stream) => {
                if let Some(hint) = screen_hint {
                    for t in stream.get_video_tracks().iter() {
                        // Before publishing: the encoder reads it when it starts.
                        super::js::set_str(&t, "contentHint", hint);
                    }
                }
                self.publish_all(media::tracks(&stream), video, audio)
            }
            Err(e) => Err(e),
        };
        let _ = call(&self.shared, |core| {
            core.end_capture(Millis(now_ms()), id);
            Ok(())
        });
        published
    }

    fn publish_all(
        &self,
        tracks: Vec<MediaStreamTrack>,
        video: TrackSource,
        audio: TrackSource,
    ) -> Result<Vec<MediaStreamTrack>, WebError> {
        let mut done: Vec<MediaStreamTrack> = Vec::new();
        for t in &tracks {
            let source = if media::track_kind(t) == "audio" { audio } else { video };
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
        let kind = TrackKind::parse(&media::track_kind(track))
            .ok_or_else(|| WebError::InvalidArgument("track kind must be audio or video".into()))?;
        if super::js::text(track, "readyState").as_deref() == Some("ended") {
            // It would never show a frame on the other side.
            return Err(WebError::InvalidArgument("the track has ended".into()));
        }
        let track_id = track.id();
        let stream_id = {
            let mut inner = self.shared.inner.try_borrow_mut().map_err(|_| WebError::Reentrant)?;
            if !inner.core.is_joined() {
                return Err(core::CoreError::NotJoined.into());
            }
            if inner.local.contains_key(&track_id) {
                return Err(core::CoreError::TrackAlreadyPublished.into());
            }
            // The group's stream, or a new one (kept when it has a group).
            let group = core::stream_group(source);
            let stream = match group.and_then(|g| inner.groups.iter().find(|(k, _)| *k == g)) {
                Some((_, s)) => Clone::clone(s),
                None => {
                    let s = MediaStream::new().map_err(|e| WebError::browser(&e))?;
                    if let Some(g) = group {
                        inner.groups.push((g, Clone::clone(&s)));
                    }
                    s
                }
            };
            let ended = self.unpublish_when_ended(track);
            let stream_id = media::stream_id(&stream);
            inner.local.insert(
                track_id.clone(),
                LocalMedia { track: Clone::clone(track), stream, owned, _ended: ended },
            );
            stream_id
        };
        let size = media::source_size(track);
        // Only a capture the SDK made can be made again (a camera's unmute).
        let device_id = if owned { media::device_id(track) } else { None };
        // A screen track's preset is what its hint says (ours set it at capture).
        let preset = (source == TrackSource::Screen)
            .then(|| core::ScreenPreset::from_content_hint(&media::content_hint(track)));
        let local = LocalTrack {
            track_id: track_id.clone(),
            stream_id,
            kind,
            source,
            size,
            device_id,
            preset,
        };
        if let Err(e) = call(&self.shared, |core| core.publish(local)) {
            let _ = self.with(|i| i.local.remove(&track_id));
            return Err(e);
        }
        Ok(())
    }

    /// A track that ends (device unplugged, "stop sharing") is unpublished.
    fn unpublish_when_ended(&self, track: &MediaStreamTrack) -> Listener {
        let weak = Rc::downgrade(&self.shared);
        let id = track.id();
        Listener::new(track, "ended", move |_| {
            if let Some(shared) = weak.upgrade() {
                let _ = Room { shared }.unpublish_id(&id, core::UnpublishReason::Ended);
            }
        })
    }

    /// Stops sending `track` to everyone (tracks the SDK acquired are also stopped).
    pub fn unpublish(&self, track: &MediaStreamTrack) -> Result<(), WebError> {
        self.unpublish_id(&track.id(), core::UnpublishReason::Unpublished)
    }

    /// Mutes or unmutes one of our published tracks (the others get
    /// `track-muted` / `track-unmuted`). A camera the SDK captured is
    /// released while muted and captured again on unmute (see
    /// `core::room::mute`): then the new track is the result.
    pub async fn set_muted(
        &self,
        track: &MediaStreamTrack,
        muted: bool,
    ) -> Result<MediaStreamTrack, WebError> {
        match self.mute_plan(track, muted)? {
            Some(plan) => self.recapture(plan).await,
            None => Ok(Clone::clone(track)),
        }
    }

    /// [`Room::set_muted`]'s core call; `Some`: the capture it asks for.
    pub(crate) fn mute_plan(
        &self,
        track: &MediaStreamTrack,
        muted: bool,
    ) -> Result<Option<Recapture>, WebError> {
        let old = track.id();
        Ok(match call(&self.shared, |core| core.set_muted(&old, muted))? {
            core::MuteStep::Recapture { device_id, kind } => Some(Recapture {
                old,
                kind,
                device_id,
                replace: UNMUTE,
            }),
            _ => None,
        })
    }

    fn unpublish_id(&self, track_id: &str, reason: core::UnpublishReason) -> Result<(), WebError> {
        // Its local media goes with the core's `TrackUnpublished`.
        call(&self.shared, |core| core.unpublish_as(track_id, reason))
    }

    /// A message to one participant (an error says why it cannot be sent) or
    /// (`to: None`) everyone: then the participants it could not be queued
    /// for are returned with the error code. Reliable: ordered, delivered
    /// once, also across a path loss; lossy: unordered, no retransmits.
    pub fn send(
        &self,
        data: Payload,
        to: Option<&str>,
        reliable: bool,
    ) -> Result<Vec<(String, &'static str)>, WebError> {
        let failed = self.send_failures(data, to, reliable)?;
        Ok(failed.into_iter().map(|(p, e)| (p, e.code())).collect())
    }

    /// [`Room::send`] with the core's errors (the JS export reads their
    /// codes in place: no second list).
    pub(crate) fn send_failures(
        &self,
        data: Payload,
        to: Option<&str>,
        reliable: bool,
    ) -> Result<Vec<(String, core::CoreError)>, WebError> {
        call(&self.shared, |core| core.send(to, data, reliable))
    }

    /// SFU rooms: the app renders received video `track` at `width` x
    /// `height` device pixels, `visible` or not; the subscription's
    /// simulcast layer follows (hidden: paused). No effect in a mesh.
    pub fn set_video_size(
        &self,
        track: &MediaStreamTrack,
        width: u32,
        height: u32,
        visible: bool,
    ) -> Result<(), WebError> {
        let view = core::sfu::room::adaptive::View { width, height, visible };
        call(&self.shared, |core| core.set_video_size(Millis(now_ms()), &track.id(), view))
    }

    pub fn restart_ice(&self, peer: &str) -> Result<(), WebError> {
        call(&self.shared, |core| core.restart_ice(Millis(now_ms()), peer))
    }

    /// Replaces our metadata; the others get `participant-updated`.
    pub fn update_meta(&self, meta: Meta) -> Result<(), WebError> {
        call(&self.shared, |core| core.update_meta(meta))
    }

    /// Leaves the room: tells the server, closes every connection, stops the
    /// tracks the SDK acquired. Idempotent.
    pub fn leave(&self) {
        let _ = call(&self.shared, |core| {
            core.leave();
            Ok(())
        });
        let Ok(mut inner) = self.shared.inner.try_borrow_mut() else {
            return;
        };
        if let Some((_, t)) = inner.transport.take() {
            t.close();
        }
        for (_, m) in std::mem::take(&mut inner.local.0) {
            if m.owned {
                m.track.stop();
            }
        }
        inner.peers.0.clear();
        inner.remote.clear();
        inner.groups.clear();
        inner.sfu_streams.clear();
        inner.timer = None;
        inner.pagehide = None;
        drop(inner);
        // Events of the leave itself were delivered by `call` above.
        if let Ok(mut handler) = self.shared.handler.try_borrow_mut() {
            handler.take();
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> Option<T> {
        self.shared.inner.try_borrow_mut().ok().map(|mut i| f(&mut i))
    }
}

/// Runs one app call on the core and everything it asks for.
fn call<T>(
    shared: &Rc<Shared>,
    f: impl FnOnce(&mut RoomCore) -> Result<T, core::CoreError>,
) -> Result<T, WebError> {
    let result = f(&mut shared.inner.try_borrow_mut().map_err(|_| WebError::Reentrant)?.core);
    // A call can fail after the core queued work: run it either way.
    run(shared);
    Ok(result?)
}

/// Runs what the core asks for now. Not generic: one copy for every `call`.
fn run(shared: &Rc<Shared>) {
    execute(shared, Vec::new());
}

/// Feeds one input to the core and runs everything it asks for.
fn dispatch(shared: &Rc<Shared>, input: RoomInput) -> Result<(), WebError> {
    call(shared, |core| core.handle_input(Millis(now_ms()), input))
}

fn socket_sink(weak: &Weak<Shared>, socket: SocketId) -> FrameSink {
    let weak = weak.clone();
    Rc::new(move |ev| {
        let Some(shared) = weak.upgrade() else { return };
        match ev {
            TransportEvent::Frame(msg) => {
                let _ = dispatch(&shared, RoomInput::Frame { socket, msg });
            }
            TransportEvent::Sfu(msg) => {
                let _ = dispatch(&shared, RoomInput::SfuFrame { socket, msg });
            }
            TransportEvent::Garbage(message) => {
                emit(&shared, warning(None, "protocol-error", message));
            }
            TransportEvent::Closed => {
                if let Ok(mut inner) = shared.inner.try_borrow_mut() {
                    if inner.transport.as_ref().is_some_and(|(s, _)| *s == socket) {
                        inner.transport = None;
                    }
                }
                let _ = dispatch(&shared, RoomInput::SocketClosed { socket });
            }
        }
    })
}

/// Opens the socket the core asked for and reports how that went.
fn connect(weak: &Weak<Shared>, connector: Rc<dyn Connector>, socket: SocketId, endpoint: usize) {
    let weak = weak.clone();
    let sink = socket_sink(&weak, socket);
    wasm_bindgen_futures::spawn_local(async move {
        let result = connector.connect(endpoint, sink).await;
        let Some(shared) = weak.upgrade() else {
            if let Ok(t) = result {
                t.close();
            }
            return;
        };
        let input = match result {
            Ok(t) => {
                let wanted = shared.inner.try_borrow_mut().ok().and_then(|mut inner| {
                    (inner.wanted == Some(socket))
                        .then(|| inner.transport = Some((socket, t.clone())))
                });
                if wanted.is_none() {
                    // The core moved on (left, or a newer attempt).
                    t.close();
                    return;
                }
                RoomInput::SocketOpened { socket }
            }
            Err(_) => RoomInput::SocketClosed { socket },
        };
        let _ = dispatch(&shared, input);
    });
}

fn on_peer(shared: &Rc<Shared>, peer: &str, generation: Generation, signal: PeerSignal) {
    let input = match signal {
        PeerSignal::Input(input) => RoomInput::Peer { peer: peer.to_owned(), generation, input },
        PeerSignal::Described(input) => {
            if matches!(input, PeerInput::OpCompleted { result: core::OpResult::Ok { .. }, .. }) {
                // The senders' mids, read as the operation completes, before
                // the core hears of it: their announcement then precedes the
                // description it may send next.
                let mids = shared
                    .inner
                    .try_borrow()
                    .ok()
                    .and_then(|inner| inner.peers.get(peer).map(|p| p.sender_mids()));
                if let Some(mids) = mids {
                    let _ = dispatch(
                        shared,
                        RoomInput::SenderMids { peer: peer.to_owned(), generation, mids },
                    );
                }
            }
            RoomInput::Peer { peer: peer.to_owned(), generation, input }
        }
        PeerSignal::Track { track, stream, mid } => {
            let track_id = track.id();
            let kind = TrackKind::parse(&media::track_kind(&track)).unwrap_or(TrackKind::Video);
            let stream_id = Some(media::stream_id(&stream));
            if let Ok(mut inner) = shared.inner.try_borrow_mut() {
                inner.forget_remote(peer, Some(&track_id));
                inner.remote.push((peer.to_owned(), track_id.clone(), track, stream));
            }
            RoomInput::RemoteTrack {
                peer: peer.to_owned(),
                generation,
                track_id,
                stream_id,
                kind,
                mid,
            }
        }
        PeerSignal::Warning(e) => {
            let w = shared.inner.try_borrow().ok().map(|inner| inner.peer_warning(peer, e));
            if let Some(w) = w {
                emit(shared, w);
            }
            return;
        }
    };
    // A closed peer's late callbacks are dropped by the core; nothing to do.
    let _ = dispatch(shared, input);
}

fn on_timer(weak: &Weak<Shared>) {
    let Some(shared) = weak.upgrade() else { return };
    {
        let Ok(mut inner) = shared.inner.try_borrow_mut() else {
            return;
        };
        inner.timer = None;
        inner.core.handle_timeout(Millis(now_ms()));
    }
    run(&shared);
}

/// Runs `held` (outputs held while joining yielded), then the core's
/// outputs. Each is polled only once the one before it ran: an event is
/// turned into the app's while the core still holds what follows it (a
/// departure's `ParticipantLeft`, which names the participant its
/// track-removed events are about).
fn execute(shared: &Rc<Shared>, held: Vec<RoomOutput>) {
    let weak = Rc::downgrade(shared);
    let deferred = match shared.inner.try_borrow_mut() {
        Ok(mut inner) => {
            let mut fed = Set::new();
            let mut held = held.into_iter();
            while let Some(o) = held.next().or_else(|| inner.core.poll_output()) {
                if inner.yielded.is_some() && builds_connections(&o) {
                    inner.backlog.push(o);
                    continue;
                }
                if let RoomOutput::Pc { peer, cmd: core::PcCommand::SendData { .. } } = &o {
                    fed.insert(peer.clone());
                }
                let joining = inner.join_waiter.is_some();
                if let Some(e) = inner.apply(o, &weak) {
                    queue_event(shared, e);
                }
                if joining && inner.join_waiter.is_none() {
                    // Joined: the app's `await Room.join()` continuation
                    // runs before the connections are built (the next
                    // task), so the getUserMedia it usually starts is under
                    // way sooner and its track can ride the first offer;
                    // the RTCPeerConnection constructor alone takes ~15 ms.
                    // Events and frames go on at once: `participants` is
                    // complete when the join resolves.
                    let w = weak.clone();
                    inner.yielded = Some(Timeout::new(0, move || resume(&w)));
                }
            }
            // What the channels really buffer, so the core's back-pressure
            // never drifts from the browser's.
            for peer in fed {
                if let Some(amount) = inner.peers.get(&peer).and_then(|p| p.buffered_amount()) {
                    if let Some(generation) = inner.core.generation(&peer) {
                        let input = PeerInput::ChannelBuffered(amount);
                        inner.deferred.push(RoomInput::Peer { peer, generation, input });
                    }
                }
            }
            inner.schedule_timer(&weak);
            std::mem::take(&mut inner.deferred)
        }
        Err(_) => Vec::new(),
    };
    deliver(shared);
    for input in deferred {
        let _ = dispatch(shared, input);
    }
}

/// Runs the connection outputs held while `execute` yielded, in order.
fn resume(weak: &Weak<Shared>) {
    let Some(shared) = weak.upgrade() else { return };
    let held = match shared.inner.try_borrow_mut() {
        Ok(mut inner) => {
            inner.yielded = None;
            std::mem::take(&mut inner.backlog)
        }
        Err(_) => return,
    };
    execute(&shared, held);
}

/// Outputs about peer connections: held, in order, while joining yields.
fn builds_connections(o: &RoomOutput) -> bool {
    matches!(
        o,
        RoomOutput::CreatePeer { .. }
            | RoomOutput::Pc { .. }
            | RoomOutput::AddTrack { .. }
            | RoomOutput::SetEncodings { .. }
            | RoomOutput::AddTransceiver { .. }
            | RoomOutput::SetSending { .. }
            | RoomOutput::ReplaceTrack { .. }
            | RoomOutput::ClosePeer { .. }
    )
}

/// An event from outside a batch of outputs: queued and delivered now.
fn emit(shared: &Rc<Shared>, e: RoomEvent) {
    queue_event(shared, e);
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
            // The two outputs whose contents move on; every other one is read
            // by reference and dropped whole, by one call to its drop glue
            // rather than a drop of each field left in each arm.
            RoomOutput::Pc { peer, cmd } => {
                let result = self.peers.get(&peer).map(|p| p.execute(cmd));
                if let Some(Err(e)) = result {
                    return Some(self.peer_warning(&peer, e));
                }
                None
            }
            RoomOutput::Event(e) => self.event(e),
            // A connection that refused a command: one warning path for all.
            o => self.apply_ref(&o, weak).err().map(|(peer, e)| self.peer_warning(peer, e)),
        }
    }

    fn apply_ref<'o>(
        &mut self,
        o: &'o RoomOutput,
        weak: &Weak<Shared>,
    ) -> Result<(), (&'o str, WebError)> {
        match *o {
            RoomOutput::Connect { socket, endpoint } => {
                self.wanted = Some(socket);
                connect(weak, self.connector.clone(), socket, endpoint);
            }
            RoomOutput::Disconnect { socket } => {
                if self.wanted == Some(socket) {
                    self.wanted = None;
                }
                if self.transport.as_ref().is_some_and(|(s, _)| *s == socket) {
                    if let Some((_, t)) = self.transport.take() {
                        t.close();
                    }
                }
            }
            RoomOutput::Send(ref frame) => {
                // A frame that cannot go out means the socket is dying: the
                // core hears of it from the close and resumes.
                if let Some((_, t)) = &self.transport {
                    let _ = t.send(frame);
                }
            }
            RoomOutput::CreatePeer {
                ref peer,
                generation,
                ref ice_servers,
                relay_only,
                data_channel,
                ref receive,
                ref tracks,
                ..
            } => {
                // A newer generation replaces the old connection (closed on drop).
                self.close_peer(peer);
                let w = weak.clone();
                let id = peer.clone();
                let sink: PeerSink = Rc::new(move |sig| {
                    if let Some(s) = w.upgrade() {
                        on_peer(&s, &id, generation, sig)
                    }
                });
                let result = PeerConn::new(ice_servers, relay_only, data_channel, receive, sink)
                    .and_then(|mut conn| {
                        for t in tracks {
                            if let Some(m) = self.local.get(&t.track.track_id) {
                                conn.add_track(
                                    t.sender,
                                    &m.track,
                                    &m.stream,
                                    &t.encodings,
                                    t.transceiver,
                                )?;
                            }
                        }
                        Ok(conn)
                    });
                match result {
                    Ok(conn) => {
                        self.peers.insert(peer.clone(), conn);
                    }
                    // Dropping the half-built connection closes it; the core
                    // decides whether to try again.
                    Err(e) => {
                        let message = e.message();
                        self.deferred.push(RoomInput::PeerSetupFailed {
                            peer: peer.clone(),
                            generation,
                            message,
                        })
                    }
                }
            }
            RoomOutput::AddTrack { ref peer, sender, ref track, ref encodings, transceiver } => {
                let result = match (self.peers.get_mut(peer), self.local.get(&track.track_id)) {
                    (Some(p), Some(m)) => {
                        p.add_track(sender, &m.track, &m.stream, encodings, transceiver)
                    }
                    _ => Ok(()),
                };
                result.map_err(|e| (peer.as_str(), e))?;
            }
            RoomOutput::SetEncodings { ref peer, sender, ref encodings } => {
                let result = self.peers.get(peer).map(|p| p.set_encodings(sender, encodings));
                if let Some(Err(e)) = result {
                    return Err((peer, e));
                }
            }
            RoomOutput::ReplaceTrack { ref peer, sender, ref track } => {
                let media = match track {
                    // A track this driver does not hold: nothing to put on.
                    Some(t) => match self.local.get(&t.track_id) {
                        Some(m) => Some((&m.track, &m.stream)),
                        None => return Ok(()),
                    },
                    None => None,
                };
                let result = self.peers.get_mut(peer).map(|p| p.replace_track(sender, media));
                if let Some(Err(e)) = result {
                    return Err((peer, e));
                }
            }
            RoomOutput::ClosePeer { ref peer } => self.close_peer(peer),
            RoomOutput::SetTrackEnabled { ref track_id, enabled } => {
                if let Some(m) = self.local.get(track_id) {
                    m.track.set_enabled(enabled);
                }
            }
            RoomOutput::StopTrack { ref track_id } => {
                if let Some(m) = self.local.get(track_id) {
                    m.track.stop();
                }
            }
            RoomOutput::Pc { .. } | RoomOutput::Event(_) => {}
            RoomOutput::SendSfu(ref frame) => {
                if let Some((_, t)) = &self.transport {
                    let _ = super::sfu::send(t.as_ref(), frame);
                }
            }
            #[cfg(feature = "sfu")]
            RoomOutput::SetSending { ref peer, sender, sending } => {
                if let Some(p) = self.peers.get(peer) {
                    p.set_sending(sender, sending);
                }
            }
            #[cfg(feature = "sfu")]
            RoomOutput::AddTransceiver { ref peer, sender, ref track, ref encodings } => {
                let result = match (self.peers.get_mut(peer), self.local.get(&track.track_id)) {
                    (Some(p), Some(m)) => {
                        p.add_transceiver(sender, &m.track, &m.stream, encodings, "sendonly")
                    }
                    _ => Ok(()),
                };
                result.map_err(|e| (peer.as_str(), e))?;
            }
            // Only an SFU room asks for these: not in a build without one.
            #[cfg(not(feature = "sfu"))]
            RoomOutput::SetSending { .. } | RoomOutput::AddTransceiver { .. } => {}
        }
        Ok(())
    }

    /// Closes the connection to `peer` (on drop) and forgets its tracks.
    fn close_peer(&mut self, peer: &str) {
        self.peers.remove(peer);
        self.forget_remote(peer, None);
    }

    /// Forgets `peer`'s received track `track_id` (`None`: all of them).
    /// One `retain` for both uses.
    fn forget_remote(&mut self, peer: &str, track_id: Option<&str>) {
        self.remote.retain(|(p, t, ..)| !(p == peer && track_id.is_none_or(|id| t == id)));
    }

    /// A received track and its stream: by the participant whose connection
    /// it came on, or (SFU rooms: every track comes on the subscriber
    /// connection) by its id alone.
    fn remote_track(
        &self,
        participant: &str,
        track_id: &str,
    ) -> Option<(MediaStreamTrack, MediaStream)> {
        let remote = self.remote.iter();
        let found = remote
            .clone()
            .find(|(p, t, ..)| p == participant && t == track_id)
            .or_else(|| remote.clone().find(|(_, t, ..)| t == track_id));
        found.map(|(_, _, t, s)| (Clone::clone(t), Clone::clone(s)))
    }

    fn join_error(&self, reason: Option<&'static str>) -> WebError {
        let message = self.core.failure().map(|(_, m)| m.to_owned()).unwrap_or_default();
        match reason {
            Some("join-timeout") => WebError::JoinTimeout(self.join_timeout_ms),
            // The server's code and message as the core kept them (an SFU
            // room's refusal has no rtcroom code).
            Some("join-refused") => match self.core.refused() {
                Some((code, m)) => {
                    WebError::JoinRefused { code: code.as_str(), message: m.to_owned() }
                }
                None => WebError::JoinRefused { code: "join-refused", message },
            },
            Some("left") => WebError::SignalingClosed,
            _ => WebError::SignalingFailed(message),
        }
    }

    fn peer_warning(&self, peer: &str, e: WebError) -> RoomEvent {
        warning(Some(self.participant(peer)), e.code(), e.message())
    }

    /// As the core knows it (also while its departure's events are
    /// polled), with its publications.
    fn participant(&self, id: &str) -> Participant {
        let known = self.core.participant(id).cloned();
        let info =
            known.unwrap_or_else(|| PeerInfo { id: id.to_owned(), name: None, meta: Meta::new() });
        self.with_publications(info)
    }

    fn with_publications(&self, info: PeerInfo) -> Participant {
        let publications = self.core.publications(&info.id).to_vec();
        Participant { id: info.id, name: info.name, meta: info.meta, publications }
    }

    fn event(&mut self, e: core::RoomEvent) -> Option<RoomEvent> {
        use core::RoomEvent as C;
        Some(match e {
            // With the publications the core knows (an SFU participant's
            // change with its feeds), as every other event's participant.
            C::ParticipantJoined(info) => {
                RoomEvent::ParticipantJoined(self.with_publications(info))
            }
            C::ParticipantUpdated(info) => {
                RoomEvent::ParticipantUpdated(self.with_publications(info))
            }
            C::ParticipantLeft { participant, reason } => {
                if self.core.sfu().is_some() {
                    self.sfu_streams.forget(&participant.id);
                }
                let reason = reason.as_str();
                RoomEvent::ParticipantLeft { participant: participant.into(), reason }
            }
            C::Track { participant, track_id, kind, source, publication, muted, .. } => {
                let (track, mut stream) = self.remote_track(&participant, &track_id)?;
                if self.core.sfu().is_some() {
                    stream = self.sfu_streams.add(&participant, source, &track)?;
                }
                let participant = self.participant(&participant);
                let t = TrackEvent { participant, track, stream, kind, source, publication, muted };
                RoomEvent::Track(t)
            }
            // The receiver stays: a re-publication may bring it back.
            C::TrackRemoved { participant, track_id, kind, source } => {
                let (track, mut stream) = self.remote_track(&participant, &track_id)?;
                if self.core.sfu().is_some() {
                    stream = self.sfu_streams.remove(&participant, source, &track)?;
                }
                let participant = self.participant(&participant);
                let (publication, muted) = (None, false);
                let t = TrackEvent { participant, track, stream, kind, source, publication, muted };
                RoomEvent::TrackRemoved(t)
            }
            C::TrackMuted { participant, track_id, kind, source, publication, muted } => {
                let (track, mut stream) = self.remote_track(&participant, &track_id)?;
                if self.core.sfu().is_some() {
                    stream = self.sfu_streams.get(&participant, source)?;
                }
                let participant = self.participant(&participant);
                let t = TrackEvent { participant, track, stream, kind, source, publication, muted };
                RoomEvent::TrackMuted(t)
            }
            C::QualityChanged { participant, quality } => RoomEvent::QualityChanged {
                participant: self.participant(&participant),
                quality: quality.as_str(),
            },
            C::TrackPublished { track_id, publication, kind, source } => {
                let track = Clone::clone(&self.local.get(&track_id)?.track);
                RoomEvent::TrackPublished { track, publication, kind, source, reason: None }
            }
            C::TrackUnpublished { track_id, publication, kind, source, reason } => {
                // Released here, whoever unpublished it (the app, its end,
                // an SFU's kick): tracks the SDK acquired are also stopped.
                let LocalMedia { track, stream, owned, .. } = self.local.remove(&track_id)?;
                stream.remove_track(&track);
                if owned {
                    track.stop();
                }
                let reason = Some(reason);
                RoomEvent::TrackUnpublished { track, publication, kind, source, reason }
            }
            C::Message { from, data } => RoomEvent::Message { from: self.participant(&from), data },
            C::ParticipantState { participant, state, reason } => RoomEvent::ParticipantState {
                participant: self.participant(&participant),
                state: state.as_str(),
                reason,
            },
            C::ConnectionState { state, reason } => {
                if let Some(w) = self.join_waiter.take() {
                    let r = match state {
                        RoomConnection::Connected => Ok(()),
                        _ => Err(self.join_error(reason)),
                    };
                    w.send(r);
                }
                RoomEvent::ConnectionState { state: state.as_str(), reason }
            }
            C::Warning { participant, code, message } => {
                warning(participant.map(|p| self.participant(&p)), code, message)
            }
            C::ServerError { code, message } => warning(None, code.as_str(), message),
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

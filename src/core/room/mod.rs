//! The room model: the signaling session ([`session`]), who is here, what
//! they publish, what we receive, and one [`PeerSession`] per remote
//! participant.
//!
//! Network and browser events are [`RoomInput`]s; the app's calls are
//! methods ([`RoomCore::publish`], [`RoomCore::send`], …) that validate and
//! answer at once. Every connection to a participant has a generation: the
//! driver's reports carry it, and reports of an older connection are dropped.

mod adapt;
mod capture;
mod mute;
mod senders;
pub mod session;

use super::abr::Abr;
use super::encodings::EncodingParams;
use super::error::CoreError;
use super::peer::PeerSession;
use super::sfu::room::{adaptive::View, SfuRoom};
use super::text::concat;
use super::types::*;
use crate::core::map::{Map, Set};
use capture::Captures;
pub use capture::{CaptureId, CAPTURE_WAIT};
pub use mute::MuteStep;
use rtcroom_proto::{
    ClientMessage, ErrorCode, Grants, IceServer, LeaveReason, Meta, PeerId, PeerInfo,
    ServerMessage, SignalData, TrackInfo,
};
pub use senders::SenderId;
use senders::{Placement, Senders};
use session::{Session, SessionState, SocketId, Step};
use std::collections::VecDeque;

/// Signal frames kept while signaling is down, delivered on resume.
pub const MAX_PENDING_SIGNALS: usize = 512;
/// Attempts to build a connection whose setup failed, before `failed`.
pub const MAX_PEER_SETUP_ATTEMPTS: u32 = 3;
/// Wait before building a failed connection again.
pub const PEER_SETUP_RETRY: u64 = 1_000;

/// Sources sent in one `MediaStream`, so the receiver gets them in one
/// stream and plays them in sync: camera + microphone, screen + its audio.
/// `None`: a stream of its own.
pub fn stream_group(source: TrackSource) -> Option<&'static str> {
    match source {
        TrackSource::Camera | TrackSource::Microphone => Some("camera"),
        TrackSource::Screen | TrackSource::ScreenAudio => Some("screen"),
        _ => None,
    }
}

/// Why a track stopped being published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UnpublishReason {
    /// The app unpublished it.
    Unpublished,
    /// The track ended (device unplugged, the browser's "stop sharing").
    Ended,
    /// An SFU moderator removed the feed (a Janus `kick` of our screen
    /// share's feed).
    Kicked,
}

impl UnpublishReason {
    pub fn as_str(self) -> &'static str {
        match self {
            UnpublishReason::Unpublished => "unpublished",
            UnpublishReason::Ended => "ended",
            UnpublishReason::Kicked => "kicked",
        }
    }
}

/// A track this participant publishes. Ids are the driver's
/// (`MediaStreamTrack.id`, `MediaStream.id`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalTrack {
    pub track_id: String,
    pub stream_id: String,
    pub kind: TrackKind,
    pub source: TrackSource,
    /// The capture's size (`getSettings()`), for the simulcast plan; `None`
    /// for audio and for tracks that do not say.
    pub size: Option<crate::core::encodings::SourceSize>,
    /// The device the SDK captured this track from (`getSettings().deviceId`);
    /// `None` for tracks the app made. A muted camera with one is released
    /// and captured again on unmute (see `mute`).
    pub device_id: Option<String>,
    /// What a screen track is optimised for (its encodings); `None`: the
    /// default preset. Ignored for other sources.
    pub preset: Option<crate::core::encodings::ScreenPreset>,
}

/// What to join, and how patiently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomConfig {
    pub room: String,
    pub name: Option<String>,
    pub meta: Meta,
    /// Join token (JWT) from the app's backend, sent in every `join`.
    pub token: Option<String>,
    /// `iceTransportPolicy: 'relay'`: connect through TURN only.
    pub relay_only: bool,
    /// The app's own ICE servers (`iceServers`), given to every connection
    /// after the signaling server's (`welcome`).
    pub ice_servers: Vec<IceServer>,
    /// Socket open + `welcome`, for the first join.
    pub join_timeout_ms: u64,
    /// Seeds the resume jitter.
    pub seed: u64,
    /// Signaling endpoints the driver can open (the app's URLs); the
    /// session picks one for each socket (`RoomOutput::Connect::endpoint`).
    pub endpoints: usize,
    /// The adaptive-bitrate controller (`abr`) adjusts what we send.
    pub adaptive_bitrate: bool,
}

impl Default for RoomConfig {
    fn default() -> Self {
        RoomConfig {
            room: String::new(),
            name: None,
            meta: Meta::new(),
            token: None,
            relay_only: false,
            ice_servers: Vec::new(),
            join_timeout_ms: session::DEFAULT_JOIN_TIMEOUT,
            seed: 0,
            endpoints: 1,
            adaptive_bitrate: true,
        }
    }
}

/// Connection generation of one participant's peer connection.
pub type Generation = u32;

/// Network and browser events.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum RoomInput {
    SocketOpened {
        socket: SocketId,
    },
    /// The socket closed or failed to open.
    SocketClosed {
        socket: SocketId,
    },
    Frame {
        socket: SocketId,
        msg: ServerMessage<SignalData>,
    },
    Peer {
        peer: PeerId,
        generation: Generation,
        input: PeerInput,
    },
    /// `track` fired on `peer`'s connection. `stream_id` is `streams[0].id`,
    /// `mid` the transceiver's.
    RemoteTrack {
        peer: PeerId,
        generation: Generation,
        track_id: String,
        stream_id: Option<String>,
        kind: TrackKind,
        mid: Option<String>,
    },
    /// The `mid`s of our senders on `peer`'s connection, read when a
    /// description operation completed (before that `OpCompleted`), so the
    /// announcement that names them goes out before the description.
    /// Listed in a stable order (the driver's: by sender): a list that
    /// differs from the last one is announced again.
    SenderMids {
        peer: PeerId,
        generation: Generation,
        mids: Vec<(SenderId, String)>,
    },
    /// Building the connection of `CreatePeer` failed (the browser threw).
    PeerSetupFailed {
        peer: PeerId,
        generation: Generation,
        message: String,
    },
    /// SFU rooms: a frame from Janus on `socket`.
    SfuFrame {
        socket: SocketId,
        msg: crate::core::sfu::SfuIncoming,
    },
}

/// A sender a new connection starts with (`RoomOutput::CreatePeer`), added
/// as [`RoomOutput::AddTrack`] adds one.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSender {
    pub sender: SenderId,
    pub track: LocalTrack,
    pub encodings: Vec<EncodingParams>,
    /// `addTransceiver` with the encodings as layers, else `addTrack`.
    pub transceiver: bool,
}

#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum RoomOutput {
    /// Open a signaling socket to endpoint `endpoint` (an index into the
    /// app's URLs); report `SocketOpened`/`SocketClosed` with its id.
    Connect {
        socket: SocketId,
        endpoint: usize,
    },
    /// Close that socket (no report needed).
    Disconnect {
        socket: SocketId,
    },
    /// Write this frame to the open socket.
    Send(ClientMessage<SignalData>),
    /// Create an `RTCPeerConnection` for `peer` (replacing any older one);
    /// if `data_channel`, create the data channels (else they arrive by
    /// `datachannel`); add a recvonly transceiver of each kind in `receive`,
    /// then every track in `tracks` as `AddTrack` does; `bundlePolicy`
    /// `max-bundle` (one transport, one set of candidates). Reports carry
    /// `generation`.
    CreatePeer {
        peer: PeerId,
        generation: Generation,
        polite: bool,
        ice_servers: Vec<IceServer>,
        /// `iceTransportPolicy: 'relay'`.
        relay_only: bool,
        data_channel: bool,
        receive: Vec<TrackKind>,
        /// Each added as `AddTrack` does.
        tracks: Vec<NewSender>,
    },
    Pc {
        peer: PeerId,
        cmd: PcCommand,
    },
    /// A new sender for `track`, sent with `encodings`; the sender is
    /// `sender` from now on. With `transceiver` (the encodings are simulcast
    /// layers, which only it can set up): `addTransceiver(track, {direction:
    /// 'sendrecv', streams: [stream], sendEncodings: encodings})`. Without
    /// (one encoding at most: a mesh): `addTrack(track, stream)`, then the
    /// encodings as `SetEncodings` applies them. `addTrack` reuses a
    /// transceiver that never sent (the impolite side's recvonly ones, one
    /// a remote offer created) and is the only kind JSEP (RFC 8829 §5.10)
    /// pairs with a remote offer's m-sections: a mesh keeps one m-section
    /// per sender and its first negotiation one round trip.
    AddTrack {
        peer: PeerId,
        sender: SenderId,
        track: LocalTrack,
        encodings: Vec<EncodingParams>,
        transceiver: bool,
    },
    /// `sender.getParameters()`, each encoding updated from `encodings`
    /// (matched by `rid`, by position without one), `setParameters()`: the
    /// ABR controller's decisions, and a reused sender's new plan.
    SetEncodings {
        peer: PeerId,
        sender: SenderId,
        encodings: Vec<EncodingParams>,
    },
    /// `sender.replaceTrack(track)`, then (`Some`) `sender.setStreams(stream)`.
    /// `None` detaches the track (unpublish); `Some` puts one on the idle
    /// sender. The direction stays, so neither renegotiates (`setStreams`
    /// does when the stream changed).
    ReplaceTrack {
        peer: PeerId,
        sender: SenderId,
        track: Option<LocalTrack>,
    },
    ClosePeer {
        peer: PeerId,
    },
    /// `track.enabled = enabled` on our published track (mute).
    SetTrackEnabled {
        track_id: String,
        enabled: bool,
    },
    /// `track.stop()` on our published track: its capture is released (a
    /// muted camera's light goes off); the publication stays.
    StopTrack {
        track_id: String,
    },
    Event(RoomEvent),
    /// SFU rooms: write this Janus request to the open socket.
    SendSfu(crate::core::sfu::SfuRequest),
    /// SFU rooms: `addTransceiver(track, {direction: 'sendonly', streams:
    /// [stream], sendEncodings})` (no `sendEncodings` when empty); the
    /// sender it makes is `sender`.
    AddTransceiver {
        peer: PeerId,
        sender: SenderId,
        track: LocalTrack,
        encodings: Vec<crate::core::encodings::EncodingParams>,
    },
    /// SFU rooms: the direction of `sender`'s transceiver (one
    /// `AddTransceiver` made): `sendonly` (`sending`) or `inactive`. The core
    /// offers the change itself (a Janus publisher stream is disabled by an
    /// inactive m-section, and its subscribers are told).
    SetSending {
        peer: PeerId,
        sender: SenderId,
        sending: bool,
    },
}

/// The room's signaling connection as the app sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RoomConnection {
    Connected,
    /// Signaling was lost; resuming (media keeps flowing).
    Reconnecting,
    Reconnected,
    /// Over: left, or failed with a reason.
    Disconnected,
}

impl RoomConnection {
    pub fn as_str(self) -> &'static str {
        match self {
            RoomConnection::Connected => "connected",
            RoomConnection::Reconnecting => "reconnecting",
            RoomConnection::Reconnected => "reconnected",
            RoomConnection::Disconnected => "disconnected",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RoomEvent {
    ConnectionState {
        state: RoomConnection,
        /// `left`, `join-timeout`, `signaling-failed`, `join-refused`,
        /// `resume-failed`, `resume-timeout`, `socket-lost`.
        reason: Option<&'static str>,
    },
    ParticipantJoined(PeerInfo),
    ParticipantUpdated(PeerInfo),
    ParticipantLeft {
        participant: PeerInfo,
        reason: LeaveReason,
    },
    Track {
        participant: PeerId,
        track_id: String,
        stream_id: String,
        kind: TrackKind,
        source: TrackSource,
        /// The sender's publication id (`None` from clients that do not send one).
        publication: Option<String>,
        muted: bool,
    },
    TrackRemoved {
        participant: PeerId,
        track_id: String,
        kind: TrackKind,
        source: TrackSource,
    },
    /// The quality level of the connection to `participant` changed
    /// (`stats`: loss, RTT and jitter in a simplified E-model, smoothed).
    QualityChanged {
        participant: PeerId,
        quality: super::stats::Quality,
    },
    /// A remote track's sender muted or unmuted it.
    TrackMuted {
        participant: PeerId,
        track_id: String,
        kind: TrackKind,
        source: TrackSource,
        publication: Option<String>,
        muted: bool,
    },
    /// We published a track (ours: `track_id` is the publication id).
    TrackPublished {
        track_id: String,
        publication: String,
        kind: TrackKind,
        source: TrackSource,
    },
    /// We stopped publishing a track: `reason` is `unpublished` (the app)
    /// or `ended` (the track ended: device gone, "stop sharing").
    TrackUnpublished {
        track_id: String,
        publication: String,
        kind: TrackKind,
        source: TrackSource,
        reason: &'static str,
    },
    Message {
        from: PeerId,
        data: Payload,
    },
    ParticipantState {
        participant: PeerId,
        state: PeerState,
        reason: Option<&'static str>,
    },
    /// Something failed without ending the call.
    Warning {
        participant: Option<PeerId>,
        code: &'static str,
        message: String,
    },
    /// The server rejected a frame of ours.
    ServerError {
        code: ErrorCode,
        message: String,
    },
}

/// A receiver of the connection: it belongs to its transceiver for life,
/// and carries whatever the remote sends on it, announced or not.
#[derive(Debug)]
struct RemoteTrack {
    track_id: String,
    /// The remote stream it is associated with (`track` event's `streams[0]`).
    stream_id: Option<String>,
    kind: TrackKind,
    /// Its transceiver's: the key announcements name it by.
    mid: Option<String>,
    /// Set while the app has it (its source is announced).
    source: Option<TrackSource>,
    /// As last announced (while `source` is set).
    muted: bool,
}

#[derive(Debug)]
struct Remote {
    info: PeerInfo,
    generation: Generation,
    /// Our tracks are on this connection (see `RoomCore::add_tracks`).
    tracks_added: bool,
    /// Our senders on this connection, reused across unpublish/publish.
    senders: Senders,
    /// Their `mid`s, once negotiated (`RoomInput::SenderMids`, as listed).
    mids: Vec<(SenderId, String)>,
    /// Adapts what the senders send to the connection's stats.
    abr: Abr,
    session: PeerSession,
    announced: Vec<TrackInfo>,
    received: Vec<RemoteTrack>,
    setup_failures: u32,
    /// Build the connection again at this time (its setup failed).
    rebuild_at: Option<Millis>,
    /// Not listed in a resumed `welcome`: removed if it has not come back
    /// by then (it may be resuming too, after a server restart).
    absent_until: Option<Millis>,
    /// Signals to it while absent: the server would refuse them (it does
    /// not know the id yet); sent when it is back.
    held: VecDeque<SignalData>,
    /// We are the impolite side and our first offer waits for the pending
    /// captures (see `capture`); the connection is built meanwhile, or was
    /// built before the capture began.
    offer_held: bool,
    /// Signals from it applied once the pending captures are done: its
    /// first offer (we answer) and everything after it, in order.
    inbound_held: Option<VecDeque<SignalData>>,
    /// Single-encoding (mesh) plans of this connection's senders, held
    /// until its first stats sample after `connected` (`Some` until then):
    /// set before the first frames flow, any encoding parameter costs the
    /// first remote frame ~45 ms in Chromium (bench: the `baseline-bitrate`
    /// control), and until then the browser's default is what a plain page
    /// sends. Layers (`addTransceiver` with `sendEncodings`) are not held.
    plans_held: Option<Vec<(SenderId, Vec<EncodingParams>)>>,
    /// A description left on this connection. Until then our track list is
    /// announced once, right before the first description (the receiver
    /// matches tracks by the `mid`s that description fixes): the lists a
    /// new connection, a publish and the first mids would each announce
    /// are one message, not three for the other side to handle while it
    /// sets up.
    described: bool,
}

/// Puts `new` in place of published track `old` (same kind; it keeps the
/// slot's source) and returns it as placed: the checks a device switch
/// makes in a mesh and in an SFU room alike.
pub(crate) fn replace_in(
    published: &mut [LocalTrack],
    old: &str,
    new: LocalTrack,
) -> Result<LocalTrack, CoreError> {
    if published.iter().any(|t| t.track_id == new.track_id) {
        return Err(CoreError::TrackAlreadyPublished);
    }
    let Some(slot) = published.iter_mut().find(|t| t.track_id == old) else {
        return Err(CoreError::NotPublished);
    };
    if slot.kind != new.kind {
        return Err(CoreError::ReplacementKind(slot.kind.as_str()));
    }
    let new = LocalTrack { source: slot.source, ..new };
    *slot = new.clone();
    Ok(new)
}

impl Remote {
    /// The negotiated `mid` of our sender `sender`.
    fn mid(&self, sender: SenderId) -> Option<String> {
        self.mids.iter().find(|(s, _)| *s == sender).map(|(_, mid)| mid.clone())
    }

    /// `track` now goes on `sender`: its plan (from the capture's size)
    /// starts its ABR ladder; returns what the sender is given now (see
    /// `plan_now`) and whether the plan is layers (`addTransceiver`).
    fn plan(&mut self, sender: SenderId, track: &LocalTrack) -> (Vec<EncodingParams>, bool) {
        let encodings = adapt::plan_of(track);
        self.abr.track(sender, track.kind, track.source, track.size, &encodings);
        let layers = encodings.len() > 1;
        (self.plan_now(sender, encodings), layers)
    }

    /// What sender `sender` is given now of its plan `encodings`: all of
    /// it, or nothing while a single-encoding plan is held (`plans_held`).
    fn plan_now(
        &mut self,
        sender: SenderId,
        encodings: Vec<EncodingParams>,
    ) -> Vec<EncodingParams> {
        match &mut self.plans_held {
            Some(held) if encodings.len() == 1 => {
                held.retain(|(s, _)| *s != sender);
                held.push((sender, encodings));
                Vec::new()
            }
            _ => encodings,
        }
    }
}

#[derive(Debug)]
pub struct RoomCore {
    config: RoomConfig,
    session: Session,
    local_id: Option<PeerId>,
    resume_token: Option<String>,
    grace_ms: u64,
    ice_servers: Vec<IceServer>,
    /// From `welcome`: what the join token allows.
    grants: Grants,
    published: Vec<LocalTrack>,
    peers: Map<PeerId, Remote>,
    next_generation: Generation,
    /// Signals produced while the socket is down.
    pending: VecDeque<ClientMessage<SignalData>>,
    captures: Captures,
    /// Our published tracks that are muted.
    muted: Set<String>,
    /// Muted tracks whose capture is released (light off; see `mute`).
    released: Set<String>,
    /// Publication ids of tracks that replaced the first track of their
    /// publication (`replace_published`); otherwise a publication's id is
    /// its track's id.
    publication_ids: Map<String, String>,
    /// Why the session failed: (code, message).
    failure: Option<(&'static str, String)>,
    /// A refused join's or resume's `error` frame: the server's code and
    /// message, so the driver need not read them back from `failure`'s text.
    refused: Option<(ErrorCode, String)>,
    out: VecDeque<RoomOutput>,
    /// Set when the room is on an SFU: every call goes there (the mesh
    /// fields above stay unused).
    sfu: Option<super::sfu::SfuSide>,
}

impl RoomCore {
    /// A room that starts connecting at once (the first output is `Connect`).
    pub fn new(now: Millis, config: RoomConfig) -> Self {
        let mut session =
            Session::new(now, config.join_timeout_ms, config.seed).with_endpoints(config.endpoints);
        let first = session.start();
        let mut core = RoomCore {
            config,
            session,
            local_id: None,
            resume_token: None,
            grace_ms: session::DEFAULT_RESUME_GRACE,
            ice_servers: Vec::new(),
            grants: Grants::default(),
            published: Vec::new(),
            peers: Map::new(),
            next_generation: 0,
            pending: VecDeque::new(),
            captures: Captures::default(),
            muted: Set::new(),
            released: Set::new(),
            publication_ids: Map::new(),
            failure: None,
            refused: None,
            out: VecDeque::new(),
            sfu: None,
        };
        core.steps(now, vec![first]);
        core
    }

    /// A room in Janus VideoRoom `room` (the SFU topology): same outputs,
    /// events and calls as a mesh room (see `sfu::room`). Only in builds
    /// with the `sfu` feature.
    #[cfg(feature = "sfu")]
    pub fn new_sfu(now: Millis, config: RoomConfig, room: u64) -> Self {
        let sfu = SfuRoom::new(now, &config, room);
        let mut core = RoomCore::new(now, config);
        // The mesh session never runs: its `Connect` is dropped and its
        // timers are never polled (every call goes to `sfu`).
        core.out.clear();
        core.sfu = Some(Box::new(sfu));
        core
    }

    /// The SFU side of the room, if it is on one.
    pub fn sfu(&self) -> Option<&SfuRoom> {
        self.sfu.as_deref()
    }

    /// SFU rooms: the app renders received video `track_id` this way; the
    /// subscription's layer follows (`sfu::room::adaptive`). `now` times the
    /// switch's re-sends (the room's last input may be long past).
    pub fn set_video_size(
        &mut self,
        now: Millis,
        track_id: &str,
        view: View,
    ) -> Result<(), CoreError> {
        match self.sfu.as_mut() {
            Some(s) => s.set_video_size(now, track_id, view),
            None => Ok(()),
        }
    }

    /// Our id, once welcomed.
    pub fn local_id(&self) -> Option<&str> {
        if let Some(s) = &self.sfu {
            return s.local_id();
        }
        self.local_id.as_deref()
    }
    pub fn state(&self) -> SessionState {
        if let Some(s) = &self.sfu {
            return s.state();
        }
        self.session.state()
    }
    /// In the room (joined, or resuming after a socket loss).
    pub fn is_joined(&self) -> bool {
        if let Some(s) = &self.sfu {
            return s.is_joined();
        }
        matches!(self.session.state(), SessionState::Joined | SessionState::Resuming)
    }
    /// Why the session failed, as (code, message).
    pub fn failure(&self) -> Option<(&'static str, &str)> {
        if let Some(s) = &self.sfu {
            return s.failure();
        }
        self.failure.as_ref().map(|(c, m)| (*c, m.as_str()))
    }
    /// The server's code and message when it refused our join or resume
    /// (an `error` frame while joining); `None` otherwise and in SFU rooms.
    pub fn refused(&self) -> Option<(ErrorCode, &str)> {
        self.refused.as_ref().map(|(c, m)| (*c, m.as_str()))
    }
    /// The others in the room (a mesh's peers, or an SFU room's
    /// participants); none once the room was left, failed or we were
    /// kicked (an SFU room keeps its list then, for the events' names).
    pub fn participants(&self) -> Box<dyn Iterator<Item = &PeerInfo> + '_> {
        if !self.is_joined() {
            return Box::new(std::iter::empty());
        }
        match &self.sfu {
            Some(s) => Box::new(s.participants()),
            None => Box::new(self.peers.values().map(|r| &r.info)),
        }
    }
    /// A participant by id: one in the room, or one that left and whose
    /// `ParticipantLeft` is not polled yet, so that the events of its
    /// departure (made after the core forgot it, polled before that one)
    /// still name it.
    pub fn participant(&self, id: &str) -> Option<&PeerInfo> {
        if let Some(s) = &self.sfu {
            return s.participant(id);
        }
        // A departure still queued first: what is polled before it is about
        // the one that left, even if the same id came back meanwhile.
        departing(&self.out, id).or_else(|| self.peers.get(id).map(|r| &r.info))
    }
    pub fn session(&self, id: &str) -> Option<&PeerSession> {
        self.peers.get(id).map(|r| &r.session)
    }
    pub fn generation(&self, id: &str) -> Option<Generation> {
        if let Some(s) = &self.sfu {
            return s.generation(id);
        }
        self.peers.get(id).map(|r| r.generation)
    }
    /// Senders (transceivers we send on or did) on the connection to `id`.
    pub fn sender_count(&self, id: &str) -> Option<usize> {
        self.peers.get(id).map(|r| r.senders.len())
    }
    /// The latest stats of the connection to `id` (polled every 400 ms once connected).
    /// In an SFU room: one of our connections (`sfu-publisher`, …) or what
    /// we receive of a participant (see `sfu::room::stats`).
    pub fn stats(&self, id: &str) -> Option<&super::stats::ConnectionStats> {
        if let Some(s) = &self.sfu {
            return s.stats(id);
        }
        self.peers.get(id).and_then(|r| r.session.stats())
    }

    /// What `id` announced it publishes (publication id, kind, source, muted).
    pub fn publications(&self, id: &str) -> &[TrackInfo] {
        if let Some(s) = &self.sfu {
            return s.publications(id);
        }
        self.peers.get(id).map_or(&[], |r| r.announced.as_slice())
    }
    pub fn published(&self) -> &[LocalTrack] {
        if let Some(s) = &self.sfu {
            return s.published();
        }
        &self.published
    }
    /// What the join token allows (everything until told otherwise).
    pub fn grants(&self) -> Grants {
        self.grants
    }

    pub fn handle_input(&mut self, now: Millis, input: RoomInput) -> Result<(), CoreError> {
        if let Some(s) = &mut self.sfu {
            return s.handle_input(now, input);
        }
        match input {
            RoomInput::SocketOpened { socket } => {
                let mut steps = Vec::new();
                self.session.handle_opened(now, socket, &mut steps);
                self.steps(now, steps);
            }
            RoomInput::SocketClosed { socket } => {
                let mut steps = Vec::new();
                self.session.handle_closed(now, socket, &mut steps);
                self.steps(now, steps);
            }
            RoomInput::Frame { socket, msg } => {
                if socket != self.session.socket() || !self.session.is_open() {
                    return Ok(());
                }
                self.session.handle_frame(now);
                return self.handle_server(now, msg);
            }
            RoomInput::Peer { peer, generation, input } => {
                if !self.current(&peer, generation) {
                    return Ok(());
                }
                if let PeerInput::Stats(snapshot) = &input {
                    self.adapt(now, &peer, snapshot);
                }
                return self.peer_input(now, &peer, input);
            }
            RoomInput::RemoteTrack { peer, generation, track_id, stream_id, kind, mid } => {
                if !self.current(&peer, generation) {
                    return Ok(());
                }
                // Current, so present.
                let Some(remote) = self.peers.get_mut(&peer) else { return Ok(()) };
                // The newest `track` for a stream and kind wins: the sender
                // has one sender per stream and kind, so an older receiver
                // still associated with them carries nothing of it any more.
                for t in remote.received.iter_mut() {
                    let stale =
                        t.track_id != track_id && t.kind == kind && t.stream_id == stream_id;
                    let moved = t.track_id == track_id && t.stream_id != stream_id;
                    if let Some(source) = t.source.take_if(|_| stale || moved) {
                        self.out.push_back(RoomOutput::Event(RoomEvent::TrackRemoved {
                            participant: peer.clone(),
                            track_id: t.track_id.clone(),
                            kind,
                            source,
                        }));
                    }
                    if stale {
                        t.stream_id = None;
                    } else if moved {
                        t.stream_id.clone_from(&stream_id);
                    }
                }
                match remote.received.iter_mut().find(|t| t.track_id == track_id) {
                    Some(t) => {
                        if mid.is_some() {
                            t.mid = mid;
                        }
                    }
                    None => remote.received.push(RemoteTrack {
                        track_id,
                        stream_id,
                        kind,
                        mid,
                        source: None,
                        muted: false,
                    }),
                }
                self.reconcile_tracks(&peer);
            }
            RoomInput::SenderMids { peer, generation, mids } => {
                if !self.current(&peer, generation) {
                    return Ok(());
                }
                let remote = self.remote_mut(&peer)?;
                for (sender, mid) in &mids {
                    remote.abr.set_mid(*sender, mid);
                }
                if remote.mids != mids {
                    remote.mids = mids;
                    // Re-announced before the description that carries them.
                    self.announce_to(&peer);
                }
            }
            RoomInput::PeerSetupFailed { peer, generation, message } => {
                if self.current(&peer, generation) {
                    self.setup_failed(now, &peer, message);
                }
            }
            // Handled by `sfu` (a mesh room never gets one).
            RoomInput::SfuFrame { .. } => {}
        }
        Ok(())
    }

    pub fn handle_timeout(&mut self, now: Millis) {
        if let Some(s) = &mut self.sfu {
            return s.handle_timeout(now);
        }
        if self.captures.expire(now) {
            self.release_holds(now);
        }
        let mut steps = Vec::new();
        if self.session.poll_timeout().is_some_and(|t| t <= now) {
            self.session.handle_timeout(now, &mut steps);
        }
        self.steps(now, steps);
        let ids = self.peer_ids();
        for id in ids {
            let Some(r) = self.peers.get_mut(&id) else { continue };
            if r.absent_until.is_some_and(|t| t <= now) {
                self.remove_peer(&id, LeaveReason::Disconnected);
                continue;
            }
            if r.rebuild_at.is_some_and(|t| t <= now) {
                r.rebuild_at = None;
                self.build_peer(&id);
                continue;
            }
            if r.session.poll_timeout().is_some_and(|t| t <= now) {
                r.session.handle_timeout(now);
                self.lift(&id);
            }
        }
    }

    #[must_use]
    pub fn poll_output(&mut self) -> Option<RoomOutput> {
        if let Some(s) = &mut self.sfu {
            return s.poll_output();
        }
        self.out.pop_front()
    }

    #[must_use]
    pub fn poll_timeout(&self) -> Option<Millis> {
        if let Some(s) = &self.sfu {
            return s.poll_timeout();
        }
        let mut at = Millis::earliest(&[self.session.poll_timeout(), self.captures.poll_timeout()]);
        for r in self.peers.values() {
            at = Millis::earliest(&[at, r.session.poll_timeout(), r.rebuild_at, r.absent_until]);
        }
        at
    }

    // ---- the app's calls ----

    /// The app started capturing media it will publish (`getUserMedia`,
    /// `getDisplayMedia`): first negotiations wait for it, at most
    /// [`CAPTURE_WAIT`], so its tracks ride them (see `capture`). Call
    /// [`Self::end_capture`] after publishing, or when the capture failed.
    pub fn begin_capture(&mut self, now: Millis) -> CaptureId {
        // Connections built before the capture began (the newcomer's, at
        // `welcome`, before the join resolves) hold a first offer that has
        // not started yet, like those built during it.
        for r in self.peers.values_mut() {
            let n = r.session.negotiator();
            let unoffered = !n.is_polite()
                && !n.has_negotiated()
                && !n.making_offer()
                && n.signaling_state() == SignalingState::Stable;
            if unoffered && !r.offer_held {
                r.offer_held = true;
                r.session.hold_negotiation();
            }
        }
        self.captures.begin(now)
    }

    pub fn end_capture(&mut self, now: Millis, id: CaptureId) {
        if self.captures.end(id) {
            self.release_holds(now);
        }
    }

    /// Publishes a track to everyone (now and later joiners).
    pub fn publish(&mut self, track: LocalTrack) -> Result<(), CoreError> {
        if let Some(s) = &mut self.sfu {
            return s.publish(track);
        }
        self.in_room()?;
        // The server would refuse the announcement and the offer anyway;
        // saying so here gives the app a typed error instead of a call
        // that silently never sends.
        if !self.grants.can_publish {
            return Err(CoreError::NotAllowed("canPublish"));
        }
        if let Some(required) = track.source.required_kind().filter(|k| *k != track.kind) {
            let (track_source, required) = (track.source.as_str(), required.as_str());
            return Err(CoreError::KindMismatch { track_source, required });
        }
        if self.published.iter().any(|t| t.track_id == track.track_id) {
            return Err(CoreError::TrackAlreadyPublished);
        }
        let exclusive = track.source != TrackSource::Custom;
        if exclusive && self.published.iter().any(|t| t.source == track.source) {
            return Err(CoreError::SourceAlreadyPublished(track.source.as_str()));
        }
        let (track_id, kind, source) = (track.track_id.clone(), track.kind, track.source);
        self.published.push(track);
        self.announce_all();
        let publication = track_id.clone();
        self.event(RoomEvent::TrackPublished { track_id, publication, kind, source });
        Ok(())
    }

    /// The publication id of our published track `track_id`.
    pub fn publication_of(&self, track_id: &str) -> String {
        if let Some(s) = &self.sfu {
            return s.publication_of(track_id);
        }
        self.publication_ids.get(track_id).cloned().unwrap_or_else(|| track_id.to_owned())
    }

    /// `new` replaces our published track `old` (a device switch): same
    /// publication (id, source, muted state), same senders through
    /// `replaceTrack` — no renegotiation, and the receivers keep their track.
    pub fn replace_published(&mut self, old: &str, new: LocalTrack) -> Result<(), CoreError> {
        if let Some(s) = &mut self.sfu {
            return s.replace_published(old, new).map(|_| ());
        }
        self.in_room()?;
        let new = replace_in(&mut self.published, old, new)?;
        // Switching the device of a released camera only changes which one
        // the unmute captures: the new capture is released at once.
        let released = self.released.remove(old);
        if released {
            self.released.insert(new.track_id.clone());
            self.out.push_back(RoomOutput::StopTrack { track_id: new.track_id.clone() });
        }
        let publication = self.publication_ids.remove(old).unwrap_or_else(|| old.to_owned());
        if publication != new.track_id {
            self.publication_ids.insert(new.track_id.clone(), publication);
        }
        if self.muted.remove(old) {
            self.muted.insert(new.track_id.clone());
            let track_id = new.track_id.clone();
            self.out.push_back(RoomOutput::SetTrackEnabled { track_id, enabled: false });
        }
        for (peer, r) in self.peers.iter_mut() {
            if let Some(sender) = r.senders.retrack(old, &new.track_id) {
                // The new device may have another size: its own plan.
                let (encodings, _) = r.plan(sender, &new);
                // A released camera's senders stay empty until the unmute.
                if !released {
                    let track = Some(new.clone());
                    self.out.push_back(RoomOutput::ReplaceTrack {
                        peer: peer.clone(),
                        sender,
                        track,
                    });
                    if new.kind == TrackKind::Video && !encodings.is_empty() {
                        let peer = peer.clone();
                        self.out.push_back(RoomOutput::SetEncodings { peer, sender, encodings });
                    }
                }
            }
        }
        Ok(())
    }

    pub fn unpublish(&mut self, track_id: &str) -> Result<(), CoreError> {
        self.unpublish_as(track_id, UnpublishReason::Unpublished)
    }

    /// `unpublish`, saying why (the `track-unpublished` event's reason).
    pub fn unpublish_as(
        &mut self,
        track_id: &str,
        reason: UnpublishReason,
    ) -> Result<(), CoreError> {
        if let Some(s) = &mut self.sfu {
            return s.unpublish_as(track_id, reason);
        }
        self.in_room()?;
        let Some(at) = self.published.iter().position(|t| t.track_id == track_id) else {
            return Err(CoreError::NotPublished);
        };
        let gone = self.published.remove(at);
        self.muted.remove(track_id);
        self.released.remove(track_id);
        let publication =
            self.publication_ids.remove(track_id).unwrap_or_else(|| track_id.to_owned());
        self.event(RoomEvent::TrackUnpublished {
            track_id: gone.track_id,
            publication,
            kind: gone.kind,
            source: gone.source,
            reason: reason.as_str(),
        });
        for (peer, r) in self.peers.iter_mut() {
            // Not on this connection yet (the polite side's first offer): nothing to undo.
            if let Some(sender) = r.senders.detach(track_id) {
                r.abr.forget(sender);
                let track = None;
                self.out.push_back(RoomOutput::ReplaceTrack { peer: peer.clone(), sender, track });
            }
        }
        self.announce_all();
        Ok(())
    }

    /// Sends to one participant (an error says why it cannot), or to
    /// everyone (`to: None`): then the peers that could not take it are
    /// returned with the reason, and the others got it.
    pub fn send(
        &mut self,
        to: Option<&str>,
        data: Payload,
        reliable: bool,
    ) -> Result<Vec<(PeerId, CoreError)>, CoreError> {
        if let Some(s) = &mut self.sfu {
            return s.send(to, data, reliable);
        }
        self.in_room()?;
        // Data channels are peer to peer: the server never sees the
        // messages, so this grant is the client's to keep.
        if !self.grants.can_publish_data {
            return Err(CoreError::NotAllowed("canPublishData"));
        }
        if let Some(to) = to {
            let r = self.remote_mut(to)?.session.send(data, reliable);
            self.lift(to);
            return r.map(|()| Vec::new());
        }
        let ids = self.peer_ids();
        let mut failed = Vec::new();
        for id in ids {
            let r = self.peers.get_mut(&id).map(|p| p.session.send(data.clone(), reliable));
            if let Some(Err(e)) = r {
                failed.push((id.clone(), e));
            }
            self.lift(&id);
        }
        Ok(failed)
    }

    pub fn restart_ice(&mut self, now: Millis, peer: &str) -> Result<(), CoreError> {
        self.in_room()?;
        if let Some(s) = &mut self.sfu {
            return s.restart_ice(now, peer);
        }
        self.remote_mut(peer)?.session.restart_ice()?;
        self.lift(peer);
        Ok(())
    }

    /// Replaces our metadata; the others get `participant-updated`.
    pub fn update_meta(&mut self, meta: Meta) -> Result<(), CoreError> {
        self.in_room()?;
        if self.sfu.is_some() {
            // Janus relays display names only: refused, not dropped.
            return Err(CoreError::Unsupported(
                "updateMeta: an SFU room has no participant metadata (Janus relays display names only)",
            ));
        }
        self.config.meta = meta.clone();
        self.signal(ClientMessage::Update { meta });
        Ok(())
    }

    /// Leaves: tells the server, closes every connection. Idempotent.
    pub fn leave(&mut self) {
        if let Some(s) = &mut self.sfu {
            return s.leave();
        }
        if self.session.can_send() {
            self.out.push_back(RoomOutput::Send(ClientMessage::Leave));
        }
        if let Some(step) = self.session.leave() {
            self.steps(Millis(0), vec![step]);
            self.close_all();
            self.connection_event(RoomConnection::Disconnected, Some("left"));
        } else if !self.peers.is_empty() {
            self.close_all();
        }
    }

    // ---- internals ----

    fn in_room(&self) -> Result<(), CoreError> {
        if self.is_joined() {
            Ok(())
        } else {
            Err(CoreError::NotJoined)
        }
    }

    /// The peers' ids, for loops that call `&mut self` methods per peer.
    fn peer_ids(&self) -> Vec<PeerId> {
        let mut ids = Vec::with_capacity(self.peers.len());
        for id in self.peers.keys() {
            ids.push(id.clone());
        }
        ids
    }

    fn current(&self, peer: &str, generation: Generation) -> bool {
        self.peers.get(peer).is_some_and(|r| r.generation == generation)
    }

    fn remote_mut(&mut self, id: &str) -> Result<&mut Remote, CoreError> {
        self.peers.get_mut(id).ok_or_else(|| CoreError::UnknownParticipant(id.to_owned()))
    }

    fn event(&mut self, e: RoomEvent) {
        self.out.push_back(RoomOutput::Event(e));
    }

    fn connection_event(&mut self, state: RoomConnection, reason: Option<&'static str>) {
        self.event(RoomEvent::ConnectionState { state, reason });
    }

    /// A frame to the server: now if the socket is up, else after resume;
    /// a signal to an absent participant when it is back.
    fn signal(&mut self, msg: ClientMessage<SignalData>) {
        if let ClientMessage::Signal { to, data } = msg {
            match self.peers.get_mut(&to).filter(|r| r.absent_until.is_some()) {
                Some(r) => {
                    if r.held.len() >= MAX_PENDING_SIGNALS {
                        r.held.pop_front();
                    }
                    r.held.push_back(data);
                    return;
                }
                None => return self.send_or_queue(ClientMessage::Signal { to, data }),
            }
        }
        self.send_or_queue(msg)
    }

    fn send_or_queue(&mut self, msg: ClientMessage<SignalData>) {
        if self.session.can_send() {
            self.out.push_back(RoomOutput::Send(msg));
        } else if self.session.state() == SessionState::Resuming {
            if self.pending.len() >= MAX_PENDING_SIGNALS {
                self.pending.pop_front();
            }
            self.pending.push_back(msg);
        }
    }

    fn steps(&mut self, now: Millis, steps: Vec<Step>) {
        for step in steps {
            match step {
                Step::Connect(socket) => {
                    let endpoint = self.session.endpoint();
                    self.out.push_back(RoomOutput::Connect { socket, endpoint });
                }
                Step::Disconnect(socket) => self.out.push_back(RoomOutput::Disconnect { socket }),
                Step::SendJoin => {
                    let resume =
                        if self.session.is_resume() { self.resume_token.clone() } else { None };
                    self.session.handle_sent(now);
                    self.out.push_back(RoomOutput::Send(ClientMessage::Join {
                        room: self.config.room.clone(),
                        name: self.config.name.clone(),
                        token: self.config.token.clone(),
                        meta: self.config.meta.clone(),
                        resume,
                    }));
                }
                Step::SendPing => self.out.push_back(RoomOutput::Send(ClientMessage::Ping)),
                Step::Lost => {
                    self.connection_event(RoomConnection::Reconnecting, Some("socket-lost"));
                    self.each_session(now, false);
                }
                Step::Fail(reason) => self.fail(reason, None),
            }
        }
    }

    /// The session failed: `message` says why, else the message already
    /// set for it (a refused join's), else `reason`.
    fn fail(&mut self, reason: &'static str, message: Option<String>) {
        let set = self.failure.take().map(|(_, m)| m);
        let message = message.or(set).unwrap_or_else(|| reason.to_owned());
        self.failure = Some((reason, message));
        self.pending = VecDeque::new(); // dropped whole (no `truncate` code)
        self.close_all();
        self.connection_event(RoomConnection::Disconnected, Some(reason));
    }

    fn each_session(&mut self, now: Millis, signaling_up: bool) {
        let ids = self.peer_ids();
        for id in ids {
            if let Some(r) = self.peers.get_mut(&id) {
                r.session.handle_signaling(now, signaling_up);
            }
            self.lift(&id);
        }
    }

    fn handle_server(
        &mut self,
        now: Millis,
        msg: ServerMessage<SignalData>,
    ) -> Result<(), CoreError> {
        match msg {
            ServerMessage::Welcome {
                id,
                session,
                peers,
                ice_servers,
                resume_grace_ms,
                grants,
                ..
            } => {
                let resuming = match self.session.state() {
                    SessionState::Joining => false,
                    SessionState::Resuming => true,
                    _ => return Err(CoreError::AlreadyJoined),
                };
                if resuming && self.local_id.as_deref() != Some(id.as_str()) {
                    // The server gave us someone else's identity: start over is
                    // not something to do silently.
                    self.fail("resume-failed", Some("resumed under another id".into()));
                    return Ok(());
                }
                self.session.handle_welcome(resume_grace_ms);
                if resume_grace_ms > 0 {
                    self.grace_ms = resume_grace_ms;
                }
                self.resume_token = Some(session);
                self.local_id = Some(id);
                let renewed = resuming && ice_servers != self.ice_servers;
                self.ice_servers = ice_servers;
                if renewed {
                    self.renew_ice_servers();
                }
                self.grants = grants;
                if resuming {
                    self.resumed(now, peers);
                } else {
                    self.connection_event(RoomConnection::Connected, None);
                    for p in peers {
                        self.add_peer(p);
                    }
                }
            }
            ServerMessage::PeerJoined { peer } => {
                self.in_room()?;
                self.peer_present(peer);
            }
            ServerMessage::PeerLeft { id, reason } => self.remove_peer(&id, reason),
            ServerMessage::PeerUpdated { peer } => {
                if let Some(r) = self.peers.get_mut(&peer.id) {
                    r.info = peer.clone();
                    self.event(RoomEvent::ParticipantUpdated(peer));
                }
            }
            ServerMessage::Signal { from, data: SignalData::Tracks { tracks } } => {
                self.remote_mut(&from)?.announced = tracks;
                self.reconcile_tracks(&from);
            }
            ServerMessage::Signal { from, data } => return self.inbound_signal(now, &from, data),
            ServerMessage::Error { code, message } => match self.session.state() {
                SessionState::Joining | SessionState::Resuming => {
                    let reason = if code == ErrorCode::ResumeFailed {
                        "resume-failed"
                    } else {
                        "join-refused"
                    };
                    let mut steps = Vec::new();
                    self.session.handle_refused(&mut steps, reason);
                    // The failure's message (`fail` keeps it): the server's.
                    self.failure = Some((reason, concat(&[code.as_str(), ": ", &message])));
                    self.refused = Some((code, message));
                    self.steps(now, steps);
                }
                _ => self.event(RoomEvent::ServerError { code, message }),
            },
            ServerMessage::Pong => {}
            // Frames of a newer server this client does not know.
            #[allow(unreachable_patterns)]
            _ => {}
        }
        Ok(())
    }

    /// Back in the room after a socket loss: flush what waited, keep every
    /// connection. Participants the welcome does not list may be resuming
    /// too (a restarted server knows only who came back): they get the
    /// grace period to reappear.
    fn resumed(&mut self, now: Millis, peers: Vec<PeerInfo>) {
        let until = now.saturating_add(self.grace_ms);
        for r in self.peers.values_mut() {
            r.absent_until.get_or_insert(until);
        }
        for p in peers {
            self.peer_present(p);
        }
        // In order; those to participants still absent wait for them.
        for msg in std::mem::take(&mut self.pending) {
            self.signal(msg);
        }
        self.connection_event(RoomConnection::Reconnected, None);
        // What may have been lost with the old socket: our track list and an
        // unanswered offer (both idempotent on the other side).
        let ids = self.peer_ids();
        for id in &ids {
            self.announce_to(id);
            if let Some(r) = self.peers.get_mut(id) {
                r.session.handle_resumed();
            }
        }
        self.each_session(now, true);
    }

    /// The server says `info` is in the room: a newcomer, or one we know
    /// coming back after a server restart (same participant, same
    /// connection: media never went through the server).
    fn peer_present(&mut self, info: PeerInfo) {
        match self.peers.get_mut(&info.id) {
            Some(r) => {
                r.absent_until = None;
                let to = info.id.clone();
                for data in std::mem::take(&mut r.held) {
                    self.send_or_queue(ClientMessage::Signal { to: to.clone(), data });
                }
                let Some(r) = self.peers.get_mut(&info.id) else { return };
                if r.info != info {
                    r.info = info.clone();
                    self.event(RoomEvent::ParticipantUpdated(info));
                }
            }
            None => self.add_peer(info),
        }
    }

    fn setup_failed(&mut self, now: Millis, id: &str, message: String) {
        let Some(r) = self.peers.get_mut(id) else { return };
        r.setup_failures += 1;
        let gave_up = r.setup_failures >= MAX_PEER_SETUP_ATTEMPTS;
        if gave_up {
            r.session.close();
        } else {
            r.rebuild_at = Some(now.saturating_add(PEER_SETUP_RETRY));
        }
        self.event(RoomEvent::Warning {
            participant: Some(id.to_owned()),
            code: "peer-setup-failed",
            message,
        });
        self.out.push_back(RoomOutput::ClosePeer { peer: id.to_owned() });
        if gave_up {
            self.event(RoomEvent::ParticipantState {
                participant: id.to_owned(),
                state: PeerState::Failed,
                reason: Some("setup-failed"),
            });
        }
    }

    fn add_peer(&mut self, info: PeerInfo) {
        let Some(local) = self.local_id.clone() else { return };
        if info.id == local || self.peers.contains_key(&info.id) {
            return;
        }
        let id = info.id.clone();
        let session = PeerSession::new(&local, &id);
        let polite = session.is_polite();
        self.event(RoomEvent::ParticipantJoined(info.clone()));
        self.peers.insert(
            id.clone(),
            Remote {
                info,
                generation: 0,
                session,
                tracks_added: !polite,
                senders: Senders::default(),
                mids: Vec::new(),
                abr: Abr::new(self.config.adaptive_bitrate),
                announced: Vec::new(),
                received: Vec::new(),
                setup_failures: 0,
                rebuild_at: None,
                absent_until: None,
                held: VecDeque::new(),
                offer_held: false,
                inbound_held: None,
                plans_held: Some(Vec::new()),
                described: false,
            },
        );
        self.build_peer(&id);
    }

    /// (Re)creates the connection to `id` with a fresh generation and
    /// negotiation state.
    fn build_peer(&mut self, id: &str) {
        let Some(local) = self.local_id.clone() else { return };
        self.next_generation += 1;
        let generation = self.next_generation;
        let holding = self.captures.holding();
        let Some(r) = self.peers.get_mut(id) else { return };
        r.generation = generation;
        r.session = PeerSession::new(&local, id);
        let polite = r.session.is_polite();
        r.tracks_added = !polite;
        r.senders = Senders::default();
        r.mids.clear();
        r.abr = Abr::new(self.config.adaptive_bitrate);
        r.plans_held = Some(Vec::new());
        r.described = false;
        r.received.clear();
        r.offer_held = !polite && holding;
        if r.offer_held {
            // Our first offer waits for the capture (see `capture`); the
            // connection (certificate, channels) is built in the meantime.
            r.session.hold_negotiation();
        }
        self.emit_create(id);
        // Announce before any description can carry the tracks.
        self.announce_to(id);
    }

    /// The ICE servers a connection is given: the signaling server's, then
    /// the app's.
    fn peer_ice_servers(&self) -> Vec<IceServer> {
        let mut servers =
            Vec::with_capacity(self.ice_servers.len() + self.config.ice_servers.len());
        for s in &self.ice_servers {
            servers.push(s.clone());
        }
        for s in &self.config.ice_servers {
            servers.push(s.clone());
        }
        servers
    }

    /// New TURN credentials from a resumed `welcome` go to every live
    /// connection (those built later get them in `CreatePeer`).
    fn renew_ice_servers(&mut self) {
        for peer in self.peers.keys() {
            let cmd = PcCommand::SetIceServers {
                ice_servers: self.peer_ice_servers(),
                relay_only: self.config.relay_only,
            };
            self.out.push_back(RoomOutput::Pc { peer: peer.clone(), cmd });
        }
    }

    /// `CreatePeer` for the current generation of the connection to `id`.
    fn emit_create(&mut self, id: &str) {
        let ice_servers = self.peer_ice_servers();
        let Some(r) = self.peers.get_mut(id) else { return };
        let polite = r.session.is_polite();
        // The first negotiation is one-sided: the impolite side offers the
        // data channel plus one recvonly m-section per kind, so both sides
        // agree on RTP header-extension ids for audio and video from the
        // start (otherwise Chromium refuses, even after a rollback, a glare
        // between an audio and a video addition). The polite side adds its
        // tracks when that offer arrives (`add_tracks`).
        self.out.push_back(RoomOutput::CreatePeer {
            peer: id.to_owned(),
            generation: r.generation,
            polite,
            ice_servers,
            relay_only: self.config.relay_only,
            data_channel: !polite,
            receive: if polite { Vec::new() } else { vec![TrackKind::Audio, TrackKind::Video] },
            tracks: if polite { Vec::new() } else { Self::place_all(r, &self.published) },
        });
    }

    /// A signal from `from`: applied now, or held with the ones before it.
    fn inbound_signal(
        &mut self,
        now: Millis,
        from: &str,
        data: SignalData,
    ) -> Result<(), CoreError> {
        let first_offer = matches!(data, SignalData::Description { sdp_type: SdpType::Offer, .. })
            && self.captures.holding();
        let r = self.remote_mut(from)?;
        let first_offer = first_offer && !r.session.negotiator().has_negotiated();
        if r.offer_held || r.inbound_held.is_some() || first_offer {
            r.inbound_held.get_or_insert_with(VecDeque::new).push_back(data);
            return Ok(());
        }
        if matches!(data, SignalData::Description { sdp_type: SdpType::Offer, .. }) {
            // Before the offer is applied, so that JSEP pairs our new
            // addTrack transceivers with its m-sections and the answer
            // already carries our media (one round trip).
            self.add_tracks(from);
        }
        self.peer_input(now, from, PeerInput::Signal(data))
    }

    /// The captures are done (or waited long enough): build the held
    /// connections, apply the held signals.
    fn release_holds(&mut self, now: Millis) {
        let ids = self.peer_ids();
        for id in ids {
            let Some(r) = self.peers.get_mut(&id) else { continue };
            if std::mem::take(&mut r.offer_held) {
                // The captured tracks first, so the offer carries them.
                self.place_tracks(&id);
                if let Some(r) = self.peers.get_mut(&id) {
                    r.session.release_negotiation();
                }
                self.lift(&id);
            }
            let Some(held) = self.peers.get_mut(&id).and_then(|r| r.inbound_held.take()) else {
                continue;
            };
            for data in held {
                // As for a signal applied on arrival: a refused one (the peer
                // closed meanwhile) is dropped; the driver ignores it too.
                let _ = self.inbound_signal(now, &id, data);
            }
        }
    }

    fn remove_peer(&mut self, id: &str, reason: LeaveReason) {
        // Its session goes with it.
        let Some(remote) = self.peers.remove(id) else {
            return;
        };
        for t in remote.received {
            if let Some(source) = t.source {
                self.event(RoomEvent::TrackRemoved {
                    participant: id.to_owned(),
                    track_id: t.track_id,
                    kind: t.kind,
                    source,
                });
            }
        }
        self.out.push_back(RoomOutput::ClosePeer { peer: id.to_owned() });
        self.event(RoomEvent::ParticipantLeft { participant: remote.info, reason });
    }

    fn close_all(&mut self) {
        for peer in self.peers.keys() {
            self.out.push_back(RoomOutput::ClosePeer { peer: peer.clone() });
        }
        // Their sessions go with them.
        self.peers = Map::new();
    }

    fn peer_input(&mut self, now: Millis, id: &str, input: PeerInput) -> Result<(), CoreError> {
        self.remote_mut(id)?.session.handle_input(now, input)?;
        self.lift(id);
        Ok(())
    }

    /// Puts our published tracks on the connection to `id`, once. The polite
    /// side does it when the impolite side's first offer arrives (or, at the
    /// latest, once an exchange completed), never earlier: an offer of its
    /// own would collide, and Chromium never gathers ICE candidates on a
    /// connection whose first offer was rolled back before gathering began.
    fn add_tracks(&mut self, id: &str) {
        let Some(remote) = self.peers.get_mut(id) else {
            return;
        };
        if remote.tracks_added {
            return;
        }
        remote.tracks_added = true;
        self.place_tracks(id);
    }

    /// Puts every published track that is not on the connection to `id`
    /// yet on a sender: an idle one, or a new one (see [`senders`]).
    fn place_tracks(&mut self, id: &str) {
        let Some(remote) = self.peers.get_mut(id) else {
            return;
        };
        if !remote.tracks_added {
            return;
        }
        for track in &self.published {
            if remote.senders.carrying(&track.track_id).is_some() {
                continue;
            }
            let (peer, track) = (id.to_owned(), track.clone());
            let placement = remote.senders.place(&track);
            let (Placement::Add(sender) | Placement::Reuse(sender)) = placement;
            let (encodings, transceiver) = remote.plan(sender, &track);
            match placement {
                Placement::Add(_) => {
                    let o = RoomOutput::AddTrack { peer, sender, track, encodings, transceiver };
                    self.out.push_back(o);
                }
                Placement::Reuse(_) => {
                    let kind = track.kind;
                    let p = peer.clone();
                    self.out.push_back(RoomOutput::ReplaceTrack {
                        peer,
                        sender,
                        track: Some(track),
                    });
                    // The idle sender kept its last track's encodings.
                    if kind == TrackKind::Video && !encodings.is_empty() {
                        self.out.push_back(RoomOutput::SetEncodings { peer: p, sender, encodings });
                    }
                }
            }
        }
    }

    /// Senders for a new connection's tracks (all new: it has no idle ones).
    fn place_all(remote: &mut Remote, tracks: &[LocalTrack]) -> Vec<NewSender> {
        let mut out = Vec::new();
        for t in tracks {
            if let Placement::Add(sender) = remote.senders.place(t) {
                let (encodings, transceiver) = remote.plan(sender, t);
                out.push(NewSender { sender, track: t.clone(), encodings, transceiver });
            }
        }
        out
    }

    /// Moves a session's outputs into the room's, addressed to its peer.
    fn lift(&mut self, id: &str) {
        let Some(remote) = self.peers.get_mut(id) else {
            return;
        };
        if !remote.tracks_added && remote.session.negotiator().has_negotiated() {
            self.add_tracks(id);
        }
        // One output at a time (handling one adds none to the session's).
        while let Some(o) = self.peers.get_mut(id).and_then(|r| r.session.poll_output()) {
            let peer = id.to_owned();
            let out = match o {
                PeerOutput::Command(cmd) => RoomOutput::Pc { peer, cmd },
                PeerOutput::Signal(data) => {
                    let first = matches!(data, SignalData::Description { .. })
                        && self
                            .peers
                            .get_mut(id)
                            .is_some_and(|r| !std::mem::replace(&mut r.described, true));
                    if first {
                        self.announce_to(id);
                    }
                    self.signal(ClientMessage::Signal { to: peer, data });
                    continue;
                }
                PeerOutput::Event(PeerEvent::State { state, reason }) => {
                    RoomOutput::Event(RoomEvent::ParticipantState {
                        participant: peer,
                        state,
                        reason,
                    })
                }
                PeerOutput::Event(PeerEvent::Quality(quality)) => {
                    RoomOutput::Event(RoomEvent::QualityChanged { participant: peer, quality })
                }
                PeerOutput::Event(PeerEvent::Message(data)) => {
                    RoomOutput::Event(RoomEvent::Message { from: peer, data })
                }
                PeerOutput::Event(PeerEvent::Warning { code, message }) => {
                    RoomOutput::Event(RoomEvent::Warning { participant: Some(peer), code, message })
                }
            };
            self.out.push_back(out);
        }
    }

    /// Sends every peer our new track list, then puts new tracks on the
    /// connections that carry ours already (the others get them all in
    /// `add_tracks`).
    fn announce_all(&mut self) {
        let ids = self.peer_ids();
        for peer in ids {
            self.announce_to(&peer);
            self.place_tracks(&peer);
        }
    }

    fn announce_to(&mut self, peer: &str) {
        let Some(r) = self.peers.get(peer) else { return };
        if !r.described {
            return; // sent with the first description (`Remote::described`)
        }
        let mut tracks = Vec::with_capacity(self.published.len());
        for t in &self.published {
            tracks.push(TrackInfo {
                stream: t.stream_id.clone(),
                kind: t.kind,
                source: t.source,
                id: Some(self.publication_of(&t.track_id)),
                mid: r.senders.carrying(&t.track_id).and_then(|s| r.mid(s)),
                muted: self.muted.contains(&t.track_id),
            });
        }
        let data = SignalData::Tracks { tracks };
        self.signal(ClientMessage::Signal { to: peer.to_owned(), data });
    }

    /// Matches received tracks with the remote's announcement by `mid`
    /// (by (stream, kind) for an entry without one: not negotiated yet, or
    /// an older client): a newly matched track becomes a `track` event; a
    /// track whose announcement disappeared becomes `track-removed`; a
    /// change of its muted state `track-muted`. Receivers are kept
    /// after that: a sender re-publishes on the sender it detached the track
    /// from (`senders`), which changes nothing the browser reports, so the
    /// announcement alone brings the same receiver back.
    fn reconcile_tracks(&mut self, id: &str) {
        let Some(remote) = self.peers.get_mut(id) else {
            return;
        };
        let events = &mut self.out;
        let announced = &remote.announced;
        let lookup = |t: &RemoteTrack| {
            announced.iter().find(|a| {
                a.kind == t.kind
                    && match &a.mid {
                        Some(mid) => t.mid.as_ref() == Some(mid),
                        None => Some(&a.stream) == t.stream_id.as_ref(),
                    }
            })
        };
        for t in remote.received.iter_mut() {
            let participant = id.to_owned();
            let (track_id, kind) = (t.track_id.clone(), t.kind);
            match (t.source, lookup(t)) {
                (None, Some(a)) => {
                    t.source = Some(a.source);
                    t.muted = a.muted;
                    let stream_id = t.stream_id.clone().unwrap_or_default();
                    events.push_back(RoomOutput::Event(RoomEvent::Track {
                        participant,
                        track_id,
                        stream_id,
                        kind,
                        source: a.source,
                        publication: a.id.clone(),
                        muted: a.muted,
                    }));
                }
                (Some(source), None) => {
                    t.source = None;
                    let e = RoomEvent::TrackRemoved { participant, track_id, kind, source };
                    events.push_back(RoomOutput::Event(e));
                }
                (Some(source), Some(a)) if a.muted != t.muted => {
                    t.muted = a.muted;
                    events.push_back(RoomOutput::Event(RoomEvent::TrackMuted {
                        participant,
                        track_id,
                        kind,
                        source,
                        publication: a.id.clone(),
                        muted: a.muted,
                    }));
                }
                _ => {}
            }
        }
    }
}

/// The participant of a `ParticipantLeft` still in `out` (see
/// [`RoomCore::participant`]).
pub(crate) fn departing<'a>(out: &'a VecDeque<RoomOutput>, id: &str) -> Option<&'a PeerInfo> {
    out.iter().find_map(|o| match o {
        RoomOutput::Event(RoomEvent::ParticipantLeft { participant: p, .. }) if p.id == id => {
            Some(p)
        }
        _ => None,
    })
}

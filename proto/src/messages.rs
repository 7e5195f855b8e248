use crate::map::VecMap;
use serde::{Deserialize, Serialize};

/// Server-assigned participant id, unique within the server.
pub type PeerId = String;

/// Free-form participant metadata (`update {meta}`); strings only so that the
/// browser bundle needs no general JSON value type.
pub type Meta = VecMap<String, String>;

/// Client → server frames. `D` is the relayed signal payload.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(tag = "type", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ClientMessage<D> {
    /// First frame on a connection: enter `room`.
    Join {
        room: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        token: Option<String>,
        #[serde(default, skip_serializing_if = "Meta::is_empty")]
        meta: Meta,
        /// The `session` of an earlier `welcome`: come back as the same
        /// participant after the socket dropped (see [`ServerMessage::Welcome`]).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resume: Option<String>,
    },
    /// Relay `data` to participant `to` in the same room.
    Signal { to: PeerId, data: D },
    /// Replace this participant's metadata; others get `peer-updated`.
    Update { meta: Meta },
    /// Leave the room; the server then closes the connection.
    Leave,
    /// Application-level keepalive; answered with `pong`.
    Ping,
}

impl<D> ClientMessage<D> {
    /// The same frame with its signal payload converted (the only field of
    /// type `D`), e.g. a parsed JSON tree into raw JSON text.
    pub fn try_map_data<E, Err>(
        self,
        f: impl FnOnce(D) -> Result<E, Err>,
    ) -> Result<ClientMessage<E>, Err> {
        Ok(match self {
            ClientMessage::Join { room, name, token, meta, resume } => {
                ClientMessage::Join { room, name, token, meta, resume }
            }
            ClientMessage::Signal { to, data } => ClientMessage::Signal { to, data: f(data)? },
            ClientMessage::Update { meta } => ClientMessage::Update { meta },
            ClientMessage::Leave => ClientMessage::Leave,
            ClientMessage::Ping => ClientMessage::Ping,
        })
    }
}

/// Server → client frames.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(tag = "type", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ServerMessage<D> {
    /// Answer to `join`: your id, and everyone already in the room.
    Welcome {
        id: PeerId,
        /// Resume token: signed by the server, scoped to this room and id,
        /// expiring; `join {resume}` with it comes back as the same participant.
        session: String,
        peers: Vec<PeerInfo>,
        #[serde(rename = "iceServers", default)]
        ice_servers: Vec<IceServer>,
        /// Answer to `join {resume}`: the participant came back (its signals
        /// held while it was away follow this frame).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        resumed: bool,
        /// How long the server keeps a participant whose socket dropped
        /// before the others see it leave (milliseconds).
        #[serde(rename = "resumeGraceMs", default, skip_serializing_if = "is_zero")]
        resume_grace_ms: u64,
        /// What this participant may do (from its join token). Left out
        /// when everything is granted, which is also what its absence (an
        /// older server) means.
        #[serde(default, skip_serializing_if = "Grants::is_all")]
        grants: Grants,
    },
    PeerJoined {
        peer: PeerInfo,
    },
    PeerLeft {
        id: PeerId,
        reason: LeaveReason,
    },
    PeerUpdated {
        peer: PeerInfo,
    },
    Signal {
        from: PeerId,
        data: D,
    },
    /// A frame was rejected; the connection and the room membership stay.
    Error {
        code: ErrorCode,
        message: String,
    },
    Pong,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct PeerInfo {
    pub id: PeerId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Meta::is_empty")]
    pub meta: Meta,
}

/// What a participant may do, from its join token; the server enforces
/// what it relays (see the README, "Join tokens and grants").
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grants {
    /// Send media: announce tracks, offer or answer sending m-sections.
    #[serde(rename = "canPublish", default = "granted")]
    pub can_publish: bool,
    /// Be told of the others' tracks.
    #[serde(rename = "canSubscribe", default = "granted")]
    pub can_subscribe: bool,
    /// Send data messages.
    #[serde(rename = "canPublishData", default = "granted")]
    pub can_publish_data: bool,
}

fn granted() -> bool {
    true
}

impl Grants {
    pub fn is_all(&self) -> bool {
        *self == Grants::default()
    }
}

impl Default for Grants {
    /// Everything: a server without join tokens, or a token without grants.
    fn default() -> Self {
        Grants { can_publish: true, can_subscribe: true, can_publish_data: true }
    }
}

/// Same shape as the browser's `RTCIceServer`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct IceServer {
    pub urls: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
}

#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum LeaveReason {
    /// The participant sent `leave`.
    Left,
    /// The WebSocket closed without `leave`.
    Disconnected,
    /// No frame (nor WebSocket pong) within the heartbeat timeout.
    Timeout,
}

/// Stable error codes of `error` frames.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// Not valid JSON, or a binary frame.
    MalformedJson,
    /// JSON without a known `type`.
    UnknownType,
    /// Known `type` with missing or wrongly typed fields.
    InvalidFrame,
    /// Frame longer than the server's limit.
    FrameTooLarge,
    /// `signal.to` is not a participant of the sender's room.
    UnknownTarget,
    /// A room frame before `join`.
    NotJoined,
    /// A second `join` on one connection.
    AlreadyJoined,
    /// Room name empty or too long.
    InvalidRoom,
    /// Too many frames per second.
    RateLimited,
    /// `join {resume}` with a token that is invalid, expired, for another
    /// room, or of a participant already removed: join afresh.
    ResumeFailed,
    /// The server requires a join token and the `join` carried none.
    TokenRequired,
    /// The join token is not a JWT signed with the server's key, or its
    /// lifetime is above 4 hours.
    TokenInvalid,
    /// The join token's `exp` has passed.
    TokenExpired,
    /// The join token is for another room than the `join` names.
    TokenWrongRoom,
    /// The participant's grants do not allow this frame (e.g. announcing
    /// tracks or offering to send media without `canPublish`).
    NotAllowed,
}

impl LeaveReason {
    pub fn as_str(self) -> &'static str {
        match self {
            LeaveReason::Left => "left",
            LeaveReason::Disconnected => "disconnected",
            LeaveReason::Timeout => "timeout",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [LeaveReason::Left, LeaveReason::Disconnected, LeaveReason::Timeout]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 15] = [
        ErrorCode::MalformedJson,
        ErrorCode::UnknownType,
        ErrorCode::InvalidFrame,
        ErrorCode::FrameTooLarge,
        ErrorCode::UnknownTarget,
        ErrorCode::NotJoined,
        ErrorCode::AlreadyJoined,
        ErrorCode::InvalidRoom,
        ErrorCode::RateLimited,
        ErrorCode::ResumeFailed,
        ErrorCode::TokenRequired,
        ErrorCode::TokenInvalid,
        ErrorCode::TokenExpired,
        ErrorCode::TokenWrongRoom,
        ErrorCode::NotAllowed,
    ];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The wire spelling, e.g. `"unknown-target"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::MalformedJson => "malformed-json",
            ErrorCode::UnknownType => "unknown-type",
            ErrorCode::InvalidFrame => "invalid-frame",
            ErrorCode::FrameTooLarge => "frame-too-large",
            ErrorCode::UnknownTarget => "unknown-target",
            ErrorCode::NotJoined => "not-joined",
            ErrorCode::AlreadyJoined => "already-joined",
            ErrorCode::InvalidRoom => "invalid-room",
            ErrorCode::RateLimited => "rate-limited",
            ErrorCode::ResumeFailed => "resume-failed",
            ErrorCode::TokenRequired => "token-required",
            ErrorCode::TokenInvalid => "token-invalid",
            ErrorCode::TokenExpired => "token-expired",
            ErrorCode::TokenWrongRoom => "token-wrong-room",
            ErrorCode::NotAllowed => "not-allowed",
        }
    }
}

/// Peer-to-peer payload of `signal` frames as rtcroom clients use it, tagged
/// by `"kind"` because descriptions carry their own `"type"`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum SignalData {
    /// `RTCSessionDescriptionInit`.
    Description {
        #[serde(rename = "type")]
        sdp_type: SdpType,
        sdp: String,
    },
    /// `RTCIceCandidateInit` with a non-empty candidate line.
    Candidate(Candidate),
    /// The sender finished gathering (`icecandidate` with a null candidate)
    /// for the ICE generation `ufrag` (its local description's ufrag).
    EndOfCandidates {
        #[serde(rename = "usernameFragment", default, skip_serializing_if = "Option::is_none")]
        ufrag: Option<String>,
    },
    /// The complete list of tracks the sender publishes to the receiver. Sent
    /// before the description that carries them, so the receiver can name the
    /// source of each incoming track.
    Tracks { tracks: Vec<TrackInfo> },
    /// Asks the receiver to offer an ICE restart itself: the sender may not
    /// offer it (a Firefox that holds the DTLS server role answers a
    /// restart offer by taking the client role, which Chromium refuses).
    RestartIce,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub candidate: String,
    #[serde(rename = "sdpMid", default, skip_serializing_if = "Option::is_none")]
    pub sdp_mid: Option<String>,
    #[serde(rename = "sdpMLineIndex", default, skip_serializing_if = "Option::is_none")]
    pub sdp_m_line_index: Option<u16>,
    #[serde(rename = "usernameFragment", default, skip_serializing_if = "Option::is_none")]
    pub username_fragment: Option<String>,
}

#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum SdpType {
    Offer,
    Answer,
    Pranswer,
    Rollback,
}

impl SdpType {
    pub fn as_str(self) -> &'static str {
        match self {
            SdpType::Offer => "offer",
            SdpType::Answer => "answer",
            SdpType::Pranswer => "pranswer",
            SdpType::Rollback => "rollback",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [SdpType::Offer, SdpType::Answer, SdpType::Pranswer, SdpType::Rollback]
            .into_iter()
            .find(|t| t.as_str() == s)
    }
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct TrackInfo {
    /// `MediaStream.id` the track is sent in (carried in SDP `a=msid`).
    pub stream: String,
    pub kind: TrackKind,
    pub source: TrackSource,
    /// The publication's id, stable while it is published (the sender's
    /// `MediaStreamTrack.id`; receivers see other track ids).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The m-section (transceiver `mid`) that carries it on the connection
    /// to the receiver, once negotiated: receivers match tracks by it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mid: Option<String>,
    /// The sender muted it: the track sends silence or black frames.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub muted: bool,
}

#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
pub enum TrackKind {
    Audio,
    Video,
}

impl TrackKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TrackKind::Audio => "audio",
            TrackKind::Video => "video",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "audio" => Some(TrackKind::Audio),
            "video" => Some(TrackKind::Video),
            _ => None,
        }
    }
}

#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum TrackSource {
    Camera,
    Microphone,
    Screen,
    ScreenAudio,
    /// Anything else the app publishes (canvas capture, processed tracks…).
    Custom,
}

impl TrackSource {
    /// The kind a track of this source must have (`None`: any).
    pub fn required_kind(self) -> Option<TrackKind> {
        match self {
            TrackSource::Camera | TrackSource::Screen => Some(TrackKind::Video),
            TrackSource::Microphone | TrackSource::ScreenAudio => Some(TrackKind::Audio),
            TrackSource::Custom => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TrackSource::Camera => "camera",
            TrackSource::Microphone => "microphone",
            TrackSource::Screen => "screen",
            TrackSource::ScreenAudio => "screen-audio",
            TrackSource::Custom => "custom",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "camera" => Some(TrackSource::Camera),
            "microphone" => Some(TrackSource::Microphone),
            "screen" => Some(TrackSource::Screen),
            "screen-audio" => Some(TrackSource::ScreenAudio),
            "custom" => Some(TrackSource::Custom),
            _ => None,
        }
    }
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

use thiserror::Error;

/// Why a Janus request, or the whole session, failed. [`JanusError::code`]
/// is the stable string for the JS boundary.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JanusError {
    /// 458: the session expired or never existed (a refused `claim`).
    #[error("Janus has no such session: {0}")]
    SessionNotFound(String),
    /// 459.
    #[error("Janus has no such handle: {0}")]
    HandleNotFound(String),
    /// 403 / 405 (core) or 433 (VideoRoom).
    #[error("not authorized by Janus: {0}")]
    Unauthorized(String),
    /// VideoRoom 426.
    #[error("no such VideoRoom room: {0}")]
    NoSuchRoom(String),
    /// VideoRoom 428: the feed is gone (or never published).
    #[error("no such feed: {0}")]
    NoSuchFeed(String),
    /// VideoRoom 425.
    #[error("already joined: {0}")]
    AlreadyJoined(String),
    /// VideoRoom 432.
    #[error("the room's publisher slots are full: {0}")]
    PublishersFull(String),
    /// VideoRoom 437 / core 465: Janus could not use our SDP.
    #[error("Janus refused the session description: {0}")]
    InvalidSdp(String),
    /// Any other error reply of the Janus core.
    #[error("Janus error {code}: {reason}")]
    Janus { code: u16, reason: String },
    /// Any other VideoRoom `error_code`.
    #[error("VideoRoom error {code}: {reason}")]
    VideoRoom { code: u16, reason: String },
    #[error("Janus did not answer `{request}` within {ms} ms")]
    TransactionTimedOut { request: &'static str, ms: u64 },
    #[error("substream {substream} on mid {mid} was not confirmed after {attempts} requests")]
    SwitchNotConfirmed { mid: String, substream: u8, attempts: u32 },
    /// The socket closed before a session existed (nothing to reclaim).
    #[error("the connection to Janus closed")]
    SocketClosed,
    #[error("Janus stayed unreachable for {0} ms")]
    Unreachable(u64),
    #[error("not in a room (call join_room and wait for Joined)")]
    NotJoined,
    #[error("join_room was already called")]
    AlreadyStarted,
    #[error("no subscription carries mid {0}")]
    UnknownMid(String),
    #[error("substream must be 0, 1 or 2, not {0}")]
    InvalidSubstream(u8),
    #[error("no offer from Janus to answer")]
    NoOfferToAnswer,
}

impl JanusError {
    /// A Janus core `error` reply.
    pub fn from_janus(code: u16, reason: &str) -> JanusError {
        let reason = reason.to_owned();
        match code {
            458 => JanusError::SessionNotFound(reason),
            459 => JanusError::HandleNotFound(reason),
            403 | 405 => JanusError::Unauthorized(reason),
            465 => JanusError::InvalidSdp(reason),
            _ => JanusError::Janus { code, reason },
        }
    }

    /// A VideoRoom `error_code` (with its `error` text).
    pub fn from_videoroom(code: u16, reason: &str) -> JanusError {
        let reason = reason.to_owned();
        match code {
            425 => JanusError::AlreadyJoined(reason),
            426 => JanusError::NoSuchRoom(reason),
            428 => JanusError::NoSuchFeed(reason),
            432 => JanusError::PublishersFull(reason),
            433 => JanusError::Unauthorized(reason),
            437 => JanusError::InvalidSdp(reason),
            _ => JanusError::VideoRoom { code, reason },
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            JanusError::SessionNotFound(_) => "janus-session-not-found",
            JanusError::HandleNotFound(_) => "janus-handle-not-found",
            JanusError::Unauthorized(_) => "not-allowed",
            JanusError::NoSuchRoom(_) => "room-not-found",
            JanusError::NoSuchFeed(_) => "feed-not-found",
            JanusError::AlreadyJoined(_) | JanusError::AlreadyStarted => "already-joined",
            JanusError::PublishersFull(_) => "room-full",
            JanusError::InvalidSdp(_) => "invalid-sdp",
            JanusError::Janus { .. } => "janus-error",
            JanusError::VideoRoom { .. } => "videoroom-error",
            JanusError::TransactionTimedOut { .. } => "janus-timeout",
            JanusError::SwitchNotConfirmed { .. } => "switch-timeout",
            JanusError::SocketClosed => "signaling-failed",
            JanusError::Unreachable(_) => "resume-timeout",
            JanusError::NotJoined => "not-joined",
            JanusError::UnknownMid(_) | JanusError::InvalidSubstream(_) => "invalid-argument",
            JanusError::NoOfferToAnswer => "invalid-state",
        }
    }
}

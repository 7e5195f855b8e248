use crate::core::text::{concat, dec};
use thiserror::Error;

/// Why a Janus request, or the whole session, failed. [`JanusError::code`]
/// is the stable string for the JS boundary.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JanusError {
    /// 458: the session expired or never existed (a refused `claim`).
    SessionNotFound(String),
    /// 459.
    HandleNotFound(String),
    /// 403 / 405 (core) or 433 (VideoRoom).
    Unauthorized(String),
    /// VideoRoom 426.
    NoSuchRoom(String),
    /// VideoRoom 428: the feed is gone (or never published).
    NoSuchFeed(String),
    /// VideoRoom 425.
    AlreadyJoined(String),
    /// VideoRoom 432.
    PublishersFull(String),
    /// VideoRoom 437 / core 465: Janus could not use our SDP.
    InvalidSdp(String),
    /// Any other error reply of the Janus core.
    Janus {
        code: u16,
        reason: String,
    },
    /// Any other VideoRoom `error_code`.
    VideoRoom {
        code: u16,
        reason: String,
    },
    TransactionTimedOut {
        request: &'static str,
        ms: u64,
    },
    SwitchNotConfirmed {
        mid: String,
        substream: u8,
        attempts: u32,
    },
    /// The socket closed before a session existed (nothing to reclaim).
    SocketClosed,
    Unreachable(u64),
    NotJoined,
    AlreadyStarted,
    UnknownMid(String),
    InvalidSubstream(u8),
    NoOfferToAnswer,
}

impl std::fmt::Display for JanusError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

impl JanusError {
    /// The text of a warning or JS `Error` (and of `Display`), built
    /// without `fmt`.
    pub fn message(&self) -> String {
        match self {
            JanusError::SessionNotFound(r) => concat(&["Janus has no such session: ", r]),
            JanusError::HandleNotFound(r) => concat(&["Janus has no such handle: ", r]),
            JanusError::Unauthorized(r) => concat(&["not authorized by Janus: ", r]),
            JanusError::NoSuchRoom(r) => concat(&["no such VideoRoom room: ", r]),
            JanusError::NoSuchFeed(r) => concat(&["no such feed: ", r]),
            JanusError::AlreadyJoined(r) => concat(&["already joined: ", r]),
            JanusError::PublishersFull(r) => concat(&["the room's publisher slots are full: ", r]),
            JanusError::InvalidSdp(r) => concat(&["Janus refused the session description: ", r]),
            JanusError::Janus { code, reason } => {
                concat(&["Janus error ", &dec(u64::from(*code)), ": ", reason])
            }
            JanusError::VideoRoom { code, reason } => {
                concat(&["VideoRoom error ", &dec(u64::from(*code)), ": ", reason])
            }
            JanusError::TransactionTimedOut { request, ms } => {
                concat(&["Janus did not answer `", request, "` within ", &dec(*ms), " ms"])
            }
            JanusError::SwitchNotConfirmed { mid, substream, attempts } => concat(&[
                "substream ",
                &dec(u64::from(*substream)),
                " on mid ",
                mid,
                " was not confirmed after ",
                &dec(u64::from(*attempts)),
                " requests",
            ]),
            JanusError::SocketClosed => "the connection to Janus closed".into(),
            JanusError::Unreachable(ms) => {
                concat(&["Janus stayed unreachable for ", &dec(*ms), " ms"])
            }
            JanusError::NotJoined => "not in a room (call join_room and wait for Joined)".into(),
            JanusError::AlreadyStarted => "join_room was already called".into(),
            JanusError::UnknownMid(mid) => concat(&["no subscription carries mid ", mid]),
            JanusError::InvalidSubstream(n) => {
                concat(&["substream must be 0, 1 or 2, not ", &dec(u64::from(*n))])
            }
            JanusError::NoOfferToAnswer => "no offer from Janus to answer".into(),
        }
    }

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

use super::text::{concat, dec};
use thiserror::Error;

/// Errors of the core. [`CoreError::code`] is the stable string the JS
/// boundary exposes as `error.code`.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CoreError {
    NotJoined,
    AlreadyJoined,
    UnknownParticipant(String),
    SourceAlreadyPublished(&'static str),
    KindMismatch {
        track_source: &'static str,
        required: &'static str,
    },
    TrackAlreadyPublished,
    NotPublished,
    ReplacementKind(&'static str),
    MessageQueueFull(usize),
    PeerClosed,
    InvalidIceServer(String),
    /// The join token's grants (in `welcome`) do not allow it.
    NotAllowed(&'static str),
    /// This room's topology has no such thing (e.g. metadata in an SFU room).
    Unsupported(&'static str),
    /// An app message that begins like the SDK's own (SFU rooms); the text
    /// says how (it is built where the rule is, out of the mesh build).
    ReservedMessage(&'static str),
}

impl std::fmt::Display for CoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

impl CoreError {
    /// The text of the JS `Error` (and of `Display`), built without `fmt`.
    pub fn message(&self) -> String {
        match self {
            CoreError::NotJoined => "not in a room (join first, or the room was left)".into(),
            CoreError::AlreadyJoined => "already joined".into(),
            CoreError::UnknownParticipant(id) => concat(&["no participant with id ", id]),
            CoreError::SourceAlreadyPublished(source) => {
                concat(&["a ", source, " track is already published; unpublish it first"])
            }
            CoreError::KindMismatch { track_source, required } => {
                concat(&["a ", track_source, " track must be ", required])
            }
            CoreError::TrackAlreadyPublished => "this track is already published".into(),
            CoreError::NotPublished => "this track is not published".into(),
            CoreError::ReplacementKind(kind) => {
                concat(&["the new track must be a ", kind, " track, like the one it replaces"])
            }
            CoreError::MessageQueueFull(bytes) => concat(&[
                "the message queue for a peer is full (",
                &dec(*bytes as u64),
                " bytes waiting for the data channel)",
            ]),
            CoreError::PeerClosed => "the connection to this peer is closed".into(),
            CoreError::InvalidIceServer(why) => concat(&["invalid iceServers: ", why]),
            CoreError::NotAllowed(grant) => {
                concat(&["not allowed: this participant's join token has no ", grant, " grant"])
            }
            CoreError::Unsupported(what) | CoreError::ReservedMessage(what) => (*what).into(),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            CoreError::NotJoined => "not-joined",
            CoreError::AlreadyJoined => "already-joined",
            CoreError::UnknownParticipant(_) => "unknown-participant",
            CoreError::SourceAlreadyPublished(_) => "source-already-published",
            CoreError::KindMismatch { .. } => "invalid-argument",
            CoreError::TrackAlreadyPublished => "track-already-published",
            CoreError::NotPublished => "not-published",
            CoreError::ReplacementKind(_) => "invalid-argument",
            CoreError::MessageQueueFull(_) => "message-queue-full",
            CoreError::PeerClosed => "peer-closed",
            CoreError::InvalidIceServer(_) => "invalid-argument",
            CoreError::NotAllowed(_) => "not-allowed",
            CoreError::Unsupported(_) => "unsupported",
            CoreError::ReservedMessage(_) => "invalid-argument",
        }
    }
}

use thiserror::Error;

/// Errors of the core. [`CoreError::code`] is the stable string the JS
/// boundary exposes as `error.code`.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CoreError {
    #[error("not in a room (join first, or the room was left)")]
    NotJoined,
    #[error("already joined")]
    AlreadyJoined,
    #[error("no participant with id {0}")]
    UnknownParticipant(String),
    #[error("a {0} track is already published; unpublish it first")]
    SourceAlreadyPublished(&'static str),
    #[error("a {track_source} track must be {required}")]
    KindMismatch { track_source: &'static str, required: &'static str },
    #[error("this track is already published")]
    TrackAlreadyPublished,
    #[error("this track is not published")]
    NotPublished,
    #[error("the new track must be a {0} track, like the one it replaces")]
    ReplacementKind(&'static str),
    #[error("the message queue for a peer is full ({0} bytes waiting for the data channel)")]
    MessageQueueFull(usize),
    #[error("the connection to this peer is closed")]
    PeerClosed,
    #[error("invalid iceServers: {0}")]
    InvalidIceServer(String),
    /// The join token's grants (in `welcome`) do not allow it.
    #[error("not allowed: this participant's join token has no {0} grant")]
    NotAllowed(&'static str),
}

impl CoreError {
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
        }
    }
}

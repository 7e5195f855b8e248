//! Values that cross the core boundary.

pub use rtcroom_proto::{Candidate, SdpType, TrackKind, TrackSource};

/// Milliseconds on the driver's monotonic clock (`performance.now()` in the
/// browser, simulated time in tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Millis(pub u64);

impl Millis {
    #[must_use]
    pub fn saturating_add(self, ms: u64) -> Millis {
        Millis(self.0.saturating_add(ms))
    }
}

/// Id of one asynchronous `RTCPeerConnection` operation the core asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OpId(pub u64);

/// `RTCSessionDescriptionInit`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Description {
    pub sdp_type: SdpType,
    pub sdp: String,
}

/// `RTCSignalingState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignalingState {
    Stable,
    HaveLocalOffer,
    HaveRemoteOffer,
    HaveLocalPranswer,
    HaveRemotePranswer,
    Closed,
}

/// `RTCIceConnectionState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum IceConnectionState {
    New,
    Checking,
    Connected,
    Completed,
    Disconnected,
    Failed,
    Closed,
}

/// `RTCPeerConnectionState`, as the app sees it per participant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectionState {
    New,
    Connecting,
    Connected,
    Disconnected,
    Failed,
    Closed,
}

impl ConnectionState {
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectionState::New => "new",
            ConnectionState::Connecting => "connecting",
            ConnectionState::Connected => "connected",
            ConnectionState::Disconnected => "disconnected",
            ConnectionState::Failed => "failed",
            ConnectionState::Closed => "closed",
        }
    }
}

/// How an operation ended, as the driver observed it.
/// Like `Result`: exactly two outcomes, matched exhaustively by drivers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpResult {
    /// Resolved. For `setLocalDescription`, `local` is the connection's
    /// `localDescription` read when the promise resolved.
    Ok { local: Option<Description> },
    /// Rejected with a `DOMException` of this `name` (`InvalidStateError`…).
    Err { name: String, message: String },
}

/// What the driver must do on the peer's `RTCPeerConnection`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PcCommand {
    /// Parameterless `setLocalDescription()`: offer, answer or implicit
    /// rollback as the signaling state requires.
    SetLocalDescription {
        op: OpId,
    },
    SetRemoteDescription {
        op: OpId,
        description: Description,
    },
    /// `setLocalDescription({type: "rollback"})`.
    Rollback {
        op: OpId,
    },
    /// `addIceCandidate(candidate)`; `None` means end-of-candidates.
    AddIceCandidate {
        op: OpId,
        candidate: Option<Candidate>,
    },
    RestartIce,
    /// Send on the peer's reliable data channel (it is open).
    SendData {
        data: String,
    },
}

/// Per-peer outputs of [`crate::core::PeerSession`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PeerOutput {
    Command(PcCommand),
    /// Send to the remote peer over signaling.
    Signal(rtcroom_proto::SignalData),
    Event(PeerEvent),
}

#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PeerEvent {
    ConnectionState(ConnectionState),
    Message(String),
    /// An operation failed in a way the app may want to know (never fatal).
    Warning {
        code: &'static str,
        message: String,
    },
}

/// Per-peer inputs of [`crate::core::PeerSession`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PeerInput {
    /// `negotiationneeded` fired.
    NegotiationNeeded,
    /// `signalingstatechange` fired; the connection's new `signalingState`.
    SignalingState(SignalingState),
    IceConnectionState(IceConnectionState),
    ConnectionState(ConnectionState),
    /// `icecandidate`: `None` (or an empty candidate line) is end-of-gathering.
    LocalCandidate(Option<Candidate>),
    OpCompleted {
        op: OpId,
        result: OpResult,
    },
    /// A `signal` frame from this peer.
    Signal(rtcroom_proto::SignalData),
    ChannelOpen,
    ChannelClosed,
    ChannelMessage(String),
    /// The app sends `data` to this peer (queued until the channel is open).
    SendMessage(String),
    /// The app asks for an ICE restart.
    RestartIce,
}

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

    /// The earliest of `times` that is set. One loop for every deadline
    /// list (an array iterator's `flatten().min()` is instantiated per length).
    #[must_use]
    pub fn earliest(times: &[Option<Millis>]) -> Option<Millis> {
        let mut best: Option<Millis> = None;
        for t in times.iter().copied().flatten() {
            if best.is_none_or(|b| t < b) {
                best = Some(t);
            }
        }
        best
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
    /// Send on one of the peer's data channels (it is open).
    SendData {
        data: Payload,
        channel: Channel,
    },
    /// Create the data channel again (it closed while the peer lives).
    CreateChannel {
        channel: Channel,
    },
    /// `getStats()`; answered with [`PeerInput::Stats`].
    GetStats,
    /// Make every video sender start over with a key frame (the far side's
    /// decoder lost its references while the path was down).
    SendKeyFrames,
    /// Make one layer of one sender start over with a key frame (an SFU
    /// subscriber's layer switch asked for it; never in the mesh build).
    RestartLayer(crate::core::sfu::SfuLayerRestart),
    /// `setConfiguration` with these ICE servers (and the policy the
    /// connection was built with): a resumed `welcome` renewed the TURN
    /// credentials, and the next gathering (an ICE restart) must not use the
    /// old ones, which may have expired.
    SetIceServers {
        ice_servers: Vec<rtcroom_proto::IceServer>,
        relay_only: bool,
    },
}

/// An app message: text or bytes, as the data channel carries them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Payload {
    Text(String),
    Binary(Vec<u8>),
}

impl Payload {
    pub fn len(&self) -> usize {
        match self {
            Payload::Text(s) => s.len(),
            Payload::Binary(b) => b.len(),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl From<&str> for Payload {
    fn from(s: &str) -> Self {
        Payload::Text(s.to_owned())
    }
}

impl From<String> for Payload {
    fn from(s: String) -> Self {
        Payload::Text(s)
    }
}

/// The two data channels of a peer connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Channel {
    /// `rtcroom`: ordered, reliable.
    Reliable,
    /// `rtcroom-lossy`: unordered, no retransmits (state that is stale by
    /// the next message).
    Lossy,
    /// `rtcroom-keepalive`: unordered, no retransmits; a byte every
    /// [`crate::core::recovery::KEEPALIVE_INTERVAL`] so that inbound bytes
    /// prove the path even when no media flows (a static picture sends
    /// nothing). Never shown to the app.
    Keepalive,
}

impl Channel {
    pub fn label(self) -> &'static str {
        match self {
            Channel::Reliable => "rtcroom",
            Channel::Lossy => "rtcroom-lossy",
            Channel::Keepalive => "rtcroom-keepalive",
        }
    }
    pub fn from_label(label: &str) -> Option<Self> {
        [Channel::Reliable, Channel::Lossy, Channel::Keepalive]
            .into_iter()
            .find(|c| c.label() == label)
    }
}

/// The app's view of one peer connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PeerState {
    Connecting,
    Connected,
    /// The path was lost; ICE restarts are under way.
    Reconnecting,
    /// Given up (recovery exhausted, or the connection could not be set up).
    Failed,
    Closed,
}

impl PeerState {
    pub fn as_str(self) -> &'static str {
        match self {
            PeerState::Connecting => "connecting",
            PeerState::Connected => "connected",
            PeerState::Reconnecting => "reconnecting",
            PeerState::Failed => "failed",
            PeerState::Closed => "closed",
        }
    }
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
    /// The app's view changed; `reason` says why (`media-stalled`,
    /// `ice-failed`, `recovered`, `ice-restart-exhausted`…).
    State {
        state: PeerState,
        reason: Option<&'static str>,
    },
    Message(Payload),
    /// The connection's quality level changed (see `stats`).
    Quality(super::stats::Quality),
    /// An operation failed in a way the app may want to know (never fatal).
    Warning {
        code: &'static str,
        message: String,
    },
}

/// Per-peer inputs of [`crate::core::PeerSession`].
#[derive(Debug, Clone, PartialEq)]
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
    ChannelOpen(Channel),
    ChannelClosed(Channel),
    ChannelMessage(Payload),
    /// A message on a data channel rtcroom did not create: SFU rooms, where
    /// Janus relays each publisher's data on a channel labelled with the
    /// publisher's id.
    RelayedMessage {
        label: String,
        data: Payload,
    },
    /// The reliable channel's `bufferedAmount` after a send or on
    /// `bufferedamountlow`.
    ChannelBuffered(u64),
    /// A `getStats()` report (answer to `PcCommand::GetStats`).
    Stats(super::stats::StatsSnapshot),
}

//! Sans-IO core: every decision rtcroom makes, with no IO, no clock and no
//! randomness. The browser driver (`crate::web`) feeds inputs and executes
//! outputs; native tests do the same with simulated peers and time.
//!
//! Contract (both [`PeerSession`] and [`RoomCore`]):
//! - `handle_input(now, input)` takes one event; `now` is the only clock.
//! - After every input the caller drains `poll_output()` until `None` and
//!   executes the outputs **in order and synchronously** (an
//!   `RTCPeerConnection` method is *called* right away, only its promise is
//!   awaited later), because perfect negotiation relies on the order of the
//!   connection's operations chain. A [`RoomCore`] caller turns each event
//!   into the app's before it polls the next output: [`RoomCore::participant`]
//!   still names a participant that left while the events of its departure
//!   are polled.
//! - Each asynchronous connection operation carries an [`OpId`]; its result
//!   comes back as [`PeerInput::OpCompleted`].
//! - `poll_timeout()` is the next instant at which `handle_timeout` must be
//!   called, if any.

pub mod abr;
mod candidates;
pub mod encodings;
mod error;
mod ice_servers;
pub mod map;
mod negotiation;
mod peer;
mod room;
pub mod sdp;
pub mod sfu;
pub mod stats;
pub mod stats_parse;
pub mod text;
mod types;

pub use abr::{Abr, SetEncodings};
pub use candidates::{CandidateQueue, QueuedCandidate, MAX_QUEUED_CANDIDATES};
pub use encodings::{EncodingParams, ScreenPreset, SourceSize, Topology};
pub use error::CoreError;
pub use ice_servers::validate_ice_servers;
pub use negotiation::{Completion, Negotiator};
pub use peer::recovery::{self, LossReason};
pub use peer::{PeerSession, HIGH_WATER, LOW_WATER, MAX_QUEUED_MESSAGE_BYTES};
pub use room::session::{self, SessionState, SocketId};
pub use room::{
    stream_group, CaptureId, Generation, LocalTrack, MuteStep, NewSender, RoomConfig,
    RoomConnection, RoomCore, RoomEvent, RoomInput, RoomOutput, SenderId, UnpublishReason,
    CAPTURE_WAIT,
};
pub use stats::{
    ConnectionStats, InboundStats, LayerOut, OutboundStats, PairStats, Quality, RemoteInboundStats,
    StatsSnapshot, VideoIn,
};
pub use types::*;

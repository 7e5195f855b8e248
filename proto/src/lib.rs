//! Wire protocol of rtcroom signaling, shared by the SDK and `rtcroom-server`.
//!
//! One JSON text frame per message over a WebSocket, tagged by `"type"`
//! (kebab-case). The relayed `signal.data` payload is generic: the server
//! treats it as opaque JSON, clients use [`SignalData`]. The [`hub`] module is
//! the sans-IO room logic (membership, relay within a room) used by the server
//! and by the SDK's in-page test transport, so both behave identically.

pub mod hub;
pub mod janus;
pub mod map;
mod messages;
#[cfg(feature = "json")]
mod raw;

pub use messages::*;
#[cfg(feature = "json")]
pub use raw::RawJson;

/// What unit tests return: they fail by `?` on an error, never by a panic.
#[cfg(test)]
type TestResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

//! Browser driver: the only code that touches web-sys. It turns browser
//! callbacks into core inputs and executes the core's outputs (see
//! `crate::core` for the contract), and exposes the Rust [`Room`] API and the
//! `#[wasm_bindgen]` handle the npm package wraps.

#[cfg(feature = "js")]
mod bindings;
pub mod codec;
mod encodings;
mod error;
mod events;
mod guard;
pub mod janus_codec;
mod js;
mod key_frames;
mod media;
mod oneshot;
mod peer;
mod reader;
mod room;
mod sfu;
mod sys;

/// Reading `getStats()` reports into the core's inputs.
pub mod stats;
pub mod transport;

pub use error::WebError;
pub use events::{Participant, RoomEvent, TrackEvent};
pub use guard::{sleep, Listener, Timeout};
pub use room::{JoinOptions, Room};

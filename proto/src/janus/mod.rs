//! Janus Gateway 1.x JSON API and its VideoRoom plugin, as the SDK speaks it
//! over one WebSocket (subprotocol [`SUBPROTOCOL`]).
//!
//! Requests are [`Request`]s tagged by `"janus"`; plugin requests carry a
//! VideoRoom [`Body`] tagged by `"request"`. Everything Janus sends is an
//! [`Incoming`]. Only the fields the SDK acts on are typed; unknown fields
//! are ignored and unknown `"janus"` kinds decode as [`Incoming::Other`].
//!
//! serde derives, not a hand-written codec: they cost the wasm bundle
//! nothing until a driver calls serde on these types. The browser driver
//! does not (its Janus tagged/untagged enums cost ~45 KB gzip): it goes
//! through `JSON`/`Reflect` in `src/web/janus_codec.rs`, checked against
//! these derives on `vectors/janus.json`. Room and feed ids are numbers (Janus's default; rooms
//! configured with `string_ids` are not supported).

mod incoming;
mod request;

pub use incoming::*;
pub use request::*;

/// The WebSocket subprotocol Janus requires.
pub const SUBPROTOCOL: &str = "janus-protocol";
/// The VideoRoom plugin's package name, for `attach`.
pub const VIDEOROOM: &str = "janus.plugin.videoroom";

//! Signaling transports. The room talks to a [`Transport`] and hears back
//! through a [`FrameSink`]; production uses [`WebSocketConnector`], tests in
//! one page use [`InPageHub`] (the same hub logic the server runs), and the
//! JS facade's import-time warm-up a relay of its own (`JsConnector`).

mod in_page;
mod janus;
#[cfg(feature = "js")]
mod js;
mod socket;
mod ws;

pub use in_page::InPageHub;
pub use janus::{encode as janus_encode, JanusConnector};
#[cfg(feature = "js")]
pub use js::JsConnector;
pub use ws::WebSocketConnector;

use super::error::WebError;
use futures::future::LocalBoxFuture;
use rtcroom_proto::{ClientMessage, ServerMessage, SignalData};
use std::rc::Rc;

#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum TransportEvent {
    Frame(ServerMessage<SignalData>),
    /// A frame from Janus (SFU rooms).
    Sfu(crate::core::sfu::SfuIncoming),
    /// A frame that could not be parsed; the connection stays.
    Garbage(String),
    Closed,
}

/// Where a transport delivers what it receives.
pub type FrameSink = Rc<dyn Fn(TransportEvent)>;

/// An open signaling connection. `send` is synchronous so that `leave` still
/// goes out from a `pagehide` handler.
pub trait Transport {
    fn send(&self, frame: &ClientMessage<SignalData>) -> Result<(), WebError>;
    /// A frame already encoded (Janus's JSON in SFU rooms).
    fn send_text(&self, _text: &str) -> Result<(), WebError> {
        Err(WebError::Protocol("this transport takes rtcroom frames only".into()))
    }
    fn close(&self);
}

/// Opens [`Transport`]s: the first, and one per reconnect.
pub trait Connector {
    /// Opens a transport to endpoint `endpoint` (`0..endpoints()`), the
    /// one the core chose.
    fn connect(
        &self,
        endpoint: usize,
        sink: FrameSink,
    ) -> LocalBoxFuture<'static, Result<Rc<dyn Transport>, WebError>>;

    /// How many endpoints it can open (server nodes sharing rooms).
    fn endpoints(&self) -> usize {
        1
    }
}

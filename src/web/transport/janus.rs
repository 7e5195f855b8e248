//! The WebSocket to Janus (subprotocol `janus-protocol`): Janus's JSON in
//! both directions, through `web::janus_codec` (the browser's `JSON`, no
//! serde in the bundle).

use super::socket::Socket;
use super::{Connector, FrameSink, Transport, TransportEvent};
use crate::web::error::WebError;
pub use crate::web::janus_codec::{decode, encode};
use futures::future::LocalBoxFuture;
use rtcroom_proto::janus::SUBPROTOCOL;
use rtcroom_proto::{ClientMessage, SignalData};
use std::rc::Rc;

/// Connects to Janus's WebSocket transport (`ws://host:8188`).
pub struct JanusConnector {
    pub url: String,
}

struct JanusTransport {
    socket: Rc<Socket>,
}

fn decode_event(text: &str) -> Option<TransportEvent> {
    Some(match decode(text) {
        Ok(msg) => TransportEvent::Sfu(crate::core::sfu::sfu_only(msg)?),
        Err(e) => TransportEvent::Garbage(e.message()),
    })
}

impl Connector for JanusConnector {
    fn connect(
        &self,
        _endpoint: usize,
        sink: FrameSink,
    ) -> LocalBoxFuture<'static, Result<Rc<dyn Transport>, WebError>> {
        let url = self.url.clone();
        Box::pin(async move {
            let socket = Socket::open(&url, Some(SUBPROTOCOL), decode_event, sink).await?;
            Ok(Rc::new(JanusTransport { socket }) as Rc<dyn Transport>)
        })
    }
}

impl Transport for JanusTransport {
    fn send(&self, _frame: &ClientMessage<SignalData>) -> Result<(), WebError> {
        Err(WebError::Protocol("Janus takes no rtcroom frames".into()))
    }

    fn send_text(&self, text: &str) -> Result<(), WebError> {
        self.socket.send_text(text.to_owned())
    }

    fn close(&self) {
        self.socket.close();
    }
}

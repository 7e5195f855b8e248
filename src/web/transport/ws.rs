use super::socket::Socket;
use super::{Connector, FrameSink, Transport, TransportEvent};
use crate::web::{codec, error::WebError};
use futures::future::LocalBoxFuture;
use rtcroom_proto::{ClientMessage, SignalData};
use std::rc::Rc;

/// Connects to an rtcroom signaling server (`ws://…/ws` or `wss://…/ws`):
/// one of `urls`, server nodes sharing rooms, as the core chooses.
pub struct WebSocketConnector {
    pub urls: Vec<String>,
}

struct WsTransport {
    socket: Rc<Socket>,
}

pub(super) fn decode(text: &str) -> Option<TransportEvent> {
    match codec::decode_server(text) {
        Ok(frame) => frame.map(TransportEvent::Frame),
        Err(e) => Some(TransportEvent::Garbage(e.message())),
    }
}

impl Connector for WebSocketConnector {
    fn endpoints(&self) -> usize {
        self.urls.len()
    }

    fn connect(
        &self,
        endpoint: usize,
        sink: FrameSink,
    ) -> LocalBoxFuture<'static, Result<Rc<dyn Transport>, WebError>> {
        let url = self.urls.get(endpoint).or(self.urls.first()).cloned().unwrap_or_default();
        Box::pin(async move {
            let socket = Socket::open(&url, None, decode, sink).await?;
            Ok(Rc::new(WsTransport { socket }) as Rc<dyn Transport>)
        })
    }
}

impl Transport for WsTransport {
    fn send(&self, frame: &ClientMessage<SignalData>) -> Result<(), WebError> {
        self.socket.send_text(codec::encode_client(frame)?)
    }

    fn close(&self) {
        self.socket.close();
    }
}

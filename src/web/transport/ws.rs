use super::{Connector, FrameSink, Transport, TransportEvent};
use crate::web::{codec, error::WebError};
use futures::future::{poll_fn, LocalBoxFuture};
use futures::{Sink, StreamExt};
use gloo_net::websocket::{futures::WebSocket, Message, State};
use rtcroom_proto::{ClientMessage, SignalData};
use std::cell::RefCell;
use std::pin::Pin;
use std::rc::Rc;

/// Connects to an rtcroom signaling server (`ws://…/ws` or `wss://…/ws`):
/// one of `urls`, server nodes sharing rooms, as the core chooses.
pub struct WebSocketConnector {
    pub urls: Vec<String>,
}

/// The socket is shared by the reader task and synchronous senders; it is
/// only ever borrowed inside one poll, never across an await.
struct WsTransport {
    ws: RefCell<Option<WebSocket>>,
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
            let ws = WebSocket::open(&url).map_err(|e| WebError::SignalingFailed(e.to_string()))?;
            let transport = Rc::new(WsTransport { ws: RefCell::new(Some(ws)) });
            // Resolves once the socket is open (or has failed).
            let ready = poll_fn(|cx| match transport.ws.try_borrow_mut().ok().as_deref_mut() {
                Some(Some(ws)) => Pin::new(ws).poll_ready(cx).map(|r| r.is_ok()),
                _ => std::task::Poll::Ready(false),
            })
            .await;
            let open = transport
                .ws
                .try_borrow()
                .ok()
                .and_then(|ws| ws.as_ref().map(|w| matches!(w.state(), State::Open)))
                .unwrap_or(false);
            if !ready || !open {
                return Err(WebError::SignalingFailed("could not open ".to_string() + &url));
            }
            let reader = transport.clone();
            wasm_bindgen_futures::spawn_local(async move {
                loop {
                    let next = poll_fn(|cx| match reader.ws.try_borrow_mut().ok().as_deref_mut() {
                        Some(Some(ws)) => ws.poll_next_unpin(cx),
                        _ => std::task::Poll::Ready(None),
                    })
                    .await;
                    match next {
                        Some(Ok(Message::Text(text))) => match codec::decode_server(&text) {
                            Ok(Some(frame)) => sink(TransportEvent::Frame(frame)),
                            Ok(None) => {}
                            Err(e) => sink(TransportEvent::Garbage(e.to_string())),
                        },
                        Some(Ok(Message::Bytes(_))) => {
                            sink(TransportEvent::Garbage("binary frame".into()))
                        }
                        Some(Err(_)) | None => break,
                    }
                }
                if let Ok(mut ws) = reader.ws.try_borrow_mut() {
                    ws.take();
                }
                sink(TransportEvent::Closed);
            });
            Ok(transport as Rc<dyn Transport>)
        })
    }
}

impl Transport for WsTransport {
    fn send(&self, frame: &ClientMessage<SignalData>) -> Result<(), WebError> {
        let text = codec::encode_client(frame)?;
        let mut ws = self.ws.try_borrow_mut().map_err(|_| WebError::Reentrant)?;
        let ws = ws.as_mut().ok_or(WebError::SignalingClosed)?;
        if !matches!(ws.state(), State::Open) {
            return Err(WebError::SignalingClosed);
        }
        // gloo-net's start_send writes through `WebSocket.send` right away.
        Pin::new(ws).start_send(Message::Text(text)).map_err(|_| WebError::SignalingClosed)
    }

    fn close(&self) {
        if let Ok(mut ws) = self.ws.try_borrow_mut() {
            if let Some(ws) = ws.take() {
                let _ = ws.close(Some(1000), Some("leave"));
            }
        }
    }
}

//! The WebSocket to Janus (subprotocol `janus-protocol`): Janus's JSON in
//! both directions, through `web::janus_codec` (the browser's `JSON`, no
//! serde in the bundle).

use super::{Connector, FrameSink, Transport, TransportEvent};
use crate::web::error::WebError;
pub use crate::web::janus_codec::{decode, encode};
use futures::future::{poll_fn, LocalBoxFuture};
use futures::{Sink, StreamExt};
use gloo_net::websocket::{futures::WebSocket, Message, State};
use rtcroom_proto::janus::SUBPROTOCOL;
use rtcroom_proto::{ClientMessage, SignalData};
use std::cell::RefCell;
use std::pin::Pin;
use std::rc::Rc;

/// Connects to Janus's WebSocket transport (`ws://host:8188`).
pub struct JanusConnector {
    pub url: String,
}

struct JanusTransport {
    ws: RefCell<Option<WebSocket>>,
}

impl Connector for JanusConnector {
    fn connect(
        &self,
        _endpoint: usize,
        sink: FrameSink,
    ) -> LocalBoxFuture<'static, Result<Rc<dyn Transport>, WebError>> {
        let url = self.url.clone();
        Box::pin(async move {
            let ws = WebSocket::open_with_protocol(&url, SUBPROTOCOL)
                .map_err(|e| WebError::SignalingFailed(e.to_string()))?;
            let transport = Rc::new(JanusTransport { ws: RefCell::new(Some(ws)) });
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
                        Some(Ok(Message::Text(text))) => match decode(&text) {
                            Ok(msg) => sink(TransportEvent::Sfu(msg)),
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

impl Transport for JanusTransport {
    fn send(&self, _frame: &ClientMessage<SignalData>) -> Result<(), WebError> {
        Err(WebError::Protocol("Janus takes no rtcroom frames".into()))
    }

    fn send_text(&self, text: &str) -> Result<(), WebError> {
        let mut ws = self.ws.try_borrow_mut().map_err(|_| WebError::Reentrant)?;
        let ws = ws.as_mut().ok_or(WebError::SignalingClosed)?;
        if !matches!(ws.state(), State::Open) {
            return Err(WebError::SignalingClosed);
        }
        Pin::new(ws)
            .start_send(Message::Text(text.to_owned()))
            .map_err(|_| WebError::SignalingClosed)
    }

    fn close(&self) {
        if let Ok(mut ws) = self.ws.try_borrow_mut() {
            if let Some(ws) = ws.take() {
                let _ = ws.close(Some(1000), Some("leave"));
            }
        }
    }
}

//! One browser WebSocket (gloo-net) shared by the rtcroom and Janus
//! transports: open and wait until it is, a reader task that hands each text
//! frame to a decoder and ends with `Closed`, synchronous text sends, close.

use super::{FrameSink, TransportEvent};
use crate::web::error::WebError;
use futures::future::poll_fn;
use futures::{Sink, StreamExt};
use gloo_net::websocket::{futures::WebSocket, Message, State};
use std::cell::RefCell;
use std::pin::Pin;
use std::rc::Rc;

/// Turns one received text frame into what the sink hears (`None`: nothing).
pub type Decode = fn(&str) -> Option<TransportEvent>;

/// The socket is shared by the reader task and synchronous senders; it is
/// only ever borrowed inside one poll, never across an await.
pub struct Socket {
    ws: RefCell<Option<WebSocket>>,
}

impl Socket {
    /// Opens `url` (with the subprotocol `protocol`) and resolves once it is
    /// open; from then on every text frame goes through `decode` to `sink`.
    pub async fn open(
        url: &str,
        protocol: Option<&str>,
        decode: Decode,
        sink: FrameSink,
    ) -> Result<Rc<Socket>, WebError> {
        let ws = match protocol {
            Some(p) => WebSocket::open_with_protocol(url, p),
            None => WebSocket::open(url),
        }
        // What the JS error's toString() says, without gloo's `Display` (fmt).
        .map_err(|e| {
            let text = match e.message.is_empty() {
                true => e.name,
                false => crate::core::text::concat(&[&e.name, ": ", &e.message]),
            };
            WebError::SignalingFailed(text)
        })?;
        let socket = Rc::new(Socket { ws: RefCell::new(Some(ws)) });
        // Resolves once the socket is open (or has failed).
        let ready = poll_fn(|cx| match socket.ws.try_borrow_mut().ok().as_deref_mut() {
            Some(Some(ws)) => Pin::new(ws).poll_ready(cx).map(|r| r.is_ok()),
            _ => std::task::Poll::Ready(false),
        })
        .await;
        if !ready || !socket.is_open() {
            return Err(WebError::SignalingFailed("could not open ".to_string() + url));
        }
        let reader = socket.clone();
        wasm_bindgen_futures::spawn_local(async move {
            loop {
                let next = poll_fn(|cx| match reader.ws.try_borrow_mut().ok().as_deref_mut() {
                    Some(Some(ws)) => ws.poll_next_unpin(cx),
                    _ => std::task::Poll::Ready(None),
                })
                .await;
                match next {
                    Some(Ok(Message::Text(text))) => {
                        if let Some(event) = decode(&text) {
                            sink(event);
                        }
                    }
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
        Ok(socket)
    }

    fn is_open(&self) -> bool {
        self.ws
            .try_borrow()
            .ok()
            .and_then(|ws| ws.as_ref().map(|w| matches!(w.state(), State::Open)))
            .unwrap_or(false)
    }

    /// Writes one text frame now (gloo-net's `start_send` calls
    /// `WebSocket.send` right away).
    pub fn send_text(&self, text: String) -> Result<(), WebError> {
        let mut ws = self.ws.try_borrow_mut().map_err(|_| WebError::Reentrant)?;
        let ws = ws.as_mut().ok_or(WebError::SignalingClosed)?;
        if !matches!(ws.state(), State::Open) {
            return Err(WebError::SignalingClosed);
        }
        Pin::new(ws).start_send(Message::Text(text)).map_err(|_| WebError::SignalingClosed)
    }

    pub fn close(&self) {
        if let Ok(mut ws) = self.ws.try_borrow_mut() {
            if let Some(ws) = ws.take() {
                let _ = ws.close(Some(1000), Some("leave"));
            }
        }
    }
}

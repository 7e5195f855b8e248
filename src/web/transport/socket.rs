//! One browser WebSocket shared by the rtcroom and Janus transports: open
//! and wait until it is, then each text frame goes to a decoder and on to
//! the sink from the `message` callback, and the end of the connection is
//! one `Closed`; synchronous text sends, close.
//!
//! `web_sys::WebSocket` with three listeners rather than gloo-net's stream
//! (its futures channel, waker and reader task cost ~2 KB gzip of wasm).

use super::{FrameSink, TransportEvent};
use crate::web::error::{dom_error, WebError};
use crate::web::guard::Listener;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, WebSocket};

/// Turns one received text frame into what the sink hears (`None`: nothing).
pub type Decode = fn(&str) -> Option<TransportEvent>;

/// Where the connection is: `Open` only between the `open` event and the
/// first `error`/`close` (or our `close`).
#[derive(Clone, Copy, PartialEq)]
enum Phase {
    Connecting,
    Open,
    Ended,
}

pub struct Socket {
    ws: WebSocket,
    phase: Rc<Cell<Phase>>,
    sink: FrameSink,
    /// `message`, `error`, `close`: removed by `close` (or drop).
    listeners: RefCell<Vec<Listener>>,
}

impl Socket {
    /// Opens `url` (with the subprotocol `protocol`) and resolves once it is
    /// open; from then on every text frame goes through `decode` to `sink`,
    /// and the first `error` or `close` ends it with one `Closed`.
    pub async fn open(
        url: &str,
        protocol: Option<&str>,
        decode: Decode,
        sink: FrameSink,
    ) -> Result<Rc<Socket>, WebError> {
        let ws = match protocol {
            Some(p) => WebSocket::new_with_str(url, p),
            None => WebSocket::new(url),
        }
        .map_err(|e| {
            // What the error's toString() says: "SyntaxError: …".
            let (name, message) = dom_error(&e);
            WebError::SignalingFailed(match message.is_empty() {
                true => name,
                false => crate::core::text::concat(&[&name, ": ", &message]),
            })
        })?;
        let phase = Rc::new(Cell::new(Phase::Connecting));
        let (tx, rx) = crate::web::oneshot::channel::<()>();
        let tx = Rc::new(Cell::new(Some(tx)));
        // Before the socket is open, an error or close fails the open (the
        // sink hears nothing); after, it ends the connection once.
        let end = {
            let (phase, tx, sink) = (phase.clone(), tx.clone(), sink.clone());
            Rc::new(move || match phase.replace(Phase::Ended) {
                Phase::Connecting => drop(tx.take()),
                Phase::Open => sink(TransportEvent::Closed),
                Phase::Ended => {}
            })
        };
        let on_message = {
            let (phase, sink) = (phase.clone(), sink.clone());
            move |e: web_sys::Event| {
                if phase.get() != Phase::Open {
                    return;
                }
                let data = e.unchecked_into::<MessageEvent>().data();
                match data.as_string() {
                    Some(text) => {
                        if let Some(event) = decode(&text) {
                            sink(event);
                        }
                    }
                    None => sink(TransportEvent::Garbage("binary frame".into())),
                }
            }
        };
        let (on_error, on_close) = (end.clone(), end);
        let listeners = vec![
            Listener::new(&ws, "message", on_message),
            Listener::new(&ws, "error", move |_| on_error()),
            Listener::new(&ws, "close", move |_| on_close()),
        ];
        let opened = {
            let phase = phase.clone();
            Listener::new(&ws, "open", move |_| {
                if phase.get() == Phase::Connecting {
                    phase.set(Phase::Open);
                    if let Some(tx) = tx.take() {
                        tx.send(());
                    }
                }
            })
        };
        let socket = Rc::new(Socket { ws, phase, sink, listeners: RefCell::new(listeners) });
        let ready = rx.await.is_ok();
        drop(opened);
        if !ready || socket.phase.get() != Phase::Open {
            return Err(WebError::SignalingFailed("could not open ".to_string() + url));
        }
        Ok(socket)
    }

    /// Writes one text frame now (`WebSocket.send`).
    pub fn send_text(&self, text: String) -> Result<(), WebError> {
        if self.phase.get() != Phase::Open || self.ws.ready_state() != WebSocket::OPEN {
            return Err(WebError::SignalingClosed);
        }
        self.ws.send_with_str(&text).map_err(|_| WebError::SignalingClosed)
    }

    /// Closes the socket (code 1000, "leave"). An open connection still
    /// ends with one `Closed`, in a task of its own as the browser's `close`
    /// event would, never inside the caller.
    pub fn close(&self) {
        if let Ok(mut listeners) = self.listeners.try_borrow_mut() {
            listeners.clear();
        }
        let _ = self.ws.close_with_code_and_reason(1000, "leave");
        if self.phase.replace(Phase::Ended) == Phase::Open {
            let sink = self.sink.clone();
            wasm_bindgen_futures::spawn_local(async move { sink(TransportEvent::Closed) });
        }
    }
}

impl Drop for Socket {
    /// A socket nobody holds is closed, not left running.
    fn drop(&mut self) {
        self.close();
    }
}

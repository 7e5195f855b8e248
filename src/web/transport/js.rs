//! A signaling link the page runs in JavaScript: the facade's import-time
//! warm-up relays frames between two rooms of the page in memory
//! (js/index.js `warmUp`). `relay()` returns a port: an `EventTarget` that
//! dispatches each server frame as a `message` event (`data`: the frame's
//! JSON text), with `send(text)` for ours and `close()`. Frames go through
//! the codec both ways, as over a WebSocket.

use super::{Connector, FrameSink, Transport};
use crate::web::codec;
use crate::web::error::WebError;
use crate::web::guard::Listener;
use crate::web::js::{get, text};
use futures::future::LocalBoxFuture;
use rtcroom_proto::{ClientMessage, SignalData};
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};

/// Opens ports from the page's `relay()`.
pub struct JsConnector {
    pub relay: js_sys::Function,
}

/// One port, with its `message` listener (removed when the room drops it).
struct JsPort {
    port: JsValue,
    _frames: Listener,
}

impl Connector for JsConnector {
    fn connect(
        &self,
        _endpoint: usize,
        sink: FrameSink,
    ) -> LocalBoxFuture<'static, Result<Rc<dyn Transport>, WebError>> {
        let port = self.relay.call0(&JsValue::NULL).map_err(|e| WebError::browser(&e));
        Box::pin(async move {
            let port = port?;
            let frames = Listener::new(port.unchecked_ref(), "message", move |e| {
                if let Some(event) = text(&e, "data").and_then(|t| super::ws::decode(&t)) {
                    sink(event);
                }
            });
            Ok(Rc::new(JsPort { port, _frames: frames }) as Rc<dyn Transport>)
        })
    }
}

impl JsPort {
    fn call(&self, method: &str, arg: &JsValue) -> Result<(), WebError> {
        let f: js_sys::Function = get(&self.port, method).unchecked_into();
        f.call1(&self.port, arg).map(drop).map_err(|e| WebError::browser(&e))
    }
}

impl Transport for JsPort {
    fn send(&self, frame: &ClientMessage<SignalData>) -> Result<(), WebError> {
        self.call("send", &codec::encode_client(frame)?.into())
    }

    fn close(&self) {
        let _ = self.call("close", &JsValue::UNDEFINED);
    }
}

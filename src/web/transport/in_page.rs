use super::{Connector, FrameSink, Transport, TransportEvent};
use crate::core::map::Map;
use crate::web::error::WebError;
use futures::future::LocalBoxFuture;
use rtcroom_proto::hub::{ConnId, Gone, Hub, HubConfig, HubOutput};
use rtcroom_proto::{ClientMessage, SignalData};
use std::cell::RefCell;
use std::rc::Rc;

/// A signaling server inside the page, running the same [`Hub`] as
/// `rtcroom-server`. Frames are delivered asynchronously, in order, like a
/// network would. For tests and demos that need no server.
#[derive(Clone, Default)]
pub struct InPageHub {
    state: Rc<RefCell<HubState>>,
}

struct HubState {
    hub: Hub<SignalData>,
    sinks: Map<ConnId, FrameSink>,
    next: u64,
}

impl Default for HubState {
    fn default() -> Self {
        // A fixed key: in-page tokens only need to round-trip within the page.
        let config = HubConfig { secret: b"rtcroom-in-page".to_vec(), ..HubConfig::default() };
        HubState { hub: Hub::new(config), sinks: Map::new(), next: 0 }
    }
}

/// Wall-clock milliseconds, as the hub expects.
fn now() -> u64 {
    // `Date.now()` is a non-negative whole number of ms; `as` saturates.
    js_sys::Date::now() as u64
}

struct InPageTransport {
    conn: ConnId,
    hub: InPageHub,
}

impl InPageHub {
    pub fn new() -> Self {
        Self::default()
    }

    /// A connector for one more participant.
    pub fn connector(&self) -> Rc<dyn Connector> {
        Rc::new(self.clone())
    }

    fn flush(&self) {
        let Ok(mut st) = self.state.try_borrow_mut() else {
            return;
        };
        let mut deliveries = Vec::new();
        while let Some(out) = st.hub.poll_output() {
            match out {
                HubOutput::Send { conn, msg } => {
                    if let Some(sink) = st.sinks.get(&conn) {
                        deliveries.push((sink.clone(), TransportEvent::Frame(msg)));
                    }
                }
                HubOutput::Close { conn } => {
                    if let Some(sink) = st.sinks.remove(&conn) {
                        deliveries.push((sink, TransportEvent::Closed));
                    }
                    // The connection ended: the hub forgets it (no output).
                    st.hub.handle_disconnect(now(), conn, Gone::Closed);
                }
                _ => {}
            }
        }
        drop(st);
        // Each frame is its own task, in FIFO order, as if from a socket.
        for (sink, ev) in deliveries {
            wasm_bindgen_futures::spawn_local(async move { sink(ev) });
        }
    }
}

impl Connector for InPageHub {
    fn connect(
        &self,
        _endpoint: usize,
        sink: FrameSink,
    ) -> LocalBoxFuture<'static, Result<Rc<dyn Transport>, WebError>> {
        let hub = self.clone();
        Box::pin(async move {
            let conn = {
                let mut st = hub.state.try_borrow_mut().map_err(|_| WebError::Reentrant)?;
                st.next += 1;
                let conn = st.next;
                st.sinks.insert(conn, sink);
                conn
            };
            Ok(Rc::new(InPageTransport { conn, hub }) as Rc<dyn Transport>)
        })
    }
}

impl Transport for InPageTransport {
    fn send(&self, frame: &ClientMessage<SignalData>) -> Result<(), WebError> {
        {
            let mut st = self.hub.state.try_borrow_mut().map_err(|_| WebError::Reentrant)?;
            if !st.sinks.contains_key(&self.conn) {
                return Err(WebError::SignalingClosed);
            }
            let conn = self.conn;
            let now = now();
            // No timer runs here: grace periods of suspended participants
            // end only when the next frame reaches the hub.
            st.hub.handle_timeout(now);
            st.hub.handle_message(now, conn, frame.clone(), || {
                "p".to_string() + &crate::core::text::dec(conn)
            });
        }
        self.hub.flush();
        Ok(())
    }

    fn close(&self) {
        if let Ok(mut st) = self.hub.state.try_borrow_mut() {
            // Reported also after `leave` (the hub forgets the connection);
            // an app-side close is a clean close frame.
            if st.sinks.remove(&self.conn).is_some() {
                st.hub.handle_disconnect(now(), self.conn, Gone::Closed);
            }
        }
        self.hub.flush();
    }
}

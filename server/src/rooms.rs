//! The shared room state: one `Hub` plus the outgoing queue of every live
//! connection. Each hub call drains the hub's output under the same lock, so
//! frames reach each connection in the order the hub produced them.

use crate::ids;
use rtcroom_proto::hub::{ConnId, Hub, HubOutput};
use rtcroom_proto::{ClientMessage, ErrorCode, LeaveReason};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

/// What a connection task is told to do with its socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outgoing {
    /// A serialized `ServerMessage` text frame.
    Text(String),
    /// The participant left: send a close frame and end the connection.
    Close,
}

#[derive(Default)]
struct Inner {
    hub: Hub<Value>,
    conns: HashMap<ConnId, UnboundedSender<Outgoing>>,
}

#[derive(Default)]
pub struct Rooms {
    inner: Mutex<Inner>,
    next_conn: AtomicU64,
}

impl Rooms {
    /// Registers a new connection and returns its id and outgoing queue.
    pub fn connect(&self) -> (ConnId, UnboundedReceiver<Outgoing>) {
        let conn = self.next_conn.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = unbounded_channel();
        self.lock().conns.insert(conn, tx);
        (conn, rx)
    }

    pub fn message(&self, conn: ConnId, msg: ClientMessage<Value>) {
        let mut inner = self.lock();
        inner.hub.handle_message(conn, msg, || ids::new_ids(conn));
        inner.flush();
    }

    pub fn bad_frame(&self, conn: ConnId, code: ErrorCode, message: String) {
        let mut inner = self.lock();
        inner.hub.handle_bad_frame(conn, code, message);
        inner.flush();
    }

    /// The connection ended. `reason` is `None` after a `leave`, which the
    /// hub has already announced.
    pub fn disconnect(&self, conn: ConnId, reason: Option<LeaveReason>) {
        let mut inner = self.lock();
        // Unregister first: nothing more is delivered to a finished socket.
        inner.conns.remove(&conn);
        if let Some(reason) = reason {
            inner.hub.handle_disconnect(conn, reason);
        }
        inner.flush();
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic elsewhere while holding the lock must not take the whole
        // server down; the hub's state is still consistent between calls.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Inner {
    fn flush(&mut self) {
        while let Some(out) = self.hub.poll_output() {
            let (conn, item) = match out {
                HubOutput::Send { conn, msg } => match serde_json::to_string(&msg) {
                    Ok(text) => (conn, Outgoing::Text(text)),
                    // Serializing a ServerMessage<Value> cannot fail; skip if it ever does.
                    Err(_) => continue,
                },
                HubOutput::Close { conn } => (conn, Outgoing::Close),
                // HubOutput is non_exhaustive; new variants need explicit handling here.
                _ => continue,
            };
            // A send error means the connection task already ended; its
            // disconnect is (or will be) reported by that task.
            if let Some(tx) = self.conns.get(&conn) {
                let _ = tx.send(item);
            }
        }
    }
}

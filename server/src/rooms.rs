//! The shared room state: one `Hub` plus the outgoing queue of every live
//! connection. Each hub call drains the hub's output under the same lock, so
//! frames reach each connection in the order the hub produced them.

use crate::ids;
use crate::outbox::{Outbox, QueueLimits};
use crate::stats::Stats;
use rtcroom_proto::hub::{ConnId, Gone, Hub, HubConfig, HubOutput};
use rtcroom_proto::{ClientMessage, ErrorCode};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};
use tokio::sync::Notify;

/// What `/metrics` reads from the hub.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HubGauges {
    pub rooms: usize,
    pub suspended: usize,
    pub held_dropped: u64,
}

struct Inner {
    hub: Hub<Value>,
    conns: HashMap<ConnId, Arc<Outbox>>,
    /// The hub's deadline the timer task last learned of.
    armed: Option<u64>,
}

pub struct Rooms {
    inner: Mutex<Inner>,
    next_conn: AtomicU64,
    /// Wakes the timer task when the hub's deadline changed.
    deadline_changed: Notify,
    limits: QueueLimits,
    pub stats: Arc<Stats>,
}

/// Wall-clock milliseconds since the UNIX epoch: session tokens carry an
/// expiry that must mean the same after a restart.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

impl Rooms {
    pub fn new(config: HubConfig, limits: QueueLimits, stats: Arc<Stats>) -> Self {
        Rooms {
            limits,
            stats,
            inner: Mutex::new(Inner { hub: Hub::new(config), conns: HashMap::new(), armed: None }),
            next_conn: AtomicU64::new(0),
            deadline_changed: Notify::new(),
        }
    }

    /// Registers a new connection and returns its id and outgoing queue.
    pub fn connect(&self) -> (ConnId, Arc<Outbox>) {
        let conn = self.next_conn.fetch_add(1, Ordering::Relaxed);
        let outbox = Arc::new(Outbox::new(self.limits, self.stats.clone()));
        self.lock().conns.insert(conn, outbox.clone());
        (conn, outbox)
    }

    /// Feeds one frame to the hub; returns whether `conn` is now a member.
    pub fn message(&self, conn: ConnId, msg: ClientMessage<Value>) -> bool {
        let mut inner = self.lock();
        inner.hub.handle_message(now_ms(), conn, msg, || ids::new_id(conn));
        self.flush(&mut inner);
        inner.hub.is_member(conn)
    }

    pub fn bad_frame(&self, conn: ConnId, code: ErrorCode, message: String) {
        let mut inner = self.lock();
        inner.hub.handle_bad_frame(conn, code, message);
        self.flush(&mut inner);
    }

    /// The connection ended, however it ended (after `leave` too: the hub
    /// must forget every finished connection, or a closing one could stay in
    /// a room for ever).
    pub fn disconnect(&self, conn: ConnId, gone: Gone) {
        let mut inner = self.lock();
        // Unregister first: nothing more is delivered to a finished socket.
        inner.conns.remove(&conn);
        inner.hub.handle_disconnect(now_ms(), conn, gone);
        self.flush(&mut inner);
    }

    /// Room-level gauges for `/metrics`.
    pub fn hub_gauges(&self) -> HubGauges {
        let inner = self.lock();
        HubGauges {
            rooms: inner.hub.room_count(),
            suspended: inner.hub.suspended_count(),
            held_dropped: inner.hub.dropped_held_frames(),
        }
    }

    /// Runs the hub's timers until the future is dropped: sleeps until the
    /// hub's deadline, or until a hub call moved it.
    pub async fn run_timers(&self) {
        loop {
            let next = self.lock().armed;
            let sleep = async {
                match next {
                    Some(at) => {
                        let wait = at.saturating_sub(now_ms());
                        tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = sleep => {
                    let mut inner = self.lock();
                    inner.hub.handle_timeout(now_ms());
                    self.flush(&mut inner);
                }
                () = self.deadline_changed.notified() => {}
            }
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic elsewhere while holding the lock must not take the whole
        // server down; the hub's state is still consistent between calls.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn flush(&self, inner: &mut Inner) {
        while let Some(out) = inner.hub.poll_output() {
            match out {
                HubOutput::Send { conn, msg } => {
                    // Serializing a ServerMessage<Value> cannot fail; skip if it ever does.
                    let Ok(text) = serde_json::to_string(&msg) else { continue };
                    // No queue: the connection task already ended and
                    // reported (or will report) its disconnect.
                    if let Some(outbox) = inner.conns.get(&conn) {
                        // The connection task closes it and counts the drop.
                        let _ = outbox.push(text);
                    }
                }
                HubOutput::Close { conn } => {
                    if let Some(outbox) = inner.conns.get(&conn) {
                        outbox.close();
                    }
                }
                // HubOutput is non_exhaustive; new variants need explicit handling here.
                _ => continue,
            }
        }
        let deadline = inner.hub.poll_timeout();
        if deadline != inner.armed {
            inner.armed = deadline;
            // Stores a permit if the timer task is busy, so no change is lost.
            self.deadline_changed.notify_one();
        }
    }
}

//! The shared room state: one `Hub` plus the outgoing queue of every live
//! connection. Each hub call drains the hub's output under the same lock, so
//! frames reach each connection in the order the hub produced them.

use crate::backplane::{self, BackplaneStats, Outgoing};
use crate::ids;
use crate::outbox::{Outbox, QueueLimits};
use crate::stats::Stats;
use rtcroom_proto::hub::{BackplaneFrame, ConnId, Gone, Hub, HubConfig, HubOutput};
use rtcroom_proto::{ClientMessage, ErrorCode, RawJson, ServerMessage};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};
use tokio::sync::{mpsc, Notify};

/// What `/metrics` reads from the hub.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HubGauges {
    pub rooms: usize,
    pub suspended: usize,
    pub held_dropped: u64,
    /// Other nodes this node hears from.
    pub nodes_alive: usize,
    pub nodes_lost: u64,
    pub signals_unroutable: u64,
}

struct Inner {
    /// Signal data stays the text it arrived as (see `frame`).
    hub: Hub<RawJson>,
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
    /// To the Redis link, when this node has a backplane.
    publisher: Option<mpsc::Sender<Outgoing>>,
    backplane_stats: Arc<BackplaneStats>,
}

/// Room and participant of a member connection, owned (for a log line).
fn member(hub: &Hub<RawJson>, conn: ConnId) -> Option<(String, String)> {
    hub.member_of_conn(conn).map(|(room, id)| (room.to_owned(), id.clone()))
}

/// Wall-clock milliseconds since the UNIX epoch: session tokens carry an
/// expiry that must mean the same after a restart.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// The frame's text, written into a buffer sized for it up front: a relayed
/// signal is mostly its `data`, which would otherwise grow the buffer from
/// 128 bytes through several reallocations.
fn to_text(msg: &ServerMessage<RawJson>) -> Option<String> {
    let capacity = match msg {
        ServerMessage::Signal { from, data } => data.get().len() + from.len() + 40,
        _ => 256,
    };
    let mut buf = Vec::with_capacity(capacity);
    serde_json::to_writer(&mut buf, msg).ok()?;
    String::from_utf8(buf).ok()
}

impl Rooms {
    pub fn new(
        config: HubConfig,
        limits: QueueLimits,
        stats: Arc<Stats>,
        publisher: Option<mpsc::Sender<Outgoing>>,
    ) -> Self {
        let hub = Hub::new(config);
        Rooms {
            limits,
            stats,
            publisher,
            backplane_stats: Arc::new(BackplaneStats::default()),
            // The backplane's first heartbeat is due at once.
            inner: Mutex::new(Inner { armed: hub.poll_timeout(), hub, conns: HashMap::new() }),
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
    pub fn message(&self, conn: ConnId, msg: ClientMessage<RawJson>) -> bool {
        let mut inner = self.lock();
        let kind = match &msg {
            ClientMessage::Join { resume, .. } => {
                Some(if resume.is_some() { "resume" } else { "join" })
            }
            ClientMessage::Leave => Some("leave"),
            _ => None,
        };
        // Membership changes are logged; signals are not (too many).
        let before = kind.and_then(|_| member(&inner.hub, conn));
        inner.hub.handle_message(now_ms(), conn, msg, || ids::new_id(conn));
        self.flush(&mut inner);
        if let Some(kind) = kind {
            match (before, member(&inner.hub, conn)) {
                (None, Some((room, participant))) => {
                    tracing::info!(conn, %room, %participant, kind, "joined");
                }
                (Some((room, participant)), None) => {
                    tracing::info!(conn, %room, %participant, "left");
                }
                _ => tracing::debug!(conn, kind, "join or leave refused or ignored"),
            }
        }
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
        if let Some((room, participant)) = member(&inner.hub, conn) {
            tracing::info!(conn, %room, %participant, reason = ?gone, "socket ended, participant suspended");
        }
        inner.hub.handle_disconnect(now_ms(), conn, gone);
        self.flush(&mut inner);
    }

    /// A frame another node published (raw, from Redis).
    pub fn backplane(&self, payload: &[u8]) {
        // Backplane messages are internally tagged: parsed as a tree, then
        // the signal's data becomes text again.
        let frame = serde_json::from_slice::<BackplaneFrame<Value>>(payload)
            .and_then(|f| f.try_map_data(|data| RawJson::from_value(&data)));
        self.backplane_stats.count_received(frame.is_ok());
        let Ok(frame) = frame else { return };
        let mut inner = self.lock();
        inner.hub.handle_backplane(now_ms(), frame);
        self.flush(&mut inner);
    }

    pub fn backplane_stats(&self) -> Arc<BackplaneStats> {
        self.backplane_stats.clone()
    }

    /// Room-level gauges for `/metrics`.
    pub fn hub_gauges(&self) -> HubGauges {
        let inner = self.lock();
        let counts = inner.hub.backplane_counts();
        HubGauges {
            rooms: inner.hub.room_count(),
            suspended: inner.hub.suspended_count(),
            held_dropped: inner.hub.dropped_held_frames(),
            nodes_alive: inner.hub.nodes_alive(),
            nodes_lost: counts.nodes_lost,
            signals_unroutable: counts.signals_unroutable,
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
                    let lost = inner.hub.backplane_counts().nodes_lost;
                    inner.hub.handle_timeout(now_ms());
                    self.flush(&mut inner);
                    let now_lost = inner.hub.backplane_counts().nodes_lost;
                    if now_lost > lost {
                        let alive = inner.hub.nodes_alive();
                        tracing::warn!(lost = now_lost - lost, alive, "backplane: node(s) silent past the timeout; their participants are suspended");
                    }
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

    /// Hands a frame to the Redis link; a full queue drops it (counted).
    fn publish(&self, to: Option<&str>, frame: &BackplaneFrame<RawJson>) {
        let Some(tx) = &self.publisher else { return };
        let Ok(payload) = serde_json::to_vec(frame) else { return };
        let channel = to.map_or_else(|| backplane::ALL_CHANNEL.to_owned(), backplane::node_channel);
        if tx.try_send(Outgoing { channel, payload }).is_err() {
            self.backplane_stats.count_dropped();
        }
    }

    fn flush(&self, inner: &mut Inner) {
        while let Some(out) = inner.hub.poll_output() {
            match out {
                HubOutput::Send { conn, msg } => {
                    // Serializing a ServerMessage<RawJson> cannot fail; skip if it ever does.
                    let Some(text) = to_text(&msg) else { continue };
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
                HubOutput::Publish { to, frame } => self.publish(to.as_deref(), &frame),
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

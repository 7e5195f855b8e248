//! The Redis side of the backplane: PUBLISH what the hub publishes, and feed
//! the hub what the other nodes published (SUBSCRIBE). All decisions (who
//! owns a participant, which node is dead) are the hub's; this only moves
//! bytes and reconnects.
//!
//! Channels: `rtcroom:all` (heartbeats, membership) and `rtcroom:node:ID`
//! (frames for one node: signals, sync). One connection publishes and one
//! subscribes, so every node receives a node's frames in the order it
//! published them, across both channels.

use crate::rooms::Rooms;
use futures::StreamExt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;

/// Frames waiting for Redis; more are dropped (and counted) while Redis is
/// slow or away, rather than growing without bound.
pub const QUEUE_FRAMES: usize = 16_384;
/// Frames sent in one pipeline.
const BATCH: usize = 256;
const BACKOFF_MIN: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(5);

pub const ALL_CHANNEL: &str = "rtcroom:all";

pub fn node_channel(node: &str) -> String {
    format!("rtcroom:node:{node}")
}

/// One frame to publish.
#[derive(Debug)]
pub struct Outgoing {
    pub channel: String,
    pub payload: Vec<u8>,
}

/// Counters for `/metrics`.
#[derive(Debug, Default)]
pub struct BackplaneStats {
    connected: AtomicU64,
    published: AtomicU64,
    received: AtomicU64,
    dropped: AtomicU64,
    undecodable: AtomicU64,
    reconnects: AtomicU64,
}

impl BackplaneStats {
    pub fn connected(&self) -> bool {
        self.connected.load(Ordering::Relaxed) == 1
    }
    pub fn published(&self) -> u64 {
        self.published.load(Ordering::Relaxed)
    }
    pub fn received(&self) -> u64 {
        self.received.load(Ordering::Relaxed)
    }
    /// Frames not published: the queue to Redis was full, or the link
    /// failed under them.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
    /// Frames from Redis that were not a backplane frame.
    pub fn undecodable(&self) -> u64 {
        self.undecodable.load(Ordering::Relaxed)
    }
    pub fn reconnects(&self) -> u64 {
        self.reconnects.load(Ordering::Relaxed)
    }
    pub fn count_dropped(&self) {
        self.dropped.fetch_add(1, Ordering::Relaxed);
    }
    pub fn count_received(&self, decodable: bool) {
        self.received.fetch_add(1, Ordering::Relaxed);
        if !decodable {
            self.undecodable.fetch_add(1, Ordering::Relaxed);
        }
    }
}

#[derive(Debug, thiserror::Error)]
enum LinkError {
    #[error(transparent)]
    Redis(#[from] redis::RedisError),
    #[error("subscription stream ended")]
    Lost,
}

/// Runs the Redis link for ever, reconnecting with back-off.
pub async fn run(rooms: &Rooms, url: &str, node: &str, mut rx: mpsc::Receiver<Outgoing>) {
    let stats = rooms.backplane_stats();
    let mut backoff = BACKOFF_MIN;
    loop {
        let result = link(rooms, url, node, &mut rx, &mut backoff).await;
        stats.connected.store(0, Ordering::Relaxed);
        match result {
            Ok(()) => return,
            Err(e) => {
                tracing::warn!(error = %e, retry_ms = backoff.as_millis() as u64, "backplane: redis link lost");
            }
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(BACKOFF_MAX);
        stats.reconnects.fetch_add(1, Ordering::Relaxed);
    }
}

/// One connection's life; `Ok` only when the hub side is gone.
async fn link(
    rooms: &Rooms,
    url: &str,
    node: &str,
    rx: &mut mpsc::Receiver<Outgoing>,
    backoff: &mut Duration,
) -> Result<(), LinkError> {
    let stats = rooms.backplane_stats();
    let client = redis::Client::open(url)?;
    let mut pubsub = client.get_async_pubsub().await?;
    pubsub.subscribe(ALL_CHANNEL).await?;
    pubsub.subscribe(node_channel(node)).await?;
    let mut conn = client.get_multiplexed_async_connection().await?;
    stats.connected.store(1, Ordering::Relaxed);
    *backoff = BACKOFF_MIN;
    tracing::info!(url, node, "backplane: connected to redis");
    let mut messages = pubsub.on_message();
    let mut batch = Vec::with_capacity(BATCH);
    loop {
        tokio::select! {
            msg = messages.next() => match msg {
                Some(msg) => rooms.backplane(msg.get_payload_bytes()),
                None => return Err(LinkError::Lost),
            },
            n = rx.recv_many(&mut batch, BATCH) => {
                if n == 0 {
                    return Ok(());
                }
                let mut pipe = redis::pipe();
                for out in batch.drain(..) {
                    pipe.cmd("PUBLISH").arg(out.channel).arg(out.payload).ignore();
                }
                if let Err(e) = pipe.query_async::<()>(&mut conn).await {
                    // The batch is lost with the link; count it.
                    stats.dropped.fetch_add(n as u64, Ordering::Relaxed);
                    return Err(e.into());
                }
                stats.published.fetch_add(n as u64, Ordering::Relaxed);
            }
        }
    }
}

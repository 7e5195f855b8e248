//! Counters and gauges of the running server, shared by every connection
//! task; read by tests through [`crate::Server::stats`].

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// Why the server ended a connection on its own initiative.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropReason {
    /// Its outgoing queue overflowed: it did not read fast enough.
    SlowConsumer,
    /// No `join` within the join deadline.
    JoinTimeout,
    /// Silent for two heartbeat intervals.
    HeartbeatTimeout,
    /// A WebSocket protocol violation (RFC 6455 close 1002/1007).
    ProtocolError,
    /// A frame above the hard size cap (close 1009).
    TooBig,
    /// Refused at once: the server-wide connection cap.
    ServerFull,
    /// Refused at once: the per-address connection cap.
    AddressFull,
    /// Upgrade refused with 403: its Origin is not on `--allow-origin`.
    OriginRefused,
}

impl DropReason {
    pub const ALL: [DropReason; 8] = [
        DropReason::SlowConsumer,
        DropReason::JoinTimeout,
        DropReason::HeartbeatTimeout,
        DropReason::ProtocolError,
        DropReason::TooBig,
        DropReason::ServerFull,
        DropReason::AddressFull,
        DropReason::OriginRefused,
    ];

    /// The label `/metrics` uses.
    pub fn as_str(self) -> &'static str {
        match self {
            DropReason::SlowConsumer => "slow_consumer",
            DropReason::JoinTimeout => "join_timeout",
            DropReason::HeartbeatTimeout => "heartbeat_timeout",
            DropReason::ProtocolError => "protocol_error",
            DropReason::TooBig => "too_big",
            DropReason::ServerFull => "server_full",
            DropReason::AddressFull => "address_full",
            DropReason::OriginRefused => "origin_refused",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

#[derive(Debug, Default)]
pub struct Stats {
    connections: AtomicUsize,
    queued_bytes: AtomicUsize,
    queued_frames: AtomicUsize,
    frames_in: AtomicU64,
    frames_out: AtomicU64,
    drops: [AtomicU64; DropReason::ALL.len()],
}

impl Stats {
    /// WebSocket connections being served (refused ones excluded).
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// Bytes waiting in every connection's outgoing queue.
    pub fn queued_bytes(&self) -> usize {
        self.queued_bytes.load(Ordering::SeqCst)
    }

    /// Frames waiting in every connection's outgoing queue.
    pub fn queued_frames(&self) -> usize {
        self.queued_frames.load(Ordering::SeqCst)
    }

    /// WebSocket frames received (data and control).
    pub fn frames_in(&self) -> u64 {
        self.frames_in.load(Ordering::SeqCst)
    }

    /// Text frames written to sockets.
    pub fn frames_out(&self) -> u64 {
        self.frames_out.load(Ordering::SeqCst)
    }

    /// Connections the server ended or refused for `reason`.
    pub fn drops(&self, reason: DropReason) -> u64 {
        self.drops.get(reason.index()).map_or(0, |d| d.load(Ordering::SeqCst))
    }

    pub(crate) fn count_drop(&self, reason: DropReason) {
        if let Some(d) = self.drops.get(reason.index()) {
            d.fetch_add(1, Ordering::SeqCst);
        }
    }

    pub(crate) fn count_in(&self) {
        self.frames_in.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn count_out(&self, frames: u64) {
        self.frames_out.fetch_add(frames, Ordering::Relaxed);
    }

    pub(crate) fn queued(&self, frames: usize, bytes: usize) {
        self.queued_frames.fetch_add(frames, Ordering::SeqCst);
        self.queued_bytes.fetch_add(bytes, Ordering::SeqCst);
    }

    pub(crate) fn dequeued(&self, frames: usize, bytes: usize) {
        self.queued_frames.fetch_sub(frames, Ordering::SeqCst);
        self.queued_bytes.fetch_sub(bytes, Ordering::SeqCst);
    }

    /// Counts a served connection until the guard drops.
    pub(crate) fn track_connection(&self) -> ConnectionGuard<'_> {
        self.connections.fetch_add(1, Ordering::SeqCst);
        ConnectionGuard(&self.connections)
    }
}

pub(crate) struct ConnectionGuard<'a>(&'a AtomicUsize);

impl Drop for ConnectionGuard<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

//! One connection's outgoing queue, bounded in bytes and frames. The hub's
//! output is pushed under the rooms lock and must never wait for a socket,
//! so a push that does not fit marks the connection a slow consumer, frees
//! what it queued at once, and wakes its task to close it (4002).

use crate::stats::Stats;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::Notify;

/// Per-connection bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueLimits {
    pub max_bytes: usize,
    pub max_frames: usize,
}

/// The push did not fit: the connection is now closing as a slow consumer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("outgoing queue full: slow consumer")]
pub struct Overflow;

/// What the connection task does next.
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    Text(String),
    /// The hub finished the connection; everything queued before went out.
    Close,
    /// The queue overflowed; what was queued is gone.
    Overflow,
}

#[derive(Debug, Default)]
struct State {
    frames: VecDeque<String>,
    bytes: usize,
    close: bool,
    overflowed: bool,
}

#[derive(Debug)]
pub struct Outbox {
    state: Mutex<State>,
    /// One waiter (the connection task), which checks the state before
    /// waiting, so a stored permit is never lost.
    wake: Notify,
    limits: QueueLimits,
    stats: Arc<Stats>,
}

impl Outbox {
    pub fn new(limits: QueueLimits, stats: Arc<Stats>) -> Self {
        Outbox { state: Mutex::default(), wake: Notify::new(), limits, stats }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // State stays consistent between calls; a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Queues a text frame. An empty queue takes any frame (a `welcome` of
    /// a large room may exceed the byte bound on its own); otherwise both
    /// bounds apply. `Err` only for the push that overflows; frames for a
    /// connection already closing are dropped quietly.
    pub fn push(&self, text: String) -> Result<(), Overflow> {
        let mut s = self.lock();
        if s.overflowed || s.close {
            return Ok(());
        }
        let len = text.len();
        let fits = s.frames.is_empty()
            || (s.frames.len() < self.limits.max_frames
                && s.bytes.saturating_add(len) <= self.limits.max_bytes);
        if !fits {
            let (frames, bytes) = (s.frames.len(), s.bytes);
            s.frames = VecDeque::new();
            s.bytes = 0;
            s.overflowed = true;
            drop(s);
            self.stats.dequeued(frames, bytes);
            self.wake.notify_one();
            return Err(Overflow);
        }
        s.frames.push_back(text);
        s.bytes += len;
        drop(s);
        self.stats.queued(1, len);
        self.wake.notify_one();
        Ok(())
    }

    /// The hub finished the connection: close it once the queue is sent.
    pub fn close(&self) {
        self.lock().close = true;
        self.wake.notify_one();
    }

    /// Waits for the next thing to do.
    pub async fn next(&self) -> Next {
        loop {
            {
                let mut s = self.lock();
                if s.overflowed {
                    return Next::Overflow;
                }
                if let Some(text) = s.frames.pop_front() {
                    s.bytes -= text.len();
                    drop(s);
                    self.stats.dequeued(1, text.len());
                    return Next::Text(text);
                }
                if s.close {
                    return Next::Close;
                }
            }
            self.wake.notified().await;
        }
    }

    /// The next queued frame if there is one now, without waiting: the
    /// connection task writes what is queued behind a frame in the same
    /// flush. `None` once the queue overflowed.
    pub fn try_next_text(&self) -> Option<String> {
        let mut s = self.lock();
        if s.overflowed {
            return None;
        }
        let text = s.frames.pop_front()?;
        s.bytes -= text.len();
        drop(s);
        self.stats.dequeued(1, text.len());
        Some(text)
    }

    /// Resolves once the queue overflowed (raced against a blocked write).
    pub async fn overflowed(&self) {
        while !self.lock().overflowed {
            self.wake.notified().await;
        }
    }
}

impl Drop for Outbox {
    fn drop(&mut self) {
        let s = self.lock();
        self.stats.dequeued(s.frames.len(), s.bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    fn outbox(max_bytes: usize, max_frames: usize) -> (Outbox, Arc<Stats>) {
        let stats = Arc::new(Stats::default());
        (Outbox::new(QueueLimits { max_bytes, max_frames }, stats.clone()), stats)
    }

    #[tokio::test]
    async fn frames_come_out_in_order_then_the_close() -> TestResult {
        let (o, stats) = outbox(100, 10);
        o.push("a".into())?;
        o.push("bc".into())?;
        o.close();
        assert_eq!((stats.queued_frames(), stats.queued_bytes()), (2, 3));
        assert_eq!(o.next().await, Next::Text("a".into()));
        assert_eq!(o.next().await, Next::Text("bc".into()));
        assert_eq!(o.next().await, Next::Close);
        assert_eq!(stats.queued_bytes(), 0);
        Ok(())
    }

    #[tokio::test]
    async fn overflow_in_bytes_or_frames_frees_the_queue_and_refuses_later_pushes() -> TestResult {
        let (o, stats) = outbox(10, 100);
        o.push("x".repeat(8))?;
        assert_eq!(o.push("x".repeat(3)), Err(Overflow));
        assert_eq!(stats.queued_bytes(), 0);
        assert_eq!(o.push("y".into()), Ok(()), "reported once");
        assert_eq!(stats.queued_bytes(), 0);
        assert_eq!(o.next().await, Next::Overflow);
        o.overflowed().await;

        let (o, stats) = outbox(1000, 2);
        o.push("a".into())?;
        o.push("b".into())?;
        assert_eq!(o.push("c".into()), Err(Overflow));
        assert_eq!((stats.queued_frames(), stats.queued_bytes()), (0, 0));
        Ok(())
    }

    #[tokio::test]
    async fn an_empty_queue_takes_one_frame_above_the_byte_bound() -> TestResult {
        let (o, stats) = outbox(10, 10);
        o.push("w".repeat(50))?;
        assert_eq!(stats.queued_bytes(), 50);
        assert_eq!(o.push("x".into()), Err(Overflow));
        Ok(())
    }

    #[tokio::test]
    async fn queued_frames_can_be_taken_without_waiting_until_the_queue_is_empty() -> TestResult {
        let (o, stats) = outbox(100, 10);
        assert_eq!(o.try_next_text(), None);
        o.push("a".into())?;
        o.push("b".into())?;
        o.close();
        assert_eq!(o.try_next_text().as_deref(), Some("a"));
        assert_eq!(o.try_next_text().as_deref(), Some("b"));
        assert_eq!(o.try_next_text(), None, "the close is not a frame");
        assert_eq!((stats.queued_frames(), stats.queued_bytes()), (0, 0));
        assert_eq!(o.next().await, Next::Close);

        let (o, _) = outbox(1, 10);
        o.push("a".into())?;
        assert_eq!(o.push("b".into()), Err(Overflow));
        assert_eq!(o.try_next_text(), None, "an overflowed queue hands out nothing");
        Ok(())
    }

    #[tokio::test]
    async fn dropping_the_queue_returns_its_bytes_to_the_gauge() -> TestResult {
        let (o, stats) = outbox(100, 10);
        o.push("abc".into())?;
        drop(o);
        assert_eq!((stats.queued_frames(), stats.queued_bytes()), (0, 0));
        Ok(())
    }
}

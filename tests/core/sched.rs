//! Simulated time: a seeded PRNG, delay distributions and an event queue
//! ordered by (time, insertion order).

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// The fuzz crate's splitmix64 (one seedable PRNG for the whole test
/// suite), with the draws simulated time needs.
pub use rtcroom_fuzz::Rng;

pub trait Draws {
    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64;
    /// True with probability `percent`/100.
    fn percent(&mut self, percent: u64) -> bool;
}

impl Draws for Rng {
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        assert!(lo <= hi, "empty range {lo}..={hi}");
        lo + self.next_u64() % (hi - lo + 1)
    }

    fn percent(&mut self, percent: u64) -> bool {
        self.range(0, 99) < percent
    }
}

/// How long something takes, in simulated milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delay {
    Fixed(u64),
    /// Uniform in `lo..=hi`.
    Range(u64, u64),
}

impl Delay {
    pub fn sample(self, rng: &mut Rng) -> u64 {
        match self {
            Delay::Fixed(d) => d,
            Delay::Range(lo, hi) => rng.range(lo, hi),
        }
    }
}

struct Entry<E> {
    time: u64,
    seq: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        (self.time, self.seq) == (other.time, other.seq)
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    /// Reversed: `BinaryHeap` is a max-heap and we want the earliest first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time, other.seq).cmp(&(self.time, self.seq))
    }
}

/// Events at simulated instants; equal instants run in insertion order (a
/// task queued later runs later).
pub struct Scheduler<E> {
    now: u64,
    seq: u64,
    heap: BinaryHeap<Entry<E>>,
}

impl<E> Default for Scheduler<E> {
    fn default() -> Self {
        Scheduler { now: 0, seq: 0, heap: BinaryHeap::new() }
    }
}

impl<E> Scheduler<E> {
    pub fn now(&self) -> u64 {
        self.now
    }

    pub fn at(&mut self, time: u64, event: E) {
        let time = time.max(self.now);
        self.seq += 1;
        self.heap.push(Entry { time, seq: self.seq, event });
    }

    pub fn after(&mut self, delay: u64, event: E) {
        self.at(self.now + delay, event);
    }

    pub fn next_time(&self) -> Option<u64> {
        self.heap.peek().map(|e| e.time)
    }

    /// Removes the earliest event and moves the clock to it.
    pub fn pop(&mut self) -> Option<E> {
        let e = self.heap.pop()?;
        self.now = e.time;
        Some(e.event)
    }

    /// Whether every queued event satisfies `f`.
    pub fn all(&self, f: impl Fn(&E) -> bool) -> bool {
        self.heap.iter().all(|e| f(&e.event))
    }

    /// Moves the clock forward without an event (never backwards).
    pub fn advance_to(&mut self, time: u64) {
        self.now = self.now.max(time);
    }
}

/// One direction of a signaling path. Descriptions (and everything else that
/// is not a candidate) stay FIFO; with `reorder`, candidates travel on their
/// own FIFO lane with their own delay and may overtake descriptions.
#[derive(Debug, Clone)]
pub struct Lane {
    pub delay: Delay,
    pub candidate_delay: Delay,
    pub reorder: bool,
    last_ordered: u64,
    last_candidate: u64,
}

impl Lane {
    pub fn new(delay: Delay, candidate_delay: Delay, reorder: bool) -> Self {
        Lane { delay, candidate_delay, reorder, last_ordered: 0, last_candidate: 0 }
    }

    /// Arrival time of a message sent at `now`.
    pub fn arrival(&mut self, now: u64, rng: &mut Rng, is_candidate: bool) -> u64 {
        if self.reorder && is_candidate {
            let t = (now + self.candidate_delay.sample(rng)).max(self.last_candidate);
            self.last_candidate = t;
            t
        } else if self.reorder {
            let t = (now + self.delay.sample(rng)).max(self.last_ordered);
            self.last_ordered = t;
            t
        } else {
            let t = (now + self.delay.sample(rng)).max(self.last_ordered);
            self.last_ordered = t;
            self.last_candidate = t;
            t
        }
    }
}

//! When to open the next socket after the one to Janus dropped: at once,
//! then with doubling back-off and seeded ±20 % jitter (a room of clients
//! must not reconnect in lockstep after a Janus restart).

use crate::core::types::Millis;

pub const RECONNECT_FIRST_RETRY: u64 = 100;
pub const RECONNECT_MAX_RETRY: u64 = 1_000;
/// A socket attempt that has not opened by then is abandoned.
pub const CONNECT_TIMEOUT: u64 = 5_000;

#[derive(Debug)]
pub(super) struct Reconnect {
    pub lost_at: Millis,
    pub retry_at: Option<Millis>,
    pub attempt_deadline: Option<Millis>,
    retries: u32,
}

impl Reconnect {
    pub fn new(now: Millis) -> Self {
        Reconnect { lost_at: now, retry_at: Some(now), attempt_deadline: None, retries: 0 }
    }

    pub fn schedule_retry(&mut self, now: Millis, rng: &mut Rng) {
        self.attempt_deadline = None;
        self.retries = self.retries.saturating_add(1);
        let base = RECONNECT_FIRST_RETRY
            .saturating_mul(1u64 << self.retries.min(16).saturating_sub(1))
            .min(RECONNECT_MAX_RETRY);
        let jitter = rng.next() % (base * 2 / 5 + 1);
        self.retry_at = Some(now.saturating_add(base - base / 5 + jitter));
    }

    pub fn next_deadline(&self) -> Option<Millis> {
        [self.retry_at, self.attempt_deadline].into_iter().flatten().min()
    }
}

/// splitmix64: deterministic from the seed, no `rand` in the core.
#[derive(Debug)]
pub(super) struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

//! Per-connection frame rate limit over fixed one-second windows.

use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allow,
    /// First frame over the limit in this window: answer with an error.
    RejectAndReport,
    /// Later frames over the limit: drop silently so a flood is not echoed.
    RejectQuietly,
}

#[derive(Debug)]
pub struct RateLimiter {
    limit: u32,
    window_start: Instant,
    count: u32,
}

impl RateLimiter {
    pub fn new(limit: u32) -> Self {
        RateLimiter { limit, window_start: Instant::now(), count: 0 }
    }

    pub fn check(&mut self, now: Instant) -> Verdict {
        if now.duration_since(self.window_start) >= WINDOW {
            self.window_start = now;
            self.count = 0;
        }
        self.count = self.count.saturating_add(1);
        match self.count {
            c if c <= self.limit => Verdict::Allow,
            c if c == self.limit.saturating_add(1) => Verdict::RejectAndReport,
            _ => Verdict::RejectQuietly,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_the_limit_then_reports_once_then_resets_next_window() {
        let mut r = RateLimiter::new(3);
        let start = Instant::now();
        let v: Vec<Verdict> = (0..5).map(|_| r.check(start)).collect();
        use Verdict::*;
        assert_eq!(v, [Allow, Allow, Allow, RejectAndReport, RejectQuietly]);
        assert_eq!(r.check(start + WINDOW), Allow);
    }
}

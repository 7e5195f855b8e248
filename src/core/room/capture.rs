//! Media captures the app has started and will publish.
//!
//! `getUserMedia` takes tens of milliseconds, and the app usually starts it
//! right after `join` resolves. A connection negotiated before the track
//! exists needs a second offer/answer round for it, so while a capture is
//! pending the first negotiation waits: the impolite side builds its
//! connection (and so makes its first offer) once the capture is done, the
//! polite side applies a first offer once it is done (its answer then
//! carries the track). A permission prompt can take any time, so the wait is
//! bounded by [`CAPTURE_WAIT`]; after that negotiation goes on and the track
//! comes in a second round, as without the hold.

use crate::core::types::Millis;

/// The longest a first negotiation waits for a pending capture.
pub const CAPTURE_WAIT: u64 = 1_500;

/// One pending capture (`RoomCore::begin_capture`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CaptureId(u64);

impl CaptureId {
    /// The id as a number, for a driver whose capture runs elsewhere (the
    /// JS facade's `getUserMedia`) and hands it back to [`CaptureId::from_raw`].
    pub fn raw(self) -> u64 {
        self.0
    }

    /// An id [`CaptureId::raw`] gave. Ending one that is not pending does
    /// nothing (`RoomCore::end_capture`).
    pub fn from_raw(n: u64) -> Self {
        CaptureId(n)
    }
}

#[derive(Debug, Default)]
pub struct Captures {
    next: u64,
    /// Pending captures and when each stops holding negotiations. A `Vec`
    /// in no particular order (a handful at most; the map's sorted
    /// insert/search code per key type cost more than a scan).
    until: Vec<(CaptureId, Millis)>,
}

impl Captures {
    pub fn begin(&mut self, now: Millis) -> CaptureId {
        self.next += 1;
        let id = CaptureId(self.next);
        self.until.push((id, now.saturating_add(CAPTURE_WAIT)));
        id
    }

    /// Returns whether that ended the hold.
    pub fn end(&mut self, id: CaptureId) -> bool {
        match self.until.iter().position(|(c, _)| *c == id) {
            Some(i) => {
                self.until.swap_remove(i);
                self.until.is_empty()
            }
            None => false,
        }
    }

    /// Forgets captures that held long enough; returns whether that ended the hold.
    pub fn expire(&mut self, now: Millis) -> bool {
        let before = self.until.len();
        self.until.retain(|(_, t)| *t > now);
        before > 0 && self.until.is_empty()
    }

    pub fn holding(&self) -> bool {
        !self.until.is_empty()
    }

    #[must_use]
    pub fn poll_timeout(&self) -> Option<Millis> {
        let mut at = None;
        for (_, t) in &self.until {
            at = Millis::earliest(&[at, Some(*t)]);
        }
        at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hold_lasts_until_every_capture_ended_or_waited_long_enough() {
        let mut c = Captures::default();
        let a = c.begin(Millis(0));
        let b = c.begin(Millis(100));
        assert!(c.holding());
        assert!(!c.end(a), "b still pending");
        assert_eq!(c.poll_timeout(), Some(Millis(100 + CAPTURE_WAIT)));
        assert!(!c.expire(Millis(CAPTURE_WAIT)));
        assert!(c.expire(Millis(100 + CAPTURE_WAIT)), "b waited long enough");
        assert!(!c.holding());
        assert!(!c.end(b), "ending an expired capture changes nothing");
        assert_eq!(c.poll_timeout(), None);
    }
}

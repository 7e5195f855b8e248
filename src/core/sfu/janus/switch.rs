//! Substream switches waiting for Janus to report the layer they asked for.
//!
//! Janus acknowledges a `configure {substream}` at once, asks the publisher
//! for a key frame and switches on the next key frame of the target layer.
//! The publisher's browser honours one key-frame request per
//! [`KEYFRAME_REQUEST_INTERVAL`] (Chromium drops the others), so a switch
//! asked for soon after the previous key frame waits for the next periodic
//! one (~10 s, `fir_freq`) unless it is asked for again once the interval
//! is over. When that is, is unknown (it runs from whichever request the
//! publisher honoured last: ours, another subscriber's, Janus's own), so an
//! unconfirmed switch is re-sent every [`SWITCH_RESEND_FAST`] until the
//! interval has surely passed since the first send, then every
//! [`SWITCH_RESEND_AFTER`] (the target layer may not be flowing yet), and
//! given up after [`SWITCH_MAX_SENDS`] sends. Re-sends inside the interval
//! cost a small message and are dropped by the publisher.

use crate::core::types::Millis;

/// Chromium's minimum time between two key frames it produces on request
/// (`kMinKeyframeSendIntervalMs` of WebRTC's encoder feedback).
pub const KEYFRAME_REQUEST_INTERVAL: u64 = 300;
/// Re-send period while the publisher may still be dropping requests.
pub const SWITCH_RESEND_FAST: u64 = 20;
/// Re-send period after that.
pub const SWITCH_RESEND_AFTER: u64 = 400;
/// Sends (the first included) before a switch is given up: the fast ones
/// up to [`KEYFRAME_REQUEST_INTERVAL`] after the first, then four slow ones
/// (about 2 s in all).
pub const SWITCH_MAX_SENDS: u32 = (KEYFRAME_REQUEST_INTERVAL / SWITCH_RESEND_FAST) as u32 + 1 + 4;

/// When a switch first sent at `first` and sent `sends` times goes out again.
pub fn next_send_at(first: Millis, sends: u32) -> Millis {
    let fast = KEYFRAME_REQUEST_INTERVAL / SWITCH_RESEND_FAST;
    let n = u64::from(sends);
    let after = if n <= fast {
        n.saturating_mul(SWITCH_RESEND_FAST)
    } else {
        (n - fast).saturating_mul(SWITCH_RESEND_AFTER).saturating_add(KEYFRAME_REQUEST_INTERVAL)
    };
    first.saturating_add(after)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Switch {
    pub mid: String,
    pub substream: u8,
    pub sends: u32,
    pub first_at: Millis,
    pub next_at: Millis,
}

#[derive(Debug, Default)]
pub(super) struct Switches {
    list: Vec<Switch>,
}

impl Switches {
    /// A new target for `mid` (replacing any earlier one); it is sent now.
    pub fn request(&mut self, now: Millis, mid: &str, substream: u8) {
        self.list.retain(|s| s.mid != mid);
        self.list.push(Switch {
            mid: mid.to_owned(),
            substream,
            sends: 1,
            first_at: now,
            next_at: next_send_at(now, 1),
        });
    }

    /// Janus reports `substream` on `mid`: true when that completes a switch.
    pub fn confirm(&mut self, mid: &str, substream: u8) -> bool {
        let before = self.list.len();
        self.list.retain(|s| !(s.mid == mid && s.substream == substream));
        self.list.len() != before
    }

    pub fn cancel(&mut self, mid: &str) {
        self.list.retain(|s| s.mid != mid);
    }

    pub fn next_deadline(&self) -> Option<Millis> {
        self.list.iter().map(|s| s.next_at).min()
    }

    /// Due switches: those to send again (already counted and rescheduled)
    /// and those given up (removed).
    pub fn due(&mut self, now: Millis) -> (Vec<Switch>, Vec<Switch>) {
        let mut resend = Vec::new();
        let mut give_up = Vec::new();
        self.list.retain_mut(|s| {
            if s.next_at > now {
                return true;
            }
            if s.sends >= SWITCH_MAX_SENDS {
                give_up.push(s.clone());
                return false;
            }
            s.sends += 1;
            // On schedule from the first send; a late timer does not
            // bunch the next re-sends together.
            s.next_at = next_send_at(s.first_at, s.sends).max(now.saturating_add(1));
            resend.push(s.clone());
            true
        });
        (resend, give_up)
    }

    /// After a reclaim: every pending switch goes out again now (within
    /// its budget of sends, counted from its first).
    pub fn all_due_at(&mut self, now: Millis) {
        for s in &mut self.list {
            s.next_at = now;
        }
    }

    pub fn clear(&mut self) {
        self.list.clear();
    }
}

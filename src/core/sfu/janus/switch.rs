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
//!
//! Waiting out the interval is what a subscriber alone can do. An rtcroom
//! publisher can do better: an encoding switched off and on starts over with
//! a key frame, whatever the interval (see the room's key-frame requests).
//! A switch asks it to when the publisher is likely to drop Janus's request:
//! when we sent a switch on the same mid less than the interval ago (our
//! own last request may be the one that started it), or when the switch is
//! still unconfirmed [`ASSIST_AFTER`] after its first send (a request of
//! someone else's started it; a switch outside the interval takes ~40–90 ms).

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

/// How long a switch may wait for its confirmation before the publisher is
/// asked for the key frame directly.
pub const ASSIST_AFTER: u64 = 100;

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
    /// The publisher was asked for the key frame directly (once a switch).
    pub assisted: bool,
}

#[derive(Debug, Default)]
pub(super) struct Switches {
    list: Vec<Switch>,
    /// Each mid's last switch sent (first sends and re-sends).
    last_sent: Vec<(String, Millis)>,
}

/// What is due at a timeout: re-sends (already counted and rescheduled),
/// switches given up (removed), and switches whose publisher should now be
/// asked for the key frame directly.
#[derive(Debug, Default)]
pub(super) struct Due {
    pub resend: Vec<Switch>,
    pub give_up: Vec<Switch>,
    pub assist: Vec<Switch>,
}

impl Switches {
    /// A new target for `mid` (replacing any earlier one); it is sent now.
    /// True when the publisher should be asked for the key frame at once: a
    /// switch of ours on this mid went out less than
    /// [`KEYFRAME_REQUEST_INTERVAL`] ago.
    #[must_use]
    pub fn request(&mut self, now: Millis, mid: &str, substream: u8) -> bool {
        self.list.retain(|s| s.mid != mid);
        let assisted = self
            .last_sent
            .iter()
            .any(|(m, at)| m == mid && now < at.saturating_add(KEYFRAME_REQUEST_INTERVAL));
        self.sent(now, mid);
        self.list.push(Switch {
            mid: mid.to_owned(),
            substream,
            sends: 1,
            first_at: now,
            next_at: next_send_at(now, 1),
            assisted,
        });
        assisted
    }

    fn sent(&mut self, now: Millis, mid: &str) {
        // Only sends within the interval matter: the list stays as small as
        // the mids switched lately.
        self.last_sent.retain(|(_, at)| now < at.saturating_add(KEYFRAME_REQUEST_INTERVAL));
        match self.last_sent.iter_mut().find(|(m, _)| m == mid) {
            Some((_, at)) => *at = now,
            None => self.last_sent.push((mid.to_owned(), now)),
        }
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
        let mut next: Option<Millis> = None;
        for s in &self.list {
            let assist = (!s.assisted).then(|| s.first_at.saturating_add(ASSIST_AFTER));
            next = Millis::earliest(&[next, Some(s.next_at), assist]);
        }
        next
    }

    /// What is due at `now` (see [`Due`]).
    pub fn due(&mut self, now: Millis) -> Due {
        let mut due = Due::default();
        let mut sent = Vec::new();
        self.list.retain_mut(|s| {
            if !s.assisted && now >= s.first_at.saturating_add(ASSIST_AFTER) {
                s.assisted = true;
                due.assist.push(s.clone());
            }
            if s.next_at > now {
                return true;
            }
            if s.sends >= SWITCH_MAX_SENDS {
                due.give_up.push(s.clone());
                return false;
            }
            s.sends += 1;
            // On schedule from the first send; a late timer does not
            // bunch the next re-sends together.
            s.next_at = next_send_at(s.first_at, s.sends).max(now.saturating_add(1));
            sent.push(s.mid.clone());
            due.resend.push(s.clone());
            true
        });
        for mid in sent {
            self.sent(now, &mid);
        }
        due
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
        self.last_sent.clear();
    }
}

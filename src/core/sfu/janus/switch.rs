//! Substream switches waiting for Janus to report the layer they asked for.
//!
//! Janus acknowledges a `configure {substream}` at once but switches only
//! on the next key frame, and a key-frame request within ~300 ms of the
//! previous one is dropped: the switch then waits for the periodic key frame
//! (~10 s). Re-sending the same request every [`SWITCH_RESEND_AFTER`] ms
//! asks for another key frame; every switch measured completed in ≤ 0.55 s
//! (TOOLCHAIN.md).

use crate::core::types::Millis;

/// Re-send a switch whose confirming event has not come by then.
pub const SWITCH_RESEND_AFTER: u64 = 400;
/// Sends (the first included) before a switch is given up.
pub const SWITCH_MAX_SENDS: u32 = 5;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Switch {
    pub mid: String,
    pub substream: u8,
    pub sends: u32,
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
            next_at: now.saturating_add(SWITCH_RESEND_AFTER),
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
            s.next_at = now.saturating_add(SWITCH_RESEND_AFTER);
            resend.push(s.clone());
            true
        });
        (resend, give_up)
    }

    /// After a reclaim: every pending switch goes out again now.
    pub fn all_due_at(&mut self, now: Millis) {
        for s in &mut self.list {
            s.next_at = now;
        }
    }

    pub fn clear(&mut self) {
        self.list.clear();
    }
}

//! Requests waiting for their reply, by transaction id, each with a deadline.

use super::Role;
use crate::core::text;
use crate::core::types::Millis;

/// What a pending transaction was for, so its reply (or its silence) can be
/// acted on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Tx {
    Create,
    Claim,
    Attach(Role),
    JoinPublisher,
    /// The screen handle's publisher `join`.
    JoinScreen,
    /// A publisher's offer (`configure` with `jsep`), on the role's handle.
    Publish(Role),
    /// An SDP-less `configure` with `descriptions`, on the role's handle.
    Describe(Role),
    /// The screen handle's `unpublish`.
    Unpublish,
    JoinSubscriber,
    Subscribe,
    Start,
    Switch {
        mid: String,
        substream: u8,
    },
    /// `configure {send}` on one subscribed stream (pause/resume).
    Pause,
    /// `configure {restart}` on the subscriber handle: an ICE-restart offer.
    Restart,
    Keepalive,
    Trickle,
    Destroy,
}

#[derive(Debug)]
pub(super) struct Pending {
    pub id: String,
    pub tx: Tx,
    pub name: &'static str,
    pub deadline: Millis,
}

#[derive(Debug)]
pub(super) struct Transactions {
    /// Per-session prefix from the seed, so two SDK instances sharing a
    /// Janus (or a log) never mix their ids.
    prefix: String,
    next: u64,
    pending: Vec<Pending>,
}

impl Transactions {
    pub fn new(seed: u64) -> Self {
        Transactions { prefix: text::hex8(seed as u32), next: 0, pending: Vec::new() }
    }

    pub fn next_id(&mut self) -> String {
        self.next += 1;
        text::concat(&[&self.prefix, "-", &text::dec(self.next)])
    }

    pub fn insert(&mut self, id: String, tx: Tx, name: &'static str, deadline: Millis) {
        self.pending.push(Pending { id, tx, name, deadline });
    }

    pub fn take(&mut self, id: &str) -> Option<Pending> {
        let at = self.pending.iter().position(|p| p.id == id)?;
        Some(self.pending.remove(at))
    }

    pub fn get(&self, id: &str) -> Option<&Pending> {
        self.pending.iter().find(|p| p.id == id)
    }

    pub fn next_deadline(&self) -> Option<Millis> {
        self.pending.iter().map(|p| p.deadline).min()
    }

    pub fn next_deadline_of(&self, f: impl Fn(&Tx) -> bool) -> Option<Millis> {
        self.pending.iter().filter(|p| f(&p.tx)).map(|p| p.deadline).min()
    }

    /// Removes and returns the transactions due at `now`, oldest first.
    pub fn take_expired(&mut self, now: Millis) -> Vec<Pending> {
        let (due, keep) =
            std::mem::take(&mut self.pending).into_iter().partition(|p| p.deadline <= now);
        self.pending = keep;
        due
    }

    /// Forgets transactions whose reply cannot come (sent on a dead socket).
    pub fn forget(&mut self, f: impl Fn(&Tx) -> bool) {
        self.pending.retain(|p| !f(&p.tx));
    }

    /// Gives every pending transaction a fresh deadline (after a reclaim,
    /// a reply produced from now on reaches the new socket).
    pub fn extend_all(&mut self, deadline: Millis) {
        for p in &mut self.pending {
            p.deadline = deadline;
        }
    }

    pub fn clear(&mut self) {
        self.pending.clear();
    }
}

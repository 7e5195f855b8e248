//! Remote ICE candidates that cannot be applied yet.
//!
//! A candidate waits while no remote description has been applied, or while
//! its username fragment belongs to a description we have not applied (it
//! overtook an ICE-restart offer, or its offer is still being applied). It is
//! applied, in arrival order, once a description with its ufrag has been
//! applied. Waiting for the *result* of `setRemoteDescription`, rather than
//! chaining behind it, means a refused description (see the collision retry
//! in `negotiation.rs`) loses no candidates.
//!
//! End-of-candidates belongs to the ICE generation of the candidates sent
//! before it: it waits behind queued candidates of that generation only, so
//! stale candidates of an ignored or rolled-back offer never hold it back.

use super::sdp;
use super::types::Candidate;

/// Queue bound: a misbehaving remote cannot grow memory without limit.
pub const MAX_QUEUED_CANDIDATES: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum QueuedCandidate {
    Candidate(Candidate),
    /// End-of-candidates (`null` or an empty candidate line) of the ICE
    /// generation `ufrag`; `None` (an older sender): the generation of the
    /// latest candidate received.
    End {
        ufrag: Option<String>,
    },
}

#[derive(Debug)]
struct Entry {
    item: QueuedCandidate,
    /// The ICE generation (ufrag) the entry belongs to, if known.
    generation: Option<String>,
}

#[derive(Debug, Default)]
pub struct CandidateQueue {
    /// A remote description has been applied.
    has_remote: bool,
    /// ICE ufrag of the latest applied remote description.
    remote_ufrag: Option<String>,
    /// ICE ufrag of a remote description handed to the connection and not
    /// yet applied. While it differs from a candidate's, that candidate
    /// waits: chained behind the new description it would fail.
    in_flight: Option<Option<String>>,
    /// Generation of the latest candidate received (end-of-candidates
    /// belongs to it).
    last_generation: Option<String>,
    queue: Vec<Entry>,
    /// Generations that will never apply again: remote ufrags that were
    /// current and were replaced, and ufrags of offers that were ignored or
    /// refused and then replaced. Their candidates are discarded instead of
    /// waiting forever. Bounded: only the latest few are remembered.
    dead: Vec<String>,
    /// Ufrags of ignored or refused descriptions, dead once another applies.
    suspects: Vec<String>,
    dropped: u64,
}

/// How many dead generations the queue remembers.
const MAX_DEAD_GENERATIONS: usize = 16;

fn ufrag_of(c: &Candidate) -> Option<String> {
    c.username_fragment.clone().or_else(|| sdp::candidate_ufrag(&c.candidate).map(str::to_owned))
}

impl CandidateQueue {
    fn applicable(&self, generation: Option<&str>) -> bool {
        let matches = |ufrag: Option<&str>| match (generation, ufrag) {
            (Some(theirs), Some(current)) => theirs == current,
            _ => true,
        };
        self.has_remote
            && matches(self.remote_ufrag.as_deref())
            && self.in_flight.as_ref().is_none_or(|u| matches(u.as_deref()))
    }

    /// A remote description was handed to `setRemoteDescription`.
    pub fn handle_remote_description_started(&mut self, ufrag: Option<&str>) {
        self.in_flight = Some(ufrag.map(str::to_owned));
    }

    /// A remote offer was ignored (the impolite side of a collision): its
    /// candidates are discarded once another description applies, unless
    /// that description reuses its ufrag.
    pub fn handle_remote_description_ignored(&mut self, ufrag: Option<&str>) {
        self.suspect(ufrag);
    }

    fn suspect(&mut self, ufrag: Option<&str>) {
        if let Some(u) = ufrag {
            if !self.suspects.iter().any(|s| s == u) && self.suspects.len() < MAX_DEAD_GENERATIONS {
                self.suspects.push(u.to_owned());
            }
        }
    }

    fn is_dead(&self, generation: Option<&str>) -> bool {
        generation.is_some_and(|g| self.dead.iter().any(|d| d == g))
    }

    /// The remote description in flight was refused: the applied one stays.
    #[must_use]
    pub fn handle_remote_description_failed(&mut self) -> Vec<QueuedCandidate> {
        if let Some(u) = self.in_flight.take() {
            self.suspect(u.as_deref());
        }
        if !self.has_remote {
            return Vec::new();
        }
        // The applied generation is current again: flush what waited on the
        // refused one, without retiring anything (it may be sent again).
        self.flush()
    }

    /// End-of-candidates must not overtake a queued candidate of its generation.
    fn end_blocked(queue: &[Entry], generation: Option<&str>) -> bool {
        queue.iter().any(|e| {
            matches!(e.item, QueuedCandidate::Candidate(_)) && e.generation.as_deref() == generation
        })
    }

    /// A remote candidate arrived: returns it if it can be applied now,
    /// otherwise keeps it.
    #[must_use]
    pub fn handle_remote(&mut self, item: QueuedCandidate) -> Option<QueuedCandidate> {
        let generation = match &item {
            QueuedCandidate::Candidate(c) => {
                let g = ufrag_of(c);
                if g.is_some() {
                    self.last_generation = g.clone();
                }
                g
            }
            QueuedCandidate::End { ufrag } => {
                ufrag.clone().or_else(|| self.last_generation.clone())
            }
        };
        if self.is_dead(generation.as_deref()) {
            return None;
        }
        let blocked = matches!(item, QueuedCandidate::End { .. })
            && Self::end_blocked(&self.queue, generation.as_deref());
        if !blocked && self.applicable(generation.as_deref()) {
            return Some(item);
        }
        if self.queue.len() >= MAX_QUEUED_CANDIDATES {
            self.queue.remove(0);
            self.dropped += 1;
        }
        self.queue.push(Entry { item, generation });
        None
    }

    /// A remote description was applied: returns, in arrival order, the
    /// queued candidates that now apply.
    #[must_use]
    pub fn handle_remote_description(&mut self, ufrag: Option<&str>) -> Vec<QueuedCandidate> {
        self.has_remote = true;
        if self.in_flight.as_ref().is_some_and(|u| u.as_deref() == ufrag) {
            self.in_flight = None;
        }
        if let Some(new) = ufrag {
            if let Some(old) = self.remote_ufrag.take() {
                self.bury(old, new);
            }
            for g in std::mem::take(&mut self.suspects) {
                self.bury(g, new);
            }
            // A generation that applies again (a reused ufrag) is alive.
            while let Some(i) = self.dead.iter().position(|d| d == new) {
                self.dead.remove(i);
            }
            self.remote_ufrag = Some(new.to_owned());
        }
        // `flush` drops the queued candidates of the generations now dead.
        self.flush()
    }

    /// Generation `g` is dead (unless it is `new`, the one applied).
    fn bury(&mut self, g: String, new: &str) {
        if g == new {
            return;
        }
        if self.dead.len() >= MAX_DEAD_GENERATIONS {
            self.dead.remove(0);
        }
        self.dead.push(g);
    }

    /// Takes, in arrival order, the queued candidates that apply now.
    fn flush(&mut self) -> Vec<QueuedCandidate> {
        let mut ready = Vec::new();
        let mut kept = Vec::new();
        for e in std::mem::take(&mut self.queue) {
            if self.is_dead(e.generation.as_deref()) {
                continue;
            }
            let blocked = matches!(e.item, QueuedCandidate::End { .. })
                && Self::end_blocked(&kept, e.generation.as_deref());
            if !blocked && self.applicable(e.generation.as_deref()) {
                ready.push(e.item);
            } else {
                kept.push(e);
            }
        }
        self.queue = kept;
        ready
    }

    pub fn len(&self) -> usize {
        self.queue.len()
    }

    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Candidates discarded because the queue was full.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(line: &str) -> QueuedCandidate {
        QueuedCandidate::Candidate(Candidate {
            candidate: line.into(),
            sdp_mid: Some("0".into()),
            sdp_m_line_index: Some(0),
            username_fragment: None,
        })
    }

    #[test]
    fn candidates_before_any_description_wait_and_flush_in_order() {
        let mut q = CandidateQueue::default();
        let a = cand("candidate:1 1 udp 1 127.0.0.1 1000 typ host ufrag u1");
        let b = cand("candidate:2 1 udp 1 127.0.0.1 1001 typ host ufrag u1");
        assert_eq!(q.handle_remote(a.clone()), None);
        assert_eq!(q.handle_remote(b.clone()), None);
        assert_eq!(q.handle_remote(QueuedCandidate::End { ufrag: None }), None);
        assert_eq!(
            q.handle_remote_description(Some("u1")),
            vec![a, b, QueuedCandidate::End { ufrag: None }]
        );
        assert!(q.is_empty());
    }

    #[test]
    fn candidates_of_a_restart_wait_for_the_new_ufrag() {
        let mut q = CandidateQueue::default();
        assert!(q.handle_remote_description(Some("old")).is_empty());
        let old = cand("candidate:1 1 udp 1 127.0.0.1 1000 typ host ufrag old");
        let new = cand("candidate:2 1 udp 1 127.0.0.1 1001 typ host ufrag new");
        assert_eq!(q.handle_remote(old.clone()), Some(old));
        assert_eq!(q.handle_remote(new.clone()), None);
        // End-of-candidates must not overtake the queued candidate.
        assert_eq!(q.handle_remote(QueuedCandidate::End { ufrag: None }), None);
        assert_eq!(
            q.handle_remote_description(Some("new")),
            vec![new, QueuedCandidate::End { ufrag: None }]
        );
    }

    #[test]
    fn stale_candidates_do_not_hold_back_end_of_candidates() {
        let mut q = CandidateQueue::default();
        // Candidates of an offer that was ignored: they never apply.
        let stale = cand("candidate:1 1 udp 1 127.0.0.1 1000 typ host ufrag gone");
        assert_eq!(q.handle_remote(stale), None);
        let live = cand("candidate:2 1 udp 1 127.0.0.1 1001 typ host ufrag live");
        assert_eq!(q.handle_remote(live.clone()), None);
        assert_eq!(q.handle_remote(QueuedCandidate::End { ufrag: None }), None);
        assert_eq!(
            q.handle_remote_description(Some("live")),
            vec![live, QueuedCandidate::End { ufrag: None }]
        );
        assert_eq!(q.len(), 1, "only the stale candidate waits");
    }

    #[test]
    fn old_generation_candidates_wait_while_a_restart_offer_is_applied() {
        let mut q = CandidateQueue::default();
        assert!(q.handle_remote_description(Some("old")).is_empty());
        q.handle_remote_description_started(Some("new"));
        let late = cand("candidate:1 1 udp 1 127.0.0.1 1000 typ host ufrag old");
        assert_eq!(q.handle_remote(late.clone()), None, "would fail behind the new description");
        let fresh = cand("candidate:2 1 udp 1 127.0.0.1 1001 typ host ufrag new");
        assert_eq!(q.handle_remote(fresh.clone()), None);
        // The restart offer is refused: the old generation is current again.
        assert_eq!(q.handle_remote_description_failed(), vec![late]);
        q.handle_remote_description_started(Some("new"));
        assert_eq!(q.handle_remote_description(Some("new")), vec![fresh]);
    }

    #[test]
    fn end_of_candidates_belongs_to_the_generation_it_names() {
        // Two gathering rounds interleave on the wire: the old round's
        // end-of-candidates arrives after a candidate of the new round.
        let mut q = CandidateQueue::default();
        assert!(q.handle_remote_description(Some("old")).is_empty());
        let fresh = cand("candidate:2 1 udp 1 127.0.0.1 1001 typ host ufrag new");
        assert_eq!(q.handle_remote(fresh.clone()), None, "waits for the restart offer");
        let old_end = QueuedCandidate::End { ufrag: Some("old".into()) };
        assert_eq!(q.handle_remote(old_end.clone()), Some(old_end), "not held behind `new`");
        let new_end = QueuedCandidate::End { ufrag: Some("new".into()) };
        assert_eq!(q.handle_remote(new_end.clone()), None);
        assert_eq!(q.handle_remote_description(Some("new")), vec![fresh, new_end]);
        assert!(q.is_empty());
    }

    #[test]
    fn candidates_without_ufrag_only_need_a_description() {
        let mut q = CandidateQueue::default();
        let c = cand("candidate:1 1 udp 1 abcd.local 1000 typ host");
        assert_eq!(q.handle_remote(c.clone()), None);
        assert_eq!(q.handle_remote_description(Some("x")), vec![c.clone()]);
        assert_eq!(q.handle_remote(c.clone()), Some(c));
    }

    #[test]
    fn queue_is_bounded_and_counts_drops() {
        let mut q = CandidateQueue::default();
        for i in 0..MAX_QUEUED_CANDIDATES + 3 {
            let line = format!("candidate:{i} 1 udp 1 127.0.0.1 {i} typ host");
            assert_eq!(q.handle_remote(cand(&line)), None);
        }
        assert_eq!(q.len(), MAX_QUEUED_CANDIDATES);
        assert_eq!(q.dropped(), 3);
    }
}

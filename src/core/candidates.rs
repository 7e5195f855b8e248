//! Remote ICE candidates that cannot be applied yet.
//!
//! A candidate waits when no remote description has been handed to the
//! connection yet, or when its username fragment belongs to a description we
//! have not applied (it overtook an ICE-restart offer, or it belongs to an
//! offer we ignored in a collision). It is applied, in arrival order, as soon
//! as a description with its ufrag is applied. `addIceCandidate` joins the
//! connection's operations chain, so "handed to `setRemoteDescription`" is
//! early enough: the browser runs the candidate after the description.

use super::sdp;
use super::types::Candidate;
use std::collections::VecDeque;

/// Queue bound: a misbehaving remote cannot grow memory without limit.
pub const MAX_QUEUED_CANDIDATES: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueuedCandidate {
    Candidate(Candidate),
    /// End-of-candidates (`null` or an empty candidate line).
    End,
}

impl QueuedCandidate {
    fn ufrag(&self) -> Option<&str> {
        match self {
            QueuedCandidate::Candidate(c) => c
                .username_fragment
                .as_deref()
                .or_else(|| sdp::candidate_ufrag(&c.candidate)),
            QueuedCandidate::End => None,
        }
    }
}

#[derive(Debug, Default)]
pub struct CandidateQueue {
    /// A remote description has been handed to the connection.
    has_remote: bool,
    /// ICE ufrag of the latest remote description handed to the connection.
    remote_ufrag: Option<String>,
    queue: VecDeque<QueuedCandidate>,
    dropped: u64,
}

impl CandidateQueue {
    fn applicable(&self, c: &QueuedCandidate) -> bool {
        if !self.has_remote {
            return false;
        }
        match (c.ufrag(), self.remote_ufrag.as_deref()) {
            (Some(theirs), Some(current)) => theirs == current,
            _ => true,
        }
    }

    /// A remote candidate arrived: returns it if it can be applied now,
    /// otherwise keeps it. End-of-candidates never overtakes queued candidates.
    #[must_use]
    pub fn handle_remote(&mut self, c: QueuedCandidate) -> Option<QueuedCandidate> {
        let blocked = matches!(c, QueuedCandidate::End) && !self.queue.is_empty();
        if !blocked && self.applicable(&c) {
            return Some(c);
        }
        if self.queue.len() >= MAX_QUEUED_CANDIDATES {
            self.queue.pop_front();
            self.dropped += 1;
        }
        self.queue.push_back(c);
        None
    }

    /// A remote description is being applied: returns, in arrival order, the
    /// queued candidates that now apply. An end-of-candidates marker is
    /// released only when everything queued before it was.
    #[must_use]
    pub fn handle_remote_description(&mut self, ufrag: Option<&str>) -> Vec<QueuedCandidate> {
        self.has_remote = true;
        if ufrag.is_some() {
            self.remote_ufrag = ufrag.map(str::to_owned);
        }
        let mut ready = Vec::new();
        let mut kept = VecDeque::new();
        for c in std::mem::take(&mut self.queue) {
            let end_blocked = matches!(c, QueuedCandidate::End) && !kept.is_empty();
            if !end_blocked && self.applicable(&c) {
                ready.push(c);
            } else {
                kept.push_back(c);
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
        assert_eq!(q.handle_remote(QueuedCandidate::End), None);
        assert_eq!(q.handle_remote_description(Some("u1")), vec![a, b, QueuedCandidate::End]);
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
        assert_eq!(q.handle_remote(QueuedCandidate::End), None);
        assert_eq!(q.handle_remote_description(Some("new")), vec![new, QueuedCandidate::End]);
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

//! Which pongs prove a client alive: only answers to the server's own
//! heartbeat pings, each at most once. Client pings and pongs nobody asked
//! for are answered or ignored but keep nobody alive.

/// The sequence numbers of the heartbeat pings sent and answered.
#[derive(Debug, Default)]
pub struct Heartbeat {
    sent: u64,
    answered: u64,
}

impl Heartbeat {
    /// The payload of the next heartbeat ping.
    pub fn next_ping(&mut self) -> [u8; 8] {
        self.sent += 1;
        self.sent.to_be_bytes()
    }

    /// Whether `payload` answers a ping not answered yet. RFC 6455 lets a
    /// client answer only the latest of several pings, so a newer answer
    /// also covers older ones; a replayed or invented one does not count.
    pub fn accept_pong(&mut self, payload: &[u8]) -> bool {
        let Ok(bytes) = <[u8; 8]>::try_from(payload) else { return false };
        let seq = u64::from_be_bytes(bytes);
        if seq > self.answered && seq <= self.sent {
            self.answered = seq;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_fresh_answers_to_our_pings_count() {
        let mut h = Heartbeat::default();
        assert!(!h.accept_pong(b""), "nothing was sent yet");
        assert!(!h.accept_pong(&1u64.to_be_bytes()), "an answer before the ping");
        let first = h.next_ping();
        assert!(!h.accept_pong(b"fake pong"));
        assert!(h.accept_pong(&first));
        assert!(!h.accept_pong(&first), "a replay");
        let _second = h.next_ping();
        let third = h.next_ping();
        assert!(h.accept_pong(&third), "the latest answers for both");
        assert!(!h.accept_pong(&2u64.to_be_bytes()), "older than an answered one");
        assert!(!h.accept_pong(&9u64.to_be_bytes()), "never sent");
    }
}

//! Peer ids and session tokens handed out in `welcome`.

use rtcroom_proto::hub::ConnId;
use rtcroom_proto::PeerId;
use std::fmt::Write;
use std::hash::{BuildHasher, RandomState};

/// `(peer id, session)`. The connection number makes the id unique; the
/// random tail keeps ids from different server runs apart. The session is
/// 128 random bits so it cannot be guessed from a peer id.
pub fn new_ids(conn: ConnId) -> (PeerId, String) {
    let id = format!("p{conn}-{}", hex(&random_bytes::<4>()));
    (id, hex(&random_bytes::<16>()))
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    if getrandom::fill(&mut buf).is_err() {
        // No OS randomness (unusual sandbox): fall back to std's randomly
        // keyed SipHash, which is still unpredictable from outside.
        for (i, chunk) in buf.chunks_mut(8).enumerate() {
            let word = RandomState::new().hash_one(i).to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
    }
    buf
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_distinct_and_sessions_are_long() {
        let (a, sa) = new_ids(1);
        let (b, sb) = new_ids(2);
        assert_ne!(a, b);
        assert_ne!(sa, sb);
        assert!(a.starts_with("p1-"));
        assert_eq!(sa.len(), 32);
    }
}

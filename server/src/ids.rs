//! Peer ids handed out in `welcome`, and the random fallback secret.

use rtcroom_proto::hub::ConnId;
use rtcroom_proto::PeerId;
use std::fmt::Write;
use std::hash::{BuildHasher, RandomState};

/// The connection number makes the id unique within a run; the random tail
/// keeps ids of different server runs apart (a resumed participant keeps the
/// id a previous run gave it).
pub fn new_id(conn: ConnId) -> PeerId {
    // 8 random bytes: ids minted by several nodes (whose connection numbers
    // overlap) share one room space on a backplane.
    format!("p{conn}-{}", hex(&random_bytes::<8>()))
}

/// This node's name on the backplane when `--node-id` is not given.
pub fn random_node_id() -> String {
    format!("n-{}", hex(&random_bytes::<6>()))
}

/// A session-token key for a server started without `--secret`.
pub fn random_secret() -> Vec<u8> {
    random_bytes::<32>().to_vec()
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    if getrandom::fill(&mut buf).is_err() {
        // No OS randomness (unusual sandbox): fall back to std's randomly
        // keyed SipHash, which is still unpredictable from outside.
        for (i, chunk) in buf.chunks_mut(8).enumerate() {
            let word = RandomState::new().hash_one(i).to_le_bytes();
            for (dst, src) in chunk.iter_mut().zip(word) {
                *dst = src;
            }
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
    fn ids_are_distinct_and_secrets_are_random() {
        let a = new_id(1);
        let b = new_id(2);
        assert_ne!(a, b);
        assert!(a.starts_with("p1-"));
        assert_eq!(random_secret().len(), 32);
        assert_ne!(random_secret(), random_secret());
    }
}

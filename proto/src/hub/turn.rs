//! Time-limited TURN credentials in coturn's REST scheme (`use-auth-secret`,
//! draft-uberti-behave-turn-rest): the username is `expiry:identity` with
//! `expiry` in UNIX seconds, the credential base64(HMAC-SHA1(secret,
//! username)). coturn recomputes the credential from the shared secret and
//! refuses the username once `expiry` has passed, so nothing is stored.

use crate::IceServer;
use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use sha1::Sha1;

/// TURN servers that share `secret` with this hub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TurnConfig {
    /// `turn:host:port?transport=udp`, … as the browser takes them.
    pub urls: Vec<String>,
    pub secret: Vec<u8>,
    /// How long a credential stays valid after its `welcome`.
    pub ttl_ms: u64,
}

impl TurnConfig {
    /// The `iceServers` entry for `identity` at `now_ms`.
    pub fn ice_server(&self, now_ms: u64, identity: &str) -> IceServer {
        let expiry = now_ms.saturating_add(self.ttl_ms) / 1000;
        let username = format!("{expiry}:{identity}");
        let credential = credential(&self.secret, &username);
        IceServer {
            urls: self.urls.clone(),
            username: Some(username),
            credential: Some(credential),
        }
    }
}

/// base64(HMAC-SHA1(secret, username)), standard alphabet with padding.
pub fn credential(secret: &[u8], username: &str) -> String {
    // HMAC takes keys of every length; the error branch is dead.
    let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(secret)
        .unwrap_or_else(|_| <Hmac<Sha1> as KeyInit>::new(&Default::default()));
    mac.update(username.as_bytes());
    base64(&mac.finalize().into_bytes())
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let n = b(0) << 16 | b(1) << 8 | b(2);
        for i in 0..4 {
            if i <= chunk.len() {
                let six = (n >> (18 - 6 * i)) & 0x3f;
                if let Some(c) = ALPHABET.get(six as usize) {
                    out.push(char::from(*c));
                }
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_credential_matches_an_independent_hmac_sha1() {
        // python3 -c 'import hmac,hashlib,base64;print(base64.b64encode(hmac.new(
        //   b"north", b"1700003600:alice", hashlib.sha1).digest()).decode())'
        // and: printf %s 1700003600:alice | openssl dgst -sha1 -hmac north -binary | base64
        assert_eq!(credential(b"north", "1700003600:alice"), "wjwSXO2ch1B6VaLTLMy2Avn5O9o=");
    }

    #[test]
    fn the_username_is_expiry_seconds_then_identity() {
        let turn = TurnConfig {
            urls: vec!["turn:127.0.0.1:3478".into()],
            secret: b"north".to_vec(),
            ttl_ms: 3_600_000,
        };
        let s = turn.ice_server(1_700_000_000_500, "alice");
        assert_eq!(s.username.as_deref(), Some("1700003600:alice"));
        assert_eq!(s.credential, Some(credential(b"north", "1700003600:alice")));
        assert_eq!(s.urls, vec!["turn:127.0.0.1:3478".to_string()]);
    }

    #[test]
    fn base64_pads_like_rfc_4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foob"), "Zm9vYg==");
    }
}

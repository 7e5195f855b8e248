//! Session (resume) tokens: `v2.<b64url(room)>.<b64url(id)>.<expiry>.<grants>.<b64url(mac)>`,
//! the MAC being HMAC-SHA256 under the hub's secret over everything before
//! the last dot; `grants` is three digits (publish, subscribe, data), so a
//! resume (also on a restarted server) keeps the grants of the join token.
//! `v1` tokens (no grants, minted before grants existed) still verify. Verifiable without server memory, so a server restarted
//! with the same secret accepts the tokens of its previous run.

use crate::{Grants, PeerId};
use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use sha2::Sha256;

const VERSION: &str = "v2";
const VERSION_1: &str = "v1";

/// What a valid token vouches for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Claims {
    pub room: String,
    pub id: PeerId,
    /// Milliseconds since the UNIX epoch after which the token is refused.
    pub expiry: u64,
    /// `None`: a `v1` token, which carries none.
    pub grants: Option<Grants>,
}

/// Why a token was refused (all answered `resume-failed` on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenError {
    Malformed,
    BadMac,
    Expired,
}

fn mac(secret: &[u8]) -> Hmac<Sha256> {
    // HMAC accepts keys of every length (it hashes long ones), so the error
    // branch is dead; an all-zero key keeps the function total.
    <Hmac<Sha256> as KeyInit>::new_from_slice(secret)
        .unwrap_or_else(|_| <Hmac<Sha256> as KeyInit>::new(&Default::default()))
}

pub(crate) fn mint(secret: &[u8], claims: &Claims) -> String {
    let g = claims.grants.unwrap_or_default();
    let bit = |b: bool| if b { '1' } else { '0' };
    let body = format!(
        "{VERSION}.{}.{}.{}.{}{}{}",
        b64url_encode(claims.room.as_bytes()),
        b64url_encode(claims.id.as_bytes()),
        claims.expiry,
        bit(g.can_publish),
        bit(g.can_subscribe),
        bit(g.can_publish_data),
    );
    let mut m = mac(secret);
    m.update(body.as_bytes());
    let tag = m.finalize().into_bytes();
    format!("{body}.{}", b64url_encode(&tag))
}

pub(crate) fn verify(secret: &[u8], token: &str, now: u64) -> Result<Claims, TokenError> {
    let (body, tag) = token.rsplit_once('.').ok_or(TokenError::Malformed)?;
    let tag = b64url_decode(tag).ok_or(TokenError::Malformed)?;
    let mut m = mac(secret);
    m.update(body.as_bytes());
    // Constant-time comparison.
    m.verify_slice(&tag).map_err(|_| TokenError::BadMac)?;
    let parts: Vec<&str> = body.split('.').collect();
    let (room, id, expiry, grants) = match parts.as_slice() {
        [VERSION_1, room, id, expiry] => (*room, *id, *expiry, None),
        [VERSION, room, id, expiry, grants] => (*room, *id, *expiry, Some(parse_grants(grants)?)),
        _ => return Err(TokenError::Malformed),
    };
    let text = |s: &str| b64url_decode(s).and_then(|b| String::from_utf8(b).ok());
    let room = text(room).ok_or(TokenError::Malformed)?;
    let id = text(id).ok_or(TokenError::Malformed)?;
    let expiry: u64 = expiry.parse().map_err(|_| TokenError::Malformed)?;
    if now >= expiry {
        return Err(TokenError::Expired);
    }
    Ok(Claims { room, id, expiry, grants })
}

fn parse_grants(text: &str) -> Result<Grants, TokenError> {
    let bit = |c: u8| match c {
        b'1' => Ok(true),
        b'0' => Ok(false),
        _ => Err(TokenError::Malformed),
    };
    match text.as_bytes() {
        [p, s, d] => Ok(Grants {
            can_publish: bit(*p)?,
            can_subscribe: bit(*s)?,
            can_publish_data: bit(*d)?,
        }),
        _ => Err(TokenError::Malformed),
    }
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Unpadded base64url (RFC 4648 §5).
fn b64url_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..chars {
            let six = (n >> (18 - 6 * i)) & 0x3f;
            if let Some(c) = ALPHABET.get(six as usize) {
                out.push(char::from(*c));
            }
        }
    }
    out
}

fn b64url_decode(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| ALPHABET.iter().position(|a| *a == c).map(|v| v as u32);
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for chunk in text.as_bytes().chunks(4) {
        if chunk.len() == 1 {
            return None;
        }
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= value(*c)? << (18 - 6 * i);
        }
        let bytes = n.to_be_bytes();
        out.extend(bytes.get(1..chunk.len())?);
        // Non-canonical encodings (stray low bits) would give one token
        // several spellings; refuse them.
        let kept = (chunk.len() - 1) * 8;
        let mask = if kept >= 24 { 0 } else { (1u32 << (24 - kept)) - 1 };
        if n & mask != 0 {
            return None;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TestResult;

    fn claims() -> Claims {
        let grants = Some(Grants { can_publish: false, ..Grants::default() });
        Claims { room: "demo room.1".into(), id: "p1-ab.cd".into(), expiry: 1_000, grants }
    }

    #[test]
    fn base64url_round_trips_every_length_and_refuses_non_canonical_text() {
        for len in 0..40u8 {
            let bytes: Vec<u8> = (0..len).map(|i| i.wrapping_mul(37).wrapping_add(250)).collect();
            let text = b64url_encode(&bytes);
            assert!(!text.contains(['+', '/', '=', '.']));
            assert_eq!(b64url_decode(&text), Some(bytes));
        }
        assert_eq!(b64url_encode(b"f"), "Zg");
        assert_eq!(b64url_encode(b"foob"), "Zm9vYg");
        assert_eq!(b64url_decode("Zh"), None); // stray bits after "f"
        assert_eq!(b64url_decode("Z"), None);
        assert_eq!(b64url_decode("Zm9v+g"), None);
    }

    #[test]
    fn a_minted_token_verifies_until_its_expiry() {
        let t = mint(b"k", &claims());
        assert!(t.starts_with("v2.") && t.contains(".1000.011."));
        assert_eq!(verify(b"k", &t, 999), Ok(claims()));
        assert_eq!(verify(b"k", &t, 1_000), Err(TokenError::Expired));
    }

    #[test]
    fn tampered_tokens_and_other_secrets_are_refused() {
        let t = mint(b"k", &claims());
        assert_eq!(verify(b"other", &t, 0), Err(TokenError::BadMac));
        let forged = t.replacen(".1000.", ".9999999.", 1);
        assert_eq!(verify(b"k", &forged, 0), Err(TokenError::BadMac));
        let mut flipped = t.clone().into_bytes();
        if let Some(last) = flipped.last_mut() {
            *last = if *last == b'A' { b'B' } else { b'A' };
        }
        let flipped = String::from_utf8_lossy(&flipped).into_owned();
        assert!(verify(b"k", &flipped, 0).is_err());
        assert_eq!(verify(b"k", "garbage", 0), Err(TokenError::Malformed));
        assert_eq!(verify(b"k", "", 0), Err(TokenError::Malformed));
        let more_grants = t.replacen(".011.", ".111.", 1);
        assert_eq!(verify(b"k", &more_grants, 0), Err(TokenError::BadMac));
    }

    #[test]
    fn v1_tokens_still_verify_without_grants() -> TestResult {
        let body = format!("v1.{}.{}.1000", b64url_encode(b"r"), b64url_encode(b"p1"));
        let mut m = mac(b"k");
        m.update(body.as_bytes());
        let t = format!("{body}.{}", b64url_encode(&m.finalize().into_bytes()));
        let c = verify(b"k", &t, 0).map_err(|e| format!("{e:?}"))?;
        assert_eq!((c.room.as_str(), c.id.as_str(), c.grants), ("r", "p1", None));
        Ok(())
    }
}

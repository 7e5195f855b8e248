//! Join tokens: JWT HS256 (RFC 7519) signed with the server's secret, minted
//! by the app's backend (or `rtcroom-server token`) for one identity in one
//! room. Claims:
//!
//! ```json
//! {"sub": "alice", "room": "standup", "exp": 1767225600, "iat": 1767222000,
//!  "name": "Alice", "canPublish": true, "canSubscribe": true, "canPublishData": true}
//! ```
//!
//! `exp` (seconds) is required and checked against the hub's `now` input,
//! never a clock the library reads (`validate_exp` is off), so the hub stays
//! sans-IO and the tests choose the time. A grant that is absent is granted.

use crate::Grants;

/// Longest a join token may still be valid for, from `now`.
pub const MAX_TOKEN_LIFETIME_MS: u64 = 4 * 60 * 60 * 1000;
/// Clock skew tolerated between the minting backend and this server.
pub const LEEWAY_MS: u64 = 30_000;

/// What a valid join token vouches for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinClaims {
    /// The identity the backend authenticated (`sub`).
    pub identity: String,
    pub room: String,
    /// Display name; the identity when absent.
    pub name: Option<String>,
    /// Seconds since the UNIX epoch (`exp`).
    pub expires_at: u64,
    pub grants: Grants,
}

/// Why a join token was refused; each maps to one wire error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinTokenError {
    /// Not a JWT, not HS256, or claims missing or of the wrong type.
    Malformed,
    /// Signed with another key, or altered.
    BadSignature,
    /// `exp` is in the past (beyond the leeway).
    Expired,
    /// `exp` is more than 4 hours away: a token must be short-lived.
    TooLong,
    /// This build cannot verify tokens (the `jwt` feature is off).
    Unsupported,
}

impl std::fmt::Display for JoinTokenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            JoinTokenError::Malformed => {
                "join token is not a valid HS256 JWT with sub, room and exp"
            }
            JoinTokenError::BadSignature => "join token signature does not verify",
            JoinTokenError::Expired => "join token expired",
            JoinTokenError::TooLong => "join token lifetime exceeds 4 hours",
            JoinTokenError::Unsupported => "this server cannot verify join tokens",
        })
    }
}

impl std::error::Error for JoinTokenError {}

#[cfg(feature = "jwt")]
mod imp {
    use super::*;
    use jsonwebtoken::errors::ErrorKind;
    use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
    use serde::{Deserialize, Serialize};

    fn yes() -> bool {
        true
    }

    #[derive(Serialize, Deserialize)]
    struct Wire {
        sub: String,
        room: String,
        exp: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        iat: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        #[serde(rename = "canPublish", default = "yes")]
        can_publish: bool,
        #[serde(rename = "canSubscribe", default = "yes")]
        can_subscribe: bool,
        #[serde(rename = "canPublishData", default = "yes")]
        can_publish_data: bool,
    }

    pub fn verify(secret: &[u8], token: &str, now_ms: u64) -> Result<JoinClaims, JoinTokenError> {
        let key = DecodingKey::from_secret(secret).map_err(|_| JoinTokenError::BadSignature)?;
        let mut validation = Validation::new(Algorithm::HS256);
        // Expiry is checked below against the caller's `now`.
        validation.validate_exp = false;
        validation.set_required_spec_claims(&["exp", "sub"]);
        let data =
            jsonwebtoken::decode::<Wire>(token, &key, &validation).map_err(|e| match e.kind() {
                ErrorKind::InvalidSignature => JoinTokenError::BadSignature,
                _ => JoinTokenError::Malformed,
            })?;
        let w = data.claims;
        let exp_ms = w.exp.saturating_mul(1000);
        if exp_ms.saturating_add(LEEWAY_MS) <= now_ms {
            return Err(JoinTokenError::Expired);
        }
        if exp_ms > now_ms.saturating_add(MAX_TOKEN_LIFETIME_MS + LEEWAY_MS) {
            return Err(JoinTokenError::TooLong);
        }
        Ok(JoinClaims {
            identity: w.sub,
            room: w.room,
            name: w.name,
            expires_at: w.exp,
            grants: Grants {
                can_publish: w.can_publish,
                can_subscribe: w.can_subscribe,
                can_publish_data: w.can_publish_data,
            },
        })
    }

    pub fn mint(
        secret: &[u8],
        claims: &JoinClaims,
        issued_at: u64,
    ) -> Result<String, JoinTokenError> {
        let wire = Wire {
            sub: claims.identity.clone(),
            room: claims.room.clone(),
            exp: claims.expires_at,
            iat: Some(issued_at),
            name: claims.name.clone(),
            can_publish: claims.grants.can_publish,
            can_subscribe: claims.grants.can_subscribe,
            can_publish_data: claims.grants.can_publish_data,
        };
        let key = EncodingKey::from_secret(secret).map_err(|_| JoinTokenError::Malformed)?;
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &wire, &key)
            .map_err(|_| JoinTokenError::Malformed)
    }
}

#[cfg(not(feature = "jwt"))]
mod imp {
    use super::*;

    pub fn verify(_: &[u8], _: &str, _: u64) -> Result<JoinClaims, JoinTokenError> {
        Err(JoinTokenError::Unsupported)
    }

    pub fn mint(_: &[u8], _: &JoinClaims, _: u64) -> Result<String, JoinTokenError> {
        Err(JoinTokenError::Unsupported)
    }
}

/// Verifies `token` at `now_ms` (milliseconds since the UNIX epoch).
pub fn verify(secret: &[u8], token: &str, now_ms: u64) -> Result<JoinClaims, JoinTokenError> {
    imp::verify(secret, token, now_ms)
}

/// Signs `claims`; `issued_at` is the `iat` claim in seconds.
pub fn mint(secret: &[u8], claims: &JoinClaims, issued_at: u64) -> Result<String, JoinTokenError> {
    imp::mint(secret, claims, issued_at)
}

#[cfg(test)]
#[cfg(feature = "jwt")]
mod tests {
    use super::*;
    use crate::TestResult;

    const NOW: u64 = 1_700_000_000_000;

    fn claims(exp_secs: u64) -> JoinClaims {
        JoinClaims {
            identity: "alice".into(),
            room: "standup".into(),
            name: None,
            expires_at: exp_secs,
            grants: Grants { can_publish: false, ..Grants::default() },
        }
    }

    #[test]
    fn a_minted_token_verifies_with_its_grants_until_exp_plus_leeway() -> TestResult {
        let c = claims(NOW / 1000 + 3600);
        let t = mint(b"k", &c, NOW / 1000)?;
        assert_eq!(verify(b"k", &t, NOW), Ok(c.clone()));
        let after = c.expires_at * 1000 + LEEWAY_MS;
        assert_eq!(verify(b"k", &t, after - 1), Ok(c));
        assert_eq!(verify(b"k", &t, after), Err(JoinTokenError::Expired));
        Ok(())
    }

    #[test]
    fn other_keys_altered_tokens_long_lifetimes_and_garbage_are_refused() -> TestResult {
        let t = mint(b"k", &claims(NOW / 1000 + 60), 0)?;
        assert_eq!(verify(b"other", &t, NOW), Err(JoinTokenError::BadSignature));
        let long = mint(b"k", &claims(NOW / 1000 + 5 * 3600), 0)?;
        assert_eq!(verify(b"k", &long, NOW), Err(JoinTokenError::TooLong));
        assert_eq!(verify(b"k", "a.b.c", NOW), Err(JoinTokenError::Malformed));
        assert_eq!(verify(b"k", "", NOW), Err(JoinTokenError::Malformed));
        Ok(())
    }

    #[test]
    fn absent_grants_are_granted() -> TestResult {
        // A token from a backend that only sets the required claims.
        let wire = serde_json::json!({"sub": "bob", "room": "r", "exp": NOW / 1000 + 60});
        let key = jsonwebtoken::EncodingKey::from_secret(b"k")?;
        let t = jsonwebtoken::encode(&jsonwebtoken::Header::default(), &wire, &key)?;
        let c = verify(b"k", &t, NOW)?;
        assert_eq!(c.grants, Grants::default());
        assert_eq!((c.identity.as_str(), c.room.as_str()), ("bob", "r"));
        Ok(())
    }
}

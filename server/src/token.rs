//! Minting join tokens (`rtcroom-server token`, and tests): the JWT the
//! hub verifies, see `rtcroom_proto::hub::join_token`.

use crate::config::TokenRequest;
use rtcroom_proto::hub::join_token::{self, JoinClaims, JoinTokenError};

/// A join token for `req`, issued at `now_secs` (UNIX seconds).
pub fn mint(req: &TokenRequest, now_secs: u64) -> Result<String, JoinTokenError> {
    let claims = JoinClaims {
        identity: req.identity.clone(),
        room: req.room.clone(),
        name: req.name.clone(),
        expires_at: now_secs.saturating_add(req.ttl.as_secs()),
        grants: req.grants,
    };
    join_token::mint(&req.secret, &claims, now_secs)
}

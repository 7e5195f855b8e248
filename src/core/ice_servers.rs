//! `RTCIceServer` entries the browser would reject only when a connection is
//! built (so a participant would silently never connect): refused at join.

use super::error::CoreError;
use rtcroom_proto::IceServer;

pub fn validate_ice_servers(servers: &[IceServer]) -> Result<(), CoreError> {
    let bad = |msg: &str, url: &str| Err(CoreError::InvalidIceServer(msg.to_owned() + url));
    for s in servers {
        if s.urls.is_empty() {
            return bad("an iceServers entry without urls", "");
        }
        for url in &s.urls {
            let scheme = url.split(':').next().unwrap_or("");
            let turn = matches!(scheme, "turn" | "turns");
            if !turn && !matches!(scheme, "stun" | "stuns") {
                return bad("the url must be stun:, stuns:, turn: or turns: ", url);
            }
            if url.len() <= scheme.len() + 1 {
                return bad("the url has no host: ", url);
            }
            if turn && (s.username.is_none() || s.credential.is_none()) {
                return bad("a TURN server needs username and credential: ", url);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(urls: &[&str], auth: bool) -> IceServer {
        IceServer {
            urls: urls.iter().map(|u| (*u).to_owned()).collect(),
            username: auth.then(|| "u".to_owned()),
            credential: auth.then(|| "c".to_owned()),
        }
    }

    #[test]
    fn stun_and_authenticated_turn_are_accepted() {
        let ok = [server(&["stun:127.0.0.1:3478"], false), server(&["turns:h:5349"], true)];
        assert_eq!(validate_ice_servers(&ok), Ok(()));
    }

    #[test]
    fn entries_the_browser_would_refuse_are_invalid_arguments() {
        for bad in [
            server(&["http://127.0.0.1"], false),
            server(&["turn:127.0.0.1:3478"], false),
            server(&[], false),
            server(&["stun:"], false),
        ] {
            let r = validate_ice_servers(std::slice::from_ref(&bad));
            assert!(matches!(&r, Err(e) if e.code() == "invalid-argument"), "{bad:?}: {r:?}");
        }
    }
}

//! The little SDP reading the core needs: ICE username fragments, which tell
//! which description a candidate belongs to (they change on ICE restart).
//! SDP is ASCII text: lines are trimmed of ASCII whitespace only (no Unicode
//! whitespace table in the wasm).

/// The first `a=ice-ufrag:` value of a description.
pub fn ice_ufrag(sdp: &str) -> Option<&str> {
    sdp.lines()
        .find_map(|l| l.trim_ascii_end().strip_prefix("a=ice-ufrag:"))
        .filter(|u| !u.is_empty())
}

/// The description was made by Firefox: its origin line's username is
/// `mozilla...THIS_IS_SDPARTA-<version>`.
pub fn is_firefox(sdp: &str) -> bool {
    sdp.lines().find_map(|l| l.strip_prefix("o=")).is_some_and(|o| o.starts_with("mozilla"))
}

/// `(mid, media kind)` of every m-section (`audio`, `video`, `application`).
pub fn mid_kinds(sdp: &str) -> Vec<(&str, &str)> {
    let mut kind = "";
    let mut out = Vec::new();
    for line in sdp.lines().map(str::trim_ascii_end) {
        if let Some(m) = line.strip_prefix("m=") {
            kind = m.split(' ').next().unwrap_or("");
        } else if let Some(mid) = line.strip_prefix("a=mid:") {
            out.push((mid, kind));
        }
    }
    out
}

/// Both descriptions use one mid for different media kinds.
pub fn mids_collide(a: &str, b: &str) -> bool {
    let theirs = mid_kinds(b);
    mid_kinds(a).iter().any(|(mid, kind)| theirs.iter().any(|(m, k)| m == mid && k != kind))
}

/// The `ufrag` extension of a candidate line (`... ufrag abcd ...`).
pub fn candidate_ufrag(candidate: &str) -> Option<&str> {
    let mut words = candidate.split_ascii_whitespace();
    while let Some(w) = words.next() {
        if w == "ufrag" {
            return words.next();
        }
    }
    None
}

/// A candidate's host is an mDNS name (`….local`) the browser resolves itself.
pub fn is_mdns_candidate(candidate: &str) -> bool {
    candidate.split_ascii_whitespace().nth(4).is_some_and(|addr| addr.ends_with(".local"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ufrag_is_read_from_session_or_media_level() {
        let sdp = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=ice-ufrag:Ab+c\r\na=ice-pwd:x\r\n";
        assert_eq!(ice_ufrag(sdp), Some("Ab+c"));
        assert_eq!(ice_ufrag("v=0\r\n"), None);
    }

    #[test]
    fn mid_collisions_compare_media_kinds() {
        let a = "v=0\r\nm=application 9 x\r\na=mid:0\r\nm=audio 9 x\r\na=mid:1\r\n";
        let b = "v=0\r\nm=application 9 x\r\na=mid:0\r\nm=video 9 x\r\na=mid:1\r\n";
        assert_eq!(mid_kinds(a), vec![("0", "application"), ("1", "audio")]);
        assert!(mids_collide(a, b));
        assert!(!mids_collide(a, a));
    }

    #[test]
    fn firefox_is_recognised_by_its_origin_line() {
        let firefox = "v=0\r\no=mozilla...THIS_IS_SDPARTA-153.8.0 1 0 IN IP4 0.0.0.0\r\ns=-\r\n";
        let chromium = "v=0\r\no=- 4611 2 IN IP4 127.0.0.1\r\ns=-\r\n";
        assert!(is_firefox(firefox) && !is_firefox(chromium) && !is_firefox("v=0\r\n"));
    }

    #[test]
    fn candidate_ufrag_and_mdns_are_recognised() {
        let c = "candidate:1 1 udp 2122260223 4f1c-2a.local 54321 typ host generation 0 ufrag Ab+c network-id 1";
        assert_eq!(candidate_ufrag(c), Some("Ab+c"));
        assert!(is_mdns_candidate(c));
        assert!(!is_mdns_candidate("candidate:1 1 udp 2122260223 127.0.0.1 54321 typ host"));
        assert_eq!(candidate_ufrag("candidate:1 1 udp 1 127.0.0.1 1 typ host"), None);
    }
}

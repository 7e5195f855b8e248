//! What the hub needs to know about a relayed signal to enforce grants:
//! whether it makes its sender a media sender, and whether it tells its
//! receiver about tracks. Media is peer-to-peer in a mesh, so this is as far
//! as a signaling server can see (README, "Join tokens and grants").

use crate::{SdpType, SignalData};

pub trait SignalPolicy {
    /// Announces tracks, or is a description that offers or accepts to send
    /// audio or video.
    fn sends_media(&self) -> bool;
    /// A `tracks` announcement (what a participant without `canSubscribe`
    /// is not told).
    fn announces_tracks(&self) -> bool;
}

/// Opaque text (the hub's tests): nothing to inspect.
impl SignalPolicy for String {
    fn sends_media(&self) -> bool {
        false
    }
    fn announces_tracks(&self) -> bool {
        false
    }
}

impl SignalPolicy for SignalData {
    fn sends_media(&self) -> bool {
        match self {
            SignalData::Tracks { tracks } => !tracks.is_empty(),
            SignalData::Description { sdp_type, sdp } => {
                *sdp_type != SdpType::Rollback && sdp_sends_media(sdp)
            }
            _ => false,
        }
    }
    fn announces_tracks(&self) -> bool {
        matches!(self, SignalData::Tracks { .. })
    }
}

#[cfg(feature = "json")]
impl SignalPolicy for serde_json::Value {
    fn sends_media(&self) -> bool {
        match self.get("kind").and_then(|k| k.as_str()) {
            Some("tracks") => {
                self.get("tracks").and_then(|t| t.as_array()).is_some_and(|t| !t.is_empty())
            }
            Some("description") => {
                let rollback = self.get("type").and_then(|t| t.as_str()) == Some("rollback");
                let sdp = self.get("sdp").and_then(|s| s.as_str()).unwrap_or("");
                !rollback && sdp_sends_media(sdp)
            }
            _ => false,
        }
    }
    fn announces_tracks(&self) -> bool {
        self.get("kind").and_then(|k| k.as_str()) == Some("tracks")
    }
}

/// Whether an SDP has an audio or video m-section, not rejected (port 0),
/// whose direction is `sendrecv` or `sendonly`. An m-section without a
/// direction attribute takes the session-level one, and `sendrecv` when
/// neither is given (RFC 3264 §5.1), so leaving it out does not slip by.
pub fn sdp_sends_media(sdp: &str) -> bool {
    let mut session_dir: Option<&str> = None;
    // (is audio/video and not rejected, its own direction) of the open m-section.
    let mut section: Option<(bool, Option<&str>)> = None;
    let sends = |media: bool, dir: Option<&str>, session: Option<&str>| {
        media && matches!(dir.or(session).unwrap_or("sendrecv"), "sendrecv" | "sendonly")
    };
    for line in sdp.lines().map(str::trim_end) {
        if let Some(m) = line.strip_prefix("m=") {
            if let Some((media, dir)) = section {
                if sends(media, dir, session_dir) {
                    return true;
                }
            }
            let mut fields = m.split_whitespace();
            let kind = fields.next().unwrap_or("");
            let port = fields.next().unwrap_or("0");
            let live = port.split('/').next().is_none_or(|p| p != "0");
            section = Some((live && (kind == "audio" || kind == "video"), None));
            continue;
        }
        let dir = match line {
            "a=sendrecv" => "sendrecv",
            "a=sendonly" => "sendonly",
            "a=recvonly" => "recvonly",
            "a=inactive" => "inactive",
            _ => continue,
        };
        match section.as_mut() {
            Some((_, d)) => *d = Some(dir),
            None => session_dir = Some(dir),
        }
    }
    section.is_some_and(|(media, dir)| sends(media, dir, session_dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape of Chromium's offers: BUNDLE, data first, then media.
    fn sdp(sections: &[(&str, &str, &str)]) -> String {
        let mut s = String::from("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n");
        for (kind, port, dir) in sections {
            s += &format!("m={kind} {port} UDP/TLS/RTP/SAVPF 96\r\na=mid:x\r\n");
            if !dir.is_empty() {
                s += &format!("a={dir}\r\n");
            }
        }
        s
    }

    #[test]
    fn receive_only_and_data_only_descriptions_send_no_media() {
        assert!(!sdp_sends_media(&sdp(&[("application", "9", ""), ("audio", "9", "recvonly")])));
        assert!(!sdp_sends_media(&sdp(&[("video", "9", "inactive"), ("audio", "9", "recvonly")])));
        // A rejected (port 0) m-section carries nothing whatever it says.
        assert!(!sdp_sends_media(&sdp(&[("video", "0", "sendrecv")])));
        assert!(!sdp_sends_media(""));
    }

    #[test]
    fn sending_directions_in_any_media_section_send_media() {
        assert!(sdp_sends_media(&sdp(&[("audio", "9", "recvonly"), ("video", "9", "sendrecv")])));
        assert!(sdp_sends_media(&sdp(&[("audio", "9", "sendonly"), ("video", "9", "recvonly")])));
        // No direction anywhere means sendrecv.
        assert!(sdp_sends_media(&sdp(&[("video", "9", "")])));
        // A session-level direction applies to sections without their own.
        let session_recv =
            sdp(&[("video", "9", "")]).replace("t=0 0\r\n", "t=0 0\r\na=recvonly\r\n");
        assert!(!sdp_sends_media(&session_recv));
    }

    #[test]
    fn tracks_announcements_are_recognized_and_empty_ones_send_nothing() {
        let empty = SignalData::Tracks { tracks: Vec::new() };
        assert!(empty.announces_tracks() && !empty.sends_media());
        let offer = SignalData::Description {
            sdp_type: SdpType::Offer,
            sdp: sdp(&[("video", "9", "sendonly")]),
        };
        assert!(offer.sends_media() && !offer.announces_tracks());
    }
}

//! The SDP the simulated connection writes and reads: real enough line syntax
//! (`m=`, `a=mid:`, `a=ice-ufrag:`, `a=msid:`) for the core's SDP reading,
//! and only the fields the model needs.

use rtcroom::core::TrackKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    Audio,
    Video,
    Application,
}

impl MediaKind {
    pub fn of(kind: TrackKind) -> Self {
        match kind {
            TrackKind::Audio => MediaKind::Audio,
            TrackKind::Video => MediaKind::Video,
        }
    }

    pub fn track_kind(self) -> Option<TrackKind> {
        match self {
            MediaKind::Audio => Some(TrackKind::Audio),
            MediaKind::Video => Some(TrackKind::Video),
            MediaKind::Application => None,
        }
    }

    fn m_line(self) -> &'static str {
        match self {
            MediaKind::Audio => "m=audio 9 UDP/TLS/RTP/SAVPF 111",
            MediaKind::Video => "m=video 9 UDP/TLS/RTP/SAVPF 96",
            MediaKind::Application => "m=application 9 UDP/DTLS/SCTP webrtc-datachannel",
        }
    }
}

/// The sender's `a=msid:` (stream id, track id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msid {
    pub stream: String,
    pub track: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub kind: MediaKind,
    pub mid: String,
    /// Set when the description's author sends on this m-section.
    pub msid: Option<Msid>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionDesc {
    pub ufrag: String,
    pub sections: Vec<Section>,
}

impl SessionDesc {
    pub fn section(&self, mid: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.mid == mid)
    }

    pub fn first_mid(&self) -> Option<&str> {
        self.sections.first().map(|s| s.mid.as_str())
    }

    pub fn to_sdp(&self, origin: &str, version: u64) -> String {
        let mut s = String::new();
        let mut line = |l: &str| {
            s.push_str(l);
            s.push_str("\r\n");
        };
        line("v=0");
        line(&format!("o=- {origin} {version} IN IP4 127.0.0.1"));
        line("s=-");
        line("t=0 0");
        let mids: Vec<&str> = self.sections.iter().map(|m| m.mid.as_str()).collect();
        if !mids.is_empty() {
            line(&format!("a=group:BUNDLE {}", mids.join(" ")));
        }
        for m in &self.sections {
            line(m.kind.m_line());
            line("c=IN IP4 0.0.0.0");
            line(&format!("a=ice-ufrag:{}", self.ufrag));
            line(&format!("a=ice-pwd:pwd-{}-0123456789abcdef", self.ufrag));
            line(&format!("a=mid:{}", m.mid));
            if m.kind != MediaKind::Application {
                line(if m.msid.is_some() { "a=sendrecv" } else { "a=recvonly" });
            }
            if let Some(msid) = &m.msid {
                line(&format!("a=msid:{} {}", msid.stream, msid.track));
            }
        }
        s
    }

    /// Reads what [`Self::to_sdp`] writes. Sections without a mid are an error.
    pub fn parse(sdp: &str) -> Result<SessionDesc, String> {
        let mut ufrag = None;
        let mut sections: Vec<Section> = Vec::new();
        let mut current: Open = None;
        type Open = Option<(MediaKind, Option<String>, Option<Msid>)>;
        fn finish(cur: Open, sections: &mut Vec<Section>) -> Result<(), String> {
            if let Some((kind, mid, msid)) = cur {
                let mid = mid.ok_or("m-section without a=mid")?;
                sections.push(Section { kind, mid, msid });
            }
            Ok(())
        }
        for l in sdp.lines().map(str::trim_end) {
            if let Some(m) = l.strip_prefix("m=") {
                finish(current.take(), &mut sections)?;
                let kind = match m.split(' ').next() {
                    Some("audio") => MediaKind::Audio,
                    Some("video") => MediaKind::Video,
                    Some("application") => MediaKind::Application,
                    other => return Err(format!("unknown media {other:?}")),
                };
                current = Some((kind, None, None));
            } else if let Some(u) = l.strip_prefix("a=ice-ufrag:") {
                ufrag.get_or_insert_with(|| u.to_owned());
            } else if let Some(mid) = l.strip_prefix("a=mid:") {
                let cur = current.as_mut().ok_or("a=mid outside an m-section")?;
                cur.1 = Some(mid.to_owned());
            } else if let Some(msid) = l.strip_prefix("a=msid:") {
                let cur = current.as_mut().ok_or("a=msid outside an m-section")?;
                let (stream, track) = msid.split_once(' ').ok_or("a=msid without a track id")?;
                cur.2 = Some(Msid { stream: stream.to_owned(), track: track.to_owned() });
            }
        }
        finish(current.take(), &mut sections)?;
        Ok(SessionDesc { ufrag: ufrag.ok_or("no a=ice-ufrag")?, sections })
    }
}

#[test]
fn sim_sdp_round_trips_and_the_core_reads_its_ufrag() {
    let d = SessionDesc {
        ufrag: "abcd".into(),
        sections: vec![
            Section {
                kind: MediaKind::Audio,
                mid: "0".into(),
                msid: Some(Msid { stream: "s".into(), track: "t".into() }),
            },
            Section { kind: MediaKind::Application, mid: "1".into(), msid: None },
        ],
    };
    let sdp = d.to_sdp("1", 2);
    assert_eq!(SessionDesc::parse(&sdp), Ok(d));
    assert_eq!(rtcroom::core::sdp::ice_ufrag(&sdp), Some("abcd"));
}

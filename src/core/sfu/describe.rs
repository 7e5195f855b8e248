//! What a published stream is, in the text Janus relays with it.
//!
//! Janus lists a publisher's streams by kind and mid only, and knows no
//! mute. VideoRoom ≥ 1.0 (Debian's is 1.1) takes a `description` per mid in
//! `publish`/`configure` (`descriptions: [{mid, description}]`), relays it
//! in the publisher list, and sends the others an updated list when an
//! SDP-less `configure` changes it. Ours is `source[;muted][;of=ID][;kf]`:
//! the source (`camera`, `screen`, …), whether it is muted, for a
//! screen feed (a publisher of its own) the participant it belongs to, and
//! whether the publisher restarts a layer on a key-frame request (see
//! `room::key_frames`).
//! A stream without one (another Janus client) is its kind's default source.
//!
//! A screen feed's handle joins the room under the participant's display
//! followed by [`SCREEN_MARK`] (a zero-width space: other Janus clients
//! show the name as it is), so that rooms announcing joins without media
//! (`notify_joining`) do not show that handle as a participant of its own
//! before its descriptions say whose it is.

use crate::core::types::{TrackKind, TrackSource};

/// One stream as its description says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamTag {
    pub source: TrackSource,
    pub muted: bool,
    /// The participant (main feed id) a feed of its own belongs to.
    pub owner: Option<u64>,
    /// Its publisher restarts a layer on a key-frame request.
    pub key_frames: bool,
}

impl StreamTag {
    /// The description text Janus relays.
    pub fn to_text(self) -> String {
        let mut s = self.source.as_str().to_owned();
        if self.muted {
            s.push_str(";muted");
        }
        if let Some(owner) = self.owner {
            s.push_str(";of=");
            s.push_str(&crate::core::text::dec(owner));
        }
        if self.key_frames {
            s.push_str(";kf");
        }
        s
    }

    /// Reads a description (`None`, or text that is not ours: the kind's
    /// default source, unmuted). Unknown parts are ignored, so later
    /// versions can add some.
    pub fn parse(description: Option<&str>, kind: TrackKind) -> StreamTag {
        let mut tag = StreamTag {
            source: default_source(kind),
            muted: false,
            owner: None,
            key_frames: false,
        };
        let Some(text) = description else { return tag };
        let mut parts = text.split(';');
        match parts.next().and_then(TrackSource::parse) {
            Some(source) if source.required_kind().is_none_or(|k| k == kind) => tag.source = source,
            // Not ours (a human-readable text): nothing more to read.
            _ => return tag,
        }
        for part in parts {
            if part == "muted" {
                tag.muted = true;
            } else if part == "kf" {
                tag.key_frames = true;
            } else if let Some(id) = part.strip_prefix("of=") {
                tag.owner = id.parse().ok();
            }
        }
        tag
    }
}

/// A publisher's video is its camera, its audio its microphone.
pub fn default_source(kind: TrackKind) -> TrackSource {
    match kind {
        TrackKind::Video => TrackSource::Camera,
        TrackKind::Audio => TrackSource::Microphone,
    }
}

/// Ends the display of a screen feed's handle.
pub const SCREEN_MARK: char = '\u{200B}';

/// The display a screen feed's handle joins under.
pub fn screen_display(display: Option<&str>) -> String {
    let mut s = display.unwrap_or("").to_owned();
    s.push(SCREEN_MARK);
    s
}

/// Whether a display is a screen feed handle's.
pub fn is_screen_display(display: &str) -> bool {
    display.ends_with(SCREEN_MARK)
}

/// The participant's name in a display (a screen handle's without its
/// mark; none when that leaves nothing).
pub fn display_name(display: Option<String>) -> Option<String> {
    let d = display?;
    match d.strip_suffix(SCREEN_MARK) {
        Some("") => None,
        Some(name) => Some(name.to_owned()),
        None => Some(d),
    }
}

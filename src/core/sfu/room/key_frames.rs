//! Key frames asked of an rtcroom publisher directly, for a layer switch.
//!
//! Janus switches a subscription to another simulcast layer on that
//! layer's next key frame and asks the publisher for one, but the
//! publisher's browser honours one such request per
//! [`KEYFRAME_REQUEST_INTERVAL`] and drops the others: a switch asked for
//! soon after another waits for the interval to end (`janus::switch`).
//! An rtcroom publisher has a way around it: an encoding switched off and
//! back on starts over with a key frame at once. So when a switch is likely
//! to wait (Janus's [`JanusEvent::KeyFrameWanted`]), the subscriber sends
//! the publisher a request on its own publisher data channel, which Janus
//! relays to every subscriber of its data, and the publisher restarts that
//! one layer ([`PcCommand::RestartLayer`]), at most once per layer per
//! interval (a key frame is large; the requests come from anyone).
//!
//! The request is a text message, `\0rtcroom:kf <feed> <feed mid>
//! <substream>`: text beginning with [`CONTROL_PREFIX`] is the SDK's own,
//! never shown to the app, and refused from the app's `send`. A publisher
//! says it honours requests with `kf` in its video streams' descriptions
//! (see `describe`); no request goes to one that does not.
//!
//! [`JanusEvent::KeyFrameWanted`]: super::JanusEvent::KeyFrameWanted

use super::{role_of_source, Channel, LocalTrack, Payload, PcCommand, Role, SenderId, SfuRoom};
use crate::core::encodings::EncodingParams;
use crate::core::sfu::janus::KEYFRAME_REQUEST_INTERVAL;
use crate::core::sfu::{sfu_only, LayerRestart};
use crate::core::text;
use crate::core::types::{Millis, TrackKind};

/// Text messages that begin with this are the SDK's own.
pub const CONTROL_PREFIX: &str = "\u{0}rtcroom:";
/// Why the app may not send one.
pub const RESERVED: &str =
    "text beginning with \"\\u0000rtcroom:\" is reserved for the SDK's own messages in SFU rooms";

/// A request for a key frame on one layer of one stream of a feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFrameRequest {
    pub feed: u64,
    pub feed_mid: String,
    pub substream: u8,
}

impl KeyFrameRequest {
    pub fn to_text(&self) -> String {
        text::concat(&[
            CONTROL_PREFIX,
            "kf ",
            &text::dec(self.feed),
            " ",
            &self.feed_mid,
            " ",
            &text::dec(u64::from(self.substream)),
        ])
    }

    /// Reads a request (`None` for any other text, or a malformed one).
    pub fn parse(message: &str) -> Option<Self> {
        let mut parts = message.strip_prefix(CONTROL_PREFIX)?.strip_prefix("kf ")?.split(' ');
        // One number parser (u64) for both numbers.
        let feed = parts.next()?.parse().ok()?;
        let feed_mid = parts.next().filter(|m| !m.is_empty())?.to_owned();
        let substream = u8::try_from(parts.next()?.parse::<u64>().ok()?).ok()?;
        Some(KeyFrameRequest { feed, feed_mid, substream })
    }
}

/// Whether a message is the SDK's own (never the app's).
pub fn is_control(data: &Payload) -> bool {
    matches!(data, Payload::Text(t) if t.starts_with(CONTROL_PREFIX))
}

/// The rid of Janus's `substream` of these encodings (listed low to high,
/// as Janus numbers them; a substream above the top is the top), unless
/// that encoding is off: bitrate control paused it, there is no key frame
/// to make, and switching it back on would undo that decision.
pub fn rid_of(encodings: &[EncodingParams], substream: u8) -> Option<&'static str> {
    let e = encodings.get(usize::from(substream)).or(encodings.last())?;
    e.active.then_some(e.rid)?
}

/// Layers restarted lately (by sender and rid), for the once-per-interval
/// limit.
#[derive(Debug, Default)]
pub struct Restarts {
    list: Vec<(SenderId, &'static str, Millis)>,
}

impl Restarts {
    /// Records a restart at `now` unless one of the same layer is less than
    /// the interval old: true when this one may go.
    fn allow(&mut self, now: Millis, sender: SenderId, rid: &'static str) -> bool {
        self.list.retain(|(_, _, at)| now < at.saturating_add(KEYFRAME_REQUEST_INTERVAL));
        if self.list.iter().any(|(s, r, _)| *s == sender && *r == rid) {
            return false;
        }
        self.list.push((sender, rid, now));
        true
    }

    pub fn clear(&mut self) {
        self.list.clear();
    }
}

impl SfuRoom {
    /// Subscriber side: our switch on `mid` may wait for its publisher's
    /// interval; ask that publisher directly if it honours requests.
    pub(super) fn ask_key_frame(&mut self, mid: &str, substream: u8) {
        let Some(a) = self.announced.get(mid) else { return };
        if a.kind != TrackKind::Video {
            return;
        }
        let (feed, feed_mid) = (a.feed, a.feed_mid.clone());
        let honours = self
            .feed_owner
            .get(&feed)
            .and_then(|o| self.participants.get(o))
            .is_some_and(|m| m.honours_key_frames(feed, &feed_mid));
        if !honours {
            return;
        }
        let request = KeyFrameRequest { feed, feed_mid, substream };
        // Unordered and without retransmits when we can: a late request is
        // worthless.
        let open = [Channel::Lossy, Channel::Reliable]
            .into_iter()
            .find(|c| self.open_channels.contains(c));
        match open {
            Some(channel) => self.send_data(channel, Payload::Text(request.to_text())),
            // No data channel yet (we publish nothing): open one for the
            // next switch; this one waits as any other.
            None => self.ensure_publisher(),
        }
    }

    /// Publisher side: a relayed request, for one of our feeds or not.
    pub(super) fn on_key_frame_request(&mut self, request: &KeyFrameRequest) {
        let role = if self.janus.id() == Some(request.feed) {
            Role::Publisher
        } else if self.janus.screen_id() == Some(request.feed) {
            Role::Screen
        } else {
            return;
        };
        let abr = &self.conn(role).abr;
        let sender_of = |t: &LocalTrack| {
            let sender = *self.senders.get(&t.track_id)?;
            let ours = role_of_source(t.source) == role
                && t.kind == TrackKind::Video
                && self.sender_mids.get(&sender).is_some_and(|m| *m == request.feed_mid);
            if !ours {
                return None;
            }
            // The encodings as bitrate control last set them (the plan
            // until it decides anything; every sender of ours is tracked).
            Some((sender, rid_of(abr.applied(sender)?, request.substream)?))
        };
        let Some((sender, rid)) = self.published.iter().find_map(sender_of) else { return };
        if self.layer_restarts.allow(self.now, sender, rid) {
            let layer = LayerRestart { mid: request.feed_mid.clone(), rid };
            if let Some(layer) = sfu_only(layer) {
                self.pc(role, PcCommand::RestartLayer(layer));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_substream_is_the_rid_at_its_place_low_to_high_unless_it_is_off() {
        let layer = |rid, active| EncodingParams {
            rid: Some(rid),
            active,
            max_bitrate_bps: 0,
            scale_resolution_down_by: 1.0,
            max_framerate: None,
        };
        let three = [layer("q", true), layer("h", true), layer("f", true)];
        assert_eq!(
            [0, 1, 2, 9].map(|s| rid_of(&three, s)),
            [Some("q"), Some("h"), Some("f"), Some("f")]
        );
        let paused = [layer("q", true), layer("h", true), layer("f", false)];
        assert_eq!([1, 2].map(|s| rid_of(&paused, s)), [Some("h"), None]);
        assert_eq!(rid_of(&[], 0), None);
    }

    #[test]
    fn a_request_reads_back_as_written_and_other_text_is_not_one() {
        let r = KeyFrameRequest { feed: 4_242, feed_mid: "1".into(), substream: 2 };
        assert_eq!(r.to_text(), "\u{0}rtcroom:kf 4242 1 2");
        assert_eq!(KeyFrameRequest::parse(&r.to_text()), Some(r));
        for other in [
            "kf 4242 1 2",
            "\u{0}rtcroom:kf 4242 1",
            "\u{0}rtcroom:kf x 1 2",
            "\u{0}rtcroom:kf 1  2",
        ] {
            assert_eq!(KeyFrameRequest::parse(other), None, "{other:?}");
        }
        assert!(is_control(&Payload::Text("\u{0}rtcroom:anything".into())));
        assert!(!is_control(&Payload::Text("rtcroom:kf 1 1 1".into())));
        assert!(!is_control(&Payload::Binary(b"\0rtcroom:kf 1 1 1".to_vec())));
    }

    #[test]
    fn a_layer_restarts_at_most_once_per_interval() {
        let mut r = Restarts::default();
        let t = Millis(1_000);
        let (camera, screen) = (SenderId(1), SenderId(2));
        assert!(r.allow(t, camera, "h"));
        assert!(!r.allow(t.saturating_add(KEYFRAME_REQUEST_INTERVAL - 1), camera, "h"));
        // Another layer or sender is another key frame.
        assert!(r.allow(t, camera, "f"));
        assert!(r.allow(t, screen, "h"));
        assert!(r.allow(t.saturating_add(KEYFRAME_REQUEST_INTERVAL), camera, "h"));
    }
}

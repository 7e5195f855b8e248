//! What we send on one connection: one entry per `RTCRtpSender` (and its
//! transceiver) we ever put a track on, and the policy that keeps their
//! number bounded however often tracks are unpublished and published again.
//!
//! Unpublishing detaches the track (`replaceTrack(null)`): the transceiver
//! keeps its direction, so nothing is renegotiated and the remote's receiver
//! stays as it was. Publishing puts the track on an idle sender of its kind
//! (`replaceTrack(track)`), one of the same stream first, and adds a sender
//! only when none is idle. `addTrack` after `removeTrack` would add an
//! m-section per cycle (it only reuses transceivers that never sent), and
//! toggling the direction instead exposes the receiver to two browser
//! behaviours that lose the re-published track: `track` fires only when a
//! transceiver's direction starts receiving again (webrtc-pc "process remote
//! tracks"), so a removal not yet applied remotely cancels out; and in
//! Chromium a removal applied by an offer that rolled back a local one
//! leaves the receiver muted for good (w3c/webrtc-pc#3081). Receivers
//! therefore match a re-published track to the receiver they already have
//! (see `RoomCore::reconcile_tracks`), without waiting for a `track` event.

use super::LocalTrack;
use crate::core::types::TrackKind;

/// One of our senders on a connection, numbered by the core (per
/// connection generation); the driver maps it to its `RTCRtpSender`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SenderId(pub u32);

#[derive(Debug, Clone)]
struct Sender {
    id: SenderId,
    kind: TrackKind,
    /// The published track it carries; `None`: idle.
    track: Option<String>,
    /// The stream it is associated with (`a=msid`), kept while idle.
    stream: String,
}

/// Where a published track goes on a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// A new sender (`addTrack`).
    Add(SenderId),
    /// This idle sender.
    Reuse(SenderId),
}

#[derive(Debug, Default)]
pub struct Senders {
    list: Vec<Sender>,
    next: u32,
}

impl Senders {
    /// The sender carrying `track_id`, if any.
    pub fn carrying(&self, track_id: &str) -> Option<SenderId> {
        self.list.iter().find(|s| s.track.as_deref() == Some(track_id)).map(|s| s.id)
    }

    /// Chooses a sender for `track` and records it there: an idle one of its
    /// kind, one already in its stream first (then the remote's stream
    /// association does not even change), else a new one.
    pub fn place(&mut self, track: &LocalTrack) -> Placement {
        let idle = |s: &Sender| s.kind == track.kind && s.track.is_none();
        let chosen = (self.list.iter().position(|s| idle(s) && s.stream == track.stream_id))
            .or_else(|| self.list.iter().position(idle));
        if let Some(s) = chosen.and_then(|i| self.list.get_mut(i)) {
            s.track = Some(track.track_id.clone());
            s.stream.clone_from(&track.stream_id);
            return Placement::Reuse(s.id);
        }
        let id = SenderId(self.next);
        self.next += 1;
        self.list.push(Sender {
            id,
            kind: track.kind,
            track: Some(track.track_id.clone()),
            stream: track.stream_id.clone(),
        });
        Placement::Add(id)
    }

    /// `new` takes `old`'s place on its sender (a device switch); returns
    /// that sender.
    pub fn retrack(&mut self, old: &str, new: &str) -> Option<SenderId> {
        let s = self.list.iter_mut().find(|s| s.track.as_deref() == Some(old))?;
        s.track = Some(new.to_owned());
        Some(s.id)
    }

    /// `track_id` stops being sent; returns the sender that carried it.
    pub fn detach(&mut self, track_id: &str) -> Option<SenderId> {
        let s = self.list.iter_mut().find(|s| s.track.as_deref() == Some(track_id))?;
        s.track = None;
        Some(s.id)
    }

    /// Senders on this connection (each one transceiver).
    pub fn len(&self) -> usize {
        self.list.len()
    }
}

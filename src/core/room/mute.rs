//! Muting our publications.
//!
//! A camera the SDK captured is **released** while muted (light off): its
//! senders carry no track (`replaceTrack(null)`), the track is stopped, and
//! unmuting captures the same device again; the new track then takes the
//! old one's place on the same senders, in the same publication — no
//! renegotiation. Other tracks (a microphone, the app's own tracks, which
//! the SDK could not capture again) mute with `track.enabled = false`:
//! silence or black frames. Either way the others are told (`muted` in the
//! publication, `track-muted` / `track-unmuted`).

use super::*;

/// What the caller still has to do after [`RoomCore::set_muted`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
#[non_exhaustive]
pub enum MuteStep {
    /// Nothing: the change is made (or there was none to make).
    Done,
    /// Capture `device_id` again and hand the new track to
    /// [`RoomCore::recaptured`]; the track stays muted until then (and if
    /// the capture fails).
    Recapture { device_id: String, kind: TrackKind },
}

impl RoomCore {
    /// Mutes or unmutes one of our published tracks, and tells everyone.
    pub fn set_muted(&mut self, track_id: &str, muted: bool) -> Result<MuteStep, CoreError> {
        if let Some(s) = &mut self.sfu {
            return s.set_muted(track_id, muted);
        }
        self.in_room()?;
        let Some(track) = self.published.iter().find(|t| t.track_id == track_id) else {
            return Err(CoreError::NotPublished);
        };
        if muted == self.muted.contains(track_id) {
            return Ok(MuteStep::Done);
        }
        if !muted {
            if self.released.contains(track_id) {
                let device_id = track.device_id.clone().unwrap_or_default();
                return Ok(MuteStep::Recapture { device_id, kind: track.kind });
            }
            self.muted.remove(track_id);
            let track_id = track_id.to_owned();
            self.out.push_back(RoomOutput::SetTrackEnabled { track_id, enabled: true });
            self.announce_all();
            return Ok(MuteStep::Done);
        }
        self.muted.insert(track_id.to_owned());
        if track.source == TrackSource::Camera && track.device_id.is_some() {
            self.release(track_id);
        } else {
            let track_id = track_id.to_owned();
            self.out.push_back(RoomOutput::SetTrackEnabled { track_id, enabled: false });
        }
        self.announce_all();
        Ok(MuteStep::Done)
    }

    pub fn is_muted(&self, track_id: &str) -> bool {
        if let Some(s) = &self.sfu {
            return s.is_muted(track_id);
        }
        self.muted.contains(track_id)
    }

    /// Whether our muted track's capture is released (light off).
    pub fn is_released(&self, track_id: &str) -> bool {
        if let Some(s) = &self.sfu {
            return s.is_released(track_id);
        }
        self.released.contains(track_id)
    }

    /// The capture a [`MuteStep::Recapture`] asked for: `new` replaces the
    /// released `old` on its senders and the publication is unmuted.
    /// `NotPublished` if `old` is no longer a released publication (it was
    /// unpublished or unmuted meanwhile): then the caller stops `new`.
    pub fn recaptured(&mut self, old: &str, new: LocalTrack) -> Result<(), CoreError> {
        if let Some(s) = &mut self.sfu {
            return s.recaptured(old, new);
        }
        self.in_room()?;
        if !self.released.contains(old) || !self.muted.contains(old) {
            return Err(CoreError::NotPublished);
        }
        self.released.remove(old);
        self.muted.remove(old);
        self.replace_published(old, new)?;
        self.announce_all();
        Ok(())
    }

    /// Takes the track off every sender (keeping the senders for it) and
    /// stops it.
    fn release(&mut self, track_id: &str) {
        self.released.insert(track_id.to_owned());
        for (peer, r) in &self.peers {
            if let Some(sender) = r.senders.carrying(track_id) {
                let peer = peer.clone();
                self.out.push_back(RoomOutput::ReplaceTrack { peer, sender, track: None });
            }
        }
        self.out.push_back(RoomOutput::StopTrack { track_id: track_id.to_owned() });
    }
}

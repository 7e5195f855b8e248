//! Muting our publications in an SFU room, as the mesh does
//! (`core::room::mute`): a camera the SDK captured is released while muted
//! (light off: no track on its sender, the track stopped) and captured
//! again on unmute; other tracks mute with `track.enabled = false`. The
//! others are told through the stream's description on Janus (an SDP-less
//! `configure`: Janus sends them an updated publisher list; see
//! [`describe`](crate::core::sfu::describe)).

use super::*;
use crate::core::room::MuteStep;

impl SfuRoom {
    /// Mutes or unmutes one of our published tracks, and tells everyone.
    pub fn set_muted(&mut self, track_id: &str, muted: bool) -> Result<MuteStep, CoreError> {
        if !self.is_joined() {
            return Err(CoreError::NotJoined);
        }
        let Some(track) = self.published.iter().find(|t| t.track_id == track_id).cloned() else {
            return Err(CoreError::NotPublished);
        };
        if muted == self.muted.contains(track_id) {
            return Ok(MuteStep::Done);
        }
        let role = role_of_source(track.source);
        if !muted {
            if self.released.contains(track_id) {
                let device_id = track.device_id.unwrap_or_default();
                return Ok(MuteStep::Recapture { device_id, kind: track.kind });
            }
            self.muted.remove(track_id);
            let track_id = track_id.to_owned();
            self.out.push_back(RoomOutput::SetTrackEnabled { track_id, enabled: true });
            self.describe(role);
            return Ok(MuteStep::Done);
        }
        self.muted.insert(track_id.to_owned());
        if track.source == TrackSource::Camera && track.device_id.is_some() {
            self.released.insert(track_id.to_owned());
            if let Some(sender) = self.senders.get(track_id).copied() {
                let peer = Self::peer_id(role);
                self.out.push_back(RoomOutput::ReplaceTrack { peer, sender, track: None });
            }
            self.out.push_back(RoomOutput::StopTrack { track_id: track_id.to_owned() });
        } else {
            let track_id = track_id.to_owned();
            self.out.push_back(RoomOutput::SetTrackEnabled { track_id, enabled: false });
        }
        self.describe(role);
        Ok(MuteStep::Done)
    }

    pub fn is_muted(&self, track_id: &str) -> bool {
        self.muted.contains(track_id)
    }

    /// Whether our muted track's capture is released (light off).
    pub fn is_released(&self, track_id: &str) -> bool {
        self.released.contains(track_id)
    }

    /// The capture a [`MuteStep::Recapture`] asked for: `new` takes the
    /// released `old`'s place on its sender and the publication is unmuted.
    pub fn recaptured(&mut self, old: &str, new: LocalTrack) -> Result<(), CoreError> {
        if !self.released.contains(old) || !self.muted.contains(old) {
            return Err(CoreError::NotPublished);
        }
        self.released.remove(old);
        self.muted.remove(old);
        let role = self.replace_published(old, new)?;
        self.describe(role);
        Ok(())
    }

    /// `new` replaces our published track `old` (a recapture, a device
    /// switch): same publication, same sender through `replaceTrack` — no
    /// renegotiation; the others keep their track.
    pub fn replace_published(&mut self, old: &str, new: LocalTrack) -> Result<Role, CoreError> {
        if !self.is_joined() {
            return Err(CoreError::NotJoined);
        }
        let new = crate::core::room::replace_in(&mut self.published, old, new)?;
        let role = role_of_source(new.source);
        let publication = self.publication_ids.remove(old).unwrap_or_else(|| old.to_owned());
        if publication != new.track_id {
            self.publication_ids.insert(new.track_id.clone(), publication);
        }
        // A released camera's sender stays empty until the unmute.
        let released = self.released.remove(old);
        if released {
            self.released.insert(new.track_id.clone());
            self.out.push_back(RoomOutput::StopTrack { track_id: new.track_id.clone() });
        }
        if self.muted.remove(old) {
            self.muted.insert(new.track_id.clone());
            let track_id = new.track_id.clone();
            self.out.push_back(RoomOutput::SetTrackEnabled { track_id, enabled: false });
        }
        if let Some(sender) = self.senders.remove(old) {
            self.senders.insert(new.track_id.clone(), sender);
            if !released {
                let peer = Self::peer_id(role);
                let track = Some(new.clone());
                self.out.push_back(RoomOutput::ReplaceTrack { peer: peer.clone(), sender, track });
                let encodings = encodings_of(&new);
                if !encodings.is_empty() {
                    self.out.push_back(RoomOutput::SetEncodings { peer, sender, encodings });
                }
                // The new track's ladder starts from its plan, as just set.
                self.abr_track(role, sender, &new);
            }
        }
        Ok(role)
    }

    /// Tells Janus what `role`'s streams are now (once it has published
    /// them; an offer still to come carries them anyway).
    pub(super) fn describe(&mut self, role: Role) {
        let descriptions = self.descriptions(role);
        if descriptions.is_empty() || !self.janus.can_publish(role) {
            return;
        }
        if let Err(e) = self.janus.describe(self.now, role, descriptions) {
            self.warn(None, e.code(), e.message());
        }
        self.pump();
    }
}

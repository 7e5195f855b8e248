//! Driver piece of SFU rooms: one `MediaStream` per remote participant
//! (Janus sends every feed of a subscription in one stream; the app wants
//! one per participant, as in a mesh).

use crate::core::map::Map;
use web_sys::{MediaStream, MediaStreamTrack};

/// One stream per remote participant of an SFU room.
#[derive(Default)]
pub struct ParticipantStreams {
    streams: Map<String, MediaStream>,
}

impl ParticipantStreams {
    /// `participant`'s stream, with `track` in it.
    pub fn add(&mut self, participant: &str, track: &MediaStreamTrack) -> Option<MediaStream> {
        let stream = match self.streams.get(participant) {
            Some(s) => Clone::clone(s),
            None => {
                let s = MediaStream::new().ok()?;
                self.streams.insert(participant.to_owned(), Clone::clone(&s));
                s
            }
        };
        if stream.get_track_by_id(&track.id()).is_none() {
            stream.add_track(track);
        }
        Some(stream)
    }

    /// `track` left `participant`'s stream (the stream stays for the app's
    /// elements).
    pub fn remove(&mut self, participant: &str, track: &MediaStreamTrack) -> Option<MediaStream> {
        let stream = self.streams.get(participant)?;
        stream.remove_track(track);
        Some(Clone::clone(stream))
    }

    pub fn forget(&mut self, participant: &str) {
        self.streams.remove(participant);
    }

    pub fn clear(&mut self) {
        self.streams.clear();
    }
}

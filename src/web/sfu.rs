//! Driver piece of SFU rooms: one `MediaStream` per remote participant and
//! source group (Janus sends every feed of a subscription in one stream;
//! the app wants, as in a mesh, camera + microphone in one stream and a
//! screen share in another).

use crate::core::map::Map;
use crate::core::{stream_group, TrackSource};
use web_sys::{MediaStream, MediaStreamTrack};

/// One stream per remote participant and source group of an SFU room.
#[derive(Default)]
pub struct ParticipantStreams {
    streams: Map<(String, &'static str), MediaStream>,
}

fn key(participant: &str, source: TrackSource) -> (String, &'static str) {
    (participant.to_owned(), stream_group(source).unwrap_or("custom"))
}

impl ParticipantStreams {
    /// `participant`'s stream for `source`, with `track` in it.
    pub fn add(
        &mut self,
        participant: &str,
        source: TrackSource,
        track: &MediaStreamTrack,
    ) -> Option<MediaStream> {
        let key = key(participant, source);
        let stream = match self.streams.get(&key) {
            Some(s) => Clone::clone(s),
            None => {
                let s = MediaStream::new().ok()?;
                self.streams.insert(key, Clone::clone(&s));
                s
            }
        };
        if stream.get_track_by_id(&track.id()).is_none() {
            stream.add_track(track);
        }
        Some(stream)
    }

    /// The stream `participant`'s `source` track is in.
    pub fn get(&self, participant: &str, source: TrackSource) -> Option<MediaStream> {
        self.streams.get(&key(participant, source)).cloned()
    }

    /// `track` left `participant`'s stream (the stream stays for the app's
    /// elements).
    pub fn remove(
        &mut self,
        participant: &str,
        source: TrackSource,
        track: &MediaStreamTrack,
    ) -> Option<MediaStream> {
        let stream = self.streams.get(&key(participant, source))?;
        stream.remove_track(track);
        Some(Clone::clone(stream))
    }

    pub fn forget(&mut self, participant: &str) {
        self.streams.retain(|(p, _), _| p != participant);
    }

    pub fn clear(&mut self) {
        self.streams.clear();
    }
}

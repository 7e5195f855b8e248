//! Driver piece of SFU rooms: one `MediaStream` per remote participant and
//! source group (Janus sends every feed of a subscription in one stream;
//! the app wants, as in a mesh, camera + microphone in one stream and a
//! screen share in another).

use super::error::WebError;
use super::transport::{Connector, Transport};
use crate::core::map::Map;
use crate::core::{stream_group, Millis, RoomConfig, RoomCore, TrackSource};
use rtcroom_proto::janus::Request;
use std::rc::Rc;
use web_sys::{MediaStream, MediaStreamTrack};

// The driver's one boundary with the `sfu` feature: without it (the npm
// package's mesh build) these three refuse, and nothing reaches the Janus
// transport, its codec or the core's SFU room, so the linker drops them.

/// The connector to the Janus WebSocket at `url`.
#[cfg(feature = "sfu")]
pub fn connector(url: String) -> Result<Rc<dyn Connector>, WebError> {
    Ok(Rc::new(super::transport::JanusConnector { url }))
}

/// The core of a room in the Janus VideoRoom numbered `config.room`.
#[cfg(feature = "sfu")]
pub fn core(now: Millis, config: RoomConfig) -> Result<RoomCore, WebError> {
    let room = config
        .room
        .parse::<u64>()
        .map_err(|_| WebError::InvalidArgument("options.room must be a VideoRoom number".into()))?;
    Ok(RoomCore::new_sfu(now, config, room))
}

/// Writes a Janus request to the room's transport.
#[cfg(feature = "sfu")]
pub fn send(t: &dyn Transport, frame: &Request) -> Result<(), WebError> {
    super::transport::janus_encode(frame).and_then(|f| t.send_text(&f))
}

#[cfg(not(feature = "sfu"))]
pub fn connector(_url: String) -> Result<Rc<dyn Connector>, WebError> {
    Err(WebError::SfuNotBuilt)
}

#[cfg(not(feature = "sfu"))]
pub fn core(_now: Millis, _config: RoomConfig) -> Result<RoomCore, WebError> {
    Err(WebError::SfuNotBuilt)
}

#[cfg(not(feature = "sfu"))]
pub fn send(_t: &dyn Transport, _frame: &Request) -> Result<(), WebError> {
    Err(WebError::SfuNotBuilt)
}

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

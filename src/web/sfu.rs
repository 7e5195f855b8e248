//! Driver pieces of SFU rooms: `addTransceiver` with the core's simulcast
//! plan, and one `MediaStream` per remote participant (Janus sends every
//! feed of a subscription in one stream; the app wants one per participant,
//! as in a mesh).

use super::error::WebError;
use super::peer::PeerConn;
use crate::core::encodings::EncodingParams;
use crate::core::map::Map;
use crate::core::SenderId;
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;
use web_sys::{MediaStream, MediaStreamTrack, RtcPeerConnection, RtcRtpTransceiver};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(extends = RtcPeerConnection)]
    type PcWithTrackTransceiver;

    #[wasm_bindgen(method, catch, js_name = addTransceiver)]
    fn add_transceiver(
        this: &PcWithTrackTransceiver,
        track: &MediaStreamTrack,
        init: &Object,
    ) -> Result<RtcRtpTransceiver, JsValue>;
}

fn set(o: &Object, key: &str, v: &JsValue) {
    // Defining a property on a fresh plain object cannot fail.
    let _ = Reflect::set(o, &JsValue::from_str(key), v);
}

/// `RTCRtpEncodingParameters` from the core's plan.
fn encoding(e: &EncodingParams) -> Object {
    let o = Object::new();
    if let Some(rid) = e.rid {
        set(&o, "rid", &rid.into());
    }
    set(&o, "active", &e.active.into());
    set(&o, "maxBitrate", &e.max_bitrate_bps.into());
    set(&o, "scaleResolutionDownBy", &e.scale_resolution_down_by.into());
    if let Some(fps) = e.max_framerate {
        set(&o, "maxFramerate", &fps.into());
    }
    o
}

/// `addTransceiver(track, {direction: 'sendonly', streams: [stream],
/// sendEncodings})`; the sender is `id` from now on.
pub fn add_transceiver(
    conn: &mut PeerConn,
    id: SenderId,
    track: &MediaStreamTrack,
    stream: &MediaStream,
    encodings: &[EncodingParams],
) -> Result<(), WebError> {
    let init = Object::new();
    set(&init, "direction", &"sendonly".into());
    set(&init, "streams", &Array::of1(stream));
    if !encodings.is_empty() {
        let list: Array = encodings.iter().map(encoding).collect();
        set(&init, "sendEncodings", &list);
    }
    let pc: &PcWithTrackTransceiver = conn.connection().unchecked_ref();
    let transceiver = pc.add_transceiver(track, &init).map_err(|e| WebError::browser(&e))?;
    conn.insert_sender(id, transceiver.sender());
    Ok(())
}

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

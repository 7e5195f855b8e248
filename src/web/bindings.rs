//! The `#[wasm_bindgen]` surface the JS facade (`js/index.js`) wraps. Every
//! error leaving here is a JS `Error` with a stable `code`.

use super::error::WebError;
use super::js::{get, object, set, set_num, set_str};
use super::room::{JoinOptions, Room};
use crate::core::encodings::is_video_content_hint;
use crate::core::{Payload, ScreenPreset, TrackKind, TrackSource};
use std::future::Future;
use std::pin::Pin;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::future_to_promise;
use web_sys::{DisplayMediaStreamConstraints, MediaStreamConstraints, MediaStreamTrack};

#[wasm_bindgen]
pub struct RoomHandle {
    room: Room,
}

/// `Room.join(url | urls, options, onEvent)` (the facade passes a list);
/// `onEvent(name, payload)` receives every room event (the facade turns it
/// into typed `room.on` events).
#[wasm_bindgen(js_name = joinRoom, unchecked_return_type = "Promise<RoomHandle>")]
pub fn join_room(
    urls: Vec<String>,
    options: JsValue,
    on_event: js_sys::Function,
) -> js_sys::Promise {
    promise(Box::pin(async move {
        let options: JoinOptions = super::codec::join_options(&options)?;
        super::warm_up::cancel();
        let handler = move |e: super::RoomEvent| {
            // A throwing app handler must not break the room.
            let _ = on_event.call2(&JsValue::NULL, &e.name().into(), &e.to_js());
        };
        let room = Room::join(urls, options, handler).await?;
        Ok(RoomHandle { room }.into())
    }))
}

/// The import-time dry-run call between two rooms of the page, nothing on
/// the network (see `warm_up`); resolves when it is over or cancelled.
#[wasm_bindgen(js_name = warmUp, unchecked_return_type = "Promise<void>")]
pub fn warm_up() -> js_sys::Promise {
    promise(Box::pin(async {
        super::warm_up::warm_up().await;
        Ok(JsValue::UNDEFINED)
    }))
}

/// `[{ kind, deviceId, label, groupId }]` of the media devices.
#[wasm_bindgen(js_name = listDevices)]
pub fn list_devices() -> js_sys::Promise {
    promise(Box::pin(super::media::list_devices_js()))
}

/// An exported method's work, boxed: `future_to_promise` and its task glue
/// are then instantiated once for all async exports, not once per method.
type Work = Pin<Box<dyn Future<Output = Result<JsValue, WebError>>>>;

fn promise(work: Work) -> js_sys::Promise {
    future_to_promise(async move { work.await.map_err(JsValue::from) })
}

fn tracks_js(tracks: Vec<MediaStreamTrack>) -> JsValue {
    tracks.into_iter().collect::<js_sys::Array>().into()
}

#[wasm_bindgen]
impl RoomHandle {
    #[wasm_bindgen(getter)]
    pub fn id(&self) -> String {
        self.room.id()
    }

    #[wasm_bindgen(js_name = publishCamera)]
    pub fn publish_camera(&self, constraints: JsValue) -> js_sys::Promise {
        let room = self.room.clone();
        let c: MediaStreamConstraints = if constraints.is_object() {
            constraints.unchecked_into()
        } else {
            let c = MediaStreamConstraints::new();
            c.set_video(&JsValue::TRUE);
            c.set_audio(&JsValue::TRUE);
            c
        };
        promise(Box::pin(async move { room.publish_camera(&c).await.map(tracks_js) }))
    }

    /// `options`: `{ audio?, video?, preset?: 'text' | 'motion',
    /// contentHint? }` (also plain `getDisplayMedia` options). `video`, when
    /// an object, is used as given; otherwise the preset's size and frame
    /// rate are asked for.
    #[wasm_bindgen(js_name = publishScreen)]
    pub fn publish_screen(&self, options: JsValue) -> js_sys::Promise {
        let room = self.room.clone();
        promise(Box::pin(async move {
            let field = |k: &str| Some(get(&options, k)).filter(|v| !v.is_undefined());
            let preset = match field("preset") {
                None => ScreenPreset::default(),
                Some(p) => {
                    p.as_string().as_deref().and_then(ScreenPreset::from_name).ok_or_else(|| {
                        WebError::InvalidArgument(
                            "publishScreen: preset must be 'text' or 'motion'".into(),
                        )
                    })?
                }
            };
            let hint = match field("contentHint") {
                None => preset.content_hint().to_owned(),
                Some(h) => h.as_string().filter(|h| is_video_content_hint(h)).ok_or_else(|| {
                    WebError::InvalidArgument(
                        "publishScreen: contentHint must be '', 'motion', 'detail' or 'text'"
                            .into(),
                    )
                })?,
            };
            let c = DisplayMediaStreamConstraints::new();
            match field("video").filter(JsValue::is_object) {
                Some(video) => c.set_video(&video),
                None => {
                    let cap = preset.capture();
                    let video = object();
                    let max = |v: f64| {
                        let o = object();
                        set_num(&o, "max", v);
                        o
                    };
                    set(&video, "height", &max(f64::from(cap.max_height)));
                    set(&video, "frameRate", &max(cap.max_frame_rate));
                    c.set_video(&video);
                }
            }
            if let Some(audio) = field("audio") {
                c.set_audio(&audio);
            }
            room.publish_screen(&c, &hint).await.map(tracks_js)
        }))
    }

    #[wasm_bindgen(js_name = publishTrack)]
    pub fn publish_track(
        &self,
        track: MediaStreamTrack,
        source: Option<String>,
    ) -> Result<(), JsValue> {
        let source = match source.as_deref() {
            None => match track.kind().as_str() {
                "audio" => TrackSource::Microphone,
                _ => TrackSource::Camera,
            },
            Some(s) => TrackSource::parse(s)
                .ok_or_else(|| WebError::InvalidArgument("unknown source ".to_string() + s))?,
        };
        Ok(self.room.publish_track(&track, source)?)
    }

    pub fn unpublish(&self, track: MediaStreamTrack) -> Result<(), JsValue> {
        Ok(self.room.unpublish(&track)?)
    }

    /// Switches our camera (`video`) or microphone (`audio`) to a device;
    /// resolves with the new track.
    #[wasm_bindgen(js_name = switchDevice)]
    pub fn switch_device(&self, kind: String, device_id: String) -> js_sys::Promise {
        let room = self.room.clone();
        promise(Box::pin(async move {
            let kind = TrackKind::parse(&kind)
                .ok_or_else(|| WebError::InvalidArgument("kind must be video or audio".into()))?;
            room.switch_device(kind, &device_id).await.map(JsValue::from)
        }))
    }

    /// Resolves with the published track (a new one when an unmute
    /// captured the camera again).
    #[wasm_bindgen(js_name = setMuted)]
    pub fn set_muted(&self, track: MediaStreamTrack, muted: bool) -> js_sys::Promise {
        let room = self.room.clone();
        promise(Box::pin(async move { room.set_muted(&track, muted).await.map(JsValue::from) }))
    }

    /// `data`: a string, an `ArrayBuffer` or a typed array. Returns, for a
    /// broadcast, the participants it could not be queued for:
    /// `[{ participant, code }]`.
    pub fn send(
        &self,
        data: JsValue,
        to: Option<String>,
        reliable: bool,
    ) -> Result<js_sys::Array, JsValue> {
        let payload = if let Some(text) = data.as_string() {
            Payload::Text(text)
        } else if let Some(buf) = data.dyn_ref::<js_sys::ArrayBuffer>() {
            Payload::Binary(js_sys::Uint8Array::new(buf).to_vec())
        } else if js_sys::ArrayBuffer::is_view(&data) {
            let view: &js_sys::Uint8Array = data.unchecked_ref();
            let bytes = js_sys::Uint8Array::new_with_byte_offset_and_length(
                &view.buffer(),
                view.byte_offset(),
                view.byte_length(),
            );
            Payload::Binary(bytes.to_vec())
        } else {
            let msg = "send() takes a string, an ArrayBuffer or a typed array";
            return Err(WebError::InvalidArgument(msg.into()).into());
        };
        let failed = self.room.send(payload, to.as_deref(), reliable)?;
        Ok(failed
            .into_iter()
            .map(|(participant, code)| {
                let o = object();
                set_str(&o, "participant", &participant);
                set_str(&o, "code", code);
                o
            })
            .collect())
    }

    /// `update({ meta })`: others get `participant-updated`.
    #[wasm_bindgen(js_name = updateMeta)]
    pub fn update_meta(&self, meta: JsValue) -> Result<(), JsValue> {
        let meta = super::codec::meta_of(&meta)?;
        Ok(self.room.update_meta(meta)?)
    }

    /// The session state: `connecting`, `joining`, `joined`, `resuming`,
    /// `left` or `failed`.
    #[wasm_bindgen(getter)]
    pub fn state(&self) -> String {
        self.room.state().into()
    }

    /// SFU rooms: how the app renders received video `track` (device
    /// pixels, on screen or not); its simulcast layer follows.
    #[wasm_bindgen(js_name = setVideoSize)]
    pub fn set_video_size(
        &self,
        track: MediaStreamTrack,
        width: u32,
        height: u32,
        visible: bool,
    ) -> Result<(), JsValue> {
        Ok(self.room.set_video_size(&track, width, height, visible)?)
    }

    #[wasm_bindgen(js_name = restartIce)]
    pub fn restart_ice(&self, participant: String) -> Result<(), JsValue> {
        Ok(self.room.restart_ice(&participant)?)
    }

    #[wasm_bindgen(js_name = localTracks)]
    pub fn local_tracks(&self) -> js_sys::Array {
        self.room.local_tracks().into_iter().collect()
    }

    /// The latest stats of the connection to `participant` (see
    /// `index.d.ts` `ConnectionStats`), or `null` before the first sample.
    pub fn stats(&self, participant: String) -> JsValue {
        self.room.stats_js(&participant)
    }

    #[wasm_bindgen(js_name = peerConnection)]
    pub fn peer_connection(&self, participant: String) -> Option<web_sys::RtcPeerConnection> {
        self.room.peer_connection(&participant)
    }

    pub fn leave(&self) {
        self.room.leave()
    }
}

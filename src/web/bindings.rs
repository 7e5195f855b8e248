//! The `#[wasm_bindgen]` surface the JS facade (`js/index.js`) wraps. Every
//! error leaving here is a JS `Error` with a stable `code`.

use super::error::WebError;
use super::js::{get, object, set, set_num, set_str};
use super::media;
use super::room::{JoinOptions, Room, SWITCH, UNMUTE};
use crate::core::encodings::is_video_content_hint;
use crate::core::{CaptureId, Payload, ScreenPreset, TrackKind, TrackSource};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::MediaStreamTrack;

#[wasm_bindgen]
pub struct RoomHandle {
    room: Room,
}

/// `Room.join(url | urls, options, onEvent, relay, settle)` (the facade
/// passes a list): the room, at once; `settle()` once joined, or
/// `settle(error)` once the join failed (the facade's promise waits for
/// it). `onEvent(name, payload)` receives every room event (the facade
/// turns it into typed `room.on` events). `relay`: a signaling link the
/// page runs itself instead of the URLs (the facade's import-time warm-up,
/// see `transport::JsConnector`), else `undefined`.
#[wasm_bindgen(js_name = joinRoom)]
pub fn join_room(
    urls: js_sys::Array,
    options: JsValue,
    on_event: js_sys::Function,
    relay: JsValue,
    settle: js_sys::Function,
) -> Result<RoomHandle, JsValue> {
    // Read by index (the facade checked they are strings): less code than
    // wasm-bindgen's `Vec<String>` argument conversion.
    let mut list = Vec::new();
    for i in 0..urls.length() {
        list.push(urls.get(i).as_string().unwrap_or_default());
    }
    let options: JoinOptions = super::codec::join_options(&options)?;
    let handler: super::room::Handler = std::rc::Rc::new(move |e: super::RoomEvent| {
        // A throwing app handler must not break the room.
        let _ = on_event.call2(&JsValue::NULL, &e.name().into(), &e.to_js());
    });
    let connector = match relay.is_function() {
        true => std::rc::Rc::new(super::transport::JsConnector { relay: relay.unchecked_into() }),
        false => Room::connector(list, &options)?,
    };
    let (room, joined) = Room::start(connector, options, handler)?;
    let waiting = room.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let result = waiting.joined(joined.await);
        let _ = settle.call1(&JsValue::NULL, &result.err().map_or(JsValue::UNDEFINED, JsValue::from));
    });
    Ok(RoomHandle { room })
}

fn tracks_js(tracks: Vec<MediaStreamTrack>) -> JsValue {
    let list = js_sys::Array::new();
    for t in &tracks {
        list.push(t);
    }
    list.into()
}

fn list(items: &[JsValue]) -> JsValue {
    let list = js_sys::Array::new();
    for v in items {
        list.push(v);
    }
    list.into()
}

/// What `RoomHandle.op(op, a, b, c, d)` does, by number (the facade's
/// `OP` table in js/index.js lists the same numbers).
mod op {
    pub const ID: u32 = 0;
    pub const STATE: u32 = 1;
    pub const PUBLISH_CAMERA: u32 = 2;
    pub const PUBLISH_SCREEN: u32 = 3;
    pub const PUBLISH_TRACK: u32 = 4;
    pub const UNPUBLISH: u32 = 5;
    pub const SWITCH_DEVICE: u32 = 6;
    pub const SET_MUTED: u32 = 7;
    pub const SEND: u32 = 8;
    pub const UPDATE_META: u32 = 9;
    pub const SET_VIDEO_SIZE: u32 = 10;
    pub const RESTART_ICE: u32 = 11;
    pub const LOCAL_TRACKS: u32 = 12;
    pub const STATS: u32 = 13;
    pub const PEER_CONNECTION: u32 = 14;
    pub const LEAVE: u32 = 15;
    pub const CAPTURED: u32 = 16;
    pub const RECAPTURED: u32 = 17;
}

#[wasm_bindgen]
impl RoomHandle {
    /// Every method of a joined room, by number (`op` above): one export
    /// instead of one per method. Why: each `#[wasm_bindgen]` method costs a
    /// shim in the wasm (borrow check, argument conversion, the error's
    /// throw) and a wrapper in the glue. The facade has checked the
    /// arguments' types (js/index.js), so they are read here without
    /// conversion errors: a string argument is a string, a boolean a boolean,
    /// a track a `MediaStreamTrack`.
    pub fn op(
        &self,
        op: u32,
        a: JsValue,
        b: JsValue,
        c: JsValue,
        d: JsValue,
    ) -> Result<JsValue, JsValue> {
        let room = &self.room;
        let text = |v: &JsValue| v.as_string().unwrap_or_default();
        let track = |v: JsValue| v.unchecked_into::<MediaStreamTrack>();
        Ok(match op {
            op::ID => room.id().into(),
            op::STATE => room.state().into(),
            op::PUBLISH_TRACK => {
                publish_track(room, track(a), b.as_string())?;
                JsValue::UNDEFINED
            }
            op::UNPUBLISH => {
                room.unpublish(&track(a))?;
                JsValue::UNDEFINED
            }
            // The four that capture a device take two calls each, and the
            // facade runs getUserMedia / getDisplayMedia in between
            // (js/index.js `capture`): no async state machine here for them.
            // First call of `publishCamera` / `publishScreen`: the capture
            // begins (the core holds first negotiations for it) → `[id,
            // constraints, contentHint]` (the camera: no hint).
            op::PUBLISH_CAMERA | op::PUBLISH_SCREEN => {
                let (constraints, hint) = match op {
                    op::PUBLISH_SCREEN => {
                        let (c, hint) = screen_constraints(&a)?;
                        (c, JsValue::from(hint))
                    }
                    _ => (camera_constraints(a), JsValue::UNDEFINED),
                };
                let id = room.begin_capture()?.raw() as f64;
                list(&[id.into(), constraints, hint])
            }
            // Second call: what capture `a` gave (stream `b`, or error `c`)
            // is published, with hint `d` → the tracks.
            op::CAPTURED => {
                let id = CaptureId::from_raw(a.as_f64().unwrap_or(0.0) as u64);
                tracks_js(room.captured(id, media::settled(&b, &c), d.as_string().as_deref())?)
            }
            // First call of `switchDevice(kind, deviceId)` / `setMuted(track,
            // muted)`: `[old track id, constraints]` of the capture to make,
            // or `null` (a mute that needs none).
            op::SWITCH_DEVICE | op::SET_MUTED => {
                let plan = match op {
                    op::SWITCH_DEVICE => {
                        let kind = TrackKind::parse(&text(&a)).ok_or_else(|| {
                            WebError::InvalidArgument("kind must be video or audio".into())
                        })?;
                        Some(room.switch_plan(kind, text(&b))?)
                    }
                    _ => room.mute_plan(a.unchecked_ref(), b.is_truthy())?,
                };
                match plan {
                    Some(p) => {
                        list(&[p.old.into(), media::device_constraints(p.kind, &p.device_id)])
                    }
                    None => JsValue::NULL,
                }
            }
            // Second call: the new capture (stream `b`, or error `c`)
            // replaces track `a` (`d`: for an unmute, else for a device
            // switch) → the new track.
            op::RECAPTURED => {
                let replace = if d.is_truthy() { UNMUTE } else { SWITCH };
                room.recaptured(&text(&a), media::settled(&b, &c), replace)?.into()
            }
            op::SEND => send(room, a, b.as_string(), c.is_truthy())?.into(),
            // `update({ meta })`: others get `participant-updated`.
            op::UPDATE_META => {
                room.update_meta(super::codec::meta_of(&a)?)?;
                JsValue::UNDEFINED
            }
            // SFU rooms: how the app renders received video `a` (device
            // pixels `b` × `c`, on screen `d` or not); its simulcast layer
            // follows. The facade passes whole numbers in u32's range.
            op::SET_VIDEO_SIZE => {
                let px = |v: &JsValue| v.as_f64().unwrap_or(0.0) as u32;
                room.set_video_size(&track(a), px(&b), px(&c), d.is_truthy())?;
                JsValue::UNDEFINED
            }
            op::RESTART_ICE => {
                room.restart_ice(&text(&a))?;
                JsValue::UNDEFINED
            }
            op::LOCAL_TRACKS => tracks_js(room.local_tracks()),
            // The latest stats of the connection to participant `a` (see
            // `index.d.ts` `ConnectionStats`), or `null` before the first sample.
            op::STATS => room.stats_js(&text(&a)),
            op::PEER_CONNECTION => {
                room.peer_connection(&text(&a)).map_or(JsValue::UNDEFINED, JsValue::from)
            }
            op::LEAVE => {
                room.leave();
                JsValue::UNDEFINED
            }
            _ => return Err(WebError::InvalidArgument("unknown operation".into()).into()),
        })
    }
}

/// `publishCamera`'s getUserMedia constraints (default: video and audio).
fn camera_constraints(constraints: JsValue) -> JsValue {
    if constraints.is_object() {
        return constraints;
    }
    let c = object();
    set(&c, "video", &JsValue::TRUE);
    set(&c, "audio", &JsValue::TRUE);
    c
}

/// `publishScreen`'s getDisplayMedia constraints and content hint, from
/// `options`: `{ audio?, video?, preset?: 'text' | 'motion', contentHint? }`
/// (also plain `getDisplayMedia` options). `video`, when an object, is used
/// as given; otherwise the preset's size and frame rate are asked for.
fn screen_constraints(options: &JsValue) -> Result<(JsValue, String), WebError> {
    let field = |k: &str| Some(get(options, k)).filter(|v| !v.is_undefined());
    let preset = match field("preset") {
        None => ScreenPreset::default(),
        Some(p) => p.as_string().as_deref().and_then(ScreenPreset::from_name).ok_or_else(|| {
            WebError::InvalidArgument("publishScreen: preset must be 'text' or 'motion'".into())
        })?,
    };
    let hint = match field("contentHint") {
        None => preset.content_hint().to_owned(),
        Some(h) => h.as_string().filter(|h| is_video_content_hint(h)).ok_or_else(|| {
            WebError::InvalidArgument(
                "publishScreen: contentHint must be '', 'motion', 'detail' or 'text'".into(),
            )
        })?,
    };
    let c = object();
    match field("video").filter(JsValue::is_object) {
        Some(video) => set(&c, "video", &video),
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
            set(&c, "video", &video);
        }
    }
    if let Some(audio) = field("audio") {
        set(&c, "audio", &audio);
    }
    Ok((c, hint))
}

fn publish_track(
    room: &Room,
    track: MediaStreamTrack,
    source: Option<String>,
) -> Result<(), WebError> {
    let source = match source.as_deref() {
        None => match super::media::track_kind(&track).as_str() {
            "audio" => TrackSource::Microphone,
            _ => TrackSource::Camera,
        },
        Some(s) => TrackSource::parse(s)
            .ok_or_else(|| WebError::InvalidArgument("unknown source ".to_string() + s))?,
    };
    room.publish_track(&track, source)
}

/// `data`: a string, an `ArrayBuffer` or a typed array. Returns, for a
/// broadcast, the participants it could not be queued for:
/// `[{ participant, code }]`.
fn send(
    room: &Room,
    data: JsValue,
    to: Option<String>,
    reliable: bool,
) -> Result<js_sys::Array, JsValue> {
    // The facade passes a string or a `Uint8Array` of the bytes (its
    // `sendData` reads an `ArrayBuffer` or typed array's view).
    let payload = match data.as_string() {
        Some(text) => Payload::Text(text),
        None => Payload::Binary(data.unchecked_ref::<js_sys::Uint8Array>().to_vec()),
    };
    let failed = js_sys::Array::new();
    for (participant, e) in room.send_failures(payload, to.as_deref(), reliable)? {
        let o = object();
        set_str(&o, "participant", &participant);
        set_str(&o, "code", e.code());
        failed.push(&o);
    }
    Ok(failed)
}

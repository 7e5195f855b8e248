//! getUserMedia / getDisplayMedia, with errors mapped to stable codes.

use super::error::WebError;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{MediaDevices, MediaStream};

fn devices() -> Result<MediaDevices, WebError> {
    web_sys::window()
        .ok_or_else(|| WebError::Media("no window".into()))?
        .navigator()
        .media_devices()
        .map_err(|_| no_media_devices())
}

fn no_media_devices() -> WebError {
    WebError::Media("mediaDevices is unavailable (not a secure context?)".into())
}

/// What a capture the JS facade ran gave (js/index.js `capture`): `stream`,
/// or the browser's `error` (mapped to its code), or neither when the page
/// has no `navigator.mediaDevices`.
#[cfg(feature = "js")]
pub fn settled(
    stream: &wasm_bindgen::JsValue,
    error: &wasm_bindgen::JsValue,
) -> Result<MediaStream, WebError> {
    match stream.is_object() {
        true => Ok(Clone::clone(stream.unchecked_ref())),
        false if error.is_undefined() => Err(no_media_devices()),
        false => Err(WebError::from_media(error)),
    }
}

/// getUserMedia (`screen`: getDisplayMedia) with `constraints` (the
/// dictionary of either).
pub async fn capture(
    constraints: &wasm_bindgen::JsValue,
    screen: bool,
) -> Result<MediaStream, WebError> {
    let devices = devices()?;
    let call = if screen {
        devices.get_display_media_with_constraints(constraints.unchecked_ref())
    } else {
        devices.get_user_media_with_constraints(constraints.unchecked_ref())
    };
    let promise = call.map_err(|e| WebError::from_media(&e))?;
    let stream = JsFuture::from(promise).await.map_err(|e| WebError::from_media(&e))?;
    stream.dyn_into().map_err(|_| WebError::Media("the browser returned no stream".into()))
}

/// `track.kind` (a track, or `undefined` for none: `""`) and `stream.id`,
/// through `web::js::text` (no getter imports).
pub fn track_kind(track: &wasm_bindgen::JsValue) -> String {
    super::js::text(track, "kind").unwrap_or_default()
}

/// See [`track_kind`].
pub fn stream_id(stream: &MediaStream) -> String {
    super::js::text(stream, "id").unwrap_or_default()
}

/// `enumerateDevices()`'s list (`listDevices()` of the JS facade copies
/// the fields it gives the app).
pub async fn enumerate() -> Result<js_sys::Array, WebError> {
    let promise = devices()?.enumerate_devices().map_err(|e| WebError::from_media(&e))?;
    let list = JsFuture::from(promise).await.map_err(|e| WebError::from_media(&e))?;
    Ok(js_sys::Array::from(&list))
}

/// `enumerateDevices()`: `(kind, deviceId, label, groupId)` of each input
/// and output (`videoinput`, `audioinput`, `audiooutput`).
pub async fn list_devices() -> Result<Vec<(String, String, String, String)>, WebError> {
    let field =
        |d: &wasm_bindgen::JsValue, k: &str| super::js::get(d, k).as_string().unwrap_or_default();
    Ok(enumerate()
        .await?
        .iter()
        .map(|d| {
            (field(&d, "kind"), field(&d, "deviceId"), field(&d, "label"), field(&d, "groupId"))
        })
        .collect())
}

/// Fires `f` on `devicechange` while the guard lives.
pub fn on_device_change(f: impl FnMut(web_sys::Event) + 'static) -> Option<super::guard::Listener> {
    let md = devices().ok()?;
    Some(super::guard::Listener::new(&md, "devicechange", f))
}

/// Tracks of a stream (video first, then audio).
pub fn tracks(stream: &MediaStream) -> Vec<web_sys::MediaStreamTrack> {
    let mut v: Vec<web_sys::MediaStreamTrack> = Vec::new();
    // Plain loops: less code than a `chain`/`filter_map`/`collect`/`dedup_by`.
    for list in [stream.get_video_tracks(), stream.get_audio_tracks()] {
        for t in list.iter() {
            if let Ok(t) = t.dyn_into::<web_sys::MediaStreamTrack>() {
                // A track listed twice in a row is taken once.
                if v.last().is_none_or(|last| last.id() != t.id()) {
                    v.push(t);
                }
            }
        }
    }
    v
}

/// The capture's size as the browser reports it (`getSettings()`); `None`
/// for audio or when the browser does not say.
pub fn source_size(track: &web_sys::MediaStreamTrack) -> Option<crate::core::SourceSize> {
    let settings = track.get_settings();
    let px = |key| {
        let n = super::js::get(&settings, key).as_f64()?;
        (0.0..=f64::from(u32::MAX)).contains(&n).then_some(n as u32)
    };
    let (width, height) = (px("width")?, px("height")?);
    (width > 0 && height > 0).then_some(crate::core::SourceSize { width, height })
}

/// `MediaStreamTrack.contentHint` (empty when unset).
pub fn content_hint(track: &web_sys::MediaStreamTrack) -> String {
    super::js::get(track, "contentHint").as_string().unwrap_or_default()
}

/// The device a capture came from (`getSettings().deviceId`).
pub fn device_id(track: &web_sys::MediaStreamTrack) -> Option<String> {
    super::js::text(&track.get_settings(), "deviceId").filter(|id| !id.is_empty())
}

/// getUserMedia's constraints for a capture from exactly `device_id`.
pub fn device_constraints(kind: crate::core::TrackKind, device_id: &str) -> wasm_bindgen::JsValue {
    let constraints = super::js::object();
    let exact = super::js::object();
    let id = super::js::object();
    super::js::set_str(&id, "exact", device_id);
    super::js::set(&exact, "deviceId", &id);
    match kind {
        crate::core::TrackKind::Video => super::js::set(&constraints, "video", &exact),
        crate::core::TrackKind::Audio => super::js::set(&constraints, "audio", &exact),
    }
    constraints
}

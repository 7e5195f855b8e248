//! getUserMedia / getDisplayMedia, with errors mapped to stable codes.

use super::error::WebError;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{DisplayMediaStreamConstraints, MediaDevices, MediaStream, MediaStreamConstraints};

fn devices() -> Result<MediaDevices, WebError> {
    web_sys::window()
        .ok_or_else(|| WebError::Media("no window".into()))?
        .navigator()
        .media_devices()
        .map_err(|_| WebError::Media("mediaDevices is unavailable (not a secure context?)".into()))
}

pub async fn user_media(constraints: &MediaStreamConstraints) -> Result<MediaStream, WebError> {
    stream_of(devices()?.get_user_media_with_constraints(constraints)).await
}

pub async fn display_media(
    constraints: &DisplayMediaStreamConstraints,
) -> Result<MediaStream, WebError> {
    stream_of(devices()?.get_display_media_with_constraints(constraints)).await
}

/// Awaits a getUserMedia/getDisplayMedia promise, mapping its rejection.
async fn stream_of(
    call: Result<js_sys::Promise, wasm_bindgen::JsValue>,
) -> Result<MediaStream, WebError> {
    let promise = call.map_err(|e| WebError::from_media(&e))?;
    let stream = JsFuture::from(promise).await.map_err(|e| WebError::from_media(&e))?;
    stream.dyn_into().map_err(|_| WebError::Media("the browser returned no stream".into()))
}

/// Tracks of a stream (video first, then audio).
pub fn tracks(stream: &MediaStream) -> Vec<web_sys::MediaStreamTrack> {
    let mut v: Vec<web_sys::MediaStreamTrack> = stream
        .get_video_tracks()
        .iter()
        .chain(stream.get_audio_tracks().iter())
        .filter_map(|t| t.dyn_into().ok())
        .collect();
    v.dedup_by(|a, b| a.id() == b.id());
    v
}

//! The core's encodings on real senders: `sendEncodings` for
//! `addTransceiver`, and `getParameters()` → change → `setParameters()`.

use super::error::WebError;
use super::peer::PeerSink;
use super::sys;
use crate::core::EncodingParams;
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::RtcRtpSender;

use super::js::{get, set, set_bool, set_num, set_str};

/// Writes `e` into an `RTCRtpEncodingParameters` (a fresh one, or one of
/// `getParameters().encodings`).
fn write(target: &JsValue, e: &EncodingParams) {
    if let Some(rid) = e.rid {
        set_str(target, "rid", rid);
    }
    set_bool(target, "active", e.active);
    set_num(target, "maxBitrate", f64::from(e.max_bitrate_bps));
    set_num(target, "scaleResolutionDownBy", e.scale_resolution_down_by);
    match e.max_framerate {
        Some(fps) => set_num(target, "maxFramerate", fps),
        None => {
            if let Some(o) = wasm_bindgen::JsCast::dyn_ref::<Object>(target) {
                let _ = Reflect::delete_property(o, &"maxFramerate".into());
            }
        }
    }
}

/// `{direction, streams: [stream], sendEncodings}` for `addTransceiver`
/// (no `sendEncodings` when `encodings` is empty).
pub fn transceiver_init(
    direction: &str,
    stream: &web_sys::MediaStream,
    encodings: &[EncodingParams],
) -> JsValue {
    let init: JsValue = Object::new().into();
    set_str(&init, "direction", direction);
    set(&init, "streams", &Array::of1(stream).into());
    if !encodings.is_empty() {
        let list = Array::new();
        for e in encodings {
            let o: JsValue = Object::new().into();
            write(&o, e);
            list.push(&o);
        }
        set(&init, "sendEncodings", &list.into());
    }
    init
}

/// Applies `encodings` to `sender`: each of its current encodings takes the
/// one with its `rid` (by position when they have none). A rejected
/// `setParameters` is reported as a warning.
pub fn apply(
    sender: &RtcRtpSender,
    encodings: &[EncodingParams],
    sink: &PeerSink,
) -> Result<(), WebError> {
    let params = sys::get_parameters(sender)?;
    let current = get(&params, "encodings");
    if !Array::is_array(&current) {
        return Ok(());
    }
    for (i, target) in current.unchecked_into::<Array>().iter().enumerate() {
        let rid = get(&target, "rid").as_string();
        let wanted = match rid {
            Some(rid) => encodings.iter().find(|e| e.rid == Some(rid.as_str())),
            None => encodings.get(i),
        };
        if let Some(e) = wanted {
            write(&target, &EncodingParams { rid: None, ..*e });
        }
    }
    super::peer::warn_if_rejected(sys::set_parameters(sender, &params)?, sink);
    Ok(())
}

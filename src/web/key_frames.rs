//! Asking a connection's video senders for a fresh key frame.
//!
//! After a path loss the far side's decoder has lost its references; left
//! alone it waits ~2 s for its NACKs to give up before it asks for a key
//! frame (measured in the faults tier). There is no direct API outside
//! encoded transforms, but an encoding switched off and back on starts over
//! with one: two `setParameters` calls, a frame or two apart.

use js_sys::{Array, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{RtcPeerConnection, RtcRtpSender};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(extends = RtcRtpSender)]
    type SenderExt;

    #[wasm_bindgen(method, catch, js_name = getParameters)]
    fn get_parameters(this: &SenderExt) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch, js_name = setParameters)]
    fn set_parameters(this: &SenderExt, parameters: &JsValue) -> Result<Promise, JsValue>;
}

/// Restarts every sending video encoding of `pc` with a key frame. Best
/// effort: a sender that refuses (closed, renegotiating) keeps its stream.
pub fn send_key_frames(pc: &RtcPeerConnection) {
    for sender in pc.get_senders().iter() {
        let Ok(sender) = sender.dyn_into::<RtcRtpSender>() else { continue };
        if sender.track().is_some_and(|t| t.kind() == "video") {
            wasm_bindgen_futures::spawn_local(async move {
                let _ = restart_encodings(sender.unchecked_ref()).await;
            });
        }
    }
}

async fn restart_encodings(sender: &SenderExt) -> Result<(), JsValue> {
    let active =
        |e: &JsValue| Reflect::get(e, &"active".into()).map(|a| a.as_bool() != Some(false));
    let params = sender.get_parameters()?;
    let encodings: Array = Reflect::get(&params, &"encodings".into())?.dyn_into()?;
    // What the app (or bitrate control) switched off stays off.
    let was: Vec<bool> = encodings.iter().map(|e| active(&e)).collect::<Result<_, _>>()?;
    if !was.contains(&true) {
        return Ok(());
    }
    for e in encodings.iter() {
        Reflect::set(&e, &"active".into(), &false.into())?;
    }
    JsFuture::from(sender.set_parameters(&params)?).await?;
    // A fresh read: each setParameters needs the current transaction id.
    let params = sender.get_parameters()?;
    let encodings: Array = Reflect::get(&params, &"encodings".into())?.dyn_into()?;
    for (e, on) in encodings.iter().zip(was) {
        Reflect::set(&e, &"active".into(), &on.into())?;
    }
    JsFuture::from(sender.set_parameters(&params)?).await?;
    Ok(())
}

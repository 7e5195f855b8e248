//! Asking a connection's video senders for a fresh key frame.
//!
//! After a path loss the far side's decoder has lost its references; left
//! alone it waits ~2 s for its NACKs to give up before it asks for a key
//! frame (measured in the faults tier). There is no direct API outside
//! encoded transforms, but an encoding switched off and back on starts over
//! with one: two `setParameters` calls, a frame or two apart. An SFU
//! subscriber's layer switch asks for one layer's (`restart_layer`): that
//! way is not subject to the browser's one key frame on request per 300 ms.

use super::js::{get, set_bool};
use super::sys::{get_parameters, set_parameters};
use js_sys::Array;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{RtcPeerConnection, RtcRtpSender};

/// Restarts every sending video encoding of `pc` with a key frame. Best
/// effort: a sender that refuses (closed, renegotiating) keeps its stream.
pub fn send_key_frames(pc: &RtcPeerConnection) {
    for sender in pc.get_senders().iter() {
        // `getSenders()` holds senders only: no instanceof check (one
        // import less), the track's kind by `Reflect`.
        let sender: RtcRtpSender = sender.unchecked_into();
        if super::media::track_kind(&get(&sender, "track")) == "video" {
            wasm_bindgen_futures::spawn_local(restart_encodings(sender));
        }
    }
}

/// A sender's parameters and their `encodings` (objects, as the browser
/// gives them; anything else ends the attempt). Read by index: no copy of
/// the list, no iterator code.
fn encodings(sender: &RtcRtpSender) -> Option<(wasm_bindgen::JsValue, Array)> {
    let params = get_parameters(sender).ok()?;
    let list: Array = get(&params, "encodings").dyn_into().ok()?;
    for i in 0..list.length() {
        if !list.get(i).is_object() {
            return None;
        }
    }
    Some((params, list))
}

/// Switches the sending encodings off, then back to what they were: one
/// loop, so one await point in this task's state machine.
async fn restart_encodings(sender: RtcRtpSender) {
    let mut was: Vec<bool> = Vec::new();
    for back_on in [false, true] {
        // A fresh read each time: each setParameters needs the current
        // transaction id.
        let Some((params, list)) = encodings(&sender) else { return };
        if !back_on {
            // What the app (or bitrate control) switched off stays off.
            for i in 0..list.length() {
                was.push(get(&list.get(i), "active").as_bool() != Some(false));
            }
            if !was.contains(&true) {
                return;
            }
        }
        for i in 0..list.length() {
            if let Some(on) = was.get(i as usize) {
                set_bool(&list.get(i), "active", back_on && *on);
            }
        }
        let Ok(promise) = set_parameters(&sender, &params) else { return };
        if JsFuture::from(promise).await.is_err() {
            return;
        }
    }
}

/// Restarts the encoding `rid` of the sender on transceiver `mid` with a key
/// frame. Best effort, as above; an encoding switched off stays off. (Its
/// own function: the mesh build, which never restarts one layer, keeps the
/// every-encoding one as it is.)
#[cfg(feature = "sfu")]
pub fn restart_layer(pc: &RtcPeerConnection, mid: &str, rid: &'static str) {
    let sender = pc
        .get_transceivers()
        .iter()
        .find(|t| super::js::text(t, "mid").as_deref() == Some(mid))
        .map(|t| get(&t, "sender").unchecked_into::<RtcRtpSender>());
    if let Some(sender) = sender {
        wasm_bindgen_futures::spawn_local(async move {
            let _ = restart_one(&sender, rid).await;
        });
    }
}

#[cfg(feature = "sfu")]
async fn restart_one(sender: &RtcRtpSender, rid: &str) -> Option<()> {
    for on in [false, true] {
        // A fresh read each time: each setParameters needs the current
        // transaction id.
        let (params, list) = encodings(sender)?;
        let e = list.iter().find(|e| super::js::text(e, "rid").as_deref() == Some(rid))?;
        if !on && get(&e, "active").as_bool() == Some(false) {
            return Some(());
        }
        set_bool(&e, "active", on);
        JsFuture::from(set_parameters(sender, &params).ok()?).await.ok()?;
    }
    Some(())
}

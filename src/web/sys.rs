//! Browser APIs web-sys does not bind (yet), as extension types over the
//! web-sys ones.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{RtcIceCandidate, RtcPeerConnection};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(extends = RtcPeerConnection)]
    type PeerConnectionExt;

    #[wasm_bindgen(method, js_name = setLocalDescription)]
    fn set_local_description(this: &PeerConnectionExt) -> js_sys::Promise;

    #[wasm_bindgen(method, js_name = restartIce)]
    fn restart_ice(this: &PeerConnectionExt);

    #[wasm_bindgen(extends = RtcIceCandidate)]
    type IceCandidateExt;

    #[wasm_bindgen(method, getter, js_name = usernameFragment)]
    fn username_fragment(this: &IceCandidateExt) -> Option<String>;
}

/// Parameterless `setLocalDescription()`: the browser creates the offer or
/// answer (or rolls back) from the current signaling state.
pub fn set_local_description_implicit(pc: &RtcPeerConnection) -> js_sys::Promise {
    pc.unchecked_ref::<PeerConnectionExt>().set_local_description()
}

pub fn restart_ice(pc: &RtcPeerConnection) {
    pc.unchecked_ref::<PeerConnectionExt>().restart_ice()
}

pub fn username_fragment(c: &RtcIceCandidate) -> Option<String> {
    c.unchecked_ref::<IceCandidateExt>().username_fragment()
}

/// `performance.now()` in whole milliseconds; 0 where unavailable (workers
/// without `performance` are not a supported host anyway).
pub fn now_ms() -> u64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now().max(0.0) as u64).unwrap_or(0)
}

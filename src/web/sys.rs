//! Browser APIs web-sys does not bind (yet), as extension types over the
//! web-sys ones.

use super::error::WebError;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{
    MediaStream, MediaStreamTrack, RtcDataChannel, RtcDataChannelInit, RtcPeerConnection,
    RtcRtpSender, RtcRtpTransceiverInit,
};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(extends = RtcPeerConnection)]
    type PeerConnectionExt;

    #[wasm_bindgen(method, catch, js_name = setLocalDescription)]
    fn set_local_description(this: &PeerConnectionExt) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(method, catch, js_name = restartIce)]
    fn restart_ice(this: &PeerConnectionExt) -> Result<(), JsValue>;

    #[wasm_bindgen(method, catch, js_name = addTrack)]
    fn add_track(
        this: &PeerConnectionExt,
        track: &MediaStreamTrack,
        stream: &MediaStream,
    ) -> Result<RtcRtpSender, JsValue>;

    #[wasm_bindgen(method, catch, js_name = addTransceiver)]
    fn add_transceiver(
        this: &PeerConnectionExt,
        kind: &str,
        init: &RtcRtpTransceiverInit,
    ) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch, js_name = addTransceiver)]
    fn add_transceiver_with_track(
        this: &PeerConnectionExt,
        track: &MediaStreamTrack,
        init: &JsValue,
    ) -> Result<web_sys::RtcRtpTransceiver, JsValue>;

    #[wasm_bindgen(method, catch, js_name = createDataChannel)]
    fn create_data_channel(
        this: &PeerConnectionExt,
        label: &str,
        init: &RtcDataChannelInit,
    ) -> Result<RtcDataChannel, JsValue>;

    #[wasm_bindgen(extends = RtcRtpSender)]
    type SenderExt;

    #[wasm_bindgen(method, catch, js_name = setStreams)]
    fn set_streams(this: &SenderExt, stream: &MediaStream) -> Result<(), JsValue>;

    #[wasm_bindgen(method, catch, js_name = getParameters)]
    fn get_parameters(this: &SenderExt) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch, js_name = setParameters)]
    fn set_parameters(this: &SenderExt, parameters: &JsValue) -> Result<js_sys::Promise, JsValue>;
}

// web-sys binds these synchronous methods without `catch`, but they throw
// (e.g. `InvalidStateError` on a closed connection): an uncaught exception
// would unwind through wasm while the room is borrowed. These wrappers return
// the exception as an error instead.

fn ext(pc: &RtcPeerConnection) -> &PeerConnectionExt {
    pc.unchecked_ref()
}

fn err(e: JsValue) -> WebError {
    WebError::browser(&e)
}

/// Parameterless `setLocalDescription()`: the browser creates the offer or
/// answer (or rolls back) from the current signaling state.
pub fn set_local_description_implicit(pc: &RtcPeerConnection) -> Result<js_sys::Promise, WebError> {
    ext(pc).set_local_description().map_err(err)
}

pub fn restart_ice(pc: &RtcPeerConnection) -> Result<(), WebError> {
    ext(pc).restart_ice().map_err(err)
}

pub fn add_track(
    pc: &RtcPeerConnection,
    track: &MediaStreamTrack,
    stream: &MediaStream,
) -> Result<RtcRtpSender, WebError> {
    ext(pc).add_track(track, stream).map_err(err)
}

/// `sender.setStreams(stream)`: the stream (`a=msid`) the remote associates
/// the sender's track with.
pub fn set_streams(sender: &RtcRtpSender, stream: &MediaStream) -> Result<(), WebError> {
    sender.unchecked_ref::<SenderExt>().set_streams(stream).map_err(err)
}

/// `addTransceiver(track, init)` (`init` built by the caller: streams,
/// sendEncodings).
pub fn add_transceiver_with_track(
    pc: &RtcPeerConnection,
    track: &MediaStreamTrack,
    init: &JsValue,
) -> Result<web_sys::RtcRtpTransceiver, WebError> {
    ext(pc).add_transceiver_with_track(track, init).map_err(err)
}

pub fn get_parameters(sender: &RtcRtpSender) -> Result<JsValue, WebError> {
    sender.unchecked_ref::<SenderExt>().get_parameters().map_err(err)
}

pub fn set_parameters(
    sender: &RtcRtpSender,
    parameters: &JsValue,
) -> Result<js_sys::Promise, WebError> {
    sender.unchecked_ref::<SenderExt>().set_parameters(parameters).map_err(err)
}

pub fn add_transceiver(
    pc: &RtcPeerConnection,
    kind: &str,
    init: &RtcRtpTransceiverInit,
) -> Result<(), WebError> {
    ext(pc).add_transceiver(kind, init).map(|_| ()).map_err(err)
}

pub fn create_data_channel(
    pc: &RtcPeerConnection,
    label: &str,
    init: &RtcDataChannelInit,
) -> Result<RtcDataChannel, WebError> {
    ext(pc).create_data_channel(label, init).map_err(err)
}

/// `performance.now()` in whole milliseconds; 0 where unavailable (workers
/// without `performance` are not a supported host anyway).
pub fn now_ms() -> u64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now().max(0.0) as u64).unwrap_or(0)
}

/// Runs `then` with `promise`'s outcome once it settles (in a task, as an
/// `await` would). One spawned future type for every promise the driver
/// waits on this way: each `async` block given to `spawn_local` is its own
/// state machine and task code.
pub fn settled(promise: js_sys::Promise, then: impl FnOnce(Result<JsValue, JsValue>) + 'static) {
    settle(promise, Box::new(then))
}

fn settle(promise: js_sys::Promise, then: Box<dyn FnOnce(Result<JsValue, JsValue>)>) {
    wasm_bindgen_futures::spawn_local(async move {
        then(wasm_bindgen_futures::JsFuture::from(promise).await)
    });
}

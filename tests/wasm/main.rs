//! The browser driver against real `RTCPeerConnection`s in one headless
//! page, signaling over the in-page hub (the server's hub logic). Run by
//! scripts/test twice: in Chromium (Debian chromedriver) and in Firefox ESR
//! (geckodriver), so the tests must not depend on one browser's behaviour.
#![cfg(target_arch = "wasm32")]

mod codec;
mod harness;
mod ice_restart;
mod janus_codec;
mod perfect_negotiation;
mod room;

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

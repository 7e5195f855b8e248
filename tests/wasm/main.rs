//! The browser driver against real `RTCPeerConnection`s in one headless
//! Chromium page, signaling over the in-page hub (the server's hub logic).
//! Run by scripts/test (wasm-bindgen-test-runner + Debian chromedriver).
#![cfg(target_arch = "wasm32")]

mod codec;
mod harness;
mod perfect_negotiation;
mod room;

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

//! rtcroom: browser WebRTC rooms, written in Rust, compiled to WebAssembly.
//!
//! - [`core`]: the sans-IO state machines (perfect negotiation, candidate
//!   queue, room model). No IO, no clock, no randomness; tested natively.
//! - `web` (wasm32 only): the browser driver, the only code touching web-sys,
//!   and the `#[wasm_bindgen]` API the npm package wraps.
//!
//! Errors never panic across the JS boundary: every failure is a
//! `thiserror` enum turned into a JS `Error` with a stable `code` string.
//!
//! Feature `js` (default) adds the `#[wasm_bindgen]` exports the npm package
//! wraps; Rust apps using `web::Room` directly can disable it. Feature `sfu`
//! (default) adds SFU rooms (Janus VideoRoom): without it a join with
//! `sfu` fails with `sfu-not-built` and the wasm is ~35 KB gzip smaller (the
//! npm package ships both builds).

pub mod core;

#[cfg(target_arch = "wasm32")]
pub mod web;

pub use rtcroom_proto as proto;

#[cfg(any(test, target_arch = "wasm32"))]
mod heap;

/// Power-of-two free lists instead of Rust's default wasm allocator
/// (dlmalloc): ~1 KB less wasm code (see `heap`).
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: heap::Heap<heap::WasmMemory> = heap::Heap::new(heap::WasmMemory);

//! RAII guards for browser callbacks: dropping one removes the listener (or
//! clears the timer), so a dropped peer or room leaves nothing behind.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Event, EventTarget};

/// An event listener that is removed when dropped.
#[must_use = "the listener is removed when the guard is dropped"]
pub struct Listener {
    target: EventTarget,
    kind: &'static str,
    closure: Closure<dyn FnMut(Event)>,
}

impl Listener {
    pub fn new(target: &EventTarget, kind: &'static str, f: impl FnMut(Event) + 'static) -> Self {
        let closure = Closure::<dyn FnMut(Event)>::new(f);
        // Adding a listener cannot fail for a valid callback; if the target
        // refuses it we just never hear from it.
        let _ = target.add_event_listener_with_callback(kind, closure.as_ref().unchecked_ref());
        Listener { target: target.clone(), kind, closure }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self
            .target
            .remove_event_listener_with_callback(self.kind, self.closure.as_ref().unchecked_ref());
    }
}

/// A `setTimeout` that is cleared when dropped.
#[must_use = "the timer is cleared when the guard is dropped"]
pub struct Timeout {
    handle: Option<i32>,
    _closure: Closure<dyn FnMut()>,
}

impl Timeout {
    pub fn new(ms: u64, f: impl FnMut() + 'static) -> Self {
        let closure = Closure::<dyn FnMut()>::new(f);
        let ms = i32::try_from(ms).unwrap_or(i32::MAX);
        let handle = web_sys::window().and_then(|w| {
            w.set_timeout_with_callback_and_timeout_and_arguments_0(
                closure.as_ref().unchecked_ref(),
                ms,
            )
            .ok()
        });
        Timeout { handle, _closure: closure }
    }
}

impl Drop for Timeout {
    fn drop(&mut self) {
        if let (Some(w), Some(h)) = (web_sys::window(), self.handle) {
            w.clear_timeout_with_handle(h);
        }
    }
}

/// Resolves after `ms` milliseconds (for join timeouts and tests).
pub async fn sleep(ms: u64) {
    // The join's channel type (`Result<(), WebError>`): one copy of the
    // channel's code in the wasm, not a second for `()`.
    let (tx, rx) = super::oneshot::channel::<Result<(), super::WebError>>();
    let mut tx = Some(tx);
    let _timer = Timeout::new(ms, move || {
        if let Some(tx) = tx.take() {
            tx.send(Ok(()));
        }
    });
    let _ = rx.await;
}

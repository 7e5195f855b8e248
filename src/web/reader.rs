//! Reading decoded JSON (`JSON.parse` values) field by field, for both
//! frame codecs (`codec`, `janus_codec`).

use super::codec::bad;
use super::error::WebError;
use super::js::get;
use js_sys::Array;
use std::cell::Cell;
use wasm_bindgen::{JsCast, JsValue};

/// Reads fields infallibly and remembers the first one that was missing or
/// of the wrong type: one error check per frame instead of a `?` (and its
/// drop path) per field, which keeps this small in wasm.
#[derive(Default)]
pub(super) struct Reader {
    pub(super) bad: Cell<Option<&'static str>>,
}

pub(super) fn absent(v: &JsValue) -> bool {
    v.is_undefined() || v.is_null()
}

/// Janus keeps its ids below 2^53 for JavaScript's sake.
const U53: f64 = 9_007_199_254_740_991.0;

impl Reader {
    pub(super) fn fail<T: Default>(&self, key: &'static str) -> T {
        if self.bad.get().is_none() {
            self.bad.set(Some(key));
        }
        T::default()
    }

    pub(super) fn opt_str(&self, o: &JsValue, key: &'static str) -> Option<String> {
        let v = get(o, key);
        if absent(&v) {
            return None;
        }
        v.as_string().or_else(|| self.fail(key))
    }

    pub(super) fn str(&self, o: &JsValue, key: &'static str) -> String {
        self.opt_str(o, key).unwrap_or_else(|| self.fail(key))
    }

    /// A non-negative integer no larger than `max` (JSON numbers are doubles).
    pub(super) fn opt_int(&self, o: &JsValue, key: &'static str, max: f64) -> Option<u64> {
        let v = get(o, key);
        if absent(&v) {
            return None;
        }
        match v.as_f64() {
            Some(n) if (0.0..=max).contains(&n) && n.fract() == 0.0 => Some(n as u64),
            _ => self.fail(key),
        }
    }

    pub(super) fn opt_u64(&self, o: &JsValue, key: &'static str) -> Option<u64> {
        self.opt_int(o, key, U53)
    }

    pub(super) fn u64(&self, o: &JsValue, key: &'static str) -> u64 {
        self.opt_u64(o, key).unwrap_or_else(|| self.fail(key))
    }

    pub(super) fn opt_u16(&self, o: &JsValue, key: &'static str) -> Option<u16> {
        self.opt_int(o, key, f64::from(u16::MAX)).map(|n| n as u16)
    }

    pub(super) fn opt_u8(&self, o: &JsValue, key: &'static str) -> Option<u8> {
        self.opt_int(o, key, f64::from(u8::MAX)).map(|n| n as u8)
    }

    pub(super) fn opt_bool(&self, o: &JsValue, key: &'static str) -> Option<bool> {
        let v = get(o, key);
        if absent(&v) {
            return None;
        }
        v.as_bool().or_else(|| self.fail(key))
    }

    pub(super) fn bool(&self, o: &JsValue, key: &'static str) -> bool {
        self.opt_bool(o, key).unwrap_or_else(|| self.fail(key))
    }

    /// An object-valued field (`None` when absent).
    pub(super) fn opt_object(&self, o: &JsValue, key: &'static str) -> Option<JsValue> {
        let v = get(o, key);
        if absent(&v) {
            None
        } else if v.is_object() && !Array::is_array(&v) {
            Some(v)
        } else {
            self.fail(key)
        }
    }

    pub(super) fn object(&self, o: &JsValue, key: &'static str) -> JsValue {
        self.opt_object(o, key).unwrap_or_else(|| {
            self.fail::<()>(key);
            JsValue::UNDEFINED
        })
    }

    /// A list of values read by `f` (`None` when absent).
    pub(super) fn opt_list<T>(
        &self,
        o: &JsValue,
        key: &'static str,
        f: fn(&Reader, &JsValue) -> T,
    ) -> Option<Vec<T>> {
        let v = get(o, key);
        if absent(&v) {
            return None;
        }
        if !Array::is_array(&v) {
            return self.fail(key);
        }
        // By index into a plain loop: no iterator adapter and `collect`
        // instantiated per element type.
        let a: &Array = v.unchecked_ref();
        let mut out = Vec::new();
        for i in 0..a.length() {
            out.push(f(self, &a.get(i)));
        }
        Some(out)
    }

    /// A required list of values read by `f` (empty when missing).
    pub(super) fn list<T>(
        &self,
        o: &JsValue,
        key: &'static str,
        f: fn(&Reader, &JsValue) -> T,
    ) -> Vec<T> {
        self.opt_list(o, key, f).unwrap_or_else(|| self.fail(key))
    }

    /// The first field that was missing or of the wrong type, as an error.
    pub(super) fn error(&self) -> Option<WebError> {
        self.bad.get().map(bad)
    }
}

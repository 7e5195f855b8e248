//! Property access on plain JS objects with the key (and a string or number
//! value) passed straight as wasm arguments. Why: `Reflect::set(o,
//! &key.into(), &value.into())` makes a `JsValue` of the key and of the
//! value (an import call each), checks a caught exception and drops all
//! three: ~30 bytes of wasm per field, for the hundreds of fields of events,
//! stats and frames. `Reflect.set` throws only when the target is not an
//! object (or a setter / proxy trap throws), so the setters, used on objects
//! we create or on the browser's plain dictionaries, need no `catch`.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = Reflect, js_name = set)]
    fn reflect_set(o: &JsValue, key: &str, v: &JsValue);
    #[wasm_bindgen(js_namespace = Reflect, js_name = set)]
    fn reflect_set_str(o: &JsValue, key: &str, v: &str);
    #[wasm_bindgen(js_namespace = Reflect, js_name = set)]
    fn reflect_set_num(o: &JsValue, key: &str, v: f64);
    #[wasm_bindgen(js_namespace = Reflect, js_name = set)]
    fn reflect_set_bool(o: &JsValue, key: &str, v: bool);
    // Reading may meet a non-object (a frame's field of the wrong type).
    #[wasm_bindgen(catch, js_namespace = Reflect, js_name = get)]
    fn reflect_get(o: &JsValue, key: &str) -> Result<JsValue, JsValue>;
}

/// `o[key] = v` on a plain object.
pub fn set(o: &JsValue, key: &str, v: &JsValue) {
    reflect_set(o, key, v)
}

pub fn set_str(o: &JsValue, key: &str, v: &str) {
    reflect_set_str(o, key, v)
}

pub fn set_num(o: &JsValue, key: &str, v: f64) {
    reflect_set_num(o, key, v)
}

pub fn set_bool(o: &JsValue, key: &str, v: bool) {
    reflect_set_bool(o, key, v)
}

/// `o[key] = v ?? null`.
pub fn set_str_or_null(o: &JsValue, key: &str, v: Option<&str>) {
    match v {
        Some(v) => set_str(o, key, v),
        None => set(o, key, &JsValue::NULL),
    }
}

/// `o[key] = v ?? null`.
pub fn set_num_or_null(o: &JsValue, key: &str, v: Option<f64>) {
    match v {
        Some(v) => set_num(o, key, v),
        None => set(o, key, &JsValue::NULL),
    }
}

/// `o[key]`, `undefined` when `o` is not an object or the read throws.
pub fn get(o: &JsValue, key: &str) -> JsValue {
    reflect_get(o, key).unwrap_or(JsValue::UNDEFINED)
}

/// `o[key]` if it is a string. Why not web-sys's getters (`track.kind()`,
/// `stream.id()`, …): each is one more import and glue function that
/// copies a string into the wasm; this one is shared by all of them.
pub fn text(o: &JsValue, key: &str) -> Option<String> {
    get(o, key).as_string()
}

/// A fresh plain object.
pub fn object() -> JsValue {
    js_sys::Object::new().into()
}

//! JSON through the browser's own `JSON` object: no serde_json in the bundle.

use super::error::WebError;
use serde::{de::DeserializeOwned, Serialize};

pub fn encode<T: Serialize>(value: &T) -> Result<String, WebError> {
    // json_compatible: maps become plain objects, not `Map`s JSON can't see.
    let js = value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| WebError::Protocol(e.to_string()))?;
    js_sys::JSON::stringify(&js)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(|| WebError::Protocol("frame is not serializable".into()))
}

pub fn decode<T: DeserializeOwned>(text: &str) -> Result<T, WebError> {
    let js =
        js_sys::JSON::parse(text).map_err(|_| WebError::Protocol("frame is not JSON".into()))?;
    serde_wasm_bindgen::from_value(js).map_err(|e| WebError::Protocol(e.to_string()))
}

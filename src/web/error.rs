use crate::core::CoreError;
use thiserror::Error;
use wasm_bindgen::{JsCast, JsValue};

/// Every failure of the browser SDK. At the JS boundary it becomes an `Error`
/// whose `code` is [`WebError::code`] (stable; documented in the README).
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum WebError {
    #[error(transparent)]
    Core(#[from] CoreError),
    #[error("could not connect to the signaling server: {0}")]
    SignalingFailed(String),
    #[error("the signaling connection is closed")]
    SignalingClosed,
    #[error("the server refused to join: {code}: {message}")]
    JoinRefused { code: &'static str, message: String },
    #[error("no answer from the signaling server within {0} ms")]
    JoinTimeout(u32),
    #[error("unexpected signaling frame: {0}")]
    Protocol(String),
    #[error("permission to use the device was denied: {0}")]
    PermissionDenied(String),
    #[error("no such media device: {0}")]
    DeviceNotFound(String),
    #[error("the device could not be started (in use?): {0}")]
    DeviceBusy(String),
    #[error("no device satisfies the constraints: {0}")]
    ConstraintsNotSatisfiable(String),
    #[error("media error: {0}")]
    Media(String),
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    #[error("browser error: {0}")]
    Browser(String),
    #[error("the room is busy handling another call (re-entrant use)")]
    Reentrant,
}

impl WebError {
    pub fn code(&self) -> &'static str {
        match self {
            WebError::Core(e) => e.code(),
            WebError::SignalingFailed(_) => "signaling-failed",
            WebError::SignalingClosed => "signaling-closed",
            WebError::JoinRefused { .. } => "join-refused",
            WebError::JoinTimeout(_) => "join-timeout",
            WebError::Protocol(_) => "protocol-error",
            WebError::PermissionDenied(_) => "permission-denied",
            WebError::DeviceNotFound(_) => "device-not-found",
            WebError::DeviceBusy(_) => "device-busy",
            WebError::ConstraintsNotSatisfiable(_) => "constraints-not-satisfiable",
            WebError::Media(_) => "media-failed",
            WebError::InvalidArgument(_) => "invalid-argument",
            WebError::Browser(_) => "browser-error",
            WebError::Reentrant => "reentrant-call",
        }
    }

    /// A rejected `getUserMedia`/`getDisplayMedia` promise, by `DOMException.name`.
    pub fn from_media(err: &JsValue) -> Self {
        let (name, message) = dom_error(err);
        match name.as_str() {
            "NotAllowedError" | "SecurityError" => WebError::PermissionDenied(message),
            "NotFoundError" => WebError::DeviceNotFound(message),
            "NotReadableError" | "AbortError" => WebError::DeviceBusy(message),
            "OverconstrainedError" => WebError::ConstraintsNotSatisfiable(message),
            "TypeError" => WebError::InvalidArgument(message),
            _ => WebError::Media(message),
        }
    }

    pub fn browser(err: &JsValue) -> Self {
        let (name, message) = dom_error(err);
        WebError::Browser(name + ": " + &message)
    }
}

/// `(name, message)` of a thrown value (DOMException, Error, or anything).
pub fn dom_error(err: &JsValue) -> (String, String) {
    if let Some(e) = err.dyn_ref::<js_sys::Error>() {
        return (e.name().into(), e.message().into());
    }
    let s = err.as_string().unwrap_or_else(|| "unknown error".into());
    ("Error".into(), s)
}

impl From<WebError> for JsValue {
    fn from(e: WebError) -> JsValue {
        let err = js_sys::Error::new(&e.to_string());
        err.set_name("RtcroomError");
        let _ = js_sys::Reflect::set(&err, &"code".into(), &e.code().into());
        err.into()
    }
}

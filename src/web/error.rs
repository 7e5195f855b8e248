use crate::core::text::{concat, dec};
use crate::core::CoreError;
use thiserror::Error;
use wasm_bindgen::{JsCast, JsValue};

/// Every failure of the browser SDK. At the JS boundary it becomes an `Error`
/// whose `code` is [`WebError::code`] (stable; documented in the README).
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum WebError {
    Core(#[from] CoreError),
    SignalingFailed(String),
    SignalingClosed,
    JoinRefused {
        code: &'static str,
        message: String,
    },
    JoinTimeout(u32),
    Protocol(String),
    PermissionDenied(String),
    DeviceNotFound(String),
    DeviceBusy(String),
    ConstraintsNotSatisfiable(String),
    Media(String),
    InvalidArgument(String),
    Browser(String),
    Reentrant,
    /// `sfu` asked of a build without the `sfu` feature (the npm package's
    /// mesh wasm; its facade loads the SFU build for SFU rooms).
    SfuNotBuilt,
}

impl std::fmt::Display for WebError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

impl WebError {
    /// The JS `Error`'s message (and `Display`), built without `fmt`.
    pub fn message(&self) -> String {
        match self {
            WebError::Core(e) => e.message(),
            WebError::SignalingFailed(m) => {
                concat(&["could not connect to the signaling server: ", m])
            }
            WebError::SignalingClosed => "the signaling connection is closed".into(),
            WebError::JoinRefused { code, message } => {
                concat(&["the server refused to join: ", code, ": ", message])
            }
            WebError::JoinTimeout(ms) => concat(&[
                "no answer from the signaling server within ",
                &dec(u64::from(*ms)),
                " ms",
            ]),
            WebError::Protocol(m) => concat(&["unexpected signaling frame: ", m]),
            WebError::PermissionDenied(m) => {
                concat(&["permission to use the device was denied: ", m])
            }
            WebError::DeviceNotFound(m) => concat(&["no such media device: ", m]),
            WebError::DeviceBusy(m) => concat(&["the device could not be started (in use?): ", m]),
            WebError::ConstraintsNotSatisfiable(m) => {
                concat(&["no device satisfies the constraints: ", m])
            }
            WebError::Media(m) => concat(&["media error: ", m]),
            WebError::InvalidArgument(m) => concat(&["invalid argument: ", m]),
            WebError::Browser(m) => concat(&["browser error: ", m]),
            WebError::Reentrant => "the room is busy handling another call (re-entrant use)".into(),
            WebError::SfuNotBuilt => "this wasm build has no SFU rooms (load the SFU build)".into(),
        }
    }

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
            WebError::SfuNotBuilt => "sfu-not-built",
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
        let err = js_sys::Error::new(&e.message());
        super::js::set_str(&err, "name", "RtcroomError");
        super::js::set_str(&err, "code", e.code());
        err.into()
    }
}

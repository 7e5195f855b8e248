//! Turns one inbound text frame into a client message, or the error code the
//! protocol assigns to it.

use rtcroom_proto::{ClientMessage, ErrorCode};
use serde_json::Value;

/// `type` values `ClientMessage` accepts. Kept explicit so that "unknown
/// type" and "known type with bad fields" get distinct codes; a test checks
/// that every name here really parses.
pub const KNOWN_TYPES: &[&str] = &["join", "signal", "update", "leave", "ping"];

/// A rejected frame: the code and a human-readable reason.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    pub code: ErrorCode,
    pub message: String,
}

impl Rejection {
    fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Rejection { code, message: message.into() }
    }
}

pub fn binary_rejection() -> Rejection {
    Rejection::new(ErrorCode::MalformedJson, "binary frames are not supported; send JSON text")
}

pub fn parse_text(text: &str, max_frame: usize) -> Result<ClientMessage<Value>, Rejection> {
    if text.len() > max_frame {
        return Err(Rejection::new(
            ErrorCode::FrameTooLarge,
            format!("frame is {} bytes; the limit is {max_frame}", text.len()),
        ));
    }
    let value: Value = serde_json::from_str(text)
        .map_err(|e| Rejection::new(ErrorCode::MalformedJson, format!("not valid JSON: {e}")))?;
    let kind = value.get("type").and_then(Value::as_str);
    match kind {
        Some(k) if KNOWN_TYPES.contains(&k) => {}
        Some(k) => {
            return Err(Rejection::new(ErrorCode::UnknownType, format!("unknown type `{k}`")))
        }
        None => {
            return Err(Rejection::new(
                ErrorCode::UnknownType,
                "expected an object with a string `type`",
            ))
        }
    }
    serde_json::from_value(value)
        .map_err(|e| Rejection::new(ErrorCode::InvalidFrame, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    fn code(text: &str) -> Result<ErrorCode, &'static str> {
        parse_text(text, 100).err().map(|r| r.code).ok_or("expected a refusal")
    }

    #[test]
    fn every_known_type_parses_with_its_fields() -> TestResult {
        let samples = [
            r#"{"type":"join","room":"r"}"#,
            r#"{"type":"signal","to":"p1","data":{"kind":"x"}}"#,
            r#"{"type":"update","meta":{}}"#,
            r#"{"type":"leave"}"#,
            r#"{"type":"ping"}"#,
        ];
        for (name, sample) in KNOWN_TYPES.iter().zip(samples) {
            assert!(sample.contains(name));
            parse_text(sample, 100).map_err(|r| format!("{sample}: {r:?}"))?;
        }
        Ok(())
    }

    #[test]
    fn each_bad_frame_gets_its_code() -> TestResult {
        assert_eq!(code("{nope")?, ErrorCode::MalformedJson);
        assert_eq!(code(r#"{"room":"r"}"#)?, ErrorCode::UnknownType);
        assert_eq!(code(r#"{"type":"dance"}"#)?, ErrorCode::UnknownType);
        assert_eq!(code(r#"{"type":7}"#)?, ErrorCode::UnknownType);
        assert_eq!(code("[1,2]")?, ErrorCode::UnknownType);
        // serde's internally tagged enums also take an array form (tag
        // first); the protocol has none, so it is refused before serde.
        assert_eq!(code(r#"["ping"]"#)?, ErrorCode::UnknownType);
        assert_eq!(code(r#"["signal","p2",{}]"#)?, ErrorCode::UnknownType);
        assert_eq!(code(r#"{"type":"join"}"#)?, ErrorCode::InvalidFrame);
        assert_eq!(code(r#"{"type":"join","room":5}"#)?, ErrorCode::InvalidFrame);
        assert_eq!(code(r#"{"type":"signal","to":"p1"}"#)?, ErrorCode::InvalidFrame);
        assert_eq!(
            code(&format!(r#"{{"type":"ping","pad":"{}"}}"#, "x".repeat(100)))?,
            ErrorCode::FrameTooLarge
        );
        Ok(())
    }

    /// Fuzzed with the seeds of `fuzz/corpus/frames/`: no input panics; a
    /// refusal has the code its cause calls for (too large iff longer than
    /// the limit, `malformed-json` iff not JSON, else `unknown-type` or
    /// `invalid-frame`) and a message; an accepted frame re-encodes to text
    /// the parser accepts again as the same message.
    #[test]
    fn fuzzed_frames_get_the_code_of_their_fault_or_round_trip(
    ) -> Result<(), Box<dyn std::error::Error>> {
        const MAX: usize = 2048;
        let report = rtcroom_fuzz::run("frames", |input| {
            let text = rtcroom_fuzz::as_text(input);
            let is_json = serde_json::from_str::<Value>(&text).is_ok();
            match parse_text(&text, MAX) {
                Ok(msg) => {
                    let again = serde_json::to_string(&msg).map_err(|e| e.to_string())?;
                    match parse_text(&again, usize::MAX) {
                        Ok(back) if back == msg => Ok(true),
                        other => Err(format!("{again} parsed back as {other:?}")),
                    }
                }
                Err(r) => {
                    let want = if text.len() > MAX {
                        vec![ErrorCode::FrameTooLarge]
                    } else if !is_json {
                        vec![ErrorCode::MalformedJson]
                    } else {
                        vec![ErrorCode::UnknownType, ErrorCode::InvalidFrame]
                    };
                    if !want.contains(&r.code) || r.message.is_empty() {
                        return Err(format!("refused with {r:?}, expected one of {want:?}"));
                    }
                    Ok(false)
                }
            }
        })?;
        assert!(report.accepted >= 20, "{report:?}");
        Ok(())
    }
}

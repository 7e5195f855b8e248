//! Turns one inbound text frame into a client message, or the error code the
//! protocol assigns to it.
//!
//! `signal` (nearly every frame under load) takes a fast path: one pass over
//! the text that keeps `data` as its raw text ([`RawJson`]); everything else,
//! and any signal the fast path does not take, goes through the general
//! path, which decides the error codes. Both accept the same frames as the
//! same messages.

use rtcroom_proto::{ClientMessage, ErrorCode, RawJson};
use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;
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

pub fn parse_text(text: &str, max_frame: usize) -> Result<ClientMessage<RawJson>, Rejection> {
    if text.len() > max_frame {
        return Err(Rejection::new(
            ErrorCode::FrameTooLarge,
            format!("frame is {} bytes; the limit is {max_frame}", text.len()),
        ));
    }
    if let Some(signal) = fast_signal(text) {
        return Ok(signal);
    }
    parse_general(text)?
        .try_map_data(|data| RawJson::from_value(&data))
        .map_err(|e| Rejection::new(ErrorCode::InvalidFrame, e.to_string()))
}

/// A well-formed `signal` whose `type` is written plainly: `to` decoded,
/// `data` kept as text. `None` for anything else (the general path then
/// parses it, or says what is wrong with it). Repeated keys: the last one
/// counts, as in the general path.
fn fast_signal(text: &str) -> Option<ClientMessage<RawJson>> {
    let top: TopLevel<'_> = serde_json::from_str(text).ok()?;
    if top.kind?.get() != "\"signal\"" {
        return None;
    }
    let to: String = serde_json::from_str(top.to?.get()).ok()?;
    Some(ClientMessage::Signal { to, data: RawJson::from_raw(top.data?) })
}

/// The top-level fields a signal needs, borrowed from the frame's text.
#[derive(Default)]
struct TopLevel<'a> {
    kind: Option<&'a RawValue>,
    to: Option<&'a RawValue>,
    data: Option<&'a RawValue>,
}

impl<'de: 'a, 'a> Deserialize<'de> for TopLevel<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(TopLevelVisitor)
    }
}

struct TopLevelVisitor;

impl<'de> Visitor<'de> for TopLevelVisitor {
    type Value = TopLevel<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut top = TopLevel::default();
        while let Some(key) = map.next_key::<Key>()? {
            let slot = match key {
                Key::Type => &mut top.kind,
                Key::To => &mut top.to,
                Key::Data => &mut top.data,
                Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            *slot = Some(map.next_value()?);
        }
        Ok(top)
    }
}

enum Key {
    Type,
    To,
    Data,
    Other,
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl Visitor<'_> for KeyVisitor {
    type Value = Key;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E>(self, key: &str) -> Result<Key, E> {
        Ok(match key {
            "type" => Key::Type,
            "to" => Key::To,
            "data" => Key::Data,
            _ => Key::Other,
        })
    }
}

/// Every frame the fast path does not take: parsed as a tree, so that each
/// fault gets its code.
fn parse_general(text: &str) -> Result<ClientMessage<Value>, Rejection> {
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

    /// The fast path and the general one agree on every signal the fast
    /// path takes, and the fast path relays `data` byte for byte.
    #[test]
    fn signals_parse_the_same_on_both_paths_and_keep_their_data_text() -> TestResult {
        let samples = [
            r#"{"type":"signal","to":"p1","data":{"kind":"x","n":[1,2.5,null]}}"#,
            r#"{"data": {"z":1, "a":"\u00e9"}, "to":"p\u0031", "extra":[{}], "type":"signal"}"#,
            r#"{"type":"signal","to":"old","to":"p2","data":1,"data":"last"}"#,
            r#"{"type":"signal","to":"p1","data":null}"#,
        ];
        for sample in samples {
            let fast = fast_signal(sample).ok_or(format!("fast path declined {sample}"))?;
            let general = parse_general(sample)
                .map_err(|r| format!("{sample}: {r:?}"))?
                .try_map_data(|d| RawJson::from_value(&d))?;
            let (
                ClientMessage::Signal { to: a, data: fast_data },
                ClientMessage::Signal { to: b, data },
            ) = (&fast, &general)
            else {
                return Err(format!("{sample}: not signals: {fast:?} {general:?}").into());
            };
            assert_eq!(a, b, "{sample}");
            assert_eq!(fast_data.to_value()?, data.to_value()?, "{sample}");
        }
        let parsed = parse_text(samples[1], 1000).map_err(|r| format!("{r:?}"))?;
        let ClientMessage::Signal { to, data } = parsed else {
            return Err("not a signal".into());
        };
        assert_eq!((to.as_str(), data.get()), ("p1", r#"{"z":1, "a":"\u00e9"}"#));
        Ok(())
    }

    /// Whatever the fast path declines, the general path judges as before.
    #[test]
    fn the_fast_path_leaves_every_faulty_or_other_frame_to_the_general_one() {
        for text in [
            r#"{"type":"signal","to":"p1"}"#,
            r#"{"type":"signal","to":7,"data":{}}"#,
            r#"{"type":"sig\u006eal","to":"p1","data":{}}"#,
            r#"{"type":"signal","to":"p1","data":{}"#,
            r#"["signal","p1",{}]"#,
            r#"{"type":"ping"}"#,
            r#"{"type":"signal","type":"ping","to":"p1","data":{}}"#,
        ] {
            assert!(fast_signal(text).is_none(), "{text}");
        }
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

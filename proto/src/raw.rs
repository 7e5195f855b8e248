//! Opaque JSON kept as the text it arrived as: the server's `signal.data`.
//!
//! Relaying it copies bytes; parsing `data` into a tree and serializing it
//! again was most of the server's user-space cost per relayed signal, and it
//! reordered keys and rewrote numbers ("data untouched" is now literal).

use crate::hub::{SignalPolicy, Weigh};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::Value;

/// One valid JSON value, as text. It deserializes only through serde_json's
/// own deserializer (`from_str`, `from_slice`), not from inside an internally
/// tagged enum (serde buffers those as a tree and the text is lost): parse
/// such frames with their data as [`Value`] and convert with
/// [`RawJson::from_value`].
#[derive(Debug, Clone)]
pub struct RawJson(Box<RawValue>);

impl RawJson {
    /// Copies a borrowed raw value (already validated by the parser).
    pub fn from_raw(raw: &RawValue) -> Self {
        RawJson(raw.to_owned())
    }

    pub fn from_value(value: &Value) -> Result<Self, serde_json::Error> {
        serde_json::value::to_raw_value(value).map(RawJson)
    }

    /// The JSON text.
    pub fn get(&self) -> &str {
        self.0.get()
    }

    /// Parsed, for the rare checks that look inside (grants).
    pub fn to_value(&self) -> Result<Value, serde_json::Error> {
        serde_json::from_str(self.get())
    }
}

/// Same text: what a relay must preserve.
impl PartialEq for RawJson {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl Serialize for RawJson {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for RawJson {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Box::<RawValue>::deserialize(d).map(RawJson)
    }
}

/// Its length: exactly what it costs on the wire.
impl Weigh for RawJson {
    fn weight(&self) -> usize {
        self.get().len()
    }
}

/// Parsed only when a grant is withheld (the hub asks nothing otherwise).
/// The text is valid JSON by construction; if it ever failed to parse, a
/// sender without `canPublish` is refused rather than let through.
impl SignalPolicy for RawJson {
    fn sends_media(&self) -> bool {
        self.to_value().map_or(true, |v| v.sends_media())
    }
    fn announces_tracks(&self) -> bool {
        self.to_value().is_ok_and(|v| v.announces_tracks())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ClientMessage, ServerMessage};

    #[test]
    fn relayed_data_keeps_its_exact_text() -> crate::TestResult {
        let text = r#"{"z":1, "a":[1.50,"\u00e9"],"kind":"candidate"}"#;
        let data: RawJson = serde_json::from_str(text)?;
        let out = serde_json::to_string(&ServerMessage::Signal { from: "p1".into(), data })?;
        assert_eq!(out, format!(r#"{{"type":"signal","from":"p1","data":{text}}}"#));
        Ok(())
    }

    #[test]
    fn weight_is_the_text_length_and_equality_the_same_text() -> crate::TestResult {
        let a: RawJson = serde_json::from_str(r#"{"a":1}"#)?;
        let b = RawJson::from_value(&serde_json::json!({"a": 1}))?;
        assert_eq!(a.weight(), 7);
        assert_eq!(a, b);
        assert_ne!(a, serde_json::from_str::<RawJson>(r#"{"a": 1}"#)?);
        Ok(())
    }

    #[test]
    fn grants_look_inside_like_the_parsed_value() -> crate::TestResult {
        let tracks: RawJson = serde_json::from_str(r#"{"kind":"tracks","tracks":[{"a":1}]}"#)?;
        assert!(tracks.sends_media() && tracks.announces_tracks());
        let none: RawJson = serde_json::from_str(r#"{"kind":"tracks","tracks":[]}"#)?;
        assert!(!none.sends_media() && none.announces_tracks());
        let cand: RawJson = serde_json::from_str(r#"{"kind":"candidate","candidate":"x"}"#)?;
        assert!(!cand.sends_media() && !cand.announces_tracks());
        Ok(())
    }

    #[test]
    fn frames_map_their_signal_data_and_keep_everything_else() -> crate::TestResult {
        let to_raw = |v: Value| RawJson::from_value(&v);
        let sig: ClientMessage<Value> =
            serde_json::from_str(r#"{"type":"signal","to":"p","data":{"b":2}}"#)?;
        let mapped = sig.try_map_data(to_raw)?;
        assert_eq!(serde_json::to_string(&mapped)?, r#"{"type":"signal","to":"p","data":{"b":2}}"#);
        let join: ClientMessage<Value> =
            serde_json::from_str(r#"{"type":"join","room":"r","name":"n"}"#)?;
        let back = join.clone().try_map_data(to_raw)?.try_map_data(|d| d.to_value())?;
        assert_eq!(back, join);
        Ok(())
    }
}

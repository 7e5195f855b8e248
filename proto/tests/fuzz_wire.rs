//! Fuzzes the serde decoders of every frame type (what the server parses
//! from clients and what native clients parse from the server): no input
//! panics, every refusal is a typed `serde_json::Error` (syntax, data or
//! EOF, never IO), and whatever decodes re-encodes to text that decodes to
//! the same value. Seeds: `fuzz/corpus/frames/` (the shared frame vectors
//! plus hostile frames); budget and seed: see `rtcroom_fuzz`.

use rtcroom_proto::{ClientMessage, ServerMessage, SignalData};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use std::fmt::Debug;

/// Decodes `text` as `T`; `Ok(true)` if it decoded and round-trips.
fn decode_and_round_trip<T>(text: &str) -> Result<bool, String>
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    match serde_json::from_str::<T>(text) {
        Ok(v) => {
            let encoded =
                serde_json::to_string(&v).map_err(|e| format!("re-encode failed: {e}"))?;
            let back: T = serde_json::from_str(&encoded)
                .map_err(|e| format!("re-encoded text does not decode: {e}: {encoded}"))?;
            if back != v {
                return Err(format!("round trip changed the value: {v:?} -> {back:?}"));
            }
            Ok(true)
        }
        Err(e) if e.is_io() => Err(format!("untyped (IO) error from a string: {e}")),
        Err(_) => Ok(false),
    }
}

#[test]
fn frame_decoders_never_panic_refuse_with_typed_errors_and_round_trip(
) -> Result<(), Box<dyn std::error::Error>> {
    let report = rtcroom_fuzz::run("frames", |input| {
        let text = rtcroom_fuzz::as_text(input);
        let mut decoded = false;
        decoded |= decode_and_round_trip::<ClientMessage<SignalData>>(&text)?;
        // What the server decodes: the signal payload stays opaque JSON.
        decoded |= decode_and_round_trip::<ClientMessage<Value>>(&text)?;
        decoded |= decode_and_round_trip::<ServerMessage<SignalData>>(&text)?;
        decoded |= decode_and_round_trip::<ServerMessage<Value>>(&text)?;
        decoded |= decode_and_round_trip::<SignalData>(&text)?;
        Ok(decoded)
    })?;
    // The seeds alone decode; a run that decodes nothing tests nothing.
    assert!(report.accepted >= 30, "{report:?}");
    Ok(())
}

//! How many bytes a held signal costs, so the frames held for a suspended
//! participant stay within a byte budget whatever the payload type.

use crate::{Candidate, SignalData};

/// Approximate serialized size in bytes; only needs to grow with the payload.
pub trait Weigh {
    fn weight(&self) -> usize;
}

impl Weigh for String {
    fn weight(&self) -> usize {
        self.len()
    }
}

/// Field names and punctuation of a small JSON object.
const OVERHEAD: usize = 32;

fn opt(s: &Option<String>) -> usize {
    s.as_ref().map_or(0, String::len)
}

impl Weigh for SignalData {
    fn weight(&self) -> usize {
        OVERHEAD
            + match self {
                SignalData::Description { sdp, .. } => sdp.len(),
                SignalData::Candidate(Candidate {
                    candidate, sdp_mid, username_fragment, ..
                }) => candidate.len() + opt(sdp_mid) + opt(username_fragment),
                SignalData::EndOfCandidates { ufrag } => opt(ufrag),
                SignalData::Tracks { tracks } => {
                    tracks.iter().map(|t| OVERHEAD + t.stream.len()).sum::<usize>()
                }
                SignalData::RestartIce => 0,
            }
    }
}

#[cfg(feature = "json")]
impl Weigh for serde_json::Value {
    fn weight(&self) -> usize {
        use serde_json::Value;
        match self {
            Value::Null | Value::Bool(_) => 5,
            Value::Number(_) => 8,
            Value::String(s) => s.len() + 2,
            Value::Array(items) => 2 + items.iter().map(|v| v.weight() + 1).sum::<usize>(),
            Value::Object(map) => {
                2 + map.iter().map(|(k, v)| k.len() + 4 + v.weight()).sum::<usize>()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_grow_with_the_payload() {
        let small = SignalData::Description { sdp_type: crate::SdpType::Offer, sdp: "v=0".into() };
        let big =
            SignalData::Description { sdp_type: crate::SdpType::Offer, sdp: "v".repeat(5000) };
        assert!(big.weight() >= 5000 && small.weight() < 100);
        assert_eq!("abc".to_string().weight(), 3);
    }

    #[cfg(feature = "json")]
    #[test]
    fn json_weight_is_close_to_the_serialized_length() {
        let v =
            serde_json::json!({"kind": "description", "sdp": "x".repeat(1000), "n": [1, 2, null]});
        let len = v.to_string().len();
        let w = v.weight();
        assert!(w >= len / 2 && w <= len * 2, "weight {w} for {len} bytes");
    }
}

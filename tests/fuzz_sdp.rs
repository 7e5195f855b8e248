//! Fuzzes the SDP and candidate readers of the core (`rtcroom::core::sdp`),
//! which read descriptions and candidates a remote peer sent: no input
//! panics, and what they return is taken from the input (a ufrag is the
//! value of an `a=ice-ufrag:` line or the word after `ufrag`; one
//! `(mid, kind)` per `a=mid:` line). Seeds: `fuzz/corpus/sdp/`.
//!
//! The browser's frame codec (`src/web/codec.rs`) is not fuzzed natively: it
//! parses through the browser's `JSON` and `Reflect` (js-sys), which exist
//! only in wasm; tests/wasm checks it against serde on the shared vectors.

use rtcroom::core::sdp::{candidate_ufrag, ice_ufrag, is_mdns_candidate, mid_kinds, mids_collide};

#[test]
fn sdp_readers_never_panic_and_return_parts_of_their_input(
) -> Result<(), Box<dyn std::error::Error>> {
    let report = rtcroom_fuzz::run("sdp", |input| {
        let text = rtcroom_fuzz::as_text(input);
        if let Some(u) = ice_ufrag(&text) {
            if u.is_empty() || !text.contains(&format!("a=ice-ufrag:{u}")) {
                return Err(format!("ufrag {u:?} is not an a=ice-ufrag: value"));
            }
        }
        let mids = mid_kinds(&text);
        let mid_lines = text.lines().filter(|l| l.starts_with("a=mid:")).count();
        if mids.len() != mid_lines {
            return Err(format!("{} mids from {mid_lines} a=mid: lines", mids.len()));
        }
        if let Some(u) = candidate_ufrag(&text) {
            if !text.split_ascii_whitespace().any(|w| w == u) {
                return Err(format!("candidate ufrag {u:?} is not a word of the input"));
            }
        }
        let _ = is_mdns_candidate(&text);
        let _ = mids_collide(&text, "m=audio 9 x\r\na=mid:0\r\n");
        Ok(ice_ufrag(&text).is_some() || !mids.is_empty() || candidate_ufrag(&text).is_some())
    })?;
    assert!(report.accepted >= 3, "{report:?}");
    Ok(())
}

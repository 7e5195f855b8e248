//! Shared by the proto test crates.
use serde_json::Value;

/// `v` serializes to exactly `expected`, and `expected` reads back as `v`.
pub fn roundtrip<
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
>(
    v: &T,
    expected: Value,
) {
    assert_eq!(serde_json::to_value(v).ok(), Some(expected.clone()));
    let back: Option<T> = serde_json::from_value(expected).ok();
    assert_eq!(back.as_ref(), Some(v));
}

//! `getStats()` reports read into the core's typed [`StatsSnapshot`] by the
//! core's parser (`core::stats_parse`); this module only reads `JsValue`s.

use crate::core::stats_parse::{parse, StatsEntry};
use crate::core::StatsSnapshot;
use wasm_bindgen::{JsCast, JsValue};

struct Entry(JsValue);

impl Entry {
    fn field(&self, key: &str) -> JsValue {
        crate::web::js::get(&self.0, key)
    }
}

impl StatsEntry for Entry {
    fn text(&self, key: &str) -> Option<String> {
        self.field(key).as_string()
    }
    fn number(&self, key: &str) -> Option<f64> {
        self.field(key).as_f64().filter(|x| x.is_finite())
    }
    fn flag(&self, key: &str) -> Option<bool> {
        self.field(key).as_bool()
    }
}

/// Parses an `RTCStatsReport`.
pub fn snapshot(report: &JsValue) -> StatsSnapshot {
    let mut stats = Vec::new();
    // `Array.from` of the maplike report: its `[id, stats]` pairs (by
    // index, without js-sys's iterator-protocol code).
    if report.is_object() {
        for entry in js_sys::Array::from(report).iter() {
            stats.push(Entry(entry.unchecked_into::<js_sys::Array>().get(1)));
        }
    }
    parse(&stats)
}

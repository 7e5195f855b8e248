//! `getStats()` reports parsed into the core's typed [`StatsSnapshot`]
//! (the one place that reads stats dictionaries).

use crate::core::{
    InboundStats, OutboundStats, PairStats, RemoteInboundStats, StatsSnapshot, TrackKind,
};
use js_sys::Reflect;
use wasm_bindgen::JsValue;

fn field(stat: &JsValue, key: &str) -> JsValue {
    Reflect::get(stat, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

fn text(stat: &JsValue, key: &str) -> Option<String> {
    field(stat, key).as_string()
}

fn number(stat: &JsValue, key: &str) -> Option<f64> {
    field(stat, key).as_f64().filter(|x| x.is_finite())
}

fn count(stat: &JsValue, key: &str) -> u64 {
    number(stat, key).filter(|x| *x > 0.0).map_or(0, |x| x as u64)
}

fn dimension(stat: &JsValue, key: &str) -> Option<u32> {
    number(stat, key).filter(|x| *x >= 0.0 && *x <= f64::from(u32::MAX)).map(|x| x as u32)
}

/// Seconds in the report, milliseconds in the core.
fn millis(stat: &JsValue, key: &str) -> Option<f64> {
    number(stat, key).map(|s| s * 1000.0)
}

fn kind(stat: &JsValue) -> Option<TrackKind> {
    TrackKind::parse(&text(stat, "kind")?)
}

/// Parses an `RTCStatsReport`.
pub fn snapshot(report: &JsValue) -> StatsSnapshot {
    let mut stats: Vec<JsValue> = Vec::new();
    if let Ok(Some(entries)) = js_sys::try_iter(report) {
        for entry in entries.flatten() {
            stats.push(Reflect::get(&entry, &JsValue::from(1)).unwrap_or(JsValue::UNDEFINED));
        }
    }
    let of_type =
        |t: &'static str| stats.iter().filter(move |s| text(s, "type").as_deref() == Some(t));
    let by_id = |id: &str| stats.iter().find(|s| text(s, "id").as_deref() == Some(id));

    let mut snap = StatsSnapshot::default();
    let mut received = 0u64;
    for s in of_type("inbound-rtp").chain(of_type("candidate-pair")) {
        received = received.saturating_add(count(s, "bytesReceived"));
    }
    snap.bytes_received = received;

    // The transport's selected pair; else a nominated, succeeded one.
    let selected = of_type("transport")
        .find_map(|t| text(t, "selectedCandidatePairId"))
        .and_then(|id| by_id(&id))
        .or_else(|| {
            of_type("candidate-pair").find(|p| {
                field(p, "nominated").as_bool() == Some(true)
                    && text(p, "state").as_deref() == Some("succeeded")
            })
        });
    snap.pair = selected.map(|p| {
        let candidate_type = |key: &str| {
            text(p, key).and_then(|id| by_id(&id)).and_then(|c| text(c, "candidateType"))
        };
        PairStats {
            bytes_sent: count(p, "bytesSent"),
            bytes_received: count(p, "bytesReceived"),
            rtt_ms: millis(p, "currentRoundTripTime"),
            available_outgoing_bitrate: number(p, "availableOutgoingBitrate"),
            local_candidate_type: candidate_type("localCandidateId"),
            remote_candidate_type: candidate_type("remoteCandidateId"),
        }
    });

    snap.inbound = of_type("inbound-rtp")
        .filter_map(|s| {
            Some(InboundStats {
                kind: kind(s)?,
                mid: text(s, "mid"),
                bytes_received: count(s, "bytesReceived"),
                packets_received: count(s, "packetsReceived"),
                packets_lost: number(s, "packetsLost").map_or(0, |x| x as i64),
                jitter_ms: millis(s, "jitter"),
                frame_width: dimension(s, "frameWidth"),
                frame_height: dimension(s, "frameHeight"),
                frames_per_second: number(s, "framesPerSecond"),
                frames_decoded: count(s, "framesDecoded"),
                freeze_count: count(s, "freezeCount"),
                total_freezes_duration_s: number(s, "totalFreezesDuration").unwrap_or(0.0),
            })
        })
        .collect();
    snap.outbound = of_type("outbound-rtp")
        .filter_map(|s| {
            Some(OutboundStats {
                kind: kind(s)?,
                mid: text(s, "mid"),
                rid: text(s, "rid"),
                bytes_sent: count(s, "bytesSent"),
                frame_width: dimension(s, "frameWidth"),
                frame_height: dimension(s, "frameHeight"),
                frames_per_second: number(s, "framesPerSecond"),
                active: field(s, "active").as_bool(),
                quality_limitation_reason: text(s, "qualityLimitationReason"),
            })
        })
        .collect();
    snap.remote_inbound = of_type("remote-inbound-rtp")
        .filter_map(|s| {
            Some(RemoteInboundStats {
                kind: kind(s)?,
                fraction_lost: number(s, "fractionLost"),
                rtt_ms: millis(s, "roundTripTime"),
                jitter_ms: millis(s, "jitter"),
            })
        })
        .collect();
    snap
}

//! A `getStats()` report read into the core's [`StatsSnapshot`]: the one
//! place that knows the stats dictionaries' field names. Generic over how an
//! entry is read, so the driver parses live reports (`JsValue`) and native
//! tests parse reports recorded from Chromium with the same code.

use super::stats::{InboundStats, OutboundStats, PairStats, RemoteInboundStats, StatsSnapshot};
use super::types::TrackKind;

/// One stats dictionary (`RTCStats` subclass) of a report.
pub trait StatsEntry {
    fn text(&self, key: &str) -> Option<String>;
    /// A finite number.
    fn number(&self, key: &str) -> Option<f64>;
    fn flag(&self, key: &str) -> Option<bool>;
}

fn count<E: StatsEntry>(s: &E, key: &str) -> u64 {
    s.number(key).filter(|x| *x > 0.0).map_or(0, |x| x as u64)
}

fn dimension<E: StatsEntry>(s: &E, key: &str) -> Option<u32> {
    s.number(key).filter(|x| *x >= 0.0 && *x <= f64::from(u32::MAX)).map(|x| x as u32)
}

/// Seconds in the report, milliseconds in the core.
fn millis<E: StatsEntry>(s: &E, key: &str) -> Option<f64> {
    s.number(key).map(|x| x * 1000.0)
}

fn kind<E: StatsEntry>(s: &E) -> Option<TrackKind> {
    TrackKind::parse(&s.text("kind")?)
}

/// Parses the entries of one report. One pass over the entries (a
/// `filter`/`filter_map`/`collect` chain per stats type was instantiated
/// per type); each list keeps the report's order.
pub fn parse<E: StatsEntry>(stats: &[E]) -> StatsSnapshot {
    let by_id = |id: &str| stats.iter().find(|s| s.text("id").as_deref() == Some(id));

    let mut snap = StatsSnapshot::default();
    // The transport's selected pair; else a nominated, succeeded one.
    let mut selected_id = None;
    let mut nominated = None;
    for s in stats {
        let Some(t) = s.text("type") else { continue };
        match t.as_str() {
            "transport" if selected_id.is_none() => {
                selected_id = s.text("selectedCandidatePairId");
            }
            "candidate-pair" => {
                snap.bytes_received = snap.bytes_received.saturating_add(count(s, "bytesReceived"));
                if nominated.is_none()
                    && s.flag("nominated") == Some(true)
                    && s.text("state").as_deref() == Some("succeeded")
                {
                    nominated = Some(s);
                }
            }
            "inbound-rtp" => {
                snap.bytes_received = snap.bytes_received.saturating_add(count(s, "bytesReceived"));
                let Some(kind) = kind(s) else { continue };
                snap.inbound.push(InboundStats {
                    kind,
                    mid: s.text("mid"),
                    bytes_received: count(s, "bytesReceived"),
                    packets_received: count(s, "packetsReceived"),
                    packets_lost: s.number("packetsLost").map_or(0, |x| x as i64),
                    jitter_ms: millis(s, "jitter"),
                    frame_width: dimension(s, "frameWidth"),
                    frame_height: dimension(s, "frameHeight"),
                    frames_per_second: s.number("framesPerSecond"),
                    frames_decoded: count(s, "framesDecoded"),
                    freeze_count: count(s, "freezeCount"),
                    total_freezes_duration_s: s.number("totalFreezesDuration").unwrap_or(0.0),
                });
            }
            "outbound-rtp" => {
                let Some(kind) = kind(s) else { continue };
                snap.outbound.push(OutboundStats {
                    kind,
                    mid: s.text("mid"),
                    rid: s.text("rid"),
                    bytes_sent: count(s, "bytesSent"),
                    frame_width: dimension(s, "frameWidth"),
                    frame_height: dimension(s, "frameHeight"),
                    frames_per_second: s.number("framesPerSecond"),
                    active: s.flag("active"),
                    quality_limitation_reason: s.text("qualityLimitationReason"),
                });
            }
            "remote-inbound-rtp" => {
                let Some(kind) = kind(s) else { continue };
                snap.remote_inbound.push(RemoteInboundStats {
                    kind,
                    fraction_lost: s.number("fractionLost"),
                    rtt_ms: millis(s, "roundTripTime"),
                    jitter_ms: millis(s, "jitter"),
                });
            }
            _ => {}
        }
    }

    let selected = selected_id.and_then(|id| by_id(&id)).or(nominated);
    snap.pair = selected.map(|p| {
        let candidate_type =
            |key: &str| p.text(key).and_then(|id| by_id(&id)).and_then(|c| c.text("candidateType"));
        PairStats {
            bytes_sent: count(p, "bytesSent"),
            bytes_received: count(p, "bytesReceived"),
            rtt_ms: millis(p, "currentRoundTripTime"),
            available_outgoing_bitrate: p.number("availableOutgoingBitrate"),
            local_candidate_type: candidate_type("localCandidateId"),
            remote_candidate_type: candidate_type("remoteCandidateId"),
            stun_received: count(p, "responsesReceived")
                .saturating_add(count(p, "requestsReceived")),
        }
    });
    snap
}

//! Typed `getStats()` samples and what the core makes of them: rates over
//! the last interval, loss over a short window, and a quality level per
//! participant (a simplified E-model, smoothed, with hysteresis).
//!
//! The driver parses a report into a [`StatsSnapshot`] (cumulative counters,
//! as the browser gives them); [`StatsTracker`] turns successive snapshots
//! into [`ConnectionStats`] and says when the quality level changes.

use super::types::{Millis, TrackKind};

/// One `getStats()` report of a connection, cumulative counters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatsSnapshot {
    /// `bytesReceived` of inbound-rtp and candidate-pair entries, summed:
    /// recovery's liveness signal (keep-alive bytes count too).
    pub bytes_received: u64,
    /// The selected (or nominated, succeeded) candidate pair.
    pub pair: Option<PairStats>,
    pub inbound: Vec<InboundStats>,
    pub outbound: Vec<OutboundStats>,
    /// `remote-inbound-rtp`: what the other side reports of what we send.
    pub remote_inbound: Vec<RemoteInboundStats>,
    /// Not from `getStats()`: simulcast layers missing from what we
    /// receive, against what we asked for (SFU: the adaptive stream's layer
    /// above the one Janus forwards, the most of any video; 0 otherwise).
    pub layers_missing: u8,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct PairStats {
    pub bytes_sent: u64,
    pub bytes_received: u64,
    pub rtt_ms: Option<f64>,
    pub available_outgoing_bitrate: Option<f64>,
    /// `host`, `srflx`, `prflx`, `relay`.
    pub local_candidate_type: Option<String>,
    pub remote_candidate_type: Option<String>,
    /// STUN received on the pair (`responsesReceived` + `requestsReceived`):
    /// ICE consent checks answered prove the path while media is silent.
    pub stun_received: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct InboundStats {
    pub kind: TrackKind,
    pub mid: Option<String>,
    pub bytes_received: u64,
    pub packets_received: u64,
    /// Can go down (duplicates): signed, as the spec has it.
    pub packets_lost: i64,
    pub jitter_ms: Option<f64>,
    pub frame_width: Option<u32>,
    pub frame_height: Option<u32>,
    pub frames_per_second: Option<f64>,
    pub frames_decoded: u64,
    pub freeze_count: u64,
    pub total_freezes_duration_s: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OutboundStats {
    pub kind: TrackKind,
    /// The sender's transceiver: which sender the entry is.
    pub mid: Option<String>,
    /// The simulcast layer (`None` with one encoding).
    pub rid: Option<String>,
    pub bytes_sent: u64,
    pub frame_width: Option<u32>,
    pub frame_height: Option<u32>,
    pub frames_per_second: Option<f64>,
    pub active: Option<bool>,
    /// `none`, `cpu`, `bandwidth`, `other`.
    pub quality_limitation_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RemoteInboundStats {
    pub kind: TrackKind,
    pub fraction_lost: Option<f64>,
    pub rtt_ms: Option<f64>,
    pub jitter_ms: Option<f64>,
}

/// How well media from and to a participant flows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Quality {
    /// No inbound bytes over the window (path lost or nothing sent yet).
    Lost,
    Poor,
    Good,
    Excellent,
}

impl Quality {
    pub fn as_str(self) -> &'static str {
        match self {
            Quality::Lost => "lost",
            Quality::Poor => "poor",
            Quality::Good => "good",
            Quality::Excellent => "excellent",
        }
    }
}

/// A received video track, as of the last sample.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoIn {
    pub mid: Option<String>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub fps: Option<f64>,
    pub frames_decoded: u64,
    pub freeze_count: u64,
    pub freezes_s: f64,
}

/// One sent encoding (a simulcast layer, or the only one).
#[derive(Debug, Clone, PartialEq)]
pub struct LayerOut {
    pub kind: TrackKind,
    pub rid: Option<String>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub fps: Option<f64>,
    pub active: Option<bool>,
    /// Bits per second over the last interval.
    pub bitrate: u64,
    pub quality_limitation_reason: Option<String>,
}

/// What the app gets from `room.stats(participant)`.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectionStats {
    /// When the sample was taken.
    pub at: Millis,
    /// Bits per second over the last interval (candidate pair).
    pub bitrate_in: u64,
    pub bitrate_out: u64,
    pub rtt_ms: Option<f64>,
    /// Inbound RTP packets lost over the window, in percent.
    pub loss_percent: f64,
    /// The worst inbound jitter.
    pub jitter_ms: Option<f64>,
    pub available_outgoing_bitrate: Option<f64>,
    pub video_in: Vec<VideoIn>,
    pub layers_out: Vec<LayerOut>,
    pub local_candidate_type: Option<String>,
    pub remote_candidate_type: Option<String>,
    /// The smoothed level (what `quality-changed` reports).
    pub quality: Quality,
    /// The E-model's mean opinion score for the window (1–4.5).
    pub mos: f64,
}

/// Samples in the loss window (with the 400 ms poll: ~2 s).
const WINDOW: usize = 5;
/// A new level replaces the current one after this many samples in a row
/// (`lost` at once).
const HOLD: u32 = 2;

/// Turns successive snapshots of one connection into [`ConnectionStats`].
#[derive(Debug, Default)]
pub struct StatsTracker {
    previous: Option<(Millis, StatsSnapshot)>,
    /// Per interval: (RTP packets received, RTP packets lost, bytes received).
    window: Vec<(u64, i64, u64)>,
    latest: Option<ConnectionStats>,
    level: Option<Quality>,
    candidate: Option<(Quality, u32)>,
}

impl StatsTracker {
    pub fn latest(&self) -> Option<&ConnectionStats> {
        self.latest.as_ref()
    }

    pub fn quality(&self) -> Option<Quality> {
        self.level
    }

    /// Takes a sample; returns the new level when it changed.
    pub fn handle_snapshot(&mut self, now: Millis, s: StatsSnapshot) -> Option<Quality> {
        // Plain loops below: each `map`/`filter`/`collect` chain was its own
        // instantiation in the wasm.
        let mut bitrate_in = 0;
        let mut bitrate_out = 0;
        let mut layers_out = Vec::with_capacity(s.outbound.len());
        let previous = match &self.previous {
            Some((t, p)) if now > *t => Some(((now.0 - t.0) as f64 / 1000.0, p)),
            _ => None,
        };
        if let Some((secs, p)) = previous {
            let rate = |now: u64, before: u64| bits_per_second(now.saturating_sub(before), secs);
            let (pin, pout) = (p.pair.as_ref(), s.pair.as_ref());
            let bytes = |f: fn(&PairStats) -> u64, x: Option<&PairStats>| x.map_or(0, f);
            bitrate_in = rate(bytes(|x| x.bytes_received, pout), bytes(|x| x.bytes_received, pin));
            bitrate_out = rate(bytes(|x| x.bytes_sent, pout), bytes(|x| x.bytes_sent, pin));
        }
        for o in &s.outbound {
            let rate = match previous {
                Some((secs, p)) => {
                    let before = p
                        .outbound
                        .iter()
                        .find(|q| q.kind == o.kind && q.rid == o.rid)
                        .map_or(o.bytes_sent, |q| q.bytes_sent);
                    bits_per_second(o.bytes_sent.saturating_sub(before), secs)
                }
                None => 0,
            };
            layers_out.push(layer(o, rate));
        }
        // Liveness from every byte received (media, data, keep-alive), so
        // a call without media is not `lost`.
        let totals = |x: &StatsSnapshot| {
            x.inbound.iter().fold((0u64, 0i64, x.bytes_received), |(r, l, b), i| {
                (r + i.packets_received, l + i.packets_lost, b)
            })
        };
        let (received, lost, bytes) = totals(&s);
        if let Some((_, p)) = &self.previous {
            let (r0, l0, b0) = totals(p);
            if self.window.len() >= WINDOW {
                self.window.remove(0);
            }
            self.window.push((
                received.saturating_sub(r0),
                lost.saturating_sub(l0).max(0),
                bytes.saturating_sub(b0),
            ));
        }
        let (mut w_received, mut w_lost, mut w_bytes) = (0u64, 0i64, 0u64);
        for (dr, dl, db) in &self.window {
            w_received += dr;
            w_lost += dl;
            w_bytes += db;
        }
        let expected = w_received as f64 + w_lost as f64;
        let loss_percent = if expected > 0.0 { 100.0 * w_lost as f64 / expected } else { 0.0 };
        let mut jitter_ms = None;
        for i in &s.inbound {
            jitter_ms = max_of(jitter_ms, i.jitter_ms);
        }
        let mut remote_rtt = None;
        for r in &s.remote_inbound {
            remote_rtt = max_of(remote_rtt, r.rtt_ms);
        }
        let pair = s.pair.as_ref();
        let rtt_ms = pair.and_then(|p| p.rtt_ms).or(remote_rtt);
        let mos = mos(rtt_ms.unwrap_or(0.0), jitter_ms.unwrap_or(0.0), loss_percent);
        let freezing = match &self.previous {
            Some((_, p)) => s.inbound.iter().any(|i| {
                p.inbound
                    .iter()
                    .find(|q| q.mid == i.mid && q.kind == i.kind)
                    .is_some_and(|q| i.freeze_count > q.freeze_count)
            }),
            None => false,
        };
        let window_full = self.window.len() >= 2;
        let raw = if window_full && w_bytes == 0 {
            Quality::Lost
        } else {
            level_of(mos).min(below_asked(&s)).min(if freezing {
                // A video freeze in the interval.
                Quality::Good
            } else {
                Quality::Excellent
            })
        };
        let changed = self.smooth(raw);
        let mut video_in = Vec::new();
        for i in &s.inbound {
            if i.kind == TrackKind::Video {
                video_in.push(VideoIn {
                    mid: i.mid.clone(),
                    width: i.frame_width,
                    height: i.frame_height,
                    fps: i.frames_per_second,
                    frames_decoded: i.frames_decoded,
                    freeze_count: i.freeze_count,
                    freezes_s: i.total_freezes_duration_s,
                });
            }
        }
        self.latest = Some(ConnectionStats {
            at: now,
            bitrate_in,
            bitrate_out,
            rtt_ms,
            loss_percent,
            jitter_ms,
            available_outgoing_bitrate: pair.and_then(|p| p.available_outgoing_bitrate),
            video_in,
            layers_out,
            local_candidate_type: pair.and_then(|p| p.local_candidate_type.clone()),
            remote_candidate_type: pair.and_then(|p| p.remote_candidate_type.clone()),
            quality: self.level.unwrap_or(raw),
            mos,
        });
        self.previous = Some((now, s));
        changed
    }

    /// Hysteresis: a level other than `lost` must hold [`HOLD`] samples.
    fn smooth(&mut self, raw: Quality) -> Option<Quality> {
        if self.level == Some(raw) {
            self.candidate = None;
            return None;
        }
        let seen = match self.candidate {
            Some((q, n)) if q == raw => n + 1,
            _ => 1,
        };
        if raw == Quality::Lost || seen >= HOLD || self.level.is_none() {
            self.level = Some(raw);
            self.candidate = None;
            Some(raw)
        } else {
            self.candidate = Some((raw, seen));
            None
        }
    }
}

/// The best level media below what was asked for allows: a video we send
/// whose encoder runs below its encodings (the browser's
/// `qualityLimitationReason`: `bandwidth`, the estimate cannot carry the
/// asked size or rate; `cpu`) or one layer missing from what we receive is
/// at best `good`; two layers missing is `poor`.
fn below_asked(s: &StatsSnapshot) -> Quality {
    let limited = s.outbound.iter().any(|o| {
        o.kind == TrackKind::Video
            && o.active != Some(false)
            && matches!(o.quality_limitation_reason.as_deref(), Some("bandwidth" | "cpu"))
    });
    match s.layers_missing {
        0 if !limited => Quality::Excellent,
        0 | 1 => Quality::Good,
        _ => Quality::Poor,
    }
}

fn layer(o: &OutboundStats, bitrate: u64) -> LayerOut {
    LayerOut {
        kind: o.kind,
        rid: o.rid.clone(),
        width: o.frame_width,
        height: o.frame_height,
        fps: o.frames_per_second,
        active: o.active,
        bitrate,
        quality_limitation_reason: o.quality_limitation_reason.clone(),
    }
}

fn bits_per_second(bytes: u64, secs: f64) -> u64 {
    let bps = bytes as f64 * 8.0 / secs;
    if bps.is_finite() && bps > 0.0 {
        bps as u64
    } else {
        0
    }
}

/// The simplified E-model (ITU-T G.107 as WebRTC monitoring tools use it):
/// effective latency = RTT/2 + 2·jitter + 10 ms; R = 93.2 − delay
/// impairment (latency/40 below 160 ms, (latency − 120)/10 above) − 2.5 per
/// percent of loss; MOS = 1 + 0.035R + 7·10⁻⁶·R(R − 60)(100 − R).
pub fn mos(rtt_ms: f64, jitter_ms: f64, loss_percent: f64) -> f64 {
    let latency = rtt_ms / 2.0 + 2.0 * jitter_ms + 10.0;
    let delay = if latency < 160.0 { latency / 40.0 } else { (latency - 120.0) / 10.0 };
    let r = (93.2 - delay - 2.5 * loss_percent).clamp(0.0, 100.0);
    1.0 + 0.035 * r + 0.000_007 * r * (r - 60.0) * (100.0 - r)
}

/// MOS ≥ 4.2 excellent (a clean call scores ~4.4), ≥ 3.6 good, below poor.
pub fn level_of(mos: f64) -> Quality {
    if mos >= 4.2 {
        Quality::Excellent
    } else if mos >= 3.6 {
        Quality::Good
    } else {
        Quality::Poor
    }
}

/// The larger of a running maximum and a value, as `reduce(f64::max)` over
/// the values that are set. Not inlined: seven call sites, each inlined
/// copy larger than the call.
#[inline(never)]
pub(crate) fn max_of(acc: Option<f64>, x: Option<f64>) -> Option<f64> {
    match (acc, x) {
        (Some(a), Some(x)) => Some(a.max(x)),
        (a, None) => a,
        (None, x) => x,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_e_model_ranks_clean_lossy_and_slow_links() {
        assert!(mos(2.0, 1.0, 0.0) > 4.3, "loopback: {}", mos(2.0, 1.0, 0.0));
        assert_eq!(level_of(mos(2.0, 1.0, 0.0)), Quality::Excellent);
        assert_eq!(level_of(mos(100.0, 10.0, 3.0)), Quality::Good);
        assert_eq!(level_of(mos(50.0, 5.0, 15.0)), Quality::Poor);
        assert_eq!(level_of(mos(900.0, 30.0, 0.0)), Quality::Poor);
    }
}

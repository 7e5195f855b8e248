//! The adaptive-bitrate controller: a pure function of periodic
//! [`StatsSnapshot`]s of one connection and time, deciding per sender the
//! encodings to send ([`SetEncodings`]).
//!
//! Each video sender gets a **ladder** of rungs built from the encodings it
//! was published with (see [`ladder`]): the top rung is the plan itself,
//! each lower one needs less bitrate (a camera: its own resolution at a
//! lower cap, then a smaller resolution, then a lower frame rate; with
//! simulcast layers, the top layers switched off first),
//! the last one pauses the video (`active: false`). The controller picks a
//! rung from the connection's budget:
//!
//! - **A camera's first step is its bitrate**: the rung below the plan
//!   keeps the plan's resolution at the next smaller picture's bitrate (see
//!   [`ladder`]), so the usual step down and the probe back up on a slow
//!   link change `maxBitrate` only — no key frame either way, where each
//!   change of resolution is a key frame that a slow link delivers late.
//!   Likewise a probe up to a larger picture goes **bitrate first**: the
//!   current picture at the next rung's cap, judged like any probe; the
//!   picture follows only once that rate held (a refused probe costs no
//!   key frame).
//! - **Budget**: `availableOutgoingBitrate` (the browser's bandwidth
//!   estimate) × [`HEADROOM`], minus [`AUDIO_RESERVE_BPS`] per audio sender:
//!   audio is protected first — the controller never changes an audio
//!   sender, video yields (down to paused) before audio would have to.
//!   Video senders share the rest in proportion to their top rungs.
//! - **Down fast**: a rung that does not fit the budget is left after
//!   [`DOWN_SAMPLES`] samples in a row (at once when the budget is below
//!   half of what it needs to fit), straight to the highest rung that fits.
//! - **Loss holds the ladder**: while the receiver reports loss above
//!   [`LOSSY`] (`fractionLost`), and [`LOSS_HOLD_MS`] after, no step down
//!   on the budget, no probe up, never paused. Random loss drags the
//!   browser's estimate down (recorded: 30 % loss, 3.4 Mbit/s → 84 kbit/s),
//!   but each step down costs a key frame lost 30 % at a time, and the
//!   browser's own rate control already follows its estimate under any cap.
//!   Loss with a queue (round trip up) is congestion: the ladder steps.
//! - **Up slowly, by probing**: with the budget at least [`UP_MARGIN`] above
//!   what the current rung sends ([`RETRY_MARGIN`] of it for a probe that
//!   starts by raising one encoding's cap: it costs no key frame), no loss
//!   and no queue, continuously for the hold time (first [`UP_HOLD_MS`]),
//!   one rung up. The browser's estimate
//!   cannot grow far above what is sent (nor tell a link just above the
//!   lower rung from a fast one), so the step is a probe, judged by what the
//!   link does with it: undone at once on a queue (round trip
//!   [`PROBE_RTT_RISE_MS`] above its floor), loss, or the estimate backing
//!   off below [`PROBE_DROP`] of its peak since the step; backed after
//!   [`PROBE_MS`] when the budget carries what the rung really sends. Not by the
//!   estimate covering the rung's cap: an encoder often sends far below its
//!   cap, and a step up makes Chromium probe the link with padding that a
//!   shaper's burst lets through (recorded: 3.5 Mbit/s "estimated" on a
//!   1 Mbit/s link; the overuse shows ~2 s later as that estimate backing
//!   off). An undone probe is **retried** after [`PROBE_RETRY_MS`], as
//!   soon as nothing queues and the estimate carries what the rung sends
//!   ([`RETRY_MARGIN`]): a link that came back shows nothing until a probe
//!   (at the lower rung the estimate reads the same on a 1 Mbit/s link and
//!   a 10 Mbit/s one), so the wait between probes bounds the recovery, and
//!   a refused probe costs ~2 s at the higher rung (one rung, within ~10 %
//!   of what the slow link carries) — cheaper than a recovery that takes
//!   up to 16 s (the doubled holds of the previous rule, plus ~6 s for the
//!   estimate to climb back after each refusal). An oscillating link costs
//!   at most one probe per retry time, not one decision per swing.
//! - **Picture probes back off**: that short retry is for a cap raised on
//!   the picture being sent (no key frame, nothing the far side sees). A
//!   probe stage that changes the picture (a resolution, a frame rate, a
//!   layer on) costs a key frame each way and a visible resolution pumping:
//!   refused, the next one from that rung waits twice as long as the last
//!   ([`PROBE_RETRY_MS`] × 2, × 4, … up to [`PROBE_BACKOFF_MAX_MS`]) —
//!   recorded at 0.5 Mbit/s, the camera alternated 180p ↔ 360p every ~8 s
//!   for as long as the link stayed slow. A backed probe, or the budget
//!   [`BACKOFF_CLEAR`] above where the last one started or was refused,
//!   ends the back-off. The picture after a cap stage is itself judged as
//!   a probe, and the cap stage ends after [`CAP_STAGE_MS`] when the
//!   encoder leaves the raised cap unused (180p sends ~200 kbit/s under a
//!   500k cap: that stage "held" on the 0.5 Mbit/s link and proved
//!   nothing), and is skipped by the next probe from that rung. After a backed probe the next one may start at once when it
//!   begins with a cap (one probe time per picture on the way back up).
//! - **CPU-limited** for [`CPU_SAMPLES`] samples: a CPU level on top of the
//!   rung lowers the frame rate, then the resolution (with simulcast
//!   layers: switches the top layer off, then the next) — never the bitrate;
//!   it is lifted again after [`CPU_CLEAR_MS`] without a CPU limitation
//!   (doubling likewise when the limitation comes straight back). CPU-limited
//!   is `qualityLimitationReason: "cpu"`, or a sent frame rate below
//!   [`STARVED_FPS`] of the sender's recent best while not limited by
//!   bandwidth nor under loss: Chromium says `cpu` only when its own overuse detector
//!   adapts, and a browser starved of CPU as a whole (its capture slows
//!   too) reports `none` while its frame rate collapses — recorded with a
//!   cgroup CPU quota on the sender's browser: 30 → 4–20 fps, reason `none`.
//! - **Not before the estimate has ramped up**: no step down in the first
//!   [`STARTUP_MS`] of a sender. A rung fits while the budget covers [`FIT`]
//!   of its cap.
//!
//! Decisions are only emitted when the encodings change. Turned off
//! (`RoomConfig::adaptive_bitrate`), the controller decides nothing and the
//! published plan stays as it is.

use super::encodings::{camera_bitrate_bps, EncodingParams, SourceSize};
use super::stats::{max_of, StatsSnapshot};
use super::types::{Millis, TrackKind, TrackSource};
use super::SenderId;

/// Share of the bandwidth estimate the controller plans to use.
pub const HEADROOM: f64 = 0.9;
/// Bitrate kept for each audio sender before video gets any.
pub const AUDIO_RESERVE_BPS: f64 = 64_000.0;
/// A rung fits while the budget covers this share of its cap: the
/// browser's own estimate already keeps the rate within the link, a rung is
/// too high only when its picture would be starved.
pub const FIT: f64 = 0.6;
/// Samples in a row over budget before stepping down (400 ms apart).
pub const DOWN_SAMPLES: u32 = 2;
/// After a sender starts, the estimate ramps up from the browser's start
/// bitrate (~300 kbit/s): no step down before this.
pub const STARTUP_MS: u64 = 5_000;
/// Remote-reported loss (`fractionLost`) that holds the ladder.
pub const LOSSY: f64 = 0.10;
/// The ladder stays held this long after the last lossy report: the
/// reports come once a second and read 0 when little was sent, and the
/// browser's estimate takes ~10 s to climb back after the loss.
pub const LOSS_HOLD_MS: u64 = 10_000;
/// The budget must exceed what the rung sends by this factor to step up
/// (a probe that switches a layer on; one that starts by raising a single
/// encoding's cap needs [`RETRY_MARGIN`] only).
pub const UP_MARGIN: f64 = 1.2;
/// No step up sooner than this after a step down or a backed probe.
pub const UP_HOLD_MS: u64 = 4_000;
/// After a probe the link refused, the next one comes this long after (the
/// longest wait of a link that came back: recovery within ~4–5 s, the
/// receiver sees the new resolution ~1 s after the step).
pub const PROBE_RETRY_MS: u64 = 3_000;
/// A probe refused while it changed the picture (a key frame each way, the
/// resolution pumping at the far side) is retried after twice the previous
/// wait ([`PROBE_RETRY_MS`] × 2, × 4, …), at most this long: recorded at
/// 0.5 Mbit/s, the camera alternated 180p ↔ 360p every ~8 s for as long as
/// the link stayed slow. A refused cap raise on the same picture (no key
/// frame, nothing the far side sees) keeps the [`PROBE_RETRY_MS`] retry.
pub const PROBE_BACKOFF_MAX_MS: u64 = 16_000;
/// The back-off is forgotten when the budget climbs this far above what it
/// was when the last picture probe was refused: the link clearly carries
/// more (at a low rung Chromium's estimate stays flat on a slow link and on
/// one that came back alike, recorded at 0.5 Mbit/s, so a link's return
/// shows mostly as the next probe holding).
pub const BACKOFF_CLEAR: f64 = 1.5;
/// A cap raised on a picture whose encoder sends less than [`FIT`] of it
/// after this long tests nothing more by waiting (recorded: 180p sends
/// ~200 kbit/s under a 500 kbit/s cap, 360p ~500 under 900, from the first
/// sample on; an encoder that uses a raised cap shows it at once, 720p
/// 0.9 → 1.1 Mbit/s): the picture follows then, judged as a probe of its
/// own, and the next probe from that rung skips the cap stage.
pub const CAP_STAGE_MS: u64 = 1_200;
/// A retry needs the budget to carry this share of what the rung sends:
/// a refused probe knocks the estimate down to ~0.85× what the link
/// carried, and it climbs back at the same slow pace on a slow link and on
/// one that came back (~6 s to the [`UP_MARGIN`] again): waiting for it
/// tells the two apart no better than the probe does.
pub const RETRY_MARGIN: f64 = 0.9;
/// Good conditions held this long, in a row, before a step up.
pub const UP_CONFIRM_MS: u64 = 2_000;
/// A step up is judged after this time (see the module's doc).
pub const PROBE_MS: u64 = 4_000;
/// A probe fails at once when the round-trip time grows this much above
/// its recent floor: a queue is building at the bottleneck.
pub const PROBE_RTT_RISE_MS: f64 = 40.0;
/// A probe fails at once when the budget falls below this share of its
/// peak since the step up: the browser's estimator saw the link overused.
pub const PROBE_DROP: f64 = 0.85;
/// Round-trip samples the floor is taken over (10 s).
const RTT_WINDOW: usize = 25;
/// Samples in a row limited by CPU before lowering resolution/frame rate.
pub const CPU_SAMPLES: u32 = 3;
/// Samples of sent frame rate the starvation test compares with (10 s).
pub const FPS_WINDOW: usize = 25;
/// A sent frame rate below this share of the sender's recent best (or of
/// its cap) is starved.
pub const STARVED_FPS: f64 = 0.5;
/// Time without a CPU limitation before one CPU level is lifted.
pub const CPU_CLEAR_MS: u64 = 15_000;
/// A layer is not shrunk below this short side.
const MIN_SHORT_SIDE: f64 = 90.0;

/// A decision: apply these encodings to this sender (`getParameters()`,
/// change each encoding — matched by `rid`, or by position without one —
/// `setParameters()`).
#[derive(Debug, Clone, PartialEq)]
pub struct SetEncodings {
    pub sender: SenderId,
    pub encodings: Vec<EncodingParams>,
}

/// One rung of a sender's ladder.
#[derive(Debug, Clone, PartialEq)]
pub struct Rung {
    pub encodings: Vec<EncodingParams>,
}

impl Rung {
    /// Bits per second the rung may send (its active encodings' caps).
    pub fn need(&self) -> f64 {
        need(&self.encodings)
    }
}

/// Bits per second encodings may send (the active ones' caps).
fn need(encodings: &[EncodingParams]) -> f64 {
    let mut need = 0.0;
    for e in encodings {
        if e.active {
            need += f64::from(e.max_bitrate_bps);
        }
    }
    need
}

/// The rungs for a sender published with `plan`, best first, the paused
/// one last.
pub fn ladder(plan: &[EncodingParams], source: TrackSource, size: SourceSize) -> Vec<Rung> {
    let flat = rungs(plan, source, size);
    if plan.is_empty() {
        return vec![Rung { encodings: flat }];
    }
    flat.chunks(plan.len()).map(|c| Rung { encodings: c.to_vec() }).collect()
}

/// [`ladder`]'s rungs one after the other in one list, each as many
/// encodings as the plan (one allocation, not one per rung).
fn rungs(plan: &[EncodingParams], source: TrackSource, size: SourceSize) -> Vec<EncodingParams> {
    let mut rungs = plan.to_vec();
    let Some(&first) = plan.first() else { return rungs };
    if plan.len() > 1 {
        // Simulcast: switch layers off from the top, keep the lowest; the
        // last rung (`top` 0) is the lowest alone at a lower rate.
        for top in (0..plan.len()).rev() {
            for (i, e) in plan.iter().enumerate() {
                let mut layer = EncodingParams { active: e.active && i < top.max(1), ..*e };
                if top == 0 && i == 0 {
                    layer.max_framerate = Some(e.max_framerate.unwrap_or(30.0).min(15.0));
                    layer.max_bitrate_bps = scaled(e.max_bitrate_bps, 0.6);
                }
                rungs.push(layer);
            }
        }
    } else if source == TrackSource::Screen {
        // Sharpness first: frames go before pixels.
        let fps = first.max_framerate.unwrap_or(15.0);
        for (fps_div, scale_mul, rate) in [(2.0, 1.0, 0.5), (3.0, 2.0, 0.25)] {
            rungs.push(EncodingParams {
                max_framerate: Some((fps / fps_div).max(1.0)),
                scale_resolution_down_by: first.scale_resolution_down_by * scale_mul,
                max_bitrate_bps: scaled(first.max_bitrate_bps, rate),
                ..first
            });
        }
    } else {
        // Camera: first the plan's own resolution at the next smaller
        // picture's bitrate (see [`cap_rung`]), then smaller pictures at
        // their preset bitrate, then fewer frames.
        let short = f64::from(size.width.min(size.height)) / first.scale_resolution_down_by;
        let mut last = first;
        if let Some(capped) = cap_rung(&first, short) {
            last = capped;
            rungs.push(capped);
        }
        for mul in [1.5, 2.0, 4.0] {
            let layer_short = short / mul;
            if layer_short < MIN_SHORT_SIDE {
                break;
            }
            let rate = camera_bitrate_bps(layer_short as u32).min(first.max_bitrate_bps);
            if rate >= last.max_bitrate_bps {
                continue;
            }
            last = EncodingParams {
                scale_resolution_down_by: first.scale_resolution_down_by * mul,
                max_bitrate_bps: rate,
                ..first
            };
            rungs.push(last);
        }
        rungs.push(EncodingParams {
            max_framerate: Some(last.max_framerate.unwrap_or(30.0).min(15.0)),
            max_bitrate_bps: scaled(last.max_bitrate_bps, 0.6),
            ..last
        });
    }
    for e in plan {
        rungs.push(EncodingParams { active: false, ..*e });
    }
    rungs
}

/// The first step down of a camera: the same resolution, capped at the
/// bitrate of the next smaller picture (1280x720 at 900 kbit/s). A change of
/// `maxBitrate` costs no key frame, where a change of
/// `scaleResolutionDownBy` costs one each way — and on a slow link (a
/// 16 KB shaper burst, a 200 ms queue at 1 Mbit/s) a 720p key frame is a
/// freeze. Under the cap the encoder picks its own resolution (Chromium
/// scales down itself when its quantizer says the picture is starved): the
/// controller forces a smaller picture only when the budget is below what
/// that cap needs. It also makes the probe back up a bitrate-only one: at
/// this rung the encoder sends what its picture needs up to the cap, and
/// raising the cap to the plan's lets it send more (the fake camera's 720p
/// ~1.05 Mbit/s, above a 1 Mbit/s link) without a new key frame either way.
fn cap_rung(first: &EncodingParams, short: f64) -> Option<EncodingParams> {
    let rate = camera_bitrate_bps((short / 1.5) as u32).min(first.max_bitrate_bps);
    (short / 1.5 >= MIN_SHORT_SIDE && rate < first.max_bitrate_bps)
        .then_some(EncodingParams { max_bitrate_bps: rate, ..*first })
}

fn scaled(bps: u32, by: f64) -> u32 {
    (f64::from(bps) * by) as u32
}

/// CPU level `level` applied to a rung: level 1 caps the frame rate
/// (15 fps, a screen's halved), level 2 also halves the resolution.
/// With simulcast layers (listed low → high) level `n` switches the top
/// `n` active layers off instead, keeping the lowest: the top layer is most
/// of the encoder's work, and a layer off leaves the others (and their
/// subscribers) untouched where a lower frame rate would reach them all.
/// Bitrates stay.
pub fn with_cpu_level(
    encodings: &[EncodingParams],
    source: TrackSource,
    level: u8,
) -> Vec<EncodingParams> {
    let mut active = 0;
    for e in encodings {
        active += usize::from(e.active);
    }
    let mut layers = encodings.to_vec();
    if active > 1 {
        let mut off = usize::from(level).min(active - 1);
        for e in layers.iter_mut().rev().filter(|e| e.active) {
            if off == 0 {
                break;
            }
            e.active = false;
            off -= 1;
        }
        return layers;
    }
    for e in &mut layers {
        if level >= 1 {
            let fps = match (source, e.max_framerate) {
                (TrackSource::Screen, Some(f)) => (f / 2.0).max(1.0),
                (_, Some(f)) => f.min(15.0),
                (_, None) => 15.0,
            };
            e.max_framerate = Some(fps);
        }
        if level >= 2 {
            e.scale_resolution_down_by *= 2.0;
        }
    }
    layers
}

const MAX_CPU_LEVEL: u8 = 2;

#[derive(Debug, Clone)]
struct Sender {
    id: SenderId,
    kind: TrackKind,
    source: TrackSource,
    mid: Option<String>,
    /// The ladder's rungs one after the other, `width` encodings each
    /// (see [`rungs`]).
    rungs: Vec<EncodingParams>,
    width: usize,
    rung: usize,
    /// Samples in a row over budget.
    over: u32,
    /// Since when the budget allowed a step up (`None`: not now).
    good_since: Option<Millis>,
    /// The wait before the next step up ([`UP_HOLD_MS`], or
    /// [`PROBE_RETRY_MS`] after a refused probe).
    hold_ms: u64,
    /// The last probe was refused: the next one is a retry.
    retry: bool,
    /// Picture probes refused in a row from one rung (see [`Backoff`]).
    backoff: Option<Backoff>,
    /// The rung whose last cap stage the encoder left unused: its next
    /// probe changes the picture at once.
    idle_cap: Option<usize>,
    /// When the ladder last changed (a step down, a probe judged): the
    /// hold counts from there, dips of the estimate do not restart it.
    changed_at: Option<Millis>,
    /// A step up not yet backed.
    probe: Option<Probe>,
    /// Round-trip times over the last samples.
    recent_rtt: Vec<f64>,
    cpu_level: u8,
    cpu_samples: u32,
    /// Last time the encoder was limited by CPU.
    cpu_seen: Option<Millis>,
    cpu_hold_ms: u64,
    /// When the last CPU level was lifted.
    cpu_lifted: Option<Millis>,
    /// What the driver was last told (the plan until the first decision).
    applied: Vec<EncodingParams>,
    /// Bits per second sent over the last interval.
    sent_bps: f64,
    /// First sample with bytes sent.
    started: Option<Millis>,
    /// Frame rates sent over the last samples.
    recent_fps: Vec<f64>,
}

impl Sender {
    fn wanted(&self) -> Vec<EncodingParams> {
        let mut wanted = with_cpu_level(self.at(self.rung), self.source, self.cpu_level);
        // A bitrate-only probe: this rung's picture at the next one's cap.
        if let Some(cap) = self.probe.and_then(|p| p.cap_bps) {
            for e in wanted.iter_mut() {
                e.max_bitrate_bps = cap;
            }
        }
        wanted
    }
    /// Rung `r`'s encoding when it is a single active one.
    fn single(&self, r: usize) -> Option<&EncodingParams> {
        match self.at(r) {
            [e] if e.active => Some(e),
            _ => None,
        }
    }
    /// A probe up from rung `from` starts as a cap raised on one encoding
    /// (no layer switched on, no new picture yet).
    fn bitrate_first(&self, from: usize) -> bool {
        from > 0 && self.single(from).is_some() && self.single(from - 1).is_some()
    }
    /// The cap of rung `to` when it differs from rung `from` only by its
    /// picture (a single active encoding each): the bitrate-only first
    /// stage of a probe up from `from`.
    fn cap_stage(&self, from: usize, to: usize) -> Option<u32> {
        let (a, b) = (self.single(from)?, self.single(to)?);
        let same_picture = a.scale_resolution_down_by == b.scale_resolution_down_by
            && a.max_framerate == b.max_framerate;
        (!same_picture && b.max_bitrate_bps > a.max_bitrate_bps).then_some(b.max_bitrate_bps)
    }
    /// Rungs `a` and `b` encode the same pictures (they may differ in
    /// their caps only).
    fn same_picture(&self, a: usize, b: usize) -> bool {
        let (a, b) = (self.at(a), self.at(b));
        a.len() == b.len()
            && a.iter().zip(b).all(|(x, y)| {
                x.active == y.active
                    && x.scale_resolution_down_by == y.scale_resolution_down_by
                    && x.max_framerate == y.max_framerate
            })
    }
    fn need(&self, rung: usize) -> f64 {
        need(self.at(rung))
    }
    /// Rung `r`'s encodings (none past the last).
    fn at(&self, r: usize) -> &[EncodingParams] {
        let n = self.width;
        self.rungs.get(r.saturating_mul(n)..r.saturating_add(1).saturating_mul(n)).unwrap_or(&[])
    }
    /// The last rung (paused).
    fn last(&self) -> usize {
        (self.rungs.len() / self.width.max(1)).saturating_sub(1)
    }
    fn top_need(&self) -> f64 {
        self.need(0)
    }
}

/// A step up under way.
#[derive(Debug, Clone, Copy)]
struct Probe {
    since: Millis,
    /// The rung it came from.
    from: usize,
    /// The highest budget since it started.
    peak: f64,
    /// A bitrate-only stage: the rung's picture stays, its cap is raised
    /// to this one's (the next rung's); the picture follows once it holds.
    cap_bps: Option<u32>,
    /// This stage changes the picture (a resolution, a frame rate, a layer
    /// switched on): a refusal backs off (see [`PROBE_BACKOFF_MAX_MS`]).
    picture: bool,
    /// The budget when the probe's first stage started: what the link
    /// showed before Chromium's padding probes inflated the estimate.
    start_budget: f64,
}

/// The back-off of the picture probes from one rung.
#[derive(Debug, Clone, Copy)]
struct Backoff {
    /// The rung the refused probes came from.
    from: usize,
    /// Refused in a row.
    refusals: u32,
    /// The budget where the last one started or was refused, the higher:
    /// after a refusal the estimate falls below the link and climbs back.
    budget: f64,
}

impl Backoff {
    /// The wait before the next probe from its rung.
    fn wait_ms(&self) -> u64 {
        let doubled = PROBE_RETRY_MS.saturating_mul(1 << self.refusals.min(8));
        doubled.min(PROBE_BACKOFF_MAX_MS)
    }
}

/// What one sample says about the connection's path.
#[derive(Debug, Clone, Copy)]
struct Path {
    /// This sender's share of the video budget.
    budget: f64,
    /// The receiver reports loss above [`LOSSY`] now.
    lossy: bool,
    /// ... or did within [`LOSS_HOLD_MS`].
    lossy_lately: bool,
    /// The latest round-trip time.
    rtt_ms: Option<f64>,
}

/// The controller of one connection's senders.
#[derive(Debug, Default)]
pub struct Abr {
    disabled: bool,
    /// The last sample the receiver reported loss above [`LOSSY`].
    lossy_at: Option<Millis>,
    /// By id, ascending (the order decisions come out in). A `Vec`
    /// scanned by id: the map's sorted insert/search code for this one
    /// value type cost more (a connection has a few senders).
    senders: Vec<Sender>,
    /// The last sample's time and what the next one's rates need of it:
    /// each outbound entry's kind, mid and bytes sent (not a clone of the
    /// whole snapshot).
    previous: Option<(Millis, SentBytes)>,
    /// Decisions not yet polled, oldest first (a `Vec`: a few per sample,
    /// all polled after it; no `VecDeque` code for this type).
    out: Vec<SetEncodings>,
}

/// Each outbound entry's kind, mid and bytes sent, as the next sample's
/// rates need them.
type SentBytes = Vec<(TrackKind, Option<String>, u64)>;

impl Abr {
    pub fn new(enabled: bool) -> Self {
        Abr { disabled: !enabled, ..Abr::default() }
    }

    /// `sender` now carries a track published with `plan` (a new sender, an
    /// idle one reused, or a device switch): its ladder starts at the top.
    pub fn track(
        &mut self,
        sender: SenderId,
        kind: TrackKind,
        source: TrackSource,
        size: Option<SourceSize>,
        plan: &[EncodingParams],
    ) {
        let size = size.unwrap_or(SourceSize { width: 640, height: 480 });
        let mid = self.sender(sender).and_then(|s| s.mid.clone());
        let new = Sender {
            id: sender,
            kind,
            source,
            mid,
            rungs: rungs(plan, source, size),
            width: plan.len(),
            rung: 0,
            over: 0,
            good_since: None,
            hold_ms: UP_HOLD_MS,
            retry: false,
            backoff: None,
            idle_cap: None,
            changed_at: None,
            probe: None,
            recent_rtt: Vec::new(),
            cpu_level: 0,
            cpu_samples: 0,
            cpu_seen: None,
            cpu_hold_ms: CPU_CLEAR_MS,
            cpu_lifted: None,
            applied: plan.to_vec(),
            sent_bps: 0.0,
            started: None,
            recent_fps: Vec::new(),
        };
        let i = self.senders.iter().position(|s| s.id >= sender).unwrap_or(self.senders.len());
        if let Some(s) = self.senders.get_mut(i).filter(|s| s.id == sender) {
            *s = new;
        } else {
            self.senders.insert(i, new);
        }
    }

    fn sender(&self, id: SenderId) -> Option<&Sender> {
        self.senders.iter().find(|s| s.id == id)
    }

    /// `sender` carries nothing any more (unpublished).
    pub fn forget(&mut self, sender: SenderId) {
        if let Some(i) = self.senders.iter().position(|s| s.id == sender) {
            self.senders.remove(i);
        }
    }

    /// The negotiated `mid` of a sender: how its outbound stats are found.
    pub fn set_mid(&mut self, sender: SenderId, mid: &str) {
        if let Some(s) = self.senders.iter_mut().find(|s| s.id == sender) {
            s.mid = Some(mid.to_owned());
        }
    }

    /// The rung `sender` is on (0: its plan) and its CPU level.
    pub fn position(&self, sender: SenderId) -> Option<(usize, u8)> {
        self.sender(sender).map(|s| (s.rung, s.cpu_level))
    }

    /// The encodings `sender` is sending as of the last decision.
    pub fn applied(&self, sender: SenderId) -> Option<&[EncodingParams]> {
        self.sender(sender).map(|s| s.applied.as_slice())
    }

    #[must_use]
    pub fn poll_output(&mut self) -> Option<SetEncodings> {
        if self.out.is_empty() {
            return None;
        }
        Some(self.out.remove(0))
    }

    /// Takes one stats sample of the connection.
    pub fn handle_snapshot(&mut self, now: Millis, snap: &StatsSnapshot) {
        if self.disabled {
            return;
        }
        let secs = match &self.previous {
            Some((t, _)) if now > *t => (now.0 - t.0) as f64 / 1000.0,
            _ => 0.0,
        };
        let prev = self.previous.as_ref().map(|(_, p)| p);
        // Plain loops in this function: each `filter`/`map`/`reduce` chain
        // was its own instantiation in the wasm.
        let mut lossy = false;
        // A queue delays everything: the lower of the receiver's report
        // (RTCP) and the ICE checks' round trip. One alone spikes under
        // random loss (recorded: 87 ms in an RTCP report at 30 % loss while
        // the ICE checks said 1 ms).
        let mut report = None;
        for r in &snap.remote_inbound {
            if r.kind == TrackKind::Video {
                lossy |= r.fraction_lost.is_some_and(|f| f > LOSSY);
                report = max_of(report, r.rtt_ms);
            }
        }
        if lossy {
            self.lossy_at = Some(now);
        }
        let lossy_lately = self.lossy_at.is_some_and(|t| now.0.saturating_sub(t.0) < LOSS_HOLD_MS);
        let mut video_count = 0;
        let mut weights = 0.0;
        for s in &self.senders {
            if s.kind == TrackKind::Video {
                video_count += 1;
                weights += s.top_need();
            }
        }
        // Rates and CPU flags per sender, from its outbound entries.
        for s in &mut self.senders {
            let is_mine = |kind: TrackKind, mid: &Option<String>| {
                kind == s.kind
                    && match (&s.mid, mid) {
                        (Some(a), Some(b)) => a == b,
                        // Stats without mids: only unambiguous with one sender of the kind.
                        _ => video_count == 1,
                    }
            };
            // Its outbound entries: bytes, limitation reasons and frame
            // rate (the highest of its active encodings: a layer switched
            // off keeps its last rate in the stats).
            let mut bytes = 0u64;
            let (mut cpu_limited, mut bandwidth_limited) = (false, false);
            let mut fps = None;
            for o in &snap.outbound {
                if !is_mine(o.kind, &o.mid) {
                    continue;
                }
                bytes += o.bytes_sent;
                match o.quality_limitation_reason.as_deref() {
                    Some("cpu") => cpu_limited = true,
                    Some("bandwidth") => bandwidth_limited = true,
                    _ => {}
                }
                if o.active != Some(false) {
                    fps = max_of(fps, o.frames_per_second);
                }
            }
            if let Some(p) = prev.filter(|_| secs > 0.0) {
                let mut before = 0u64;
                for (kind, mid, sent) in p {
                    if is_mine(*kind, mid) {
                        before += sent;
                    }
                }
                let delta = bytes.saturating_sub(before);
                s.sent_bps = delta as f64 * 8.0 / secs;
                if delta > 0 && s.started.is_none() {
                    s.started = Some(now);
                }
            }
            let mut cap = None;
            for e in &s.applied {
                cap = max_of(cap, e.max_framerate);
            }
            let mut best = None;
            for f in &s.recent_fps {
                best = max_of(best, Some(*f));
            }
            let starved = match (fps, best) {
                (Some(fps), Some(best)) if s.recent_fps.len() >= FPS_WINDOW / 2 => {
                    fps < STARVED_FPS * cap.map_or(best, |c| best.min(c))
                }
                _ => false,
            };
            // Under loss the frame rate collapses with the estimate (the
            // encoder skips frames), not for want of CPU.
            let cpu = cpu_limited || (starved && !bandwidth_limited && !lossy_lately);
            if let Some(fps) = fps {
                push_recent(&mut s.recent_fps, fps, FPS_WINDOW);
            }
            s.cpu_samples = if cpu { s.cpu_samples + 1 } else { 0 };
            if cpu {
                s.cpu_seen = Some(now);
            }
        }
        let audio = snap.outbound.iter().filter(|o| o.kind == TrackKind::Audio).count() as f64;
        let available = snap.pair.as_ref().and_then(|p| p.available_outgoing_bitrate);
        let ice = snap.pair.as_ref().and_then(|p| p.rtt_ms);
        let rtt_ms = match (report, ice) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let video_budget = available.map(|a| (a * HEADROOM - audio * AUDIO_RESERVE_BPS).max(0.0));
        // Each sender on its own: its ladder, its CPU level, what it sends.
        for s in &mut self.senders {
            if s.kind == TrackKind::Video {
                if let Some(video_budget) = video_budget {
                    let share = if weights > 0.0 { s.top_need() / weights } else { 1.0 };
                    let path = Path { budget: video_budget * share, lossy, lossy_lately, rtt_ms };
                    step_bandwidth(s, now, path);
                }
                step_cpu(s, now);
            }
            let wanted = s.wanted();
            if wanted != s.applied {
                s.applied.clone_from(&wanted);
                self.out.push(SetEncodings { sender: s.id, encodings: wanted });
            }
        }
        let mut sent = Vec::with_capacity(snap.outbound.len());
        for o in &snap.outbound {
            sent.push((o.kind, o.mid.clone(), o.bytes_sent));
        }
        self.previous = Some((now, sent));
    }
}

/// Adds `value` to the last `len` samples `window` keeps (the oldest goes).
fn push_recent(window: &mut Vec<f64>, value: f64, len: usize) {
    if window.len() >= len {
        window.remove(0);
    }
    window.push(value);
}

/// The bandwidth ladder of one sender, for one sample.
fn step_bandwidth(s: &mut Sender, now: Millis, path: Path) {
    let Path { budget, lossy, lossy_lately, rtt_ms } = path;
    // A queue building at the bottleneck shows as round-trip time above
    // its recent floor (the floor before this sample).
    let rtt_floor = s.recent_rtt.iter().copied().reduce(f64::min);
    let queued = matches!((rtt_ms, rtt_floor), (Some(r), Some(f)) if r > f + PROBE_RTT_RISE_MS);
    if let Some(r) = rtt_ms {
        push_recent(&mut s.recent_rtt, r, RTT_WINDOW);
    }
    let need = s.need(s.rung);
    let last = s.last();
    // Random loss drags the browser's estimate down with it (recorded: 30 %
    // loss, 3.4 Mbit/s → 84 kbit/s in 15 s), but following it down the
    // ladder costs a key frame per step, each one lost 30 % at a time, and
    // pausing turns a lossy picture into none (the far side froze 4.4 s):
    // while the receiver reports loss, and for LOSS_HOLD_MS after, the
    // ladder holds and the browser's own rate control (its target follows
    // its estimate under any cap) carries the loss. Unless a queue builds
    // too: that loss is congestion, and the ladder steps as usual.
    let random_loss = lossy_lately && !queued;
    let floor = if lossy_lately { last.saturating_sub(1) } else { last };
    if s.rung > floor {
        s.rung = floor;
        s.probe = None;
        s.over = 0;
        return;
    }
    let fits = |r: usize| s.need(r) * FIT <= budget;
    // The highest rung that fits (the floor always does).
    let mut best = 0;
    while best < floor && !fits(best) {
        best += 1;
    }
    if let Some(probe) = s.probe {
        // A probe is judged by what the link does with it, not by the
        // estimate alone: a step up makes Chromium probe the link with
        // padding at the new cap, and a shaper's burst lets that padding
        // through at line rate (recorded: a 1 Mbit/s tbf link "estimated"
        // at 3.7 Mbit/s a second after the step up). Overuse shows as a
        // queue (round-trip time up), loss, or the estimator backing off.
        // Backing off from its peak is the estimator's answer to the
        // padding: on a 1 Mbit/s link it rose to 3.5 Mbit/s and fell to
        // 0.87 within ~2 s of the step up (recorded), often before the
        // round trip showed the queue; from where it started, a retry's
        // estimate (~0.87 Mbit/s after the last refusal) hardly falls.
        let from_fits = fits(probe.from);
        let peak = probe.peak.max(budget);
        if let Some(p) = s.probe.as_mut() {
            p.peak = peak;
        }
        if lossy || queued || budget < PROBE_DROP * peak || !from_fits {
            s.rung = probe.from.max(best);
            failed_probe(s, now, probe, budget);
            return;
        }
        let elapsed = now.0.saturating_sub(probe.since.0);
        // A cap the encoder does not use tests nothing by being held.
        let idle_cap = probe
            .cap_bps
            .is_some_and(|cap| elapsed >= CAP_STAGE_MS && s.sent_bps < FIT * f64::from(cap));
        if elapsed < PROBE_MS && !idle_cap {
            return;
        }
        if probe.cap_bps.is_some() {
            s.idle_cap = idle_cap.then_some(probe.from);
        }
        // Backed: the link carried what the rung really sends (an encoder
        // sends what its picture needs, often far below the cap; the
        // estimate cannot grow far beyond what is sent, so the cap itself
        // may never be "covered") for the probe's time, without a queue.
        if s.sent_bps > budget {
            s.rung = probe.from;
            failed_probe(s, now, probe, budget);
            return;
        }
        if probe.cap_bps.is_some() {
            // The higher bitrate held (or the picture cannot use it): now
            // the picture, a key frame, judged as a probe of its own — an
            // encoder far below the raised cap has not shown the link can
            // carry the larger picture (recorded at 0.5 Mbit/s: 180p under
            // a 500k cap "held", 360p at 500k did not, every ~8 s).
            s.rung = probe.from.saturating_sub(1);
            s.probe =
                Some(Probe { since: now, peak: budget, cap_bps: None, picture: true, ..probe });
            s.changed_at = Some(now);
            return;
        }
        s.probe = None;
        s.backoff = None;
        s.retry = false;
        s.changed_at = Some(now);
        // The probe's time was good conditions: the next probe may start at
        // once when it costs no key frame (a cap raised first), one rung
        // per probe time on a link that came back.
        s.hold_ms = if s.bitrate_first(s.rung) { 0 } else { UP_HOLD_MS };
    }
    let starting = s.started.is_none_or(|t| now.0.saturating_sub(t.0) < STARTUP_MS);
    if best > s.rung && !starting && !random_loss {
        s.over += 1;
        let urgent = budget < need * FIT * 0.5;
        if s.over >= DOWN_SAMPLES || urgent {
            s.rung = best;
            s.over = 0;
            s.good_since = None;
            s.hold_ms = UP_HOLD_MS;
            s.retry = false;
            s.changed_at = Some(now);
        }
        return;
    }
    s.over = 0;
    // What the rung really sends: an encoder below its cap is not held back.
    let using = need.min(s.sent_bps.max(need * 0.25));
    // A probe whose first stage is a cap raised on one encoding costs no
    // key frame: it may come as soon as the estimate carries what the rung
    // sends, as a retry does (at a capped rung the estimate climbs ~50
    // kbit/s per second after the link comes back, and on the 1 Mbit/s
    // link it peaks near 1.2 Mbit/s: waiting for the 20 % margin took
    // 6.8 s to the plan in the bench, and tells the links apart no better).
    let margin = if s.retry || s.bitrate_first(s.rung) { RETRY_MARGIN } else { UP_MARGIN };
    if s.backoff.is_some_and(|b| !lossy_lately && !queued && budget >= BACKOFF_CLEAR * b.budget) {
        // The link clearly carries more than when it refused: probe soon.
        s.backoff = None;
        s.hold_ms = s.hold_ms.min(PROBE_RETRY_MS);
    }
    if s.rung == 0 || lossy_lately || queued || budget < using * margin {
        s.good_since = None;
        return;
    }
    let since = *s.good_since.get_or_insert(now);
    let held = s.changed_at.is_none_or(|t| now.0.saturating_sub(t.0) >= s.hold_ms);
    if held && now.0.saturating_sub(since.0) >= UP_CONFIRM_MS.min(s.hold_ms) {
        // A cap this picture's encoder did not use last time: straight to
        // the picture (the cap stage would only delay it).
        let cap_bps = s.cap_stage(s.rung, s.rung - 1).filter(|_| s.idle_cap != Some(s.rung));
        let picture = cap_bps.is_none() && !s.same_picture(s.rung, s.rung - 1);
        s.probe = Some(Probe {
            since: now,
            from: s.rung,
            peak: budget,
            cap_bps,
            picture,
            start_budget: budget,
        });
        if cap_bps.is_none() {
            s.rung -= 1;
        }
        s.good_since = None;
    }
}

fn failed_probe(s: &mut Sender, now: Millis, probe: Probe, budget: f64) {
    let from = probe.from;
    if probe.picture {
        let refusals = s.backoff.filter(|b| b.from == from).map_or(0, |b| b.refusals) + 1;
        s.backoff = Some(Backoff { from, refusals, budget: budget.max(probe.start_budget) });
    }
    s.probe = None;
    s.over = 0;
    // A cap refused on the picture it has keeps the short retry, unless
    // the rung's picture probes are backing off.
    s.hold_ms = s.backoff.filter(|b| b.from == from).map_or(PROBE_RETRY_MS, |b| b.wait_ms());
    s.retry = true;
    s.good_since = None;
    s.changed_at = Some(now);
}

/// The CPU level of one sender, for one sample.
fn step_cpu(s: &mut Sender, now: Millis) {
    if s.cpu_samples >= CPU_SAMPLES && s.cpu_level < MAX_CPU_LEVEL {
        // Straight back after a lift: that lift was too early.
        if s.cpu_lifted.is_some_and(|t| now.0.saturating_sub(t.0) < s.cpu_hold_ms) {
            s.cpu_hold_ms = (s.cpu_hold_ms * 2).min(4 * CPU_CLEAR_MS);
        }
        s.cpu_level += 1;
        s.cpu_samples = 0;
        s.cpu_lifted = None;
        return;
    }
    let clear_since = s.cpu_seen.map_or(0, |t| now.0.saturating_sub(t.0));
    let since_lift = s.cpu_lifted.map_or(u64::MAX, |t| now.0.saturating_sub(t.0));
    if s.cpu_level > 0 && clear_since >= s.cpu_hold_ms && since_lift >= s.cpu_hold_ms {
        s.cpu_level -= 1;
        s.cpu_lifted = Some(now);
    }
}

//! The ABR controller (`rtcroom::core::abr`) on stats traces recorded from
//! real Chromium (tests/core/fixtures/abr, by `node bench/abr.mjs record`:
//! a call through a tbf-shaped veth link, the controller off so the
//! browser's estimate is its own), parsed by the SDK's own parser, and
//! through a room.

use crate::room_world::{track, RoomConfig as WorldConfig, RoomWorld};
use rtcroom::core::abr::{ladder, Abr};
use rtcroom::core::encodings::{camera_encodings, EncodingParams, SourceSize, Topology};
use rtcroom::core::stats_parse::{parse, StatsEntry};
use rtcroom::core::{
    Millis, OutboundStats, PairStats, PeerInput, RoomInput, SenderId, StatsSnapshot, TrackKind,
    TrackSource,
};
use serde_json::Value;

pub(crate) const P720: SourceSize = SourceSize { width: 1280, height: 720 };
pub(crate) const VIDEO: SenderId = SenderId(0);
pub(crate) const AUDIO: SenderId = SenderId(1);

/// Sample `k` of a recorded trace replayed out of order: its send counters
/// continue from what `sent` has counted so far (each sender's bytes grow
/// by what they grew between samples `k - 1` and `k`), so the controller
/// sees a rate and never a counter going back.
pub(crate) fn continued(
    samples: &[(u64, StatsSnapshot)],
    k: usize,
    sent: &mut std::collections::HashMap<(TrackKind, Option<String>), u64>,
) -> StatsSnapshot {
    let (now, before) = (&samples[k].1, &samples[k - 1].1);
    let mut snap = now.clone();
    for o in &mut snap.outbound {
        let prev = before.outbound.iter().find(|p| p.kind == o.kind && p.mid == o.mid);
        let delta = o.bytes_sent.saturating_sub(prev.map_or(o.bytes_sent, |p| p.bytes_sent));
        let total = sent.entry((o.kind, o.mid.clone())).or_insert(o.bytes_sent);
        *total += delta;
        o.bytes_sent = *total;
    }
    snap
}

/// A `getStats()` entry as recorded JSON (shared with the other stats tests).
pub(crate) struct Entry<'a>(pub(crate) &'a Value);

impl StatsEntry for Entry<'_> {
    fn text(&self, key: &str) -> Option<String> {
        self.0.get(key)?.as_str().map(str::to_owned)
    }
    fn number(&self, key: &str) -> Option<f64> {
        self.0.get(key)?.as_f64().filter(|x| x.is_finite())
    }
    fn flag(&self, key: &str) -> Option<bool> {
        self.0.get(key)?.as_bool()
    }
}

pub(crate) struct Phase {
    pub(crate) name: String,
    pub(crate) mbit: f64,
    pub(crate) from: u64,
    pub(crate) to: u64,
}

pub(crate) struct Trace {
    pub(crate) phases: Vec<Phase>,
    pub(crate) samples: Vec<(u64, StatsSnapshot)>,
    /// A debug trace's `setParameters` calls on the camera that the browser
    /// took: (time, the cap of its encoding). Empty in a fixture without them.
    pub(crate) caps: Vec<(u64, u64)>,
}

pub(crate) fn trace(name: &str) -> Trace {
    trace_file(&format!("{}/tests/core/fixtures/abr/{name}.json", env!("CARGO_MANIFEST_DIR")))
}

/// A recorded trace: a fixture, or a debug trace written by `ABR_TRACE=dir
/// node bench/abr.mjs` (or the faults spec): the same shape.
fn trace_file(path: &str) -> Trace {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let v: Value = serde_json::from_str(&text).expect("fixture JSON");
    let phases = v["phases"]
        .as_array()
        .expect("phases")
        .iter()
        .map(|p| Phase {
            name: p["name"].as_str().expect("name").to_owned(),
            mbit: p["mbit"].as_f64().expect("mbit"),
            // The first phase begins a moment before its first sample.
            from: p["from_ms"].as_f64().expect("from").max(0.0) as u64,
            to: p["to_ms"].as_f64().expect("to").max(0.0) as u64,
        })
        .collect();
    let samples = v["samples"]
        .as_array()
        .expect("samples")
        .iter()
        .map(|s| {
            let entries: Vec<Entry> =
                s["stats"].as_array().expect("stats").iter().map(Entry).collect();
            (s["t_ms"].as_u64().expect("t_ms"), parse(&entries))
        })
        .collect();
    let caps = v["set_parameters"]
        .as_array()
        .map(|calls| {
            calls
                .iter()
                .filter(|c| c["kind"] == "video" && c["ok"] == true)
                // Key-frame restarts carry no cap.
                .filter_map(|c| {
                    Some((c["t_ms"].as_u64()?, c["encodings"][0]["maxBitrate"].as_u64()?))
                })
                .collect()
        })
        .unwrap_or_default();
    Trace { phases, samples, caps }
}

impl Trace {
    pub(crate) fn phase(&self, name: &str) -> &Phase {
        self.phases.iter().find(|p| p.name == name).unwrap_or_else(|| panic!("no phase {name}"))
    }
}

/// A decision: (time, the video sender's encodings, its rung and CPU level).
type Decision = (u64, Vec<EncodingParams>, (usize, u8));

/// Replays `trace` through a controller for one 720p camera (the plan a
/// mesh publishes) and one microphone, as the room sets them up.
fn replay(trace: &Trace) -> Vec<Decision> {
    let mut abr = Abr::new(true);
    abr.track(VIDEO, TrackKind::Video, TrackSource::Camera, Some(P720), &plan());
    abr.track(AUDIO, TrackKind::Audio, TrackSource::Microphone, None, &[]);
    let mut decisions = Vec::new();
    let explain = std::env::var_os("RTCROOM_ABR_EXPLAIN").is_some();
    let mut sent = (0, 0u64);
    for (t, snap) in &trace.samples {
        for o in &snap.outbound {
            if let Some(mid) = &o.mid {
                abr.set_mid(if o.kind == TrackKind::Video { VIDEO } else { AUDIO }, mid);
            }
        }
        abr.handle_snapshot(Millis(*t), snap);
        if explain {
            // The debug trace: what the controller saw and where it stands.
            let video = snap.outbound.iter().find(|o| o.kind == TrackKind::Video);
            let bytes = video.map_or(0, |o| o.bytes_sent);
            let kbps = (bytes.saturating_sub(sent.1) * 8).checked_div(t.saturating_sub(sent.0));
            sent = (*t, bytes);
            let phase = trace.phases.iter().rev().find(|p| *t >= p.from).map_or("", |p| &p.name);
            let pair = snap.pair.as_ref();
            let loss: Vec<_> = snap.remote_inbound.iter().filter_map(|r| r.fraction_lost).collect();
            eprintln!(
                "{t:>6} {phase:<9} avail {:>5} sent {:>5} h {:>4} {:<9} loss {loss:?} rtt {:?} -> {:?}",
                pair.and_then(|p| p.available_outgoing_bitrate).map_or(0, |a| a as u64 / 1000),
                kbps.unwrap_or(0),
                video.and_then(|o| o.frame_height).unwrap_or(0),
                video.and_then(|o| o.quality_limitation_reason.clone()).unwrap_or_default(),
                pair.and_then(|p| p.rtt_ms).map(|r| r as u64),
                abr.position(VIDEO),
            );
        }
        while let Some(d) = abr.poll_output() {
            assert_eq!(d.sender, VIDEO, "audio is never touched: {d:?}");
            let position = abr.position(VIDEO).expect("tracked");
            decisions.push((*t, d.encodings, position));
        }
    }
    decisions
}

pub(crate) fn plan() -> Vec<EncodingParams> {
    camera_encodings(P720, Topology::Mesh)
}

fn need(e: &[EncodingParams]) -> u32 {
    e.iter().filter(|e| e.active).map(|e| e.max_bitrate_bps).sum()
}

/// The rung in force at time `t` (0 before any decision).
fn rung_at(decisions: &[Decision], t: u64) -> usize {
    decisions.iter().take_while(|d| d.0 <= t).last().map_or(0, |d| d.2 .0)
}

/// The trace really is what its name says: the estimate follows the link.
fn assert_estimate_follows(trace: &Trace, phase: &str, below_bps: f64) {
    let p = trace.phase(phase);
    let low = trace.samples.iter().filter(|(t, _)| *t >= p.from && *t <= p.to).any(|(_, s)| {
        s.pair.as_ref().and_then(|x| x.available_outgoing_bitrate).is_some_and(|b| b < below_bps)
    });
    assert!(low, "the recorded estimate never fell below {below_bps} in {phase}");
}

#[test]
fn on_a_recorded_step_to_1_mbit_the_camera_steps_down_within_5_s_and_keeps_sending() {
    let t = trace("step");
    let low = t.phase("low");
    assert_eq!(low.mbit, 1.0);
    assert_estimate_follows(&t, "low", 1_000_000.0);
    let d = replay(&t);
    // Nothing to adapt on the 10 Mbit/s link before the step.
    let high = t.phase("high");
    assert!(d.iter().all(|x| x.0 > high.to), "decisions before the step: {:?}", d.first());
    let first = d.iter().find(|x| x.0 >= low.from).expect("a decision after the step");
    assert!(
        first.0 - low.from <= 5_000,
        "stepped down {} ms after the link did",
        first.0 - low.from
    );
    assert!(need(&first.1) < need(&plan()), "a step down: {:?}", first.1);
    // A 1 Mbit/s link carries video: it is never paused there.
    let during: Vec<_> = d.iter().filter(|x| x.0 >= low.from && x.0 <= low.to).collect();
    assert!(during.iter().all(|x| x.1.iter().any(|e| e.active)), "paused: {during:?}");
    let end = rung_at(&d, low.to);
    let rungs = ladder(&plan(), TrackSource::Camera, P720);
    let cap = need(&rungs[end].encodings);
    assert!(cap <= 1_000_000, "at the end of the 1 Mbit/s phase the cap is {cap}");
}

#[test]
fn on_a_recorded_recovery_to_10_mbit_the_camera_climbs_back_one_rung_at_a_time() {
    let t = trace("step");
    let rec = t.phase("recovered");
    let d = replay(&t);
    let low_rung = rung_at(&d, rec.from);
    assert!(low_rung > 0, "down before the recovery");
    let ups: Vec<_> = d.iter().filter(|x| x.0 > rec.from).collect();
    assert_eq!(rung_at(&d, rec.to), 0, "back to the full plan by the end: {ups:?}");
    // Up slowly: one rung per decision, never a jump.
    let mut rung = low_rung;
    for x in &ups {
        assert!(x.2 .0 + 1 >= rung, "jumped from rung {rung} to {}", x.2 .0);
        rung = x.2 .0;
    }
    assert_eq!(ups.last().map(|x| x.1.clone()), Some(plan()));
}

#[test]
fn on_a_recorded_oscillating_link_the_controller_does_not_flap() {
    let t = trace("oscillating");
    let d = replay(&t);
    let swings = t.phases.iter().filter(|p| p.name.starts_with("swing")).count();
    assert!(swings >= 8, "{swings} swings");
    assert_estimate_follows(&t, "swing0", 1_000_000.0);
    // A controller without hysteresis (the best rung for each sample's
    // budget) would change this often on the same trace.
    let rungs = ladder(&plan(), TrackSource::Camera, P720);
    let naive: Vec<usize> = t
        .samples
        .iter()
        .filter_map(|(_, s)| s.pair.as_ref()?.available_outgoing_bitrate)
        .map(|a| {
            let budget = a * rtcroom::core::abr::HEADROOM - rtcroom::core::abr::AUDIO_RESERVE_BPS;
            let fits = |r: &&rtcroom::core::abr::Rung| r.need() * rtcroom::core::abr::FIT <= budget;
            rungs.iter().position(|r| fits(&r)).unwrap_or(rungs.len() - 1)
        })
        .collect();
    let naive_changes = naive.windows(2).filter(|w| w[0] != w[1]).count();
    let positions: Vec<_> = d.iter().map(|x| (x.0, x.2)).collect();
    // What flapping costs is key frames: count the decisions that change
    // the picture (a cap raised or lowered on the same picture is cheap,
    // and bounded by the retry time below).
    let picture = |e: &[EncodingParams]| -> Vec<_> {
        e.iter().map(|e| (e.active, e.scale_resolution_down_by, e.max_framerate)).collect()
    };
    let mut before = picture(&plan());
    let mut pictures = 0;
    for x in &d {
        let now = picture(&x.1);
        pictures += usize::from(now != before);
        before = now;
    }
    assert!(
        pictures * 2 <= swings && pictures <= naive_changes,
        "{pictures} picture changes over {swings} swings (without hysteresis: {naive_changes}): {positions:?}"
    );
    // Never up again within the retry time of the last change (a probe
    // the link refuses is undone whenever the link answers).
    for w in d.windows(2) {
        if need(&w[1].1) > need(&w[0].1) {
            assert!(w[1].0 - w[0].0 >= rtcroom::core::abr::PROBE_RETRY_MS, "{positions:?}");
        }
    }
    // Down steps still happen on the first 1 Mbit/s swing.
    let s0 = t.phase("swing0");
    assert!(
        d.iter().any(|x| x.0 >= s0.from && x.0 <= s0.from + 5_000),
        "no step down on the first swing"
    );
}

#[test]
fn on_a_recorded_cpu_limit_the_camera_lowers_frame_rate_and_resolution_not_bitrate() {
    let t = trace("cpu");
    let cpu = t.phase("cpu");
    // Starved of CPU (a cgroup quota on the sender's browser), Chromium's
    // frame rate collapses while it says `none`: the trace shows it.
    let fps = |s: &StatsSnapshot| {
        s.outbound.iter().filter(|o| o.kind == TrackKind::Video).find_map(|o| o.frames_per_second)
    };
    let starved = t
        .samples
        .iter()
        .filter(|(at, s)| *at >= cpu.from && *at <= cpu.to && fps(s).is_some_and(|f| f < 12.0));
    assert!(starved.count() >= 3, "the trace shows the sender starved of CPU");
    let before = t.phase("free");
    let fine = t.samples.iter().filter(|(at, _)| *at >= before.from && *at <= before.to);
    assert!(fine.clone().all(|(_, s)| fps(s).is_some_and(|f| f >= 20.0)), "~30 fps before");
    let d = replay(&t);
    assert!(
        d.iter().all(|x| x.0 >= cpu.from),
        "nothing to adapt before the CPU limit: {:?}",
        d.first()
    );
    let first = d.iter().find(|x| x.0 >= cpu.from).expect("a CPU decision");
    assert!(first.2 .1 >= 1, "a CPU level, not a bandwidth rung: {:?}", first.2);
    assert_eq!(first.2 .0, 0, "the bandwidth rung stays");
    let (e, p) = (&first.1[0], &plan()[0]);
    assert_eq!(e.max_bitrate_bps, p.max_bitrate_bps, "bitrate untouched");
    assert!(
        e.max_framerate.is_some_and(|f| f <= 15.0)
            || e.scale_resolution_down_by > p.scale_resolution_down_by,
        "{e:?}"
    );
}

// ---- synthetic: the rules the traces may not reach ----

/// A snapshot with `available` bit/s estimated and the camera and
/// microphone having sent `video`/`audio` bytes so far.
pub(crate) fn sample(available: f64, video: u64, audio: u64, reason: &str) -> StatsSnapshot {
    let out = |kind, mid: &str, bytes| OutboundStats {
        kind,
        mid: Some(mid.into()),
        rid: None,
        bytes_sent: bytes,
        frame_width: Some(1280),
        frame_height: Some(720),
        frames_per_second: Some(30.0),
        active: Some(true),
        quality_limitation_reason: Some(reason.into()),
    };
    StatsSnapshot {
        pair: Some(PairStats { available_outgoing_bitrate: Some(available), ..Default::default() }),
        outbound: vec![out(TrackKind::Video, "1", video), out(TrackKind::Audio, "0", audio)],
        ..Default::default()
    }
}

pub(crate) fn controller() -> Abr {
    let mut abr = Abr::new(true);
    abr.track(VIDEO, TrackKind::Video, TrackSource::Camera, Some(P720), &plan());
    abr.track(AUDIO, TrackKind::Audio, TrackSource::Microphone, None, &[]);
    abr.set_mid(VIDEO, "1");
    abr.set_mid(AUDIO, "0");
    abr
}

/// Feeds `n` samples 400 ms apart from `t`, sending `rate` bit/s of video.
pub(crate) fn feed(
    abr: &mut Abr,
    t: &mut u64,
    bytes: &mut u64,
    n: usize,
    available: f64,
    rate: f64,
    reason: &str,
) -> Vec<(SenderId, Vec<EncodingParams>)> {
    let mut out = Vec::new();
    for _ in 0..n {
        *t += 400;
        *bytes += (rate * 0.4 / 8.0) as u64;
        abr.handle_snapshot(Millis(*t), &sample(available, *bytes, *t * 4, reason));
        while let Some(d) = abr.poll_output() {
            out.push((d.sender, d.encodings));
        }
    }
    out
}

#[test]
fn when_the_link_cannot_carry_audio_and_video_the_video_pauses_and_audio_is_untouched() {
    let mut abr = controller();
    let (mut t, mut b) = (0, 0);
    assert!(feed(&mut abr, &mut t, &mut b, 20, 3_000_000.0, 1_500_000.0, "none").is_empty());
    // 80 kbit/s: the microphone's reserve leaves video nothing worth sending.
    let d = feed(&mut abr, &mut t, &mut b, 10, 80_000.0, 60_000.0, "bandwidth");
    assert!(d.iter().all(|(s, _)| *s == VIDEO), "{d:?}");
    let last = d.last().expect("a decision");
    assert!(last.1.iter().all(|e| !e.active), "video paused: {last:?}");
}

#[test]
fn the_first_seconds_of_a_call_do_not_step_down_while_the_estimate_ramps_up() {
    let mut abr = controller();
    let (mut t, mut b) = (0, 0);
    // Chromium starts its estimate at ~300 kbit/s and probes up.
    let d = feed(&mut abr, &mut t, &mut b, 10, 300_000.0, 300_000.0, "bandwidth");
    assert!(d.is_empty(), "{d:?}");
    let d = feed(&mut abr, &mut t, &mut b, 5, 2_500_000.0, 1_500_000.0, "none");
    assert!(d.is_empty(), "{d:?}");
}

/// `snap` with the receiver reporting no loss and `rtt_ms` round trip.
pub(crate) fn with_rtt(mut snap: StatsSnapshot, rtt_ms: f64) -> StatsSnapshot {
    snap.remote_inbound = vec![rtcroom::core::RemoteInboundStats {
        kind: TrackKind::Video,
        fraction_lost: Some(0.0),
        rtt_ms: Some(rtt_ms),
        jitter_ms: None,
    }];
    snap
}

/// A link that carries the rung `fits` and below: the controller sees
/// `available` and a 2 ms round trip there; above it (a probe up) the link
/// queues (round trip +100 ms) and the estimate backs off to `overused`.
/// Returns the times of the steps up.
fn probe_against(
    abr: &mut Abr,
    t: &mut u64,
    bytes: &mut u64,
    n: usize,
    (available, rate): (f64, f64),
    fits: usize,
    overused: f64,
) -> Vec<(u64, u64)> {
    let mut ups = Vec::new();
    let mut up_since = None;
    for _ in 0..n {
        let rung = abr.position(VIDEO).expect("tracked").0;
        let over = rung < fits;
        *t += 400;
        *bytes += (rate * 0.4 / 8.0) as u64;
        let (a, rtt) = if over { (overused, 102.0) } else { (available, 2.0) };
        abr.handle_snapshot(Millis(*t), &with_rtt(sample(a, *bytes, *t * 4, "none"), rtt));
        while abr.poll_output().is_some() {}
        let now = abr.position(VIDEO).expect("tracked").0;
        if now < rung {
            up_since = Some(*t);
        }
        if let (Some(since), true) = (up_since, now >= fits) {
            ups.push((since, *t - since));
            up_since = None;
        }
    }
    ups
}

/// A link that came back shows nothing until a probe, so the wait between
/// probes bounds the recovery: a refused probe is retried after
/// `PROBE_RETRY_MS`, not after a doubled hold (4 → 8 → 16 s before). This
/// one raises the cap on the picture being sent (720p 900k → the plan's
/// 1.7M: no key frame); a probe that changes the picture backs off
/// (tests/core/abr_backoff.rs).
#[test]
fn a_refused_probe_is_retried_after_the_retry_time_and_each_retry_is_undone_at_once() {
    let mut abr = controller();
    let (mut t, mut b) = (0, 0);
    let _ = feed(&mut abr, &mut t, &mut b, 15, 3_000_000.0, 1_500_000.0, "none");
    // Down to the 900k rung (540k fits) on an 800k estimate.
    let d = feed(&mut abr, &mut t, &mut b, 3, 800_000.0, 500_000.0, "bandwidth");
    assert_eq!(d.len(), 1, "{d:?}");
    let down = abr.position(VIDEO).expect("tracked").0;
    // The estimate says 800k while 500k is sent: room for a probe, which the
    // link answers with a queue.
    let probes =
        probe_against(&mut abr, &mut t, &mut b, 150, (800_000.0, 500_000.0), down, 700_000.0);
    assert!(probes.len() >= 8, "probes at {probes:?}");
    assert!(
        probes.iter().all(|p| p.1 <= 800),
        "each undone at the first queued sample: {probes:?}"
    );
    let gaps: Vec<u64> = probes.windows(2).map(|w| w[1].0 - w[0].0).collect();
    let retry = rtcroom::core::abr::PROBE_RETRY_MS;
    assert!(
        gaps.iter().all(|g| *g >= retry && *g <= retry + 1_200),
        "a retry every {retry} ms (+ the refusal, + one sample): {gaps:?}"
    );
    assert_eq!(abr.position(VIDEO).expect("tracked").0, down, "back on the rung that fits");
}

#[test]
fn turned_off_the_controller_decides_nothing() {
    let mut abr = Abr::new(false);
    abr.track(VIDEO, TrackKind::Video, TrackSource::Camera, Some(P720), &plan());
    let (mut t, mut b) = (0, 0);
    assert!(feed(&mut abr, &mut t, &mut b, 30, 100_000.0, 100_000.0, "cpu").is_empty());
}

// ---- through a room ----

/// Two clients, client 0's camera (720p) published and negotiated.
fn call(adaptive_bitrate: bool) -> (RoomWorld, String, SenderId) {
    let mut w = RoomWorld::new(WorldConfig { adaptive_bitrate, ..WorldConfig::default() }, 2);
    w.join(0);
    w.join(1);
    w.run();
    let mut cam = track("cam0", TrackKind::Video, TrackSource::Camera);
    cam.size = Some(P720);
    w.publish(0, cam).unwrap();
    w.run();
    let peer = w.clients[1].id().to_owned();
    let (sender, encodings) = w.clients[0]
        .encodings
        .iter()
        .find(|((p, _), _)| *p == peer)
        .map(|((_, s), e)| (*s, e.0.clone()))
        .expect("the camera's sender");
    assert_eq!(encodings, plan(), "the camera is sent with the mesh plan");
    (w, peer, sender)
}

fn stats(w: &mut RoomWorld, peer: &str, available: f64, video: u64) {
    let generation = w.clients[0].core.generation(peer).expect("connected");
    let mut snap = sample(available, video, 0, "none");
    snap.outbound.truncate(1);
    snap.outbound[0].mid = None;
    let input = PeerInput::Stats(snap);
    w.input(0, RoomInput::Peer { peer: peer.to_owned(), generation, input }).unwrap();
}

#[test]
fn a_room_applies_the_controllers_decisions_to_the_cameras_sender_unless_turned_off() {
    for adaptive in [true, false] {
        let (mut w, peer, sender) = call(adaptive);
        let mut bytes = 0;
        for k in 0..40 {
            let available = if k < 15 { 3_000_000.0 } else { 600_000.0 };
            bytes += if k < 15 { 75_000 } else { 25_000 };
            stats(&mut w, &peer, available, bytes);
            w.run_to(w.now() + 400);
        }
        let (encodings, sets) = w.clients[0].encodings[&(peer.clone(), sender)].clone();
        if adaptive {
            assert!(sets >= 1 && need(&encodings) < need(&plan()), "{sets}: {encodings:?}");
        } else {
            assert_eq!((sets, encodings), (0, plan()), "off: the plan stays");
        }
    }
}

#[test]
fn a_camera_published_again_on_the_reused_sender_starts_from_its_plan() {
    let (mut w, peer, sender) = call(true);
    let mut bytes = 0;
    for k in 0..30 {
        let available = if k < 15 { 3_000_000.0 } else { 600_000.0 };
        bytes += 50_000;
        stats(&mut w, &peer, available, bytes);
        w.run_to(w.now() + 400);
    }
    let lowered = w.clients[0].encodings[&(peer.clone(), sender)].clone();
    assert!(need(&lowered.0) < need(&plan()), "stepped down first: {lowered:?}");
    w.unpublish(0, "cam0").unwrap();
    w.run();
    let mut cam = track("cam1", TrackKind::Video, TrackSource::Camera);
    cam.size = Some(P720);
    w.publish(0, cam).unwrap();
    w.run();
    assert_eq!(w.clients[0].core.sender_count(&peer), Some(1), "the idle sender is reused");
    let (encodings, sets) = w.clients[0].encodings[&(peer, sender)].clone();
    assert_eq!((encodings, sets), (plan(), lowered.1 + 1), "the new track's plan, set once");
}

/// `snap` with the receiver reporting `fraction` of the video lost.
fn with_loss(mut snap: StatsSnapshot, fraction: f64) -> StatsSnapshot {
    snap.remote_inbound = vec![rtcroom::core::RemoteInboundStats {
        kind: TrackKind::Video,
        fraction_lost: Some(fraction),
        rtt_ms: Some(40.0),
        jitter_ms: None,
    }];
    snap
}

/// Random loss (a lossy radio link, the faults tier's 30 %) is not
/// congestion: stepping down would not lose fewer packets, and at one rung
/// per loss report the video would end paused (it did, before this rule).
#[test]
fn loss_reported_by_the_receiver_stops_probing_up_but_does_not_step_down() {
    let mut abr = controller();
    let (mut t, mut b) = (0, 0);
    let _ = feed(&mut abr, &mut t, &mut b, 15, 3_000_000.0, 1_500_000.0, "none");
    // Down to the 900k rung on an 800k estimate, where probing would start.
    let _ = feed(&mut abr, &mut t, &mut b, 3, 800_000.0, 500_000.0, "bandwidth");
    assert_eq!(abr.position(VIDEO), Some((1, 0)));
    let mut decisions = Vec::new();
    for _ in 0..100 {
        t += 400;
        b += 25_000;
        let snap = with_loss(sample(800_000.0, b, t * 4, "none"), 0.3);
        abr.handle_snapshot(Millis(t), &snap);
        decisions.extend(std::iter::from_fn(|| abr.poll_output()));
    }
    assert!(decisions.is_empty(), "40 s of 30 % loss: {decisions:?}");
    assert_eq!(abr.position(VIDEO), Some((1, 0)), "neither down nor up");
}

#[test]
fn while_a_lost_path_is_recovered_the_controller_holds_its_decisions() {
    let (mut w, peer, sender) = call(true);
    let mut bytes = 0;
    for _ in 0..15 {
        bytes += 75_000;
        stats(&mut w, &peer, 3_000_000.0, bytes);
        w.run_to(w.now() + 400);
    }
    let before = w.clients[0].encodings[&(peer.clone(), sender)].clone();
    // The path dies: recovery takes over (`participant-state reconnecting`).
    w.blackhole(0, 1, true);
    let ok = w.run_until(w.now() + 10_000, |w| {
        w.clients[0]
            .core
            .session(w.clients[1].id())
            .is_some_and(|s| s.state() == rtcroom::core::PeerState::Reconnecting)
    });
    assert!(ok, "recovery started");
    for _ in 0..10 {
        stats(&mut w, &peer, 50_000.0, bytes);
        w.run_to(w.now() + 100);
    }
    assert_eq!(w.clients[0].encodings[&(peer, sender)], before, "nothing decided on a dead path");
}

/// The faults tier's 30 % loss dragged Chromium's estimate below the lowest
/// rung and the controller paused the video: a 4.4 s freeze at the far side
/// where the browser alone keeps sending. Under reported loss (without a
/// queue) the ladder holds: the video is never paused, nor stepped down.
#[test]
fn a_lossy_link_whose_estimate_collapses_holds_the_ladder_and_never_pauses() {
    let mut abr = controller();
    let (mut t, mut b) = (0, 0);
    let _ = feed(&mut abr, &mut t, &mut b, 20, 3_000_000.0, 1_500_000.0, "none");
    let mut decisions = Vec::new();
    for _ in 0..50 {
        t += 400;
        b += 4_000;
        let snap = with_loss(sample(80_000.0, b, t * 4, "bandwidth"), 0.3);
        abr.handle_snapshot(Millis(t), &snap);
        decisions.extend(std::iter::from_fn(|| abr.poll_output()));
    }
    assert!(decisions.is_empty(), "20 s of 30 % loss: {decisions:?}");
}

/// The faults tier's 1 Mbit/s phase: Chromium's estimate sat around 1.1–1.2
/// Mbit/s, where the 1.7 Mbit/s plan still "fits" (60 % of its cap), so a
/// probe back up was judged backed and the step down was undone on the slow
/// link itself. A probe is judged by what the link does with it: a queue
/// (round trip up) or the estimate backing off undoes it at once.
#[test]
fn a_probe_up_on_a_link_just_above_the_lower_rung_is_undone() {
    let mut abr = controller();
    let (mut t, mut b) = (0, 0);
    let _ = feed(&mut abr, &mut t, &mut b, 20, 3_000_000.0, 1_500_000.0, "none");
    // The drop: the estimate falls first, the controller steps down...
    let _ = feed(&mut abr, &mut t, &mut b, 5, 700_000.0, 700_000.0, "bandwidth");
    assert!(abr.position(VIDEO).is_some_and(|(rung, _)| rung > 0), "stepped down");
    // ...then climbs a little above the link while the rung sends less.
    let probes =
        probe_against(&mut abr, &mut t, &mut b, 75, (1_250_000.0, 750_000.0), 1, 850_000.0);
    assert!(probes.iter().all(|p| p.1 <= 800), "each probe undone at once: {probes:?}");
    let (rung, _) = abr.position(VIDEO).expect("the camera");
    assert!(rung > 0, "30 s on a 1 Mbit/s link must not end on the 1.7 Mbit/s plan");
}

/// Debugging aid, not a check: replays the trace file named by
/// `RTCROOM_ABR_TRACE_FILE` (written by `ABR_TRACE=dir`) with the
/// decision trace on (`RTCROOM_ABR_EXPLAIN=1`), `--ignored --nocapture`.
#[test]
#[ignore = "a debugging aid: needs RTCROOM_ABR_TRACE_FILE"]
fn replay_a_recorded_trace_file() {
    let Some(path) = std::env::var_os("RTCROOM_ABR_TRACE_FILE") else { return };
    let t = trace_file(&path.to_string_lossy());
    for d in replay(&t) {
        eprintln!("decision at {} ms: rung {:?} {:?}", d.0, d.2, d.1);
    }
}

/// Recorded with the controller before this fix (ABR on, `probe.json`: the
/// SDK's own getStats() reports, 40 s at 1 Mbit/s): after the step down the
/// browser's estimate climbs above the link while the lower rung sends less
/// (nothing queues), so a probe up comes; the step up makes Chromium probe
/// the link with padding, which the shaper's burst lets through (estimate
/// 1.2 → 3.5 Mbit/s on the 1 Mbit/s link), and the old rule (judged only
/// after 4 s, by the estimate against the cap) sat on the plan for the
/// whole probe time: the CI runs' "back to the plan at 1 Mbit/s". The link
/// answers within ~2.5 s (the estimate backs off to 0.87 Mbit/s): the
/// probe is undone at the next sample. (A replay is faithful only where the
/// controller probes when the recorded one did: the recorded link answers
/// what was sent then, not a probe at another time.)
#[test]
fn on_a_recorded_1_mbit_link_a_probe_up_is_undone_as_soon_as_the_link_answers() {
    let t = trace("probe");
    let low = t.phase("low");
    assert_eq!(low.mbit, 1.0);
    let available = |at: u64| {
        t.samples
            .iter()
            .take_while(|(x, _)| *x <= at)
            .last()
            .and_then(|(_, s)| s.pair.as_ref()?.available_outgoing_bitrate)
            .unwrap_or(0.0)
    };
    let d = replay(&t);
    let mut answered = 0;
    for (k, up) in d.iter().enumerate().skip(1) {
        if up.0 <= low.from || up.0 >= low.to || up.2 .0 >= d[k - 1].2 .0 {
            continue;
        }
        // The link's answer: the estimate backing off below where it was.
        let start = available(up.0);
        let Some(answer) = t
            .samples
            .iter()
            .find(|(x, s)| {
                *x > up.0
                    && *x < low.to
                    && s.pair
                        .as_ref()
                        .and_then(|p| p.available_outgoing_bitrate)
                        .is_some_and(|a| a < 0.85 * start)
            })
            .map(|(x, _)| *x)
        else {
            continue;
        };
        answered += 1;
        let undone = d.get(k + 1).expect("a probe the link refused is undone");
        assert!(undone.2 .0 > up.2 .0, "the next decision steps back down: {undone:?}");
        assert!(
            undone.0 <= answer + 500,
            "a probe at 1 Mbit/s held the plan {} ms after the link answered",
            undone.0 - answer
        );
    }
    assert!(answered >= 1, "the trace shows the link refusing a probe: {d:?}");
    // Back to the plan after the link returns.
    assert_eq!(rung_at(&d, t.phase("recovered").to), 0);
}

/// Recorded with the controller before this fix (ABR on, `loss.json`: 30 %
/// random loss both ways for 20 s, the faults tier's loss spec): Chromium's
/// loss-based estimate fell 3.4 Mbit/s → 84 kbit/s, the controller followed
/// it down five rungs (a key frame each, lost 30 % at a time) to the paused
/// one, toggled pause ↔ lowest rung on receiver reports that read 0 while
/// little was sent, and stayed paused 4.4 s after the loss ended. Once the
/// receiver reports the loss, the ladder holds.
#[test]
fn on_a_recorded_30_percent_loss_the_ladder_holds_once_loss_is_reported_and_never_pauses() {
    let t = trace("loss");
    let lossy = t.phase("lossy");
    let reported = t
        .samples
        .iter()
        .find(|(at, s)| {
            *at >= lossy.from
                && s.remote_inbound
                    .iter()
                    .any(|r| r.kind == TrackKind::Video && r.fraction_lost.is_some_and(|f| f > 0.2))
        })
        .map(|(at, _)| *at)
        .expect("the receiver reports the loss");
    assert!(reported - lossy.from < 5_000, "reported {} ms into the loss", reported - lossy.from);
    let d = replay(&t);
    assert!(d.iter().all(|x| x.1.iter().any(|e| e.active)), "never paused: {d:?}");
    let after: Vec<_> = d.iter().filter(|x| x.0 >= reported).collect();
    assert!(after.is_empty(), "decisions after the loss was reported: {after:?}");
}

// ---- a recorded link: stretches of a real trace, by link and rung ----

/// The link of a recorded trace (`recovery.json`: real Chromium with the
/// controller on, 10 → 1 → 10 Mbit/s, every `setParameters` call kept) cut
/// into stretches by what the link and the recorded controller were doing,
/// replayed by what the controller under test does: on the 1 Mbit/s link at
/// the lower rung, a step up (the recorded probe the link refused: the
/// estimate inflated by Chromium's padding, then backing off), the stretch
/// after that refusal; on the 10 Mbit/s link at the lower rung, and at the
/// plan after the recorded probe there was backed. Byte counters are
/// re-accumulated from the recorded deltas, so rates are the recorded ones.
struct RecordedLink<'a> {
    samples: &'a [(u64, StatsSnapshot)],
    slow_low: Vec<usize>,
    slow_probe: Vec<usize>,
    slow_after: Vec<usize>,
    fast_low: Vec<usize>,
    fast_high: Vec<usize>,
    /// (stretch, position in it).
    at: (Stretch, usize),
    sent: std::collections::HashMap<(TrackKind, Option<String>), u64>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Stretch {
    SlowLow,
    SlowProbe,
    SlowAfter,
    FastLow,
    FastHigh,
}

impl<'a> RecordedLink<'a> {
    /// The stretches of `t`, and the index of the sample where the recorded
    /// controller had stepped down on the slow link.
    fn new(t: &'a Trace) -> (Self, usize) {
        let plan = u64::from(need(&plan()));
        let (low, rec) = (t.phase("low"), t.phase("recovered"));
        let change = |after: u64, to_plan: bool| {
            t.caps.iter().find(|c| c.0 > after && (c.1 == plan) == to_plan).map(|c| c.0)
        };
        let down = change(low.from, false).expect("a recorded step down at 1 Mbit/s");
        let probe = change(down, true).expect("a recorded probe at 1 Mbit/s");
        let refused = change(probe, false).expect("the link refused it");
        let next = change(refused, true).expect("a later probe");
        assert!(next < low.to, "the recorded refusal is followed by a probe at 1 Mbit/s");
        let rec_probe = change(rec.from, true).expect("a recorded probe at 10 Mbit/s");
        let idx = |f: &dyn Fn(u64) -> bool| -> Vec<usize> {
            (1..t.samples.len()).filter(|k| f(t.samples[*k].0)).collect()
        };
        let link = RecordedLink {
            samples: &t.samples,
            slow_low: idx(&|x| x > down + 2_000 && x <= probe),
            slow_probe: idx(&|x| x > probe && x <= refused),
            slow_after: idx(&|x| x > refused && x <= next),
            fast_low: idx(&|x| x >= rec.from && x <= rec_probe),
            fast_high: idx(&|x| x > rec_probe + 800 && x <= rec.to),
            at: (Stretch::SlowLow, 0),
            sent: Default::default(),
        };
        for s in
            [&link.slow_low, &link.slow_probe, &link.slow_after, &link.fast_low, &link.fast_high]
        {
            assert!(s.len() >= 4, "a recorded stretch of {} samples", s.len());
        }
        let start = t.samples.iter().position(|s| s.0 > down + 2_000).expect("samples");
        (link, start)
    }

    fn stretch(&self, s: Stretch) -> &[usize] {
        match s {
            Stretch::SlowLow => &self.slow_low,
            Stretch::SlowProbe => &self.slow_probe,
            Stretch::SlowAfter => &self.slow_after,
            Stretch::FastLow => &self.fast_low,
            Stretch::FastHigh => &self.fast_high,
        }
    }

    /// The next sample of a link that is `fast` or not, with the
    /// controller at the plan (`at_plan`) or below it.
    fn next(&mut self, fast: bool, at_plan: bool) -> StatsSnapshot {
        let (cur, k) = self.at;
        let want = match (fast, at_plan, cur) {
            (false, true, _) => Stretch::SlowProbe,
            (false, false, Stretch::SlowProbe | Stretch::SlowAfter) => Stretch::SlowAfter,
            (false, false, _) => Stretch::SlowLow,
            (true, false, _) => Stretch::FastLow,
            (true, true, _) => Stretch::FastHigh,
        };
        let len = self.stretch(want).len();
        let k = match (want == cur, want) {
            (false, _) => 0,
            // A probe the controller keeps: the link stays refusing.
            (true, Stretch::SlowProbe) => (k + 1).min(len - 1),
            // After the refusal, the slow link's steady state.
            (true, Stretch::SlowAfter) if k + 1 == len => {
                self.at = (Stretch::SlowLow, 0);
                return self.emit(self.slow_low[0]);
            }
            (true, _) => (k + 1) % len,
        };
        self.at = (want, k);
        self.emit(self.stretch(want)[k])
    }

    fn emit(&mut self, k: usize) -> StatsSnapshot {
        continued(self.samples, k, &mut self.sent)
    }
}

/// What a controller does on the recorded link when it comes back `after`
/// ms into the slow stretch: (ms from the link's return to the plan, ms at
/// the plan on the slow link, number of steps up on it).
fn recover_on_recorded_link(t: &Trace, after: u64) -> (u64, u64, usize) {
    let (mut link, start) = RecordedLink::new(t);
    let mut abr = Abr::new(true);
    abr.track(VIDEO, TrackKind::Video, TrackSource::Camera, Some(P720), &plan());
    abr.track(AUDIO, TrackKind::Audio, TrackSource::Microphone, None, &[]);
    abr.set_mid(VIDEO, "1");
    abr.set_mid(AUDIO, "0");
    // The recorded call up to its step down at 1 Mbit/s, as it was.
    for (at, snap) in &t.samples[..start] {
        abr.handle_snapshot(Millis(*at), snap);
        while abr.poll_output().is_some() {}
    }
    assert!(abr.position(VIDEO).is_some_and(|p| p.0 > 0), "stepped down on the recorded drop");
    let mut now = t.samples[start - 1].0;
    let back = now + after;
    let (mut at_plan_ms, mut ups, mut recovered) = (0, 0, None);
    while now < back + 20_000 {
        now += 400;
        let fast = now >= back;
        let before = abr.position(VIDEO).expect("tracked").0;
        let snap = link.next(fast, before == 0);
        abr.handle_snapshot(Millis(now), &snap);
        while abr.poll_output().is_some() {}
        let rung = abr.position(VIDEO).expect("tracked").0;
        if !fast {
            at_plan_ms += if rung == 0 { 400 } else { 0 };
            ups += usize::from(rung == 0 && before > 0);
        }
        if fast && rung == 0 && recovered.is_none() {
            recovered = Some(now - back);
        }
        if fast && rung > 0 {
            recovered = None;
        }
    }
    (recovered.unwrap_or(u64::MAX), at_plan_ms, ups)
}

/// bench abr_step (before this rule): back to 720p 3.6–12.4 s after the
/// link returned, because each probe the slow link refused doubled the wait
/// (4 → 8 → 16 s) and at the lower rung Chromium's estimate reads the same
/// on both links. Wherever the link comes back, the controller is on its
/// plan within 4 s (the receiver sees 720p ~1 s later), and stays there.
#[test]
fn on_a_recorded_link_that_comes_back_the_camera_is_back_on_its_plan_within_4_s() {
    let t = trace("recovery");
    let mut worst = (0, 0);
    for after in (0..=24_000).step_by(400) {
        let (ms, _, _) = recover_on_recorded_link(&t, after);
        if std::env::var_os("RTCROOM_ABR_EXPLAIN").is_some() {
            eprintln!("link back {after} ms into the slow stretch: plan {ms} ms later");
        }
        if ms > worst.0 {
            worst = (ms, after);
        }
    }
    assert!(
        worst.0 <= 4_000,
        "{} ms back to the plan when the link came back {} ms into the slow stretch",
        worst.0,
        worst.1
    );
}

/// The price of probing that often on the slow link: each probe is one rung,
/// undone when the recorded link refused it (~2 s), then the rung that fits
/// for the retry time; 24 s on the recorded 1 Mbit/s link stay under the
/// link's rate most of the time.
#[test]
fn on_a_recorded_slow_link_the_camera_probes_every_few_seconds_mostly_below_the_link() {
    let t = trace("recovery");
    let (_, at_plan_ms, ups) = recover_on_recorded_link(&t, 24_000);
    assert!(ups >= 3, "{ups} probes in 24 s");
    assert!(at_plan_ms * 5 <= 24_000 * 2, "{at_plan_ms} ms of 24 s above the link ({ups} probes)");
}

// ---- the capped rung: a camera's first step is its bitrate ----

/// The resolutions a controller's decisions asked for (`scaleResolutionDownBy`
/// of the first encoding), in order.
fn scales(d: &[(SenderId, Vec<EncodingParams>)]) -> Vec<f64> {
    d.iter().filter_map(|(_, e)| e.first().map(|e| e.scale_resolution_down_by)).collect()
}

/// bench abr_step: a step down to 480p and each probe back to 720p on the
/// 1 Mbit/s link are key frames, which the slow link delivers late (the
/// ABR-on call froze more there than the browser alone, which stays at 720p
/// under its own estimate). The rung below a camera's plan is the plan's
/// resolution at the next smaller picture's bitrate.
#[test]
fn below_its_plan_a_camera_keeps_its_resolution_at_the_next_pictures_bitrate() {
    let rungs = ladder(&plan(), TrackSource::Camera, P720);
    let (top, capped) = (&rungs[0].encodings[0], &rungs[1].encodings[0]);
    assert_eq!(capped.scale_resolution_down_by, top.scale_resolution_down_by, "{capped:?}");
    assert_eq!(capped.max_framerate, top.max_framerate);
    assert_eq!(capped.max_bitrate_bps, 900_000, "960x540's bitrate: {capped:?}");
    // Below it, smaller pictures, each cheaper than the one before.
    let below: Vec<_> =
        rungs[2..].iter().filter(|r| r.encodings.iter().any(|e| e.active)).collect();
    assert!(below[0].encodings[0].scale_resolution_down_by > top.scale_resolution_down_by);
    for w in rungs.windows(2) {
        assert!(w[1].need() < w[0].need() || !w[1].encodings[0].active, "{rungs:?}");
    }
}

#[test]
fn on_a_1_mbit_estimate_the_camera_steps_down_by_its_cap_not_its_resolution() {
    let mut abr = controller();
    let (mut t, mut b) = (0, 0);
    let _ = feed(&mut abr, &mut t, &mut b, 15, 3_000_000.0, 1_050_000.0, "none");
    // A 1 Mbit/s link: Chromium's estimate ~0.85 Mbit/s.
    let d = feed(&mut abr, &mut t, &mut b, 5, 850_000.0, 800_000.0, "bandwidth");
    assert_eq!(d.len(), 1, "one decision: {d:?}");
    let e = &d[0].1[0];
    assert_eq!(e.scale_resolution_down_by, plan()[0].scale_resolution_down_by, "{e:?}");
    assert!(e.max_bitrate_bps < plan()[0].max_bitrate_bps && e.max_bitrate_bps <= 900_000, "{e:?}");
    // Far below (400 kbit/s), the picture shrinks too.
    let d = feed(&mut abr, &mut t, &mut b, 5, 400_000.0, 350_000.0, "bandwidth");
    assert!(scales(&d).iter().any(|s| *s > 1.0), "{d:?}");
}

/// The probe back up from the capped rung raises the cap only: the slow
/// link refuses it (a queue, the estimate backing off) and the cap comes
/// back down, and the resolution never changed — no key frame either way.
#[test]
fn probes_on_a_slow_link_from_the_capped_rung_change_only_the_bitrate() {
    let mut abr = controller();
    let (mut t, mut b) = (0, 0);
    let _ = feed(&mut abr, &mut t, &mut b, 15, 3_000_000.0, 1_050_000.0, "none");
    let _ = feed(&mut abr, &mut t, &mut b, 5, 850_000.0, 800_000.0, "bandwidth");
    assert_eq!(abr.position(VIDEO), Some((1, 0)), "on the capped rung");
    let mut seen = Vec::new();
    let mut probes = 0;
    for k in 0..75 {
        let rung = abr.position(VIDEO).expect("tracked").0;
        t += 400;
        b += (800_000.0 * 0.4 / 8.0) as u64;
        // The estimate climbs above the link while the cap holds the rate
        // under it; above the link (the plan's cap) it queues and backs off.
        let (a, rtt) =
            if rung == 0 { (850_000.0, 102.0) } else { (1_300_000.0 + f64::from(k % 3), 2.0) };
        abr.handle_snapshot(Millis(t), &with_rtt(sample(a, b, t * 4, "none"), rtt));
        while let Some(d) = abr.poll_output() {
            seen.push((d.sender, d.encodings));
        }
        probes += usize::from(abr.position(VIDEO).expect("tracked").0 < rung);
    }
    assert!(probes >= 5, "{probes} probes in 30 s: {seen:?}");
    assert!(scales(&seen).iter().all(|s| *s == 1.0), "a resolution changed: {seen:?}");
    assert_eq!(abr.position(VIDEO).expect("tracked").0, 1, "back on the capped rung");
}

/// Feeds samples 400 ms apart until `until`, the link answering what the
/// last decision asks: at or below `link_bps` of cap the estimate reads
/// `available` and the round trip 2 ms; above it the link queues (round
/// trip +100 ms) and the estimate backs off to `link_bps`. Returns every
/// decision with its time.
fn on_link(
    abr: &mut Abr,
    t: &mut u64,
    bytes: &mut u64,
    until: u64,
    (available, rate): (f64, f64),
    link_bps: u32,
) -> Vec<(u64, EncodingParams)> {
    let mut seen: Vec<(u64, EncodingParams)> = Vec::new();
    let mut cap = abr.applied(VIDEO).and_then(|e| e.first()).map_or(0, |e| e.max_bitrate_bps);
    while *t < until {
        *t += 400;
        *bytes += (rate * 0.4 / 8.0) as u64;
        let (a, rtt) = if cap > link_bps { (f64::from(link_bps), 102.0) } else { (available, 2.0) };
        abr.handle_snapshot(Millis(*t), &with_rtt(sample(a, *bytes, *t * 4, "none"), rtt));
        while let Some(d) = abr.poll_output() {
            if let Some(e) = d.encodings.first() {
                cap = e.max_bitrate_bps;
                seen.push((*t, *e));
            }
        }
    }
    seen
}

/// Down to a smaller picture (360p at 500k), the probe back up first raises
/// the cap on the picture it has, and changes the picture (a key frame)
/// once the link carried that rate for the probe's time — or, when the
/// encoder leaves the raised cap unused (360p needs ~500k, recorded), after
/// [`CAP_STAGE_MS`](rtcroom::core::abr::CAP_STAGE_MS): holding it longer
/// tests nothing. The picture is then judged as a probe of its own.
#[test]
fn a_probe_up_to_a_larger_picture_raises_the_cap_first_then_changes_the_picture() {
    use rtcroom::core::abr::{CAP_STAGE_MS, PROBE_MS};
    // (what 360p sends under the raised cap, how long the cap holds alone)
    for (rate, cap_ms) in [(600_000.0, PROBE_MS), (480_000.0, CAP_STAGE_MS)] {
        let mut abr = controller();
        let (mut t, mut b) = (0, 0);
        let _ = feed(&mut abr, &mut t, &mut b, 15, 3_000_000.0, 1_050_000.0, "none");
        let d = feed(&mut abr, &mut t, &mut b, 5, 450_000.0, 300_000.0, "bandwidth");
        let down = d.last().map(|x| x.1[0]).expect("a step down");
        assert_eq!((down.scale_resolution_down_by, down.max_bitrate_bps), (2.0, 500_000), "{d:?}");
        let until = t + 20_000;
        let ups = on_link(&mut abr, &mut t, &mut b, until, (2_000_000.0, rate), u32::MAX);
        let steps: Vec<_> =
            ups.iter().map(|(_, e)| (e.scale_resolution_down_by, e.max_bitrate_bps)).collect();
        assert_eq!(
            steps,
            [(2.0, 900_000), (1.0, 900_000), (1.0, 1_700_000)],
            "the cap, then the picture, then the plan's cap: {ups:?}"
        );
        let held = ups[1].0 - ups[0].0;
        assert!(
            (cap_ms..=cap_ms + 400).contains(&held),
            "sending {rate}: the picture came {held} ms after the cap"
        );
        // The picture is a probe: the plan's cap only after its probe time.
        let judged = ups[2].0 - ups[1].0;
        assert!(judged >= PROBE_MS, "the plan's cap {judged} ms after the picture");
    }
}

/// The same probe on a link that cannot carry the larger picture's rate:
/// the link refuses the raised cap and the picture never changes (no key
/// frame for a probe that fails).
#[test]
fn a_slow_link_refuses_the_raised_cap_and_the_picture_never_grows() {
    let mut abr = controller();
    let (mut t, mut b) = (0, 0);
    let _ = feed(&mut abr, &mut t, &mut b, 15, 3_000_000.0, 1_050_000.0, "none");
    let _ = feed(&mut abr, &mut t, &mut b, 5, 450_000.0, 300_000.0, "bandwidth");
    let until = t + 30_000;
    let seen = on_link(&mut abr, &mut t, &mut b, until, (750_000.0, 480_000.0), 600_000);
    let raised = seen.iter().filter(|(_, e)| e.max_bitrate_bps > 500_000).count();
    assert!(raised >= 3, "probes by the cap: {seen:?}");
    assert!(seen.iter().all(|(_, e)| e.scale_resolution_down_by == 2.0), "{seen:?}");
    assert_eq!(abr.position(VIDEO), Some((2, 0)), "back at 360p 500k");
}

/// bench abr_step (isolated, the capped rung with the 20 % up margin): at
/// 720p capped at 900k the encoder sends ~900 kbit/s and Chromium's
/// estimate climbs ~50 kbit/s per second from ~1.07 Mbit/s once the link is
/// back (on the 1 Mbit/s link it peaks near 1.2 and backs off): the margin
/// was reached 4.7 s after the link came back, the plan at 6.8 s. A probe
/// that only raises a cap comes once the estimate carries what is sent.
#[test]
fn from_the_capped_rung_a_link_that_comes_back_is_probed_within_3_s() {
    let mut abr = controller();
    let (mut t, mut b) = (0, 0);
    let _ = feed(&mut abr, &mut t, &mut b, 15, 3_000_000.0, 1_050_000.0, "none");
    let _ = feed(&mut abr, &mut t, &mut b, 5, 850_000.0, 800_000.0, "bandwidth");
    assert_eq!(abr.position(VIDEO), Some((1, 0)));
    // A while at the cap below the link, the estimate just under what
    // would let a probe come (it fell back after the last step).
    let _ = feed(&mut abr, &mut t, &mut b, 15, 860_000.0, 900_000.0, "none");
    let back = t;
    let mut plan_at = None;
    for k in 0..25 {
        let available = 1_070_000.0 + 20_000.0 * f64::from(k);
        let d = feed(&mut abr, &mut t, &mut b, 1, available, 900_000.0, "none");
        if d.iter().any(|(_, e)| e[0].max_bitrate_bps == plan()[0].max_bitrate_bps) {
            plan_at = Some(t - back);
            break;
        }
    }
    let ms = plan_at.expect("back on the plan");
    assert!(ms <= 3_000, "the plan {ms} ms after the link came back");
}

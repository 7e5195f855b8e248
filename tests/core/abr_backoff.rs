//! The ABR controller's probes on a link too slow for the next picture:
//! refused picture probes back off, a link that comes back is still found,
//! and the climb back is one probe time per rung. On `step05.json`: real
//! Chromium with the controller on (before the back-off), 10 → 0.5 → 10
//! Mbit/s, the SDK's own getStats() reports and every `setParameters` call
//! (bench/abr.mjs `ABR_TRACE`, `ABR_LOW_MBIT=0.5`).

use crate::abr::{
    continued, controller, feed, plan, sample, trace, with_rtt, Trace, AUDIO, P720, VIDEO,
};
use rtcroom::core::abr::{
    Abr, BACKOFF_CLEAR, CAP_STAGE_MS, PROBE_BACKOFF_MAX_MS, PROBE_MS, PROBE_RETRY_MS,
};
use rtcroom::core::{Millis, StatsSnapshot, TrackKind, TrackSource};
use std::collections::HashMap;

/// What the recorded link did while the sender sent one picture at one cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Stretch {
    /// 0.5 Mbit/s, 180p at 150k: the estimate flat at ~404k (the sender
    /// is application-limited, Chromium's estimate does not grow).
    SlowLow,
    /// 0.5 Mbit/s, 180p under a 500k cap: Chromium's padding probe reads
    /// 1.1 Mbit/s through the shaper's burst, the encoder sends ~200k.
    SlowCap,
    /// 0.5 Mbit/s, 360p at 500k: more than the link, the estimate backs
    /// off from 1.1 Mbit/s to ~0.4 within ~3 s.
    SlowPicture,
    /// 10 Mbit/s, 360p at 500k, then under a 900k cap, 720p at 900k, the
    /// plan: the recorded climb back.
    Fast360,
    Fast360Cap,
    Fast720Capped,
    FastPlan,
}

/// `step05.json` cut into stretches by link and encodings, replayed by
/// what the controller under test asks for. Byte counters are
/// re-accumulated from the recorded deltas, so rates are the recorded ones.
/// Where the recording has no stretch for a (link, encodings) pair, the
/// nearest one stands in: below ~200 kbit/s (180p) the two links look the
/// same (the estimate follows what is sent, not the link), and a picture
/// above 0.5 Mbit/s on the slow link gets the refusal the 360p one got.
struct HalfMbitLink<'a> {
    samples: &'a [(u64, StatsSnapshot)],
    stretches: HashMap<Stretch, Vec<usize>>,
    at: (Stretch, usize),
    sent: HashMap<(TrackKind, Option<String>), u64>,
}

impl<'a> HalfMbitLink<'a> {
    /// The stretches, and the index of the sample where the recorded
    /// controller had stepped down to 180p on the slow link.
    fn new(t: &'a Trace) -> (Self, usize) {
        let calls: Vec<u64> = t.caps.iter().map(|c| c.0).collect();
        let caps: Vec<u64> = t.caps.iter().map(|c| c.1).collect();
        // plan; 360p 500k, 180p 150k (the drop); 180p under 500k, 360p 500k,
        // 180p (refused); 180p under 500k; 360p 500k, under 900k, 720p 900k,
        // the plan (the link back).
        let recorded = [1_700, 500, 150, 500, 500, 150, 500, 500, 900, 900, 1_700];
        assert_eq!(caps, recorded.map(|k| k * 1_000), "the recorded decisions");
        let (low, rec) = (t.phase("low"), t.phase("recovered"));
        assert_eq!(low.mbit, 0.5);
        assert!(calls[7] >= rec.from && calls[6] < low.to, "the link came back in the 180p probe");
        let idx = |from: u64, to: u64| -> Vec<usize> {
            (1..t.samples.len())
                .filter(|k| t.samples[*k].0 > from && t.samples[*k].0 <= to)
                .collect()
        };
        let stretches = HashMap::from([
            (Stretch::SlowLow, idx(calls[2] + 2_000, calls[3])),
            (Stretch::SlowCap, idx(calls[3], calls[4])),
            (Stretch::SlowPicture, idx(calls[4], calls[5])),
            (Stretch::Fast360, idx(calls[7], calls[8])),
            (Stretch::Fast360Cap, idx(calls[8], calls[9])),
            (Stretch::Fast720Capped, idx(calls[9], calls[10])),
            (Stretch::FastPlan, idx(calls[10], rec.to)),
        ]);
        for (s, v) in &stretches {
            assert!(v.len() >= 8, "a recorded stretch {s:?} of {} samples", v.len());
        }
        let start = t.samples.iter().position(|s| s.0 > calls[2] + 2_000).expect("samples");
        let link = HalfMbitLink {
            samples: &t.samples,
            stretches,
            at: (Stretch::SlowLow, 0),
            sent: HashMap::new(),
        };
        (link, start)
    }

    /// The next sample of a link that is `fast` or not, the sender on
    /// `(scale, cap)`.
    fn next(&mut self, fast: bool, (scale, cap): (f64, u32)) -> StatsSnapshot {
        let want = match (fast, scale >= 4.0, cap > 150_000) {
            (_, true, false) => Stretch::SlowLow,
            (_, true, true) => Stretch::SlowCap,
            (false, false, _) => Stretch::SlowPicture,
            (true, false, _) if scale >= 2.0 && cap <= 500_000 => Stretch::Fast360,
            (true, false, _) if scale >= 2.0 => Stretch::Fast360Cap,
            (true, false, _) if cap <= 900_000 => Stretch::Fast720Capped,
            (true, false, _) => Stretch::FastPlan,
        };
        let len = self.stretches.get(&want).map_or(1, Vec::len);
        let (cur, k) = self.at;
        let k = match (want == cur, want) {
            (false, _) => 0,
            // A picture the slow link refuses stays refused.
            (true, Stretch::SlowPicture | Stretch::SlowCap) => (k + 1).min(len - 1),
            (true, _) => (k + 1) % len,
        };
        self.at = (want, k);
        let index = self.stretches.get(&want).and_then(|v| v.get(k)).copied().expect("a sample");
        self.emit(index)
    }

    fn emit(&mut self, k: usize) -> StatsSnapshot {
        continued(self.samples, k, &mut self.sent)
    }
}

/// What a controller did on the recorded link.
struct Run {
    /// (time, scale, cap) of every decision, time 0 at the start of the
    /// replayed slow stretch.
    decisions: Vec<(u64, f64, u32)>,
    /// The link came back at this time.
    back: u64,
    /// First time on the plan after the link came back.
    plan_at: Option<u64>,
}

/// The recorded call up to its step down at 0.5 Mbit/s, then `slow_ms` of
/// the slow link, then the fast one for `fast_ms`.
fn run_on_recorded_link(t: &Trace, slow_ms: u64, fast_ms: u64) -> Run {
    let (mut link, start) = HalfMbitLink::new(t);
    let mut abr = Abr::new(true);
    abr.track(VIDEO, TrackKind::Video, TrackSource::Camera, Some(P720), &plan());
    abr.track(AUDIO, TrackKind::Audio, TrackSource::Microphone, None, &[]);
    for (at, snap) in &t.samples[..start] {
        for o in &snap.outbound {
            if let Some(mid) = &o.mid {
                abr.set_mid(if o.kind == TrackKind::Video { VIDEO } else { AUDIO }, mid);
            }
        }
        abr.handle_snapshot(Millis(*at), snap);
        while abr.poll_output().is_some() {}
    }
    assert_eq!(abr.position(VIDEO), Some((3, 0)), "at 180p 150k after the recorded drop");
    let t0 = t.samples[start - 1].0;
    let (mut now, mut decisions, mut plan_at) = (t0, Vec::new(), None);
    while now < t0 + slow_ms + fast_ms {
        now += 400;
        let fast = now >= t0 + slow_ms;
        let e = abr.applied(VIDEO).and_then(|e| e.first()).cloned().expect("the camera");
        let snap = link.next(fast, (e.scale_resolution_down_by, e.max_bitrate_bps));
        abr.handle_snapshot(Millis(now), &snap);
        while let Some(d) = abr.poll_output() {
            if let Some(e) = d.encodings.first() {
                decisions.push((now - t0, e.scale_resolution_down_by, e.max_bitrate_bps));
            }
        }
        if fast && plan_at.is_none() && abr.applied(VIDEO) == Some(plan().as_slice()) {
            plan_at = Some(now - t0);
        }
    }
    Run { decisions, back: slow_ms, plan_at }
}

/// The times the picture grew (a key frame and a visibly sharper picture
/// at the far side), and shrank again.
fn picture_changes(d: &[(u64, f64, u32)]) -> (Vec<u64>, Vec<u64>) {
    let mut scale = 4.0;
    let (mut up, mut down) = (Vec::new(), Vec::new());
    for (at, s, _) in d {
        if *s < scale {
            up.push(*at);
        } else if *s > scale {
            down.push(*at);
        }
        scale = *s;
    }
    (up, down)
}

/// bench abr_step at 0.5 Mbit/s (`step05.json`): the camera alternated
/// 180p ↔ 360p every ~8 s for as long as the link stayed slow — a cap raise
/// 180p cannot use "held", then 360p at 500k did not. A refused picture
/// probe now doubles the wait before the next one (capped), and each one
/// is undone as soon as the link answers.
#[test]
fn on_a_recorded_half_mbit_link_refused_picture_probes_back_off_exponentially() {
    let t = trace("step05");
    let run = run_on_recorded_link(&t, 120_000, 0);
    let (ups, downs) = picture_changes(&run.decisions);
    if std::env::var_os("RTCROOM_ABR_EXPLAIN").is_some() {
        eprintln!("picture probes at {ups:?}, undone at {downs:?}");
    }
    assert!(!ups.is_empty(), "the slow link is still probed: {:?}", run.decisions);
    // Each picture probe refused within the probe time.
    for up in &ups {
        let undone = downs.iter().find(|d| *d > up).expect("each refused");
        assert!(undone - up <= PROBE_MS + 400, "360p held {} ms: {:?}", undone - up, run.decisions);
    }
    // The wait from a refusal to the next picture probe grows (doubling,
    // plus the cap raise before each picture), up to the cap.
    let waits: Vec<u64> = ups
        .iter()
        .skip(1)
        .filter_map(|up| downs.iter().rfind(|d| *d < up).map(|d| up - d))
        .collect();
    assert!(waits.first().is_some_and(|w| *w >= 2 * PROBE_RETRY_MS), "{waits:?}");
    for w in waits.windows(2) {
        let grown = w[1] * 2 >= (3 * w[0]).min(2 * PROBE_BACKOFF_MAX_MS);
        assert!(grown, "waits after refused picture probes {waits:?}: {:?}", run.decisions);
    }
    assert!(
        waits.last().is_some_and(|w| *w >= PROBE_BACKOFF_MAX_MS),
        "backed off to the cap: {waits:?}"
    );
    // Two minutes at 0.5 Mbit/s: a handful of key frames, not one per ~8 s
    // (9 in this replay before the back-off).
    assert!(ups.len() <= 7, "{} picture probes in 120 s: {:?}", ups.len(), run.decisions);
}

/// A link that comes back while the picture probes back off is found by
/// the next probe, and the climb back from 180p to the plan takes one probe
/// time per picture (the cap raises 180p and 360p cannot use end early;
/// before: 16 s from the first probe, a 4 s cap stage and a 4 s hold per
/// rung).
#[test]
fn on_a_recorded_half_mbit_link_that_comes_back_the_camera_climbs_to_its_plan_in_one_probe_time_per_picture(
) {
    let t = trace("step05");
    let mut worst = (0, 0);
    for slow_s in (4..=90).step_by(2) {
        let run = run_on_recorded_link(&t, slow_s * 1_000, 45_000);
        let plan_at = run.plan_at.unwrap_or_else(|| {
            panic!("the link back at {slow_s} s, never on the plan: {:?}", run.decisions)
        });
        // The climb starts with the probe under way when the link came
        // back (a stage up from 180p), or with the first one after.
        let before = run.decisions.iter().rfind(|d| d.0 <= run.back);
        let first = match before {
            Some(d) if d.1 < 4.0 || d.2 > 150_000 => d.0,
            _ => run.decisions.iter().find(|d| d.0 > run.back).map_or(plan_at, |d| d.0),
        };
        let climb = plan_at - first;
        assert!(
            climb <= 2 * PROBE_MS + 2 * CAP_STAGE_MS + 800,
            "the link back at {} s: {climb} ms from the first probe to the plan: {:?}",
            slow_s,
            run.decisions
        );
        if std::env::var_os("RTCROOM_ABR_EXPLAIN").is_some() {
            eprintln!("link back after {slow_s} s: plan {} ms later", plan_at - run.back);
        }
        if plan_at - run.back > worst.0 {
            worst = (plan_at - run.back, slow_s);
        }
    }
    assert!(
        worst.0 <= PROBE_BACKOFF_MAX_MS + 2 * PROBE_MS + 2 * CAP_STAGE_MS + 800,
        "{} ms back to the plan when the link came back after {} s",
        worst.0,
        worst.1
    );
}

/// The back-off waits for a link that refused; one that clearly carries
/// more (the budget 1.5× what it was at the last refusal) is probed again
/// within the retry time, however long the back-off had grown.
#[test]
fn a_clearly_better_estimate_ends_the_back_off_of_picture_probes() {
    let mut abr = controller();
    let (mut t, mut b) = (0, 0);
    let _ = feed(&mut abr, &mut t, &mut b, 15, 3_000_000.0, 1_050_000.0, "none");
    // Down to 360p at 500k.
    let _ = feed(&mut abr, &mut t, &mut b, 5, 450_000.0, 300_000.0, "bandwidth");
    assert_eq!(abr.position(VIDEO), Some((2, 0)));
    // A link that carries 360p but not 720p: the cap raise (360p sends
    // 480k under it) passes, the 720p picture queues and the estimate
    // backs off.
    let mut probes = Vec::new();
    let mut last = abr.position(VIDEO).expect("tracked").0;
    let mut step = |abr: &mut Abr, t: &mut u64, b: &mut u64, available: f64| {
        let rung = abr.position(VIDEO).expect("tracked").0;
        *t += 400;
        *b += (480_000.0 * 0.4 / 8.0) as u64;
        let (a, rtt) = if rung < 2 { (450_000.0, 102.0) } else { (available, 2.0) };
        abr.handle_snapshot(Millis(*t), &with_rtt(sample(a, *b, *t * 4, "none"), rtt));
        while abr.poll_output().is_some() {}
        let now = abr.position(VIDEO).expect("tracked").0;
        let grew = now < last && now < 2;
        last = now;
        grew
    };
    while t < 150_000 {
        if step(&mut abr, &mut t, &mut b, 700_000.0) {
            probes.push(t);
        }
    }
    let gaps: Vec<u64> = probes.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(
        gaps.last().is_some_and(|g| *g >= PROBE_BACKOFF_MAX_MS),
        "the picture probes backed off: {probes:?}"
    );
    // Right after a refusal, the estimate climbs clearly above the link's.
    while probes.last().is_some_and(|p| t < p + PROBE_MS + 800) {
        let _ = step(&mut abr, &mut t, &mut b, 700_000.0);
    }
    assert_eq!(abr.position(VIDEO), Some((2, 0)), "refused again");
    // Clearly above where the probes started (700k).
    let better = 700_000.0 * BACKOFF_CLEAR + 100_000.0;
    let from = t;
    let mut next = None;
    while t < from + PROBE_BACKOFF_MAX_MS && next.is_none() {
        if step(&mut abr, &mut t, &mut b, better) {
            next = Some(t - from);
        }
    }
    let ms = next.expect("probed again");
    assert!(ms <= PROBE_RETRY_MS + CAP_STAGE_MS + 800, "probed {ms} ms after the estimate rose");
}

/// 360p sends ~480k under a 900k cap: that cap stage tested nothing and
/// ended after `CAP_STAGE_MS`; the next probe from 360p changes the picture
/// at once instead of raising the cap again first.
#[test]
fn a_cap_stage_the_encoder_left_unused_is_skipped_by_the_next_probe_from_that_rung() {
    let mut abr = controller();
    let (mut t, mut b) = (0, 0);
    let _ = feed(&mut abr, &mut t, &mut b, 15, 3_000_000.0, 1_050_000.0, "none");
    let _ = feed(&mut abr, &mut t, &mut b, 5, 450_000.0, 300_000.0, "bandwidth");
    assert_eq!(abr.position(VIDEO), Some((2, 0)), "at 360p 500k");
    // A link that carries 360p, not 720p (a queue, the estimate backs off).
    let mut seen = Vec::new();
    while t < 60_000 {
        let rung = abr.position(VIDEO).expect("tracked").0;
        t += 400;
        b += (480_000.0 * 0.4 / 8.0) as u64;
        let (a, rtt) = if rung < 2 { (450_000.0, 102.0) } else { (700_000.0, 2.0) };
        abr.handle_snapshot(Millis(t), &with_rtt(sample(a, b, t * 4, "none"), rtt));
        while let Some(d) = abr.poll_output() {
            if let Some(e) = d.encodings.first() {
                seen.push((t, e.scale_resolution_down_by, e.max_bitrate_bps));
            }
        }
    }
    let caps = seen.iter().filter(|d| d.1 == 2.0 && d.2 == 900_000).count();
    let pictures: Vec<_> = seen.iter().filter(|d| d.1 == 1.0).collect();
    assert!(pictures.len() >= 2, "probed 720p again: {seen:?}");
    assert_eq!(caps, 1, "one cap stage, then straight to the picture: {seen:?}");
    let first = seen.iter().position(|d| d.1 == 2.0 && d.2 == 900_000).expect("a cap stage");
    let held = seen[first + 1].0 - seen[first].0;
    assert!(held <= CAP_STAGE_MS + 400, "the unused cap held {held} ms: {seen:?}");
}

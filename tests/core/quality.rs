//! Stats and quality: rates from successive `getStats()` samples, loss over a
//! short window, the simplified E-model, hysteresis, and `quality-changed`
//! through a room in simulated time.

use crate::room_world::{RoomConfig, RoomWorld};
use rtcroom::core::stats::{mos, StatsTracker};
use rtcroom::core::{
    InboundStats, Millis, OutboundStats, PairStats, Quality, RoomEvent, StatsSnapshot, TrackKind,
};

const EVERY: u64 = 400;

/// Cumulative counters after `n` intervals of `bytes` and `packets` per
/// interval, `lost` of them lost, `freezes` freezes so far.
fn sample(bytes: u64, packets: u64, lost: i64, freezes: u64) -> StatsSnapshot {
    StatsSnapshot {
        bytes_received: bytes,
        pair: Some(PairStats {
            bytes_sent: bytes / 2,
            bytes_received: bytes,
            rtt_ms: Some(4.0),
            available_outgoing_bitrate: Some(2_500_000.0),
            local_candidate_type: Some("host".into()),
            remote_candidate_type: Some("host".into()),
            stun_received: 0,
        }),
        inbound: vec![InboundStats {
            kind: TrackKind::Video,
            mid: Some("1".into()),
            bytes_received: bytes,
            packets_received: packets,
            packets_lost: lost,
            jitter_ms: Some(2.0),
            frame_width: Some(640),
            frame_height: Some(480),
            frames_per_second: Some(20.0),
            frames_decoded: packets / 4,
            freeze_count: freezes,
            total_freezes_duration_s: 0.0,
        }],
        outbound: vec![OutboundStats {
            kind: TrackKind::Video,
            mid: Some("0".into()),
            rid: None,
            bytes_sent: bytes / 2,
            frame_width: Some(640),
            frame_height: Some(480),
            frames_per_second: Some(20.0),
            active: Some(true),
            quality_limitation_reason: Some("none".into()),
        }],
        remote_inbound: vec![],
        layers_missing: 0,
    }
}

/// Feeds `intervals` samples of (bytes, packets, lost) per interval on top
/// of the tracker's totals; returns the level changes with their times.
struct Feed {
    tracker: StatsTracker,
    t: u64,
    bytes: u64,
    packets: u64,
    lost: i64,
    freezes: u64,
    /// Our video's `qualityLimitationReason` in the next samples.
    limitation: &'static str,
    changes: Vec<(u64, Quality)>,
}

impl Feed {
    fn new() -> Self {
        Feed {
            tracker: StatsTracker::default(),
            t: 0,
            bytes: 0,
            packets: 0,
            lost: 0,
            freezes: 0,
            limitation: "none",
            changes: vec![],
        }
    }
    fn run(&mut self, intervals: u32, bytes: u64, packets: u64, lost: i64) {
        for _ in 0..intervals {
            self.t += EVERY;
            self.bytes += bytes;
            self.packets += packets;
            self.lost += lost;
            let mut s = sample(self.bytes, self.packets, self.lost, self.freezes);
            s.outbound[0].quality_limitation_reason = Some(self.limitation.into());
            if let Some(q) = self.tracker.handle_snapshot(Millis(self.t), s) {
                self.changes.push((self.t, q));
            }
        }
    }
    fn level(&self) -> Quality {
        self.tracker.latest().map(|s| s.quality).unwrap_or(Quality::Lost)
    }
}

#[test]
fn rates_come_from_the_last_interval() {
    let mut f = Feed::new();
    f.run(3, 50_000, 100, 0);
    let s = f.tracker.latest().unwrap();
    // 50 000 bytes per 400 ms = 1 Mbit/s in; half of it out.
    assert_eq!(s.bitrate_in, 1_000_000);
    assert_eq!(s.bitrate_out, 500_000);
    assert_eq!(s.layers_out.len(), 1);
    assert_eq!(s.layers_out[0].bitrate, 500_000);
    assert_eq!(s.loss_percent, 0.0);
    assert_eq!(s.rtt_ms, Some(4.0));
    assert_eq!(s.video_in[0].width, Some(640));
    assert_eq!(s.local_candidate_type.as_deref(), Some("host"));
    assert_eq!(s.quality, Quality::Excellent);
    assert!(s.mos > 4.3, "a clean loopback call scores {}", s.mos);
}

#[test]
fn sustained_loss_makes_it_poor_and_recovery_makes_it_excellent_again() {
    let mut f = Feed::new();
    f.run(5, 50_000, 100, 0);
    assert_eq!(f.changes, [(EVERY, Quality::Excellent)]);
    // 20 % of packets lost from now on.
    f.run(6, 40_000, 80, 20);
    assert_eq!(f.level(), Quality::Poor);
    let (t_poor, _) = *f.changes.last().unwrap();
    // The window (5 samples) and the hold (2) smooth it: within 2 s.
    assert!(t_poor <= 5 * EVERY + 2_000, "poor {} ms after the loss began", t_poor - 5 * EVERY);
    f.run(8, 50_000, 100, 0);
    assert_eq!(f.level(), Quality::Excellent);
    let levels: Vec<Quality> = f.changes.iter().map(|c| c.1).collect();
    assert_eq!(levels.first(), Some(&Quality::Excellent));
    assert_eq!(levels.last(), Some(&Quality::Excellent));
    assert!(levels.contains(&Quality::Poor));
}

#[test]
fn one_lossy_interval_in_a_clean_call_does_not_flip_the_level() {
    let mut f = Feed::new();
    f.run(5, 50_000, 100, 0);
    f.run(1, 45_000, 90, 10);
    f.run(5, 50_000, 100, 0);
    assert_eq!(f.changes, [(EVERY, Quality::Excellent)], "hysteresis held");
}

#[test]
fn no_bytes_over_the_window_is_lost_and_a_freeze_caps_at_good() {
    let mut f = Feed::new();
    f.run(5, 50_000, 100, 0);
    f.run(6, 0, 0, 0);
    assert_eq!(f.level(), Quality::Lost);
    f.run(6, 50_000, 100, 0);
    assert_eq!(f.level(), Quality::Excellent);
    f.freezes += 1;
    f.run(2, 50_000, 100, 0);
    assert_eq!(
        f.changes.last().map(|c| c.1),
        Some(Quality::Excellent),
        "one freezing interval is held"
    );
    f.freezes += 1;
    f.run(1, 50_000, 100, 0);
    f.freezes += 1;
    f.run(1, 50_000, 100, 0);
    assert_eq!(f.level(), Quality::Good, "freezing in two intervals in a row");
}

#[test]
fn the_e_model_orders_links_by_loss_and_delay() {
    let clean = mos(4.0, 2.0, 0.0);
    assert!(mos(4.0, 2.0, 5.0) < clean);
    assert!(mos(400.0, 2.0, 0.0) < clean);
    assert!(mos(4.0, 50.0, 0.0) < clean);
    assert!((1.0..=4.5).contains(&mos(4000.0, 500.0, 100.0)));
}

#[test]
fn a_room_reports_quality_per_participant_and_loses_it_in_a_blackhole() {
    let mut w = RoomWorld::new(RoomConfig::default(), 2);
    for i in 0..2 {
        w.join(i);
        w.run();
    }
    let t0 = w.now();
    w.run_to(t0 + 3_000);
    let levels = |w: &RoomWorld, i: usize| -> Vec<Quality> {
        w.clients[i]
            .events
            .iter()
            .filter_map(|e| match e {
                RoomEvent::QualityChanged { quality, .. } => Some(*quality),
                _ => None,
            })
            .collect()
    };
    let other = w.clients[1].id().to_owned();
    assert!(w.clients[0].core.stats(&other).is_some(), "stats once connected");
    let before = levels(&w, 0);
    assert!(!before.is_empty(), "a first level");
    w.blackhole(0, 1, true);
    w.run_to(w.now() + 4_000);
    assert_eq!(
        levels(&w, 0).last(),
        Some(&Quality::Lost),
        "lost in the blackhole: {:?}",
        levels(&w, 0)
    );
    w.blackhole(0, 1, false);
    w.run_to(w.now() + 6_000);
    assert_ne!(levels(&w, 0).last(), Some(&Quality::Lost), "back after it: {:?}", levels(&w, 0));
}

#[test]
fn the_first_stats_sample_waits_one_interval_after_connecting_so_the_first_frames_are_not_delayed()
{
    use rtcroom::core::{ConnectionState, PcCommand, PeerInput, PeerOutput, PeerSession};
    let mut s = PeerSession::new("a", "b");
    let stats_asked = |s: &mut PeerSession| {
        std::iter::from_fn(|| s.poll_output())
            .any(|o| matches!(o, PeerOutput::Command(PcCommand::GetStats)))
    };
    s.handle_input(Millis(1_000), PeerInput::ConnectionState(ConnectionState::Connected)).unwrap();
    assert!(!stats_asked(&mut s), "no getStats() while the first frames decode");
    let mut t = 1_000;
    while let Some(Millis(next)) = s.poll_timeout().filter(|m| m.0 < 1_000 + EVERY) {
        t = next.max(t + 1);
        s.handle_timeout(Millis(t));
        assert!(!stats_asked(&mut s), "getStats() at {t}, before one interval");
    }
    s.handle_timeout(Millis(1_000 + EVERY));
    assert!(stats_asked(&mut s), "the first sample, one interval after connecting");
}

/// What we send below what its encodings ask (the browser's
/// `qualityLimitationReason`) caps the level; `none` lifts the cap.
#[test]
fn a_video_we_send_below_its_encodings_for_bandwidth_or_cpu_is_at_best_good() {
    for reason in ["bandwidth", "cpu"] {
        let mut f = Feed::new();
        f.run(5, 50_000, 100, 0);
        f.limitation = reason;
        f.run(3, 50_000, 100, 0);
        assert_eq!(f.level(), Quality::Good, "{reason}");
        f.limitation = "none";
        f.run(3, 50_000, 100, 0);
        assert_eq!(f.level(), Quality::Excellent, "{reason}");
        let levels: Vec<Quality> = f.changes.iter().map(|c| c.1).collect();
        assert_eq!(levels, [Quality::Excellent, Quality::Good, Quality::Excellent], "{reason}");
    }
}

#[test]
fn layers_missing_from_what_we_asked_for_cap_the_level() {
    for (missing, level) in [(0, Quality::Excellent), (1, Quality::Good), (2, Quality::Poor)] {
        let mut t = StatsTracker::default();
        let mut last = None;
        for i in 1..=4u64 {
            let mut s = sample(50_000 * i, 100 * i, 0, 0);
            s.layers_missing = missing;
            t.handle_snapshot(Millis(EVERY * i), s);
            last = t.latest().map(|x| x.quality);
        }
        assert_eq!(last, Some(level), "{missing} missing");
    }
}

/// The selected pair's STUN received (`responsesReceived` +
/// `requestsReceived`): ICE consent answered while media is silent.
#[test]
fn the_selected_pairs_stun_received_is_parsed_from_its_responses_and_requests() {
    use crate::abr::Entry;
    use rtcroom::core::stats_parse::parse;
    let report = serde_json::json!([
        {"id": "T", "type": "transport", "selectedCandidatePairId": "P"},
        {"id": "P", "type": "candidate-pair", "bytesReceived": 500, "responsesReceived": 7, "requestsReceived": 5, "state": "succeeded", "nominated": true},
        {"id": "Q", "type": "candidate-pair", "bytesReceived": 9, "responsesReceived": 100, "requestsReceived": 100}
    ]);
    let entries: Vec<Entry> = report.as_array().unwrap().iter().map(Entry).collect();
    let snap = parse(&entries);
    assert_eq!(snap.pair.map(|p| p.stun_received), Some(12));
}

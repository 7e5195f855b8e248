//! Adaptive bitrate for an SFU publisher: the publishing connection is
//! sampled with `getStats()` once connected, and the controller decides
//! per simulcast layer from the outbound stats of every rid.

use super::*;
use rtcroom::core::{
    ConnectionState, EncodingParams, OutboundStats, PairStats, Payload, StatsSnapshot,
};

/// A camera with its three layers published and negotiated (mid "0"),
/// the publisher connection connected.
fn publishing(adaptive_bitrate: bool) -> (Sfu, SenderId, Vec<EncodingParams>) {
    let config = RoomConfig { adaptive_bitrate, ..RoomConfig::default() };
    let mut s = Sfu::joined_with(config, json!([]));
    s.room.publish(camera()).unwrap();
    let plan = s
        .drain()
        .iter()
        .find_map(|o| match o {
            RoomOutput::AddTransceiver { encodings, .. } => Some(encodings.clone()),
            _ => None,
        })
        .expect("the camera's layers");
    s.negotiate(PUBLISHER, PUB, &[("cam", "0")]);
    s.peer(PUBLISHER, PeerInput::ConnectionState(ConnectionState::Connected));
    let cam = s.sender_of("cam");
    (s, cam, plan)
}

/// One `getStats()` of the publisher: the three rids having sent `bytes`
/// (each its share of the plan) at 30 fps, limited by `reason`, the
/// estimate at `available`.
fn layers(available: f64, bytes: u64, reason: &str) -> StatsSnapshot {
    let rid = |rid: &str, share: u64, width| OutboundStats {
        kind: TrackKind::Video,
        mid: Some("0".into()),
        rid: Some(rid.into()),
        bytes_sent: bytes * share / 100,
        frame_width: Some(width),
        frame_height: Some(width * 9 / 16),
        frames_per_second: Some(30.0),
        active: Some(true),
        quality_limitation_reason: Some(reason.into()),
    };
    StatsSnapshot {
        pair: Some(PairStats { available_outgoing_bitrate: Some(available), ..Default::default() }),
        outbound: vec![rid("q", 6, 320), rid("h", 22, 640), rid("f", 72, 1280)],
        ..Default::default()
    }
}

/// Answers every `getStats()` the room asks for during `secs` seconds
/// with `available` estimated and `rate` bit/s sent; returns the layers set.
fn sample(
    s: &mut Sfu,
    bytes: &mut u64,
    secs: u64,
    (available, rate): (f64, f64),
    reason: &str,
) -> Vec<Vec<EncodingParams>> {
    let mut set = Vec::new();
    let mut asked = 0;
    for _ in 0..secs * 10 {
        for o in s.advance(100) {
            if let RoomOutput::Pc { peer, cmd: PcCommand::GetStats } = o {
                assert_eq!(peer, PUBLISHER, "only the publishing connection is sampled");
                asked += 1;
                *bytes += (rate * 0.4 / 8.0) as u64;
                for o in s.peer(PUBLISHER, PeerInput::Stats(layers(available, *bytes, reason))) {
                    if let RoomOutput::SetEncodings { peer, encodings, .. } = o {
                        assert_eq!(peer, PUBLISHER);
                        set.push(encodings);
                    }
                }
            }
        }
    }
    assert!(asked * 400 >= secs * 1_000 - 400, "a sample every 400 ms: {asked} in {secs} s");
    set
}

fn active(e: &[EncodingParams]) -> Vec<(Option<&str>, bool)> {
    e.iter().map(|e| (e.rid, e.active)).collect()
}

#[test]
fn an_sfu_publisher_switches_its_top_layer_off_when_the_estimate_cannot_carry_it() {
    let (mut s, _, plan) = publishing(true);
    let mut bytes = 0;
    // 4 Mbit/s: the three layers (2.35 Mbit/s of caps) fit, nothing changes.
    let set = sample(&mut s, &mut bytes, 10, (4_000_000.0, 2_000_000.0), "none");
    assert!(set.is_empty(), "{set:?}");
    // 900 kbit/s: the 720p layer cannot be carried, the two others can.
    let set = sample(&mut s, &mut bytes, 2, (900_000.0, 800_000.0), "bandwidth");
    let first = set.first().expect("a decision within 2 s");
    assert_eq!(active(first), [(Some("q"), true), (Some("h"), true), (Some("f"), false)]);
    // Only `active` changed: each layer keeps its resolution and cap.
    for (e, p) in first.iter().zip(&plan) {
        assert_eq!(
            (e.max_bitrate_bps, e.scale_resolution_down_by),
            (p.max_bitrate_bps, p.scale_resolution_down_by)
        );
    }
    assert_eq!(set.len(), 1, "{set:?}");
    // The link comes back: a probe switches the top layer on again.
    let set = sample(&mut s, &mut bytes, 10, (4_000_000.0, 600_000.0), "none");
    assert_eq!(set.last().map(|e| active(e)), Some(active(&plan)), "{set:?}");
}

#[test]
fn a_cpu_limited_sfu_publisher_switches_its_top_layer_off_not_its_bitrate_nor_frame_rate() {
    let (mut s, _, plan) = publishing(true);
    let mut bytes = 0;
    let _ = sample(&mut s, &mut bytes, 8, (4_000_000.0, 2_000_000.0), "none");
    let set = sample(&mut s, &mut bytes, 2, (4_000_000.0, 2_000_000.0), "cpu");
    let first = set.first().expect("a CPU decision within 2 s");
    assert_eq!(active(first), [(Some("q"), true), (Some("h"), true), (Some("f"), false)]);
    for (e, p) in first.iter().zip(&plan) {
        assert_eq!(
            (e.max_bitrate_bps, e.scale_resolution_down_by, e.max_framerate),
            (p.max_bitrate_bps, p.scale_resolution_down_by, p.max_framerate)
        );
    }
    // Still CPU-limited: the next layer goes too, the lowest stays.
    let set = sample(&mut s, &mut bytes, 2, (4_000_000.0, 600_000.0), "cpu");
    assert_eq!(
        set.last().map(|e| active(e)),
        Some(vec![(Some("q"), true), (Some("h"), false), (Some("f"), false)])
    );
}

#[test]
fn with_adaptive_bitrate_off_an_sfu_publisher_is_sampled_for_its_stats_and_keeps_its_layers() {
    let (mut s, _, _) = publishing(false);
    let mut bytes = 0;
    let set = sample(&mut s, &mut bytes, 10, (300_000.0, 2_000_000.0), "cpu");
    assert_eq!(set, Vec::<Vec<EncodingParams>>::new(), "no decision with the controller off");
    // `stats("sfu-publisher")`: what we send, per layer.
    let st = s.room.stats(PUBLISHER).expect("the publisher connection's stats");
    let rids: Vec<_> = st.layers_out.iter().map(|l| (l.rid.as_deref(), l.width)).collect();
    assert_eq!(rids, [(Some("q"), Some(320)), (Some("h"), Some(640)), (Some("f"), Some(1280))]);
    assert!(st.layers_out.iter().all(|l| l.bitrate > 0), "{:?}", st.layers_out);
    assert_eq!(st.available_outgoing_bitrate, Some(300_000.0));
}

/// As in a mesh: a lost path's estimate (recorded: tens of kbit/s once
/// nothing gets through) says nothing about the link that comes back; the
/// layers stay as they were until the connection is connected again.
#[test]
fn while_the_sfu_publishers_connection_is_disconnected_its_layers_are_held() {
    let (mut s, _, _) = publishing(true);
    let mut bytes = 0;
    let _ = sample(&mut s, &mut bytes, 8, (4_000_000.0, 2_000_000.0), "none");
    s.peer(PUBLISHER, PeerInput::ConnectionState(ConnectionState::Disconnected));
    let set = sample(&mut s, &mut bytes, 5, (50_000.0, 0.0), "bandwidth");
    assert!(set.is_empty(), "decided on a dead path: {set:?}");
    // Connected again on a slow link: the controller acts.
    s.peer(PUBLISHER, PeerInput::ConnectionState(ConnectionState::Connected));
    let set = sample(&mut s, &mut bytes, 2, (900_000.0, 800_000.0), "bandwidth");
    assert_eq!(
        set.first().map(|e| active(e)),
        Some(vec![(Some("q"), true), (Some("h"), true), (Some("f"), false)])
    );
}

#[test]
fn a_camera_published_again_on_its_idle_sender_is_adapted_again() {
    let (mut s, _, _) = publishing(true);
    let mut bytes = 0;
    let _ = sample(&mut s, &mut bytes, 4, (4_000_000.0, 2_000_000.0), "none");
    s.room.unpublish("cam").unwrap();
    s.drain();
    s.negotiate(PUBLISHER, PUB, &[]);
    s.room.publish(LocalTrack { track_id: "cam-2".into(), ..camera() }).unwrap();
    s.drain();
    // On the idle sender and its mid (`unpublish::publishing_the_camera_again_…`).
    s.negotiate(PUBLISHER, PUB, &[]);
    // The same sender, the same decision as for the first capture.
    let _ = sample(&mut s, &mut bytes, 4, (4_000_000.0, 2_000_000.0), "none");
    let set = sample(&mut s, &mut bytes, 2, (900_000.0, 800_000.0), "bandwidth");
    let first = set.first().expect("a decision within 2 s on the camera published again");
    assert_eq!(active(first), [(Some("q"), true), (Some("h"), true), (Some("f"), false)]);
}

#[test]
fn a_key_frame_request_for_a_layer_bitrate_control_switched_off_restarts_nothing() {
    // Publishing as feed ME, subscribed to 902 (whose requests arrive on
    // our subscriber connection).
    let mut s = subscribed(&[902]);
    s.room.publish(camera()).unwrap();
    s.drain();
    s.negotiate(PUBLISHER, PUB, &[("cam", "0")]);
    s.peer(PUBLISHER, PeerInput::ConnectionState(ConnectionState::Connected));
    let mut bytes = 0;
    let _ = sample(&mut s, &mut bytes, 10, (4_000_000.0, 2_000_000.0), "none");
    let set = sample(&mut s, &mut bytes, 2, (900_000.0, 800_000.0), "bandwidth");
    assert_eq!(
        set.last().map(|e| active(e)),
        Some(vec![(Some("q"), true), (Some("h"), true), (Some("f"), false)])
    );
    let restarts = |s: &Sfu| {
        s.outs
            .iter()
            .filter_map(|o| match o {
                RoomOutput::Pc { cmd: PcCommand::RestartLayer(l), .. } => Some(l.rid),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    for substream in [2, 1] {
        let data = Payload::Text(format!("\0rtcroom:kf {ME} 0 {substream}"));
        s.peer(SUBSCRIBER, PeerInput::RelayedMessage { label: "902".into(), data });
    }
    // `f` is off: no key frame to make, and bitrate control's decision stands.
    assert_eq!(restarts(&s), ["h"]);
}

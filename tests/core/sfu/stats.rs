//! Stats and quality in an SFU room: every connection to Janus is sampled
//! once connected; `stats(participant)` is what the subscriber connection
//! receives on that participant's mids, with its own quality level and
//! `quality-changed` events; `stats("sfu-…")` is a whole connection.

use super::*;
use rtcroom::core::sfu::room::adaptive::View;
use rtcroom::core::{ConnectionState, InboundStats, PairStats, Quality, StatsSnapshot};

/// What has arrived so far on one subscriber mid.
#[derive(Clone, Copy, Default)]
struct Flow {
    packets: u64,
    lost: i64,
    bytes: u64,
}

/// Subscribed to feeds 901 (mids 0, 1) and 902 (mids 2, 3), the subscriber
/// connection connected.
fn two_participants() -> Sfu {
    let mut s = subscribed(&[901, 902]);
    s.peer(SUBSCRIBER, PeerInput::ConnectionState(ConnectionState::Connected));
    s
}

fn snapshot(flows: &[Flow; 4]) -> StatsSnapshot {
    let inbound = flows
        .iter()
        .enumerate()
        .map(|(i, f)| InboundStats {
            kind: if i % 2 == 0 { TrackKind::Audio } else { TrackKind::Video },
            mid: Some(i.to_string()),
            bytes_received: f.bytes,
            packets_received: f.packets,
            packets_lost: f.lost,
            jitter_ms: Some(if i < 2 { 2.0 } else { 9.0 }),
            frame_width: (i % 2 == 1).then_some(if i == 1 { 640 } else { 320 }),
            frame_height: (i % 2 == 1).then_some(if i == 1 { 360 } else { 180 }),
            frames_per_second: (i % 2 == 1).then_some(30.0),
            frames_decoded: f.packets,
            freeze_count: 0,
            total_freezes_duration_s: 0.0,
        })
        .collect::<Vec<_>>();
    let total: u64 = flows.iter().map(|f| f.bytes).sum();
    StatsSnapshot {
        bytes_received: total + 1_000,
        pair: Some(PairStats {
            bytes_received: total + 1_000,
            rtt_ms: Some(4.0),
            local_candidate_type: Some("host".into()),
            remote_candidate_type: Some("host".into()),
            ..Default::default()
        }),
        inbound,
        ..Default::default()
    }
}

/// Runs `secs` seconds, answering every `getStats()` of the subscriber
/// connection: each 400 ms interval mid `i` gets `step[i]` more.
fn run(s: &mut Sfu, flows: &mut [Flow; 4], secs: u64, step: [Flow; 4]) -> Vec<RoomOutput> {
    let mut out = Vec::new();
    let mut asked = 0;
    for _ in 0..secs * 10 {
        for o in s.advance(100) {
            if let RoomOutput::Pc { peer, cmd: PcCommand::GetStats } = &o {
                if peer != SUBSCRIBER {
                    continue;
                }
                asked += 1;
                for (f, d) in flows.iter_mut().zip(step) {
                    f.packets += d.packets;
                    f.lost += d.lost;
                    f.bytes += d.bytes;
                }
                out.extend(s.peer(SUBSCRIBER, PeerInput::Stats(snapshot(flows))));
            }
        }
    }
    assert!(asked * 400 >= secs * 1_000 - 400, "a sample every 400 ms: {asked} in {secs} s");
    out
}

fn flow(packets: u64, lost: i64, bytes: u64) -> Flow {
    Flow { packets, lost, bytes }
}

fn quality_changes(out: &[RoomOutput]) -> Vec<(String, Quality)> {
    out.iter()
        .filter_map(|o| match o {
            RoomOutput::Event(RoomEvent::QualityChanged { participant, quality }) => {
                Some((participant.clone(), *quality))
            }
            _ => None,
        })
        .collect()
}

const CLEAN: Flow = Flow { packets: 40, lost: 0, bytes: 20_000 };

#[test]
fn a_participants_stats_are_what_the_subscriber_connection_receives_on_their_mids() {
    let mut s = two_participants();
    let mut flows = [Flow::default(); 4];
    // 901: 50 kB per 400 ms (1 Mbit/s) clean; 902: 10 kB per 400 ms
    // (200 kbit/s) with a fifth of its packets lost.
    let out = run(
        &mut s,
        &mut flows,
        4,
        [flow(50, 0, 5_000), flow(50, 0, 45_000), flow(40, 10, 2_000), flow(40, 10, 8_000)],
    );
    let a = s.room.stats("901").expect("901's stats").clone();
    let b = s.room.stats("902").expect("902's stats").clone();
    assert_eq!(a.bitrate_in, 1_000_000);
    assert_eq!(b.bitrate_in, 200_000);
    assert_eq!((a.bitrate_out, a.layers_out.len()), (0, 0), "what we send is not theirs");
    assert_eq!(a.loss_percent, 0.0);
    assert!((b.loss_percent - 20.0).abs() < 0.01, "{}", b.loss_percent);
    assert_eq!((a.jitter_ms, b.jitter_ms), (Some(2.0), Some(9.0)));
    assert_eq!(a.rtt_ms, Some(4.0), "our path to Janus");
    assert_eq!(a.local_candidate_type.as_deref(), Some("host"));
    let widths = |v: &[rtcroom::core::stats::VideoIn]| {
        v.iter().map(|v| (v.mid.clone(), v.width)).collect::<Vec<_>>()
    };
    assert_eq!(widths(&a.video_in), [(Some("1".into()), Some(640))]);
    assert_eq!(widths(&b.video_in), [(Some("3".into()), Some(320))]);
    assert_eq!((a.quality, b.quality), (Quality::Excellent, Quality::Poor));
    // Each participant's own events (the first sample has no loss window
    // yet: excellent, as for a mesh connection).
    let of = |who: &str| {
        quality_changes(&out)
            .into_iter()
            .filter(|(p, _)| p == who)
            .map(|(_, q)| q)
            .collect::<Vec<_>>()
    };
    assert_eq!(of("901"), [Quality::Excellent]);
    assert_eq!(of("902"), [Quality::Excellent, Quality::Poor]);
    // The connection as a whole: everything received.
    let all = s.room.stats(SUBSCRIBER).expect("the subscriber connection's stats");
    assert_eq!(all.video_in.len(), 2);
    assert_eq!(all.bitrate_in, 1_200_000);
    assert!(s.room.stats("903").is_none() && s.room.stats(PUBLISHER).is_none());
}

#[test]
fn a_participant_whose_media_stops_is_lost_while_the_other_stays_excellent() {
    let mut s = two_participants();
    let mut flows = [Flow::default(); 4];
    let _ = run(&mut s, &mut flows, 3, [CLEAN; 4]);
    let out = run(&mut s, &mut flows, 3, [Flow::default(), Flow::default(), CLEAN, CLEAN]);
    assert_eq!(quality_changes(&out), [("901".into(), Quality::Lost)]);
    assert_eq!(s.room.stats("901").map(|x| x.quality), Some(Quality::Lost));
    assert_eq!(s.room.stats("902").map(|x| x.quality), Some(Quality::Excellent));
    // Back: excellent again (after the hysteresis), and said once.
    let out = run(&mut s, &mut flows, 3, [CLEAN; 4]);
    assert_eq!(quality_changes(&out), [("901".into(), Quality::Excellent)]);
}

#[test]
fn a_participant_whose_streams_are_paused_or_muted_is_not_lost() {
    let mut s = two_participants();
    let mut flows = [Flow::default(); 4];
    let _ = run(&mut s, &mut flows, 3, [CLEAN; 4]);
    // 901's video hidden (paused) and its microphone muted: nothing of
    // theirs arrives, but nothing is expected to.
    s.room.set_video_size(s.now, "t1", View { width: 640, height: 360, visible: false }).unwrap();
    let list = json!([{"id":901,"display":"p901","streams":[
        {"type":"audio","mindex":0,"mid":"0","codec":"opus","description":"microphone;muted"},
        {"type":"video","mindex":1,"mid":"1","codec":"vp8","simulcast":true}]}, publisher(902)]);
    s.push_event(PUB, json!({"videoroom":"event","room":ROOM,"publishers":list}), None);
    let out = run(&mut s, &mut flows, 4, [Flow::default(), Flow::default(), CLEAN, CLEAN]);
    assert_eq!(quality_changes(&out), []);
    assert_eq!(s.room.stats("901").map(|x| x.quality), Some(Quality::Excellent));
}

#[test]
fn a_participant_who_leaves_has_no_stats() {
    let mut s = two_participants();
    let mut flows = [Flow::default(); 4];
    let _ = run(&mut s, &mut flows, 2, [CLEAN; 4]);
    assert!(s.room.stats("902").is_some());
    s.push_event(PUB, json!({"videoroom":"event","room":ROOM,"leaving":902}), None);
    let _ = run(&mut s, &mut flows, 1, [CLEAN; 4]);
    assert!(s.room.stats("902").is_none());
    assert!(s.room.stats("901").is_some());
}

/// The adaptive stream asked for the top layer; Janus forwards the lowest
/// (the publisher's upper layers are off): two layers missing.
#[test]
fn layers_missing_from_what_the_adaptive_stream_asked_cap_the_participants_quality() {
    let mut s = two_participants();
    let mut flows = [Flow::default(); 4];
    s.room.set_video_size(s.now, "t1", View { width: 1280, height: 720, visible: true }).unwrap();
    s.push_event(SUB, json!({"videoroom":"event","room":ROOM,"mid":"1","substream":0}), None);
    let _ = run(&mut s, &mut flows, 3, [CLEAN; 4]);
    assert_eq!(s.room.stats("901").map(|x| x.quality), Some(Quality::Poor));
    assert_eq!(s.room.stats("902").map(|x| x.quality), Some(Quality::Excellent));
    s.push_event(SUB, json!({"videoroom":"event","room":ROOM,"mid":"1","substream":1}), None);
    let _ = run(&mut s, &mut flows, 2, [CLEAN; 4]);
    assert_eq!(s.room.stats("901").map(|x| x.quality), Some(Quality::Good));
    s.push_event(SUB, json!({"videoroom":"event","room":ROOM,"mid":"1","substream":2}), None);
    let out = run(&mut s, &mut flows, 2, [CLEAN; 4]);
    assert_eq!(quality_changes(&out), [("901".into(), Quality::Excellent)]);
}

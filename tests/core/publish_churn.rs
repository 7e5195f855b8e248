//! Unpublish/publish churn (issue 5, defect 9): an unpublished track leaves
//! its sender idle and the next track of that kind reuses it, so a
//! connection keeps as many transceivers as its busiest moment needed, and
//! every re-published track reaches the other side as a `track` event on
//! the receiver it had, whose media is the new track's.

use crate::room_world::{track_in, App, RoomConfig as WorldConfig, RoomWorld};
use crate::sched::{Delay, Draws, Rng};
use rtcroom::core::{LocalTrack, RoomEvent, TrackKind, TrackSource};

/// One recvonly audio and one video transceiver: the impolite side's first
/// offer makes them, and both sides' cameras and microphones share them.
const TRANSCEIVERS: usize = 2;

/// The driver keeps one stream per source group, so it survives unpublish.
fn camera(side: usize, n: usize) -> LocalTrack {
    track_in(
        &format!("cam{side}-{n}"),
        &format!("user{side}"),
        TrackKind::Video,
        TrackSource::Camera,
    )
}

fn microphone(side: usize, n: usize) -> LocalTrack {
    let (id, stream) = (format!("mic{side}-{n}"), format!("user{side}"));
    track_in(&id, &stream, TrackKind::Audio, TrackSource::Microphone)
}

/// A custom track comes in a stream of its own, new with every publish.
fn custom(side: usize, n: usize) -> LocalTrack {
    let (id, stream) = (format!("canvas{side}-{n}"), format!("canvas-stream{side}-{n}"));
    track_in(&id, &stream, TrackKind::Video, TrackSource::Custom)
}

/// Two clients joined, connected and settled.
fn pair(cfg: WorldConfig) -> RoomWorld {
    let mut w = RoomWorld::new(cfg, 2);
    w.join(0);
    w.join(1);
    w.run();
    w
}

/// `Track` events client `viewer` got from client `from`, as (receiver
/// track id, source).
fn tracks_from(w: &RoomWorld, viewer: usize, from: usize) -> Vec<(String, TrackSource)> {
    let from = w.clients[from].id().to_owned();
    w.clients[viewer]
        .events
        .iter()
        .filter_map(|e| match e {
            RoomEvent::Track { participant, track_id, source, .. } if *participant == from => {
                Some((track_id.clone(), *source))
            }
            _ => None,
        })
        .collect()
}

fn removed_from(w: &RoomWorld, viewer: usize, from: usize) -> usize {
    let from = w.clients[from].id().to_owned();
    w.clients[viewer]
        .events
        .iter()
        .filter(
            |e| matches!(e, RoomEvent::TrackRemoved { participant, .. } if *participant == from),
        )
        .count()
}

/// Transceivers on each client's connection to the other.
fn transceivers(w: &RoomWorld) -> [usize; 2] {
    [0, 1].map(|i| w.clients[i].pcs.values().map(|pc| pc.transceivers().len()).sum())
}

/// The receiver track (as `viewer`'s driver names it) that carries the
/// media of `from`'s `track_id`: `from` sends it on an m-section that
/// `viewer` receives on. `None` if it does not arrive.
fn receiver_of(w: &RoomWorld, viewer: usize, from: usize, track_id: &str) -> Option<String> {
    let (viewer_id, from_id) = (w.clients[viewer].id(), w.clients[from].id());
    let sending = &w.clients[from].pcs[viewer_id];
    let t = sending
        .transceivers()
        .iter()
        .find(|t| t.sender.is_some() && t.track.as_deref() == Some(track_id))?;
    let mid = t.mid.as_deref()?;
    let receiving = &w.clients[viewer].pcs[from_id];
    let r = receiving.transceivers().iter().find(|r| r.mid.as_deref() == Some(mid))?;
    r.fired_recv.then(|| format!("recv-{viewer_id}{from_id}-{mid}"))
}

/// Ten paced cycles per side, as the issue reported: each side in turn
/// unpublishes its camera, then publishes a new camera track. Before the
/// fix every publish added an m-section (2 → 12 transceivers).
#[test]
fn ten_paced_unpublish_publish_cycles_per_side_reuse_transceivers_and_deliver_each_track() {
    let mut w = pair(WorldConfig::default());
    for side in 0..2 {
        w.publish(side, camera(side, 0)).unwrap();
        w.publish(side, microphone(side, 0)).unwrap();
    }
    w.run();
    w.assert_settled();
    assert_eq!(transceivers(&w), [TRANSCEIVERS; 2]);
    for cycle in 1..=10 {
        for (side, viewer) in [(0, 1), (1, 0)] {
            let what = format!("side {side}, cycle {cycle}");
            let removed = removed_from(&w, viewer, side);
            w.unpublish(side, &camera(side, cycle - 1).track_id).unwrap();
            w.run();
            assert_eq!(removed_from(&w, viewer, side), removed + 1, "{what}: track-removed");
            let before = tracks_from(&w, viewer, side);
            let cam = camera(side, cycle);
            w.publish(side, cam.clone()).unwrap();
            w.run();
            w.assert_settled();
            let got = tracks_from(&w, viewer, side);
            assert_eq!(got.len(), before.len() + 1, "{what}: one track event for the new camera");
            let (receiver, source) = got.last().cloned().expect("a track");
            assert_eq!(source, TrackSource::Camera, "{what}");
            // The receiver the app had before, now with the new camera's media.
            let camera_receiver = before.iter().find(|t| t.1 == TrackSource::Camera);
            assert_eq!(Some(&receiver), camera_receiver.map(|t| &t.0), "{what}: same receiver");
            assert_eq!(receiver_of(&w, viewer, side, &cam.track_id), Some(receiver), "{what}");
            assert_eq!(transceivers(&w), [TRANSCEIVERS; 2], "{what}");
            let peer = w.clients[viewer].id().to_owned();
            assert_eq!(w.clients[side].core.sender_count(&peer), Some(2), "{what}: senders");
        }
    }
}

/// Unpublish and publish in one go, before anything was negotiated: the
/// new track takes the idle sender at once (no renegotiation), and the
/// remote shows it on the receiver it has, though the browser fires no new
/// `track` for it.
#[test]
fn unpublishing_and_publishing_at_once_shows_the_new_track_on_the_same_receiver() {
    let mut w = pair(WorldConfig::default());
    w.publish(0, camera(0, 0)).unwrap();
    w.run();
    let first = tracks_from(&w, 1, 0);
    assert_eq!(first.len(), 1);
    for cycle in 1..=5 {
        let offers = w.clients[0].pcs.values().map(|pc| pc.negotiation_needed_fired).sum::<u32>();
        w.unpublish(0, &camera(0, cycle - 1).track_id).unwrap();
        w.publish(0, camera(0, cycle)).unwrap();
        w.run();
        w.assert_settled();
        let got = tracks_from(&w, 1, 0);
        assert_eq!(got.len(), cycle + 1, "cycle {cycle}");
        assert_eq!(got[cycle].0, first[0].0, "cycle {cycle}: same receiver");
        assert_eq!(receiver_of(&w, 1, 0, &camera(0, cycle).track_id), Some(first[0].0.clone()));
        assert_eq!(transceivers(&w), [TRANSCEIVERS; 2], "cycle {cycle}");
        let now = w.clients[0].pcs.values().map(|pc| pc.negotiation_needed_fired).sum::<u32>();
        assert_eq!(now, offers, "cycle {cycle}: nothing to renegotiate");
    }
}

/// A track unpublished before its first negotiation leaves a sender too,
/// and the next track of that kind takes it.
#[test]
fn a_track_unpublished_before_it_was_negotiated_leaves_a_sender_the_next_one_reuses() {
    let mut w = pair(WorldConfig::default());
    w.publish(0, camera(0, 0)).unwrap();
    w.unpublish(0, &camera(0, 0).track_id).unwrap();
    w.publish(0, camera(0, 1)).unwrap();
    let peer = w.clients[1].id().to_owned();
    assert_eq!(w.clients[0].core.sender_count(&peer), Some(1));
    w.run();
    w.assert_settled();
    let got = tracks_from(&w, 1, 0);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(receiver_of(&w, 1, 0, &camera(0, 1).track_id), Some(got[0].0.clone()));
    assert_eq!(transceivers(&w), [TRANSCEIVERS; 2]);
}

/// A custom track comes in a new stream each time: reusing the idle sender
/// changes its stream, which renegotiates, and the remote's `track` event
/// for the new stream re-associates the receiver.
#[test]
fn a_track_in_a_new_stream_reuses_the_idle_sender_and_the_receiver_follows_the_stream() {
    let mut w = pair(WorldConfig::default());
    w.publish(0, custom(0, 0)).unwrap();
    w.run();
    for n in 1..=5 {
        w.unpublish(0, &custom(0, n - 1).track_id).unwrap();
        w.run();
        w.publish(0, custom(0, n)).unwrap();
        w.run();
        w.assert_settled();
        let got = tracks_from(&w, 1, 0);
        assert_eq!(got.len(), n + 1, "publish {n}");
        assert_eq!(got[n].1, TrackSource::Custom);
        let stream = w.clients[1].events.iter().rev().find_map(|e| match e {
            RoomEvent::Track { stream_id, .. } => Some(stream_id.clone()),
            _ => None,
        });
        assert_eq!(stream, Some(custom(0, n).stream_id), "publish {n}");
        assert_eq!(receiver_of(&w, 1, 0, &custom(0, n).track_id), Some(got[n].0.clone()));
        assert_eq!(transceivers(&w), [TRANSCEIVERS; 2], "publish {n}");
    }
    // The camera after a custom track: the same sender, back to the camera's stream.
    w.unpublish(0, &custom(0, 5).track_id).unwrap();
    w.publish(0, camera(0, 0)).unwrap();
    w.run();
    w.assert_settled();
    let got = tracks_from(&w, 1, 0);
    assert_eq!(got.last().map(|t| t.1), Some(TrackSource::Camera));
    assert_eq!(receiver_of(&w, 1, 0, &camera(0, 0).track_id), got.last().map(|t| t.0.clone()));
    assert_eq!(transceivers(&w), [TRANSCEIVERS; 2]);
}

/// Seeded: both sides churn camera, microphone and a custom video track at
/// random, overlapping times with random latencies (renegotiations for
/// stream changes and new senders collide). Senders never exceed one per
/// published slot, transceivers stay within what the busiest moment needs,
/// every connection settles, and each side shows exactly the other's last
/// published tracks, each on the receiver that gets its media.
#[test]
fn random_churn_from_both_sides_stays_bounded_and_delivers_the_last_tracks() {
    type Make = fn(usize, usize) -> LocalTrack;
    let slots: [(Make, TrackSource); 3] = [
        (camera, TrackSource::Camera),
        (microphone, TrackSource::Microphone),
        (custom, TrackSource::Custom),
    ];
    for seed in 0..60u64 {
        let mut r = Rng::new(seed);
        let cfg = WorldConfig {
            seed,
            signal_delay: Delay::Range(0, r.range(1, 40)),
            op_delay: Delay::Range(0, r.range(0, 20)),
            gather_delay: Delay::Range(0, 10),
            ice_delay: Delay::Range(1, 40),
            ..WorldConfig::default()
        };
        let mut w = pair(cfg);
        // Per side and slot: the number of the track published now.
        let mut live: [[Option<usize>; 3]; 2] = [[None; 3]; 2];
        let mut n = 0;
        let mut t = w.now();
        for _ in 0..80 {
            t += r.range(0, 60);
            let side = r.range(0, 1) as usize;
            let slot = r.range(0, 2) as usize;
            let make = slots[slot].0;
            let app = match live[side][slot].take() {
                Some(k) => App::Unpublish(make(side, k).track_id),
                None => {
                    n += 1;
                    live[side][slot] = Some(n);
                    App::Publish(make(side, n))
                }
            };
            w.at(t, side, app);
        }
        // Two video senders per side at most: the initial two transceivers
        // plus one per side for the second video.
        let bound = TRANSCEIVERS + 2;
        let mut most = [0; 2];
        w.run_until(t + 1, |w| {
            let now = transceivers(w);
            most = [most[0].max(now[0]), most[1].max(now[1])];
            false
        });
        w.run();
        w.assert_settled();
        assert!(most.iter().all(|&m| m <= bound), "seed {seed}: {most:?}");
        for (viewer, from) in [(0, 1), (1, 0)] {
            let peer = w.clients[viewer].id().to_owned();
            let senders = w.clients[from].core.sender_count(&peer);
            assert!(senders <= Some(3), "seed {seed}: {senders:?} senders");
            // The app's view: track events minus track-removed.
            let from_id = w.clients[from].id().to_owned();
            let mut shown: Vec<(TrackSource, String)> = Vec::new();
            for e in &w.clients[viewer].events {
                match e {
                    RoomEvent::Track { participant, source, track_id, .. }
                        if *participant == from_id =>
                    {
                        assert!(shown.iter().all(|s| s.0 != *source), "seed {seed}: {e:?} twice");
                        shown.push((*source, track_id.clone()));
                    }
                    RoomEvent::TrackRemoved { participant, source, .. }
                        if *participant == from_id =>
                    {
                        shown.retain(|s| s.0 != *source);
                    }
                    _ => {}
                }
            }
            shown.sort_by_key(|s| s.0.as_str());
            let mut expected: Vec<(TrackSource, String)> = Vec::new();
            for (slot, (make, source)) in slots.iter().enumerate() {
                if let Some(k) = live[from][slot] {
                    let receiver = receiver_of(&w, viewer, from, &make(from, k).track_id);
                    let receiver = receiver.unwrap_or_else(|| {
                        panic!("seed {seed}: client {viewer} gets no media of {source:?}")
                    });
                    expected.push((*source, receiver));
                }
            }
            expected.sort_by_key(|s| s.0.as_str());
            assert_eq!(shown, expected, "seed {seed}: client {viewer} shows of {from}");
        }
    }
}

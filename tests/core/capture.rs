//! A capture in progress when a connection is first negotiated: its track
//! rides the first offer or answer instead of a second round.

use crate::room_world::{track, App, RoomConfig, RoomWorld};
use crate::sim_pc::OpKind;
use rtcroom::core::{PeerState, RoomEvent, SdpType, TrackKind, TrackSource, CAPTURE_WAIT};

/// Offers applied, over every connection of the world (one per negotiation round).
fn offers_applied(w: &RoomWorld) -> usize {
    w.clients
        .iter()
        .flat_map(|c| c.pcs.values())
        .flat_map(|pc| pc.ops.iter())
        .filter(|o| o.kind == OpKind::SetRemote(SdpType::Offer) && o.result.is_ok())
        .count()
}

/// Every client has a connected connection.
fn all_connected(w: &RoomWorld) -> bool {
    w.clients.iter().all(|c| {
        c.events
            .iter()
            .any(|e| matches!(e, RoomEvent::ParticipantState { state: PeerState::Connected, .. }))
    })
}

/// Two clients join at once, each starting a camera capture as it joins
/// (the usual `await Room.join(); room.publishCamera()`), done after `ms`.
fn both_join_and_capture(ms: u64) -> RoomWorld {
    let mut w = RoomWorld::new(RoomConfig::default(), 2);
    for i in 0..2 {
        w.join(i);
        w.app(i, App::BeginCapture).unwrap();
        let cam = track(&format!("cam{i}"), TrackKind::Video, TrackSource::Camera);
        w.at(w.now() + ms, i, App::EndCapture(Some(cam)));
    }
    w.run();
    w
}

#[test]
fn tracks_captured_while_joining_ride_the_first_offer_and_answer() {
    let w = both_join_and_capture(40);
    for i in 0..2 {
        assert_eq!(w.clients[i].tracks().len(), 1, "client {i} got the other's camera");
    }
    assert_eq!(offers_applied(&w), 1, "one offer/answer round carried both cameras");
    w.assert_settled();
}

#[test]
fn without_a_capture_hold_a_late_camera_needs_a_second_round() {
    // The same timing with the camera published without begin_capture:
    // the connection is negotiated before the track exists.
    let mut w = RoomWorld::new(RoomConfig::default(), 2);
    for i in 0..2 {
        w.join(i);
        let cam = track(&format!("cam{i}"), TrackKind::Video, TrackSource::Camera);
        w.at(w.now() + 40, i, App::Publish(cam));
    }
    w.run();
    for i in 0..2 {
        assert_eq!(w.clients[i].tracks().len(), 1);
    }
    assert!(offers_applied(&w) >= 2, "the control case: {} offers", offers_applied(&w));
}

#[test]
fn a_capture_that_never_ends_holds_negotiation_only_for_the_capture_wait() {
    // A permission prompt left open: connections go on after CAPTURE_WAIT.
    let mut w = RoomWorld::new(RoomConfig::default(), 2);
    let t0 = w.now();
    for i in 0..2 {
        w.join(i);
        w.app(i, App::BeginCapture).unwrap();
    }
    let connected = w.run_until(t0 + CAPTURE_WAIT + 2_000, all_connected);
    assert!(connected, "the connection came up after the wait");
    assert!(w.now() >= t0 + CAPTURE_WAIT, "not before the wait: {} ms", w.now() - t0);
}

#[test]
fn a_failed_capture_releases_the_hold_at_once() {
    let mut w = RoomWorld::new(RoomConfig::default(), 2);
    let t0 = w.now();
    for i in 0..2 {
        w.join(i);
        w.app(i, App::BeginCapture).unwrap();
        w.at(w.now() + 30, i, App::EndCapture(None));
    }
    let connected = w.run_until(t0 + CAPTURE_WAIT, all_connected);
    assert!(connected, "connected well before the capture wait");
    w.run();
    w.assert_settled();
}

/// Two clients join at once and each starts its camera capture only when its
/// own join has resolved, as an app does (`await Room.join(); publishCamera()`):
/// by then the newcomer's connection to the member it found in `welcome`
/// already exists in the core.
fn join_then_capture(cfg: RoomConfig, ids_after: u32, ms: u64) -> RoomWorld {
    let mut w = RoomWorld::new(cfg, 2);
    w.ids_after(ids_after);
    w.join(0);
    w.join(1);
    let deadline = w.now() + 5_000;
    let mut started = [false; 2];
    while started.iter().any(|s| !s) {
        let joined_now =
            |w: &RoomWorld, s: &[bool; 2]| (0..2).find(|&i| !s[i] && w.clients[i].core.is_joined());
        assert!(w.run_until(deadline, |w| joined_now(w, &started).is_some()), "both joined");
        let Some(i) = joined_now(&w, &started) else { unreachable!() };
        started[i] = true;
        w.app(i, App::BeginCapture).unwrap();
        let cam = track(&format!("cam{i}"), TrackKind::Video, TrackSource::Camera);
        w.at(w.now() + ms, i, App::EndCapture(Some(cam)));
    }
    w.run();
    w
}

#[test]
fn a_capture_started_when_the_join_resolves_rides_the_first_offer_whichever_side_offers() {
    // Either the newcomer or the member may be the impolite one (the ids
    // decide): in both cases the first offer waits for the capture, so one
    // round carries both cameras. Before the fix the newcomer's connection,
    // built at `welcome`, made its first offer without the camera.
    let mut impolite = [false; 2];
    for (seed, ids_after) in [(1, 0), (2, 0), (1, 8), (2, 8)] {
        let w = join_then_capture(RoomConfig { seed, ..RoomConfig::default() }, ids_after, 40);
        for (i, (client, offered)) in w.clients.iter().zip(impolite.iter_mut()).enumerate() {
            assert_eq!(client.tracks().len(), 1, "seed {seed}: client {i} got the other's camera");
            *offered |= client.created.iter().any(|(_, polite)| !polite);
        }
        assert_eq!(
            offers_applied(&w),
            1,
            "seed {seed}: one offer/answer round carried both cameras"
        );
        w.assert_settled();
    }
    assert_eq!(impolite, [true, true], "the newcomer offered in some runs, the member in others");
}

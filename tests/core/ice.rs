//! Path loss and recovery between two simulated peers: detection from
//! stalled inbound bytes and ICE states, one restarting side, back-off,
//! waiting for signaling, giving up.

use crate::world::{Action, Config, World, A, B};
use rtcroom::core::recovery::{
    GIVE_UP_AFTER, RETRY_AFTER, STALL_AFTER, STATS_INTERVAL, TAKEOVER_AFTER,
};
use rtcroom::core::{IceConnectionState, Millis, PeerEvent, PeerState};

/// A is polite (Config default), so B is the side that restarts.
fn connected() -> World {
    let mut w = World::new(Config::default());
    w.connect();
    // Let stats arm the stall detector on both sides.
    let t = w.now() + 3_000;
    w.run_to(t).unwrap();
    for side in [A, B] {
        assert_eq!(w.sides[side].pc.ice_state(), IceConnectionState::Connected);
        assert_eq!(w.sides[side].session.state(), PeerState::Connected);
        assert!(w.sides[side].pc.stats_calls > 3, "stats are polled while connected");
    }
    w
}

fn blackhole(w: &mut World, on: bool) {
    w.sides[A].pc.blackholed = on;
    w.sides[B].pc.blackholed = on;
}

fn states(w: &World, side: usize) -> Vec<(PeerState, Option<&'static str>)> {
    w.sides[side]
        .events
        .iter()
        .filter_map(|e| match e {
            PeerEvent::State { state, reason } => Some((*state, *reason)),
            _ => None,
        })
        .collect()
}

#[test]
fn stalled_media_is_detected_within_two_seconds_and_only_one_side_restarts() {
    let mut w = connected();
    let t0 = w.now();
    blackhole(&mut w, true);
    w.run_until(|w| w.sides[B].pc.restart_ice_calls > 0).unwrap();
    let detected = w.now() - t0;
    assert!(detected <= 2_000, "restart began {detected} ms after the loss");
    assert!(detected >= STALL_AFTER - STATS_INTERVAL, "not before the stall limit ({detected} ms)");
    assert_eq!(w.sides[A].pc.restart_ice_calls, 0, "the polite side waits");
    w.run_to(t0 + 2_000).unwrap();
    for side in [A, B] {
        assert_eq!(
            states(&w, side).last(),
            Some(&(PeerState::Reconnecting, Some("media-stalled"))),
            "side {side}"
        );
    }
    // The impolite side's restart offer reached A: A does not take over.
    w.run_to(t0 + 2_000 + TAKEOVER_AFTER + 100).unwrap();
    assert_eq!(w.sides[A].pc.restart_ice_calls, 0);
}

#[test]
fn restarts_repeat_with_back_off_until_the_path_returns() {
    let mut w = connected();
    let t0 = w.now();
    blackhole(&mut w, true);
    w.run_to(t0 + 20_000).unwrap();
    let restarts = w.sides[B].pc.restart_ice_calls;
    // First at ~1.2 s, then 2, 2, 3, 4, 4 … s apart.
    let mut t = STALL_AFTER + 400;
    let mut expected = 0;
    let mut n = 0;
    while t <= 20_000 {
        expected += 1;
        n += 1;
        t += RETRY_AFTER.get(n - 1).or(RETRY_AFTER.last()).copied().unwrap();
    }
    assert!(
        restarts.abs_diff(expected) <= 1,
        "{restarts} restarts in 20 s, expected about {expected}"
    );
    assert_eq!(w.sides[A].pc.restart_ice_calls, 0, "still one-sided");
    blackhole(&mut w, false);
    let back = w.now();
    w.run_until(|w| w.sides[B].session.state() == PeerState::Connected).unwrap();
    assert!(w.now() - back <= 1_000, "media back {} ms after the path", w.now() - back);
    w.run_to(w.now() + 1_000).unwrap();
    for side in [A, B] {
        assert_eq!(w.sides[side].session.state(), PeerState::Connected, "side {side}");
        assert_eq!(states(&w, side).last(), Some(&(PeerState::Connected, Some("recovered"))));
    }
    let after = w.sides[B].pc.restart_ice_calls;
    w.run_to(w.now() + 10_000).unwrap();
    assert_eq!(w.sides[B].pc.restart_ice_calls, after, "no restart once recovered");
}

#[test]
fn both_sides_send_key_frames_once_when_the_path_comes_back() {
    let mut w = connected();
    let t0 = w.now();
    blackhole(&mut w, true);
    w.run_to(t0 + 8_000).unwrap();
    let calls: Vec<u32> = w.sides.iter().map(|s| s.pc.stats_calls).collect();
    w.run_to(t0 + 10_000).unwrap();
    for side in [A, B] {
        assert_eq!(w.sides[side].pc.key_frame_refreshes, 0, "nothing to refresh while lost");
        // Sampled every 100 ms while recovering, so the path's return shows soon.
        let polls = w.sides[side].pc.stats_calls - calls[side];
        assert!(polls >= 18, "side {side}: {polls} getStats in 2 s of recovery");
    }
    blackhole(&mut w, false);
    let back = w.now();
    w.run_until(|w| w.sides.iter().all(|s| s.pc.key_frame_refreshes > 0)).unwrap();
    assert!(w.now() - back <= 250, "key frames {} ms after the path came back", w.now() - back);
    w.run_until(|w| w.sides.iter().all(|s| s.session.state() == PeerState::Connected)).unwrap();
    w.run_to(w.now() + 5_000).unwrap();
    for side in [A, B] {
        assert_eq!(w.sides[side].pc.key_frame_refreshes, 1, "side {side}: one refresh per loss");
    }
}

#[test]
fn a_path_that_never_returns_ends_failed_with_a_reason() {
    let mut w = connected();
    let t0 = w.now();
    blackhole(&mut w, true);
    w.run_to(t0 + GIVE_UP_AFTER + 3_000).unwrap();
    for side in [A, B] {
        assert_eq!(w.sides[side].session.state(), PeerState::Failed, "side {side}");
        assert_eq!(
            states(&w, side).last(),
            Some(&(PeerState::Failed, Some("ice-restart-exhausted")))
        );
        assert_eq!(w.sides[side].session.poll_timeout(), None, "never hangs on a timer");
    }
}

#[test]
fn the_polite_side_takes_over_when_no_restart_offer_comes() {
    let mut w = connected();
    let t0 = w.now();
    // Only A stops receiving: B sees nothing wrong.
    w.sides[A].pc.blackholed = true;
    w.run_to(t0 + STALL_AFTER + TAKEOVER_AFTER + 500).unwrap();
    assert_eq!(w.sides[B].pc.restart_ice_calls, 0);
    assert_eq!(w.sides[A].pc.restart_ice_calls, 1, "A restarts after waiting");
}

#[test]
fn failed_ice_is_a_loss_at_once() {
    let mut w = connected();
    w.act(B, Action::Ice(IceConnectionState::Failed));
    assert_eq!(w.sides[B].pc.restart_ice_calls, 1, "within the same input");
    assert!(w.sides[B].pc.needs_negotiation());
    w.run_to(w.now() + 3_000).unwrap();
    assert_eq!(w.sides[B].pc.ice_state(), IceConnectionState::Connected);
    assert_eq!(w.sides[B].session.state(), PeerState::Connected);
    assert_eq!(w.sides[A].pc.restart_ice_calls, 0);
}

#[test]
fn restarts_wait_while_signaling_is_down() {
    let mut w = connected();
    let t0 = w.now();
    // B's socket is down: nothing it sends reaches A, nor A's to B.
    for side in [A, B] {
        w.sides[side].session.handle_signaling(Millis(t0), false);
    }
    blackhole(&mut w, true);
    w.run_to(t0 + 8_000).unwrap();
    for side in [A, B] {
        assert_eq!(w.sides[side].pc.restart_ice_calls, 0, "an offer could not go out");
    }
    assert_eq!(w.sides[B].session.state(), PeerState::Reconnecting);
    w.sides[B].session.handle_signaling(Millis(t0 + 8_000), true);
    w.act(B, Action::Ice(IceConnectionState::Disconnected));
    assert_eq!(w.sides[B].pc.restart_ice_calls, 1, "at once when signaling is back");
}

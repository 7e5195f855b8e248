//! ICE path loss: restart on failure at once, after a prolonged disconnect
//! only.

use crate::world::{Action, Config, World, A, B};
use rtcroom::core::{IceConnectionState, Millis, DISCONNECTED_RESTART_AFTER};

fn connected() -> World {
    let mut w = World::new(Config::default());
    w.connect();
    for side in [A, B] {
        assert_eq!(w.sides[side].pc.ice_state(), IceConnectionState::Connected);
    }
    w
}

fn assert_restarted_and_reconnected(w: &World) {
    w.assert_converged();
    assert_eq!(w.sides[A].pc.local_ufrag(), Some("Au1"));
    assert_eq!(w.sides[B].pc.local_ufrag(), Some("Bu1"));
    assert_eq!(w.sides[A].pc.ice_state(), IceConnectionState::Connected);
}

#[test]
fn prolonged_disconnect_triggers_ice_restart() {
    let mut w = connected();
    let t0 = w.now();
    w.act(A, Action::Ice(IceConnectionState::Disconnected));
    let deadline = t0 + DISCONNECTED_RESTART_AFTER;
    assert_eq!(w.sides[A].session.poll_timeout(), Some(Millis(deadline)));
    w.run_to(deadline - 1).unwrap();
    assert_eq!(w.sides[A].pc.restart_ice_calls, 0, "not before the deadline");
    assert_eq!(w.sides[A].session.ice_restarts(), 0);
    w.run_to(deadline).unwrap();
    assert_eq!(w.sides[A].pc.restart_ice_calls, 1, "at the deadline");
    assert_eq!(w.sides[A].session.poll_timeout(), None);
    w.run().unwrap();
    assert_restarted_and_reconnected(&w);
    assert_eq!(w.sides[B].pc.restart_ice_calls, 0);
}

#[test]
fn reconnect_before_the_deadline_cancels_the_restart() {
    let mut w = connected();
    let t0 = w.now();
    w.act(A, Action::Ice(IceConnectionState::Disconnected));
    w.at(t0 + DISCONNECTED_RESTART_AFTER - 1, A, Action::Ice(IceConnectionState::Connected));
    w.run_to(t0 + DISCONNECTED_RESTART_AFTER - 1).unwrap();
    assert_eq!(w.sides[A].session.poll_timeout(), None, "the deadline is cancelled");
    w.run_to(t0 + 3 * DISCONNECTED_RESTART_AFTER).unwrap();
    assert_eq!(w.sides[A].session.poll_timeout(), None);
    assert_eq!(w.sides[A].pc.restart_ice_calls, 0);
    assert_eq!(w.sides[A].pc.local_ufrag(), Some("Au0"));
    // A second disconnect gets a fresh deadline.
    let t1 = w.now();
    w.act(A, Action::Ice(IceConnectionState::Disconnected));
    assert_eq!(w.sides[A].session.poll_timeout(), Some(Millis(t1 + DISCONNECTED_RESTART_AFTER)));
}

#[test]
fn failed_ice_restarts_immediately() {
    let mut w = connected();
    w.act(A, Action::Ice(IceConnectionState::Failed));
    // Within the same input, before any time passes.
    assert_eq!(w.sides[A].pc.restart_ice_calls, 1);
    assert_eq!(w.sides[A].session.ice_restarts(), 1);
    assert!(w.sides[A].pc.needs_negotiation());
    w.run().unwrap();
    assert_restarted_and_reconnected(&w);
}

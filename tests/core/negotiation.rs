//! Perfect negotiation: first offer, glare in both roles, WPT stress glare.

use crate::world::{Action, Config, World, A, B};
use rtcroom::core::{SdpType, SignalingState, TrackKind};
use rtcroom::proto::SignalData;

fn descriptions(w: &World, side: usize) -> Vec<SdpType> {
    w.sides[side]
        .sent
        .iter()
        .filter_map(|d| match d {
            SignalData::Description { sdp_type, .. } => Some(*sdp_type),
            _ => None,
        })
        .collect()
}

#[test]
fn first_negotiation_reaches_stable_on_both_sides() {
    for polite in [A, B] {
        let mut w = World::new(Config { polite, ..Config::default() });
        w.act(A, Action::AddTransceiver(TrackKind::Audio));
        w.run().unwrap();
        w.assert_converged();
        assert_eq!(descriptions(&w, A), [SdpType::Offer]);
        assert_eq!(descriptions(&w, B), [SdpType::Answer]);
        assert_eq!(w.sides[A].pc.transceivers().len(), 1);
        assert!(w.sides[B].pc.transceivers()[0].from_remote);
        assert_eq!(
            w.sides[A].pc.signaling_history,
            [SignalingState::HaveLocalOffer, SignalingState::Stable]
        );
        assert_eq!(
            w.sides[B].pc.signaling_history,
            [SignalingState::HaveRemoteOffer, SignalingState::Stable]
        );
    }
}

fn is_offer(d: &SignalData) -> bool {
    matches!(d, SignalData::Description { sdp_type: SdpType::Offer, .. })
}

/// Both sides add a transceiver at the same instant: both offers cross.
fn glare(polite: usize) -> World {
    let mut w = World::new(Config { polite, ..Config::default() });
    w.act(A, Action::AddTransceiver(TrackKind::Audio));
    w.act(B, Action::AddTransceiver(TrackKind::Video));
    w
}

/// Rollbacks the side performed: implicit (a remote offer in
/// have-local-offer) or explicit (chained before a colliding offer whose
/// mids clash with ours, for Chromium).
fn rollbacks(w: &World, side: usize) -> usize {
    w.sides[side]
        .pc
        .ops
        .iter()
        .filter(|o| {
            o.implicit_rollback
                || (o.kind == crate::sim_pc::OpKind::SetRemote(SdpType::Rollback)
                    && o.result.is_ok())
        })
        .count()
}

#[test]
fn glare_polite_side_rolls_back_and_both_converge() {
    use SignalingState::*;
    let mut w = glare(A);
    w.run().unwrap();
    w.assert_converged();
    assert_eq!(w.sides[A].pc.transceivers().len(), 2);
    // The polite side rolled its offer back, answered, then offered again.
    assert_eq!(rollbacks(&w, A), 1);
    assert_eq!(
        w.sides[A].pc.signaling_history,
        [HaveLocalOffer, Stable, HaveRemoteOffer, Stable, HaveLocalOffer, Stable]
    );
    assert_eq!(descriptions(&w, A), [SdpType::Offer, SdpType::Answer, SdpType::Offer]);
    // The impolite side kept its offer and answered the polite one's retry.
    assert_eq!(rollbacks(&w, B), 0);
    assert_eq!(w.sides[B].pc.signaling_history, [HaveLocalOffer, Stable, HaveRemoteOffer, Stable]);
    assert_eq!(descriptions(&w, B), [SdpType::Offer, SdpType::Answer]);
}

#[test]
fn glare_both_roles_converge() {
    for polite in [A, B] {
        let impolite = 1 - polite;
        let mut w = glare(polite);
        w.run().unwrap();
        w.assert_converged();
        assert_eq!(w.sides[polite].pc.transceivers().len(), 2, "polite {polite}");
        assert_eq!(rollbacks(&w, polite), 1, "polite {polite}");
        assert_eq!(rollbacks(&w, impolite), 0, "polite {polite}");
        // Each side's own transceiver got a mid; the other's arrived by offer.
        for side in [A, B] {
            let own = w.sides[side].pc.transceivers().iter().filter(|t| !t.from_remote).count();
            assert_eq!(own, 1, "side {side}, polite {polite}");
        }
    }
}

#[test]
fn glare_with_a_mid_collision_rolls_back_explicitly_so_chromium_never_refuses() {
    for polite in [A, B] {
        let mut w =
            World::new(Config { polite, chromium_mid_collision: true, ..Config::default() });
        w.act(A, Action::AddTransceiver(TrackKind::Audio));
        w.act(B, Action::AddTransceiver(TrackKind::Video));
        w.run().unwrap();
        w.assert_converged();
        assert_eq!(w.sides[polite].pc.transceivers().len(), 2, "polite {polite}");
        let refused = w.sides[polite]
            .pc
            .ops
            .iter()
            .filter(|o| o.result == Err("InvalidAccessError".into()))
            .count();
        assert_eq!(refused, 0, "the browser never sees a colliding offer (polite {polite})");
        let rollbacks = w.sides[polite]
            .pc
            .ops
            .iter()
            .filter(|o| {
                o.kind == crate::sim_pc::OpKind::SetRemote(SdpType::Rollback) && o.result.is_ok()
            })
            .count();
        assert_eq!(rollbacks, 1, "it rolled back explicitly first (polite {polite})");
    }
}

#[test]
fn impolite_ignores_colliding_offer() {
    for polite in [A, B] {
        let impolite = 1 - polite;
        let mut w = glare(polite);
        let arrived =
            w.run_until(|w| w.sides[impolite].received.iter().any(|(_, d)| is_offer(d))).unwrap();
        assert!(arrived);
        let n = w.sides[impolite].session.negotiator();
        assert!(n.ignore_offer(), "the colliding offer is ignored");
        assert_eq!(n.signaling_state(), SignalingState::HaveLocalOffer);
        // Not handed to the connection: no setRemoteDescription ran or waits.
        assert!(w.sides[impolite].pc.ops.iter().all(|o| o.kind == crate::sim_pc::OpKind::SetLocal));
        assert_eq!(w.sides[impolite].pc.chain_len(), 0);
        w.run().unwrap();
        w.assert_converged();
        // Of the polite side's two offers only the second reached the pc.
        let offers_received = w.sides[impolite]
            .pc
            .ops
            .iter()
            .filter(|o| o.kind == crate::sim_pc::OpKind::SetRemote(SdpType::Offer))
            .count();
        assert_eq!(offers_received, 1);
        assert_eq!(descriptions(&w, polite).iter().filter(|t| **t == SdpType::Offer).count(), 2);
    }
}

/// WPT RTCPeerConnection-perfect-negotiation-stress-glare: ten rounds of
/// both sides adding a transceiver, the gap between the two additions
/// growing each round so they land at every phase of the other side's
/// negotiation, then one more each.
#[test]
fn stress_glare_22_transceivers_each_side() {
    for polite in [A, B] {
        let mut w = World::new(Config { polite, ..Config::default() });
        let mut t = 0;
        for i in 0..10 {
            w.at(t, A, Action::AddTransceiver(TrackKind::Audio));
            w.at(t + 3 * i, B, Action::AddTransceiver(TrackKind::Video));
            t += 3 * i + 1;
        }
        w.at(t, A, Action::AddTransceiver(TrackKind::Audio));
        w.at(t, B, Action::AddTransceiver(TrackKind::Video));
        w.run().unwrap();
        w.assert_converged();
        for side in [A, B] {
            assert_eq!(w.sides[side].pc.transceivers().len(), 22, "side {side}, polite {polite}");
        }
        assert!(rollbacks(&w, polite) > 0, "the stress produced glare");
        assert_eq!(rollbacks(&w, 1 - polite), 0);
    }
}

/// The linear variant: the two sides take turns adding a transceiver at a
/// fixed interval, for every interval from 0 to past a negotiation round
/// trip, so each addition meets the other side's negotiation at a
/// different phase.
#[test]
fn stress_glare_linear_alternating_additions_converge() {
    for polite in [A, B] {
        for interval in 0..=30 {
            let mut w = World::new(Config { polite, ..Config::default() });
            for k in 0..20u64 {
                let side = (k % 2) as usize;
                let kind = if side == A { TrackKind::Audio } else { TrackKind::Video };
                w.at(k * interval, side, Action::AddTransceiver(kind));
            }
            w.run().unwrap();
            if let Err(e) = w.check_converged() {
                panic!("interval {interval}, polite {polite}: {e}");
            }
            for side in [A, B] {
                assert_eq!(w.sides[side].pc.transceivers().len(), 20, "interval {interval}");
            }
        }
    }
}

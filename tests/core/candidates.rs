//! Remote candidates: queued until their description is handed to the
//! connection, applied in arrival order, never failing.

use crate::sched::Delay;
use crate::sim_pc::OpKind;
use crate::world::{Action, Config, World, A, B};
use rtcroom::core::{Candidate, SdpType, TrackKind};
use rtcroom::proto::SignalData;

/// Candidates travel much faster than descriptions.
fn overtaking() -> Config {
    Config {
        reorder_candidates: true,
        signal_delay: Delay::Fixed(40),
        candidate_delay: Delay::Fixed(1),
        gather_delay: Delay::Fixed(1),
        candidates_per_gathering: 3,
        ..Config::default()
    }
}

/// Candidates (`None`: end-of-candidates) as `side` received them.
fn arrivals(w: &World, side: usize) -> Vec<Option<Candidate>> {
    w.sides[side]
        .received
        .iter()
        .filter_map(|(_, d)| match d {
            SignalData::Candidate(c) => Some(Some(c.clone())),
            SignalData::EndOfCandidates { .. } => Some(None),
            _ => None,
        })
        .collect()
}

fn with_ufrag(list: &[Option<Candidate>], ufrag: &str) -> Vec<Option<Candidate>> {
    let tag = format!(" ufrag {ufrag} ");
    list.iter()
        .filter(|c| c.as_ref().is_some_and(|c| c.candidate.contains(&tag)))
        .cloned()
        .collect()
}

/// Index in `side`'s operation log of the first operation matching `f`.
fn op_index(w: &World, side: usize, f: impl Fn(OpKind) -> bool) -> usize {
    w.sides[side].pc.ops.iter().position(|o| f(o.kind)).expect("operation ran")
}

#[test]
fn candidates_before_the_offer_are_applied_in_order() {
    let mut w = World::new(overtaking());
    w.act(A, Action::AddTransceiver(TrackKind::Audio));
    w.run_to(30).unwrap();
    // All of A's candidates and its end-of-candidates are here, the offer is not.
    assert_eq!(w.sides[B].received.len(), 4);
    assert_eq!(w.sides[B].session.queued_candidates(), 4);
    assert!(w.sides[B].pc.ops.is_empty(), "nothing reached the connection");
    w.run().unwrap();
    w.assert_converged();
    let b = &w.sides[B].pc;
    assert!(b.failed_candidates.is_empty(), "{:?}", b.failed_candidates);
    assert_eq!(b.applied_candidates, arrivals(&w, B));
    assert_eq!(b.applied_candidates.len(), 4);
    let srd = op_index(&w, B, |k| k == OpKind::SetRemote(SdpType::Offer));
    let first_candidate = op_index(&w, B, |k| matches!(k, OpKind::AddCandidate { .. }));
    assert!(srd < first_candidate);
    // The other direction: B's candidates follow its answer.
    assert!(w.sides[A].pc.failed_candidates.is_empty());
    assert_eq!(w.sides[A].pc.applied_candidates, arrivals(&w, A));
}

#[test]
fn candidates_of_an_ice_restart_wait_for_the_new_ufrag() {
    let mut w = World::new(overtaking());
    w.connect();
    w.act(A, Action::RestartIce);
    let overtook = w.run_until(|w| !with_ufrag(&arrivals(w, B), "Au1").is_empty()).unwrap();
    assert!(overtook, "a candidate of the new generation arrived");
    assert!(w.sides[B].received.iter().all(|(_, d)| !matches!(d, SignalData::Description { sdp_type: SdpType::Offer, sdp } if sdp.contains("Au1"))));
    assert_eq!(w.sides[B].session.queued_candidates(), 1);
    assert_eq!(w.sides[B].pc.remote_ufrag(), Some("Au0"));
    w.run().unwrap();
    w.assert_converged();
    let b = &w.sides[B].pc;
    assert!(b.failed_candidates.is_empty(), "{:?}", b.failed_candidates);
    assert_eq!(b.remote_ufrag(), Some("Au1"));
    let new = with_ufrag(&b.applied_candidates, "Au1");
    assert_eq!(new.len(), 3);
    assert_eq!(new, with_ufrag(&arrivals(&w, B), "Au1"));
    // Applied after the restart offer, not before.
    let restart_offer = w.sides[B]
        .pc
        .ops
        .iter()
        .enumerate()
        .filter(|(_, o)| o.kind == OpKind::SetRemote(SdpType::Offer))
        .map(|(i, _)| i)
        .nth(1)
        .expect("a second remote offer");
    let applied_before = w.sides[B].pc.ops[..restart_offer]
        .iter()
        .filter(|o| matches!(o.kind, OpKind::AddCandidate { end: false }))
        .count();
    assert_eq!(applied_before, 3, "only the first generation before the restart offer");
    // Both sides moved to new credentials.
    assert_eq!(w.sides[A].pc.local_ufrag(), Some("Au1"));
    assert_eq!(w.sides[B].pc.local_ufrag(), Some("Bu1"));
}

#[test]
fn end_of_candidates_after_queued_candidates() {
    let mut w = World::new(overtaking());
    w.act(A, Action::AddTransceiver(TrackKind::Audio));
    w.run().unwrap();
    w.assert_converged();
    let applied = &w.sides[B].pc.applied_candidates;
    assert_eq!(applied.len(), 4);
    assert!(applied[..3].iter().all(Option::is_some));
    assert_eq!(applied[3], None, "end-of-candidates last");
    // And after an ICE restart, where the end marker of the new generation
    // arrives while its candidates wait for the restart offer.
    w.act(A, Action::RestartIce);
    w.run().unwrap();
    w.assert_converged();
    let applied = &w.sides[B].pc.applied_candidates[4..];
    assert_eq!(applied.len(), 4, "{applied:?}");
    assert_eq!(with_ufrag(applied, "Au1").len(), 3);
    assert_eq!(applied[3], None, "end-of-candidates last");
    assert!(w.sides[B].pc.failed_candidates.is_empty());
}

#[test]
fn mdns_candidates_are_passed_through() {
    let mut w = World::new(Config { mdns: true, ..Config::default() });
    w.connect();
    for (from, to) in [(A, B), (B, A)] {
        let gathered: Vec<String> =
            w.sides[from].pc.gathered.iter().map(|c| c.candidate.clone()).collect();
        let applied: Vec<String> = w.sides[to]
            .pc
            .applied_candidates
            .iter()
            .flatten()
            .map(|c| c.candidate.clone())
            .collect();
        assert!(!gathered.is_empty());
        assert!(gathered.iter().all(|c| rtcroom::core::sdp::is_mdns_candidate(c)));
        assert_eq!(applied, gathered, "unchanged and complete");
        assert!(w.sides[to].pc.failed_candidates.is_empty());
    }
}

fn answers_sent(w: &World, side: usize) -> usize {
    w.sides[side]
        .sent
        .iter()
        .filter(|d| matches!(d, SignalData::Description { sdp_type: SdpType::Answer, .. }))
        .count()
}

/// B offers; A answers and restarts ICE at once. A's new-generation
/// candidates and end-of-candidates overtake its answer, which carries the
/// old ufrag: applying the answer must not release the end marker ahead of
/// the candidates still waiting for the restart offer.
#[test]
fn end_of_candidates_waits_behind_candidates_of_a_newer_generation() {
    let mut w = World::new(overtaking());
    w.connect();
    w.act(B, Action::AddTransceiver(TrackKind::Video));
    let answers = answers_sent(&w, A);
    w.run_until(|w| answers_sent(w, A) > answers).unwrap();
    w.act(A, Action::RestartIce);
    w.run().unwrap();
    w.assert_converged();
    let applied = &w.sides[B].pc.applied_candidates;
    let tag = " ufrag Au1 ";
    let last_new =
        applied.iter().rposition(|c| c.as_ref().is_some_and(|c| c.candidate.contains(tag)));
    let last_end = applied.iter().rposition(Option::is_none);
    assert!(last_new.is_some());
    assert!(last_end > last_new, "end-of-candidates after the new generation: {applied:#?}");
    assert_eq!(
        applied.iter().filter(|c| c.as_ref().is_some_and(|c| c.candidate.contains(tag))).count(),
        3
    );
    assert!(w.sides[B].pc.failed_candidates.is_empty());
}

/// More candidates than the queue holds arrive before the offer: the
/// newest are kept, and still applied in order.
#[test]
fn candidate_flood_keeps_the_newest_within_the_bound() {
    use rtcroom::core::MAX_QUEUED_CANDIDATES;
    let extra = 40;
    let mut w = World::new(Config {
        candidates_per_gathering: (MAX_QUEUED_CANDIDATES + extra) as u32,
        gather_delay: Delay::Fixed(0),
        ..overtaking()
    });
    w.act(A, Action::AddTransceiver(TrackKind::Audio));
    w.run_to(30).unwrap();
    assert_eq!(w.sides[B].session.queued_candidates(), MAX_QUEUED_CANDIDATES);
    w.run().unwrap();
    w.assert_converged();
    let gathered: Vec<Option<Candidate>> =
        w.sides[A].pc.gathered.iter().cloned().map(Some).collect();
    // The end marker took one more slot: the oldest `extra + 1` were dropped.
    let mut expected = gathered[extra + 1..].to_vec();
    expected.push(None);
    assert_eq!(w.sides[B].pc.applied_candidates, expected);
}

fn garbage() -> SignalData {
    SignalData::Candidate(Candidate {
        candidate: "candidate:garbage".into(),
        sdp_mid: Some("0".into()),
        sdp_m_line_index: Some(0),
        username_fragment: None,
    })
}

/// A candidate the connection rejects is reported, except while the last
/// offer was ignored (its candidates are expected to fail).
#[test]
fn candidate_failures_warn_except_for_an_ignored_offer() {
    let mut w = World::new(Config::default());
    w.connect();
    w.inject_signal(A, garbage());
    w.run().unwrap();
    let warnings = w.sides[A].warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].starts_with("candidate-failed: OperationError"));
    w.sides[A].events.clear();

    // Renegotiation glare: B (impolite) ignores A's offer; a failing
    // candidate then is not reported.
    w.act(A, Action::AddTransceiver(TrackKind::Audio));
    w.act(B, Action::AddTransceiver(TrackKind::Audio));
    w.run_until(|w| w.sides[B].session.negotiator().ignore_offer()).unwrap();
    w.inject_signal(B, garbage());
    w.run().unwrap();
    assert_eq!(w.sides[B].pc.failed_candidates.len(), 1);
    w.assert_converged();
}

//! The simulated connection itself behaves as the specs say, so the core's
//! tests prove something.

use crate::sim_pc::{PcConfig, PcEvent, PcTimer, SimPc};
use rtcroom::core::{Candidate, Description, OpId, OpResult, SignalingState, TrackKind};

fn pc(name: &str) -> SimPc {
    SimPc::new(PcConfig {
        name: name.into(),
        candidates_per_gathering: 1,
        mdns: false,
        data_channel: false,
        fresh_ufrag_after_first_rollback: false,
        chromium_mid_collision: false,
    })
}

/// Runs every timer in order (delays do not matter here), collecting events.
fn settle(pc: &mut SimPc) -> Vec<PcEvent> {
    let mut events = Vec::new();
    while let Some(t) = pc.poll_timer() {
        pc.fire(t);
        events.extend(std::iter::from_fn(|| pc.poll_event()));
        if t == PcTimer::OpDone {
            pc.advance();
        }
    }
    events
}

fn result_of(events: &[PcEvent], op: OpId) -> OpResult {
    events
        .iter()
        .find_map(|e| match e {
            PcEvent::OpCompleted { op: o, result } if *o == op => Some(result.clone()),
            _ => None,
        })
        .expect("the operation completed")
}

fn error_name(r: &OpResult) -> Option<&str> {
    match r {
        OpResult::Err { name, .. } => Some(name),
        OpResult::Ok { .. } => None,
    }
}

fn offer(p: &mut SimPc, op: u64) -> Description {
    p.set_local_description(OpId(op));
    let events = settle(p);
    match result_of(&events, OpId(op)) {
        OpResult::Ok { local: Some(d) } => d,
        other => panic!("no offer: {other:?}"),
    }
}

fn candidate(line: &str) -> Option<Candidate> {
    Some(Candidate {
        candidate: line.into(),
        sdp_mid: Some("0".into()),
        sdp_m_line_index: Some(0),
        username_fragment: None,
    })
}

#[test]
fn model_remote_answer_without_local_offer_is_invalid_state() {
    let mut a = pc("A");
    let mut b = pc("B");
    b.add_transceiver(TrackKind::Audio);
    let mut answer = offer(&mut b, 1);
    answer.sdp_type = rtcroom::core::SdpType::Answer;
    a.set_remote_description(OpId(1), answer);
    let events = settle(&mut a);
    assert_eq!(error_name(&result_of(&events, OpId(1))), Some("InvalidStateError"));
}

#[test]
fn model_remote_offer_rolls_back_local_offer_and_creates_transceivers() {
    use SignalingState::*;
    let mut a = pc("A");
    a.add_transceiver(TrackKind::Audio);
    settle(&mut a);
    offer(&mut a, 1);
    assert_eq!(a.transceivers()[0].mid.as_deref(), Some("0"));
    let mut b = pc("B");
    b.add_transceiver(TrackKind::Video);
    b.add_transceiver(TrackKind::Video);
    let o = offer(&mut b, 1);
    a.set_remote_description(OpId(2), o);
    let events = settle(&mut a);
    // Implicit rollback first: stable, then have-remote-offer, then the result.
    assert!(matches!(
        &events[..],
        [
            PcEvent::SignalingState(Stable),
            PcEvent::SignalingState(HaveRemoteOffer),
            PcEvent::OpCompleted { .. },
            ..
        ]
    ));
    let mids: Vec<_> = a.transceivers().iter().map(|t| t.mid.clone()).collect();
    assert_eq!(mids, [None, Some("0".into()), Some("1".into())]);
}

#[test]
fn model_negotiation_needed_fires_once_per_change_set_and_rechecks() {
    let mut a = pc("A");
    a.add_transceiver(TrackKind::Audio);
    a.add_transceiver(TrackKind::Audio);
    let events = settle(&mut a);
    assert_eq!(events, [PcEvent::NegotiationNeeded]);
    // Queued, then invalidated by an operation entering the chain.
    a.add_transceiver(TrackKind::Video);
    a.set_local_description(OpId(1));
    let events = settle(&mut a);
    assert!(!events.contains(&PcEvent::NegotiationNeeded));
}

#[test]
fn model_add_ice_candidate_needs_a_remote_description_with_its_ufrag() {
    let mut a = pc("A");
    a.add_ice_candidate(OpId(1), candidate("candidate:1 1 udp 1 10.0.0.1 1 typ host ufrag Bu0"));
    let events = settle(&mut a);
    assert_eq!(error_name(&result_of(&events, OpId(1))), Some("InvalidStateError"));
    let mut b = pc("B");
    b.add_transceiver(TrackKind::Audio);
    let o = offer(&mut b, 1);
    a.set_remote_description(OpId(2), o);
    a.add_ice_candidate(OpId(3), candidate("candidate:1 1 udp 1 10.0.0.1 1 typ host ufrag zzz"));
    a.add_ice_candidate(OpId(4), candidate("candidate:1 1 udp 1 10.0.0.1 1 typ host ufrag Bu0"));
    a.add_ice_candidate(OpId(5), candidate("candidate:2 1 udp 1 abc.local 2 typ host"));
    a.add_ice_candidate(OpId(6), None);
    let events = settle(&mut a);
    assert_eq!(error_name(&result_of(&events, OpId(3))), Some("OperationError"));
    for op in 4..=6 {
        assert_eq!(error_name(&result_of(&events, OpId(op))), None);
    }
}

#[test]
fn model_restart_ice_offers_new_credentials_and_the_answer_follows() {
    let mut a = pc("A");
    let mut b = pc("B");
    a.add_transceiver(TrackKind::Audio);
    let o = offer(&mut a, 1);
    b.set_remote_description(OpId(1), o);
    let answer = offer(&mut b, 2); // answers in have-remote-offer
    a.set_remote_description(OpId(2), answer);
    settle(&mut a);
    assert_eq!((a.local_ufrag(), b.local_ufrag()), (Some("Au0"), Some("Bu0")));
    a.restart_ice();
    assert_eq!(settle(&mut a), [PcEvent::NegotiationNeeded]);
    let o = offer(&mut a, 3);
    assert_eq!(rtcroom::core::sdp::ice_ufrag(&o.sdp), Some("Au1"));
    b.set_remote_description(OpId(3), o);
    let answer = offer(&mut b, 4);
    assert_eq!(rtcroom::core::sdp::ice_ufrag(&answer.sdp), Some("Bu1"));
    a.set_remote_description(OpId(4), answer);
    let events = settle(&mut a);
    assert!(!events.contains(&PcEvent::NegotiationNeeded));
    assert!(!a.needs_negotiation());
}

#[test]
fn model_remote_rollback_undoes_what_the_offer_associated_and_created() {
    use rtcroom::core::SdpType;
    let mut a = pc("A");
    a.add_track(TrackKind::Audio, "mic", "user");
    a.add_transceiver(TrackKind::Audio);
    settle(&mut a);
    let mut b = pc("B");
    b.add_transceiver(TrackKind::Audio);
    b.add_transceiver(TrackKind::Audio);
    a.set_remote_description(OpId(1), offer(&mut b, 1));
    settle(&mut a);
    // JSEP 5.10: the addTrack transceiver takes the first m-section, the
    // addTransceiver one is never matched, a new one takes the second.
    let mids: Vec<_> = a.transceivers().iter().map(|t| t.mid.clone()).collect();
    assert_eq!(mids, [Some("0".into()), None, Some("1".into())]);
    let rollback = Description { sdp_type: SdpType::Rollback, sdp: String::new() };
    a.set_remote_description(OpId(2), rollback.clone());
    let events = settle(&mut a);
    assert_eq!(error_name(&result_of(&events, OpId(2))), None);
    assert_eq!(a.signaling_state(), SignalingState::Stable);
    let mids: Vec<_> = a.transceivers().iter().map(|t| t.mid.clone()).collect();
    assert_eq!(mids, [None, None]);
    a.set_remote_description(OpId(3), rollback);
    let events = settle(&mut a);
    assert_eq!(error_name(&result_of(&events, OpId(3))), Some("InvalidStateError"));
}

/// Offer from `a`, answer from `b`; returns `b`'s events (its `track`s).
fn exchange(a: &mut SimPc, b: &mut SimPc, op: &mut u64) -> Vec<PcEvent> {
    *op += 1;
    let o = offer(a, *op);
    b.set_remote_description(OpId(*op), o);
    let mut events = settle(b);
    *op += 1;
    let mut answer = offer(b, *op); // answers in have-remote-offer
    answer.sdp_type = rtcroom::core::SdpType::Answer;
    a.set_remote_description(OpId(*op), answer);
    settle(a);
    events.extend(std::iter::from_fn(|| b.poll_event()));
    events
}

fn track_ids(events: &[PcEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            PcEvent::Track { track_id, .. } => Some(track_id.clone()),
            _ => None,
        })
        .collect()
}

/// webrtc-pc "process remote tracks": `track` fires when the transceiver's
/// direction starts receiving (`[[FiredDirection]]`), as Chromium does
/// (verified there with two connections in one page). A sender reused
/// before its removal was negotiated shows no change in the SDP: no event.
#[test]
fn model_track_fires_again_only_after_the_remote_applied_the_removal() {
    let (mut a, mut b, mut op) = (pc("A"), pc("B"), 0);
    let t = a.add_track(TrackKind::Video, "cam1", "user");
    settle(&mut a);
    let first = track_ids(&exchange(&mut a, &mut b, &mut op));
    assert_eq!(first.len(), 1);
    // Removed and reused before negotiating: the offer looks unchanged.
    a.remove_track(t);
    a.resume_sending(t, TrackKind::Video, "cam2", "user");
    settle(&mut a);
    assert!(track_ids(&exchange(&mut a, &mut b, &mut op)).is_empty());
    // The removal negotiated first: the re-addition fires, on the same
    // receiver track.
    a.remove_track(t);
    settle(&mut a);
    assert!(track_ids(&exchange(&mut a, &mut b, &mut op)).is_empty());
    a.resume_sending(t, TrackKind::Video, "cam3", "user");
    settle(&mut a);
    assert_eq!(track_ids(&exchange(&mut a, &mut b, &mut op)), first);
    assert_eq!(a.transceivers().len(), 1);
    assert!(a.misuse.is_empty() && b.misuse.is_empty());
}

/// `replaceTrack` swaps the media without renegotiating, so the remote gets
/// no `track` event; `setStreams` with a new stream renegotiates and fires
/// `track` for the new association (Chromium does both, verified in one
/// page with two connections).
#[test]
fn model_replace_track_never_renegotiates_and_a_stream_change_fires_track() {
    let (mut a, mut b, mut op) = (pc("A"), pc("B"), 0);
    let t = a.add_track(TrackKind::Video, "cam1", "user");
    settle(&mut a);
    let first = track_ids(&exchange(&mut a, &mut b, &mut op));
    a.replace_track(t, None);
    a.replace_track(t, Some(("cam2", "user")));
    assert!(settle(&mut a).is_empty(), "no negotiationneeded");
    assert!(!a.needs_negotiation());
    assert_eq!(a.transceivers()[0].track.as_deref(), Some("cam2"));
    a.replace_track(t, Some(("canvas", "other")));
    assert_eq!(settle(&mut a), [PcEvent::NegotiationNeeded]);
    assert_eq!(track_ids(&exchange(&mut a, &mut b, &mut op)), first, "same receiver");
    assert_eq!(b.transceivers()[0].remote_streams, ["other"]);
    assert!(a.misuse.is_empty() && b.misuse.is_empty());
}

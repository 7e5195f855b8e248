//! The W3C perfect-negotiation algorithm, exactly as the webrtc-pc example
//! (§ 10.7 "Perfect negotiation example"), as a state machine. Each JS
//! `await` becomes a command with an [`OpId`] whose completion is an input;
//! the flags keep their names from the example so the two can be compared
//! line by line. One addition, for Chromium, is explained in
//! [`Negotiator::handle_remote_description`].

use super::sdp;
use super::types::{
    Description, OpId, OpResult, PcCommand, PeerEvent, PeerOutput, SdpType, SignalingState,
};
use rtcroom_proto::SignalData;
use std::collections::VecDeque;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Op {
    /// `onnegotiationneeded`: `await pc.setLocalDescription()`.
    Offer,
    /// `await pc.setRemoteDescription(description)`.
    Remote { is_offer: bool, ufrag: Option<String> },
    /// Explicit rollback chained before a colliding offer.
    Rollback,
    /// After a remote offer: `await pc.setLocalDescription()`.
    Answer,
    /// `await pc.addIceCandidate(candidate)`.
    Candidate,
}

/// What a completed operation meant, for the session around the negotiator.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Completion {
    Done,
    /// A remote description was applied (queued candidates may now apply).
    RemoteApplied {
        ufrag: Option<String>,
        /// It was an offer (a new ufrag in an offer is the remote's ICE restart).
        offer: bool,
    },
    /// A remote description was refused.
    RemoteFailed,
    /// The driver reported an operation the core never started.
    UnknownOp,
}

#[derive(Debug)]
pub struct Negotiator {
    polite: bool,
    making_offer: bool,
    ignore_offer: bool,
    is_setting_remote_answer_pending: bool,
    signaling_state: SignalingState,
    /// An offer/answer exchange has completed (either direction).
    negotiated: bool,
    /// SDP of our latest local offer, to detect mid collisions.
    local_offer: Option<String>,
    /// ICE ufrag of the latest local description applied.
    local_ufrag: Option<String>,
    /// A colliding remote offer that arrived while our own offer was still
    /// being created; handled as soon as that offer exists.
    deferred_offer: Option<Description>,
    next_op: u64,
    /// A `Vec` in start order (ids only grow; a handful at most: the
    /// map's sorted insert/search code cost more than a scan).
    ops: Vec<(OpId, Op)>,
}

impl Negotiator {
    pub fn new(polite: bool) -> Self {
        Negotiator {
            polite,
            making_offer: false,
            ignore_offer: false,
            is_setting_remote_answer_pending: false,
            signaling_state: SignalingState::Stable,
            negotiated: false,
            local_offer: None,
            local_ufrag: None,
            deferred_offer: None,
            next_op: 0,
            ops: Vec::new(),
        }
    }

    pub fn is_polite(&self) -> bool {
        self.polite
    }
    pub fn making_offer(&self) -> bool {
        self.making_offer
    }
    pub fn ignore_offer(&self) -> bool {
        self.ignore_offer
    }
    pub fn signaling_state(&self) -> SignalingState {
        self.signaling_state
    }
    /// An offer/answer exchange has completed at least once.
    pub fn has_negotiated(&self) -> bool {
        self.negotiated
    }
    /// ICE generation (ufrag) of the latest local description applied: the
    /// one whose gathering an end-of-candidates finishes.
    pub fn local_ufrag(&self) -> Option<&str> {
        self.local_ufrag.as_deref()
    }
    /// Our offer that waits for its answer (`have-local-offer`), to send
    /// again when signaling resumes: it may have been lost with the socket.
    pub fn unanswered_offer(&self) -> Option<&str> {
        (self.signaling_state == SignalingState::HaveLocalOffer)
            .then_some(self.local_offer.as_deref())
            .flatten()
    }
    /// Operations started and not yet completed.
    pub fn ops_in_flight(&self) -> usize {
        self.ops.len()
    }

    fn start(&mut self, op: Op) -> OpId {
        self.next_op += 1;
        let id = OpId(self.next_op);
        self.ops.push((id, op));
        id
    }

    pub fn handle_signaling_state(&mut self, state: SignalingState) {
        self.signaling_state = state;
    }

    /// `pc.onnegotiationneeded`: `makingOffer = true; await pc.setLocalDescription()`.
    pub fn handle_negotiation_needed(&mut self, out: &mut VecDeque<PeerOutput>) {
        self.making_offer = true;
        let op = self.start(Op::Offer);
        out.push_back(PeerOutput::Command(PcCommand::SetLocalDescription { op }));
    }

    /// A remote description arrived. Returns whether it will be handed to
    /// `setRemoteDescription` (false: ignored as the impolite side of a
    /// collision).
    ///
    /// Chromium checks a remote offer against the local offer *before* the
    /// implicit rollback and refuses it, after which it cannot even roll
    /// back, when the two give one mid to different media kinds ("RTP
    /// extension ID reassignment not supported"); both sides would then wait
    /// for an answer forever. So on the polite side of a collision, while our
    /// offer is still being created we wait for it, and when it collides we
    /// roll back explicitly first, as the earlier webrtc-pc example did
    /// (`Promise.all([SLD({type: "rollback"}), SRD(offer)])`). Without a mid
    /// collision the implicit rollback is used, exactly as in the example.
    pub fn handle_remote_description(
        &mut self,
        description: Description,
        out: &mut VecDeque<PeerOutput>,
    ) -> bool {
        let is_offer = description.sdp_type == SdpType::Offer;
        // A duplicate answer (our offer was re-sent after a signaling resume
        // and both copies were answered): nothing is waiting for it.
        if description.sdp_type == SdpType::Answer
            && self.signaling_state == SignalingState::Stable
            && !self.making_offer
            && self.ops.iter().all(|(_, o)| !matches!(o, Op::Offer | Op::Remote { .. }))
        {
            return false;
        }
        let ready_for_offer = !self.making_offer
            && (self.signaling_state == SignalingState::Stable
                || self.is_setting_remote_answer_pending);
        let offer_collision = is_offer && !ready_for_offer;
        self.ignore_offer = !self.polite && offer_collision;
        if self.ignore_offer {
            return false;
        }
        self.is_setting_remote_answer_pending = description.sdp_type == SdpType::Answer;
        if offer_collision {
            if self.making_offer {
                self.deferred_offer = Some(description);
                return true;
            }
            let collides = self
                .local_offer
                .as_deref()
                .is_some_and(|local| sdp::mids_collide(local, &description.sdp));
            if collides {
                let op = self.start(Op::Rollback);
                out.push_back(PeerOutput::Command(PcCommand::Rollback { op }));
            }
        }
        let ufrag = sdp::ice_ufrag(&description.sdp).map(str::to_owned);
        let op = self.start(Op::Remote { is_offer, ufrag });
        out.push_back(PeerOutput::Command(PcCommand::SetRemoteDescription { op, description }));
        true
    }

    /// `await pc.addIceCandidate(candidate)` (`None`: end-of-candidates).
    pub fn add_candidate(
        &mut self,
        candidate: Option<rtcroom_proto::Candidate>,
        out: &mut VecDeque<PeerOutput>,
    ) {
        let op = self.start(Op::Candidate);
        out.push_back(PeerOutput::Command(PcCommand::AddIceCandidate { op, candidate }));
    }

    /// The continuation after an `await`.
    pub fn handle_op_completed(
        &mut self,
        op: OpId,
        result: OpResult,
        out: &mut VecDeque<PeerOutput>,
    ) -> Completion {
        let Some(i) = self.ops.iter().position(|(id, _)| *id == op) else {
            return Completion::UnknownOp;
        };
        let (_, kind) = self.ops.remove(i);
        match (kind, result) {
            (Op::Offer, result) => {
                if let OpResult::Ok { local: Some(d) } = &result {
                    if d.sdp_type == SdpType::Offer {
                        self.local_offer = Some(d.sdp.clone());
                    }
                }
                // `finally { makingOffer = false; }` runs after the send.
                self.send_local(result, "negotiation-failed", out);
                self.making_offer = false;
                if let Some(offer) = self.deferred_offer.take() {
                    self.handle_remote_description(offer, out);
                }
            }
            (Op::Remote { is_offer, ufrag }, OpResult::Ok { .. }) => {
                self.is_setting_remote_answer_pending = false;
                self.negotiated |= !is_offer;
                if is_offer {
                    let op = self.start(Op::Answer);
                    out.push_back(PeerOutput::Command(PcCommand::SetLocalDescription { op }));
                }
                return Completion::RemoteApplied { ufrag, offer: is_offer };
            }
            // As in the example, a failed setRemoteDescription skips the rest
            // of the handler (the pending-answer flag included) and is reported.
            (Op::Remote { .. }, OpResult::Err { name, message }) => {
                warn(out, "remote-description-failed", name, message);
                return Completion::RemoteFailed;
            }
            // Rolling back in `stable` (our offer failed) is harmless: the
            // offer chained behind it is applied either way.
            (Op::Rollback, _) => {}
            (Op::Answer, result) => {
                self.negotiated |= matches!(result, OpResult::Ok { local: Some(_) });
                self.send_local(result, "answer-failed", out)
            }
            (Op::Candidate, OpResult::Ok { .. }) => {}
            // "Suppress ignored offer's candidates".
            (Op::Candidate, OpResult::Err { .. }) if self.ignore_offer => {}
            (Op::Candidate, OpResult::Err { name, message }) => {
                warn(out, "candidate-failed", name, message)
            }
        }
        Completion::Done
    }

    /// `signaler.send({ description: pc.localDescription })`.
    fn send_local(&mut self, result: OpResult, code: &'static str, out: &mut VecDeque<PeerOutput>) {
        match result {
            OpResult::Ok { local: Some(d) } => {
                if let Some(u) = sdp::ice_ufrag(&d.sdp) {
                    self.local_ufrag = Some(u.to_owned());
                }
                out.push_back(PeerOutput::Signal(SignalData::Description {
                    sdp_type: d.sdp_type,
                    sdp: d.sdp,
                }))
            }
            OpResult::Ok { local: None } => warn(
                out,
                code,
                "InvalidStateError".into(),
                "localDescription was null after setLocalDescription".into(),
            ),
            OpResult::Err { name, message } => warn(out, code, name, message),
        }
    }
}

fn warn(out: &mut VecDeque<PeerOutput>, code: &'static str, name: String, message: String) {
    let mut text = name;
    text.push_str(": ");
    text.push_str(&message);
    out.push_back(PeerOutput::Event(PeerEvent::Warning { code, message: text }));
}

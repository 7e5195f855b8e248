//! The W3C perfect-negotiation algorithm, exactly as the webrtc-pc example
//! (§ 10.7 "Perfect negotiation example"), as a state machine. Each JS
//! `await` becomes a command with an [`OpId`] whose completion is an input;
//! the flags keep their names from the example so the two can be compared
//! line by line.

use super::types::{
    Description, OpId, OpResult, PcCommand, PeerEvent, PeerOutput, SdpType, SignalingState,
};
use rtcroom_proto::SignalData;
use std::collections::{BTreeMap, VecDeque};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Op {
    /// `onnegotiationneeded`: `await pc.setLocalDescription()`.
    Offer,
    /// `await pc.setRemoteDescription(description)`. A colliding offer keeps
    /// its description so that it can be retried once (see `Op::Rollback`).
    Remote {
        is_offer: bool,
        ufrag: Option<String>,
        retry: Option<Description>,
    },
    /// Explicit rollback before retrying a colliding offer.
    Rollback { offer: Description },
    /// After a remote offer: `await pc.setLocalDescription()`.
    Answer,
    /// `await pc.addIceCandidate(candidate)`.
    Candidate,
}

/// What a completed operation meant, for the session around the negotiator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Completion {
    Done,
    /// A remote description was applied (queued candidates may now apply).
    RemoteApplied {
        ufrag: Option<String>,
    },
    /// A remote description was refused for good (no retry follows).
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
    next_op: u64,
    ops: BTreeMap<OpId, Op>,
}

impl Negotiator {
    pub fn new(polite: bool) -> Self {
        Negotiator {
            polite,
            making_offer: false,
            ignore_offer: false,
            is_setting_remote_answer_pending: false,
            signaling_state: SignalingState::Stable,
            next_op: 0,
            ops: BTreeMap::new(),
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
    /// Operations started and not yet completed.
    pub fn ops_in_flight(&self) -> usize {
        self.ops.len()
    }

    fn start(&mut self, op: Op) -> OpId {
        self.next_op += 1;
        let id = OpId(self.next_op);
        self.ops.insert(id, op);
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

    /// A remote description arrived. Returns whether it was handed to
    /// `setRemoteDescription` (false: ignored as the impolite side of a
    /// collision).
    pub fn handle_remote_description(
        &mut self,
        description: Description,
        out: &mut VecDeque<PeerOutput>,
    ) -> bool {
        let is_offer = description.sdp_type == SdpType::Offer;
        let ready_for_offer = !self.making_offer
            && (self.signaling_state == SignalingState::Stable
                || self.is_setting_remote_answer_pending);
        let offer_collision = is_offer && !ready_for_offer;
        self.ignore_offer = !self.polite && offer_collision;
        if self.ignore_offer {
            return false;
        }
        self.is_setting_remote_answer_pending = description.sdp_type == SdpType::Answer;
        // Only a colliding offer (we are the polite side with our own offer
        // out) can need the rollback-and-retry below.
        let retry = offer_collision.then(|| description.clone());
        let ufrag = super::sdp::ice_ufrag(&description.sdp).map(str::to_owned);
        let op = self.start(Op::Remote {
            is_offer,
            ufrag,
            retry,
        });
        out.push_back(PeerOutput::Command(PcCommand::SetRemoteDescription {
            op,
            description,
        }));
        true
    }

    /// `await pc.addIceCandidate(candidate)` (`None`: end-of-candidates).
    pub fn add_candidate(
        &mut self,
        candidate: Option<rtcroom_proto::Candidate>,
        out: &mut VecDeque<PeerOutput>,
    ) {
        let op = self.start(Op::Candidate);
        out.push_back(PeerOutput::Command(PcCommand::AddIceCandidate {
            op,
            candidate,
        }));
    }

    /// The continuation after an `await`.
    pub fn handle_op_completed(
        &mut self,
        op: OpId,
        result: OpResult,
        out: &mut VecDeque<PeerOutput>,
    ) -> Completion {
        let Some(kind) = self.ops.remove(&op) else {
            return Completion::UnknownOp;
        };
        match (kind, result) {
            (Op::Offer, result) => {
                // `finally { makingOffer = false; }` runs after the send.
                self.send_local(result, "negotiation-failed", out);
                self.making_offer = false;
            }
            (
                Op::Remote {
                    is_offer, ufrag, ..
                },
                OpResult::Ok { .. },
            ) => {
                self.is_setting_remote_answer_pending = false;
                if is_offer {
                    let op = self.start(Op::Answer);
                    out.push_back(PeerOutput::Command(PcCommand::SetLocalDescription { op }));
                }
                return Completion::RemoteApplied { ufrag };
            }
            // Chromium validates a colliding offer against the local offer
            // *before* the implicit rollback, and refuses it when both sides
            // gave the same mid to different media ("RTP extension ID
            // reassignment not supported"). Both sides would then wait for an
            // answer forever. Roll back explicitly and apply the offer again.
            (
                Op::Remote {
                    retry: Some(offer), ..
                },
                OpResult::Err { .. },
            ) if self.signaling_state == SignalingState::HaveLocalOffer => {
                let op = self.start(Op::Rollback { offer });
                out.push_back(PeerOutput::Command(PcCommand::Rollback { op }));
            }
            (Op::Rollback { offer }, OpResult::Ok { .. }) => {
                let ufrag = super::sdp::ice_ufrag(&offer.sdp).map(str::to_owned);
                let op = self.start(Op::Remote {
                    is_offer: true,
                    ufrag,
                    retry: None,
                });
                out.push_back(PeerOutput::Command(PcCommand::SetRemoteDescription {
                    op,
                    description: offer,
                }));
            }
            (Op::Rollback { .. }, OpResult::Err { name, message }) => {
                warn(out, "rollback-failed", name, message);
                return Completion::RemoteFailed;
            }
            // As in the example, a failed setRemoteDescription skips the rest
            // of the handler (the pending-answer flag included) and is reported.
            (Op::Remote { .. }, OpResult::Err { name, message }) => {
                warn(out, "remote-description-failed", name, message);
                return Completion::RemoteFailed;
            }
            (Op::Answer, result) => self.send_local(result, "answer-failed", out),
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
    out.push_back(PeerOutput::Event(PeerEvent::Warning {
        code,
        message: text,
    }));
}

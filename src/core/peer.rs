//! One remote participant: perfect negotiation, the remote-candidate queue,
//! the data-channel outbox and ICE path-loss detection.

use super::candidates::{CandidateQueue, QueuedCandidate};
use super::error::CoreError;
use super::negotiation::{Completion, Negotiator};
use super::sdp;
use super::types::*;
use rtcroom_proto::SignalData;
use std::collections::VecDeque;

/// How long ICE may stay `disconnected` before we restart it ourselves. The
/// browser alone would wait for `failed`, which takes ~10 s more.
pub const DISCONNECTED_RESTART_AFTER: u64 = 2_500;

/// Bytes the app may queue for a peer whose data channel is not open yet.
pub const MAX_QUEUED_MESSAGE_BYTES: usize = 1 << 20;

#[derive(Debug)]
pub struct PeerSession {
    negotiator: Negotiator,
    candidates: CandidateQueue,
    out: VecDeque<PeerOutput>,
    channel_open: bool,
    outbox: VecDeque<String>,
    outbox_bytes: usize,
    ice_state: IceConnectionState,
    /// When to restart ICE if the path has not come back by then.
    restart_at: Option<Millis>,
    ice_restarts: u32,
    closed: bool,
}

impl PeerSession {
    /// The polite side is the one with the smaller id: both ends agree
    /// without a message.
    pub fn new(local_id: &str, remote_id: &str) -> Self {
        Self::with_role(local_id < remote_id)
    }

    pub fn with_role(polite: bool) -> Self {
        PeerSession {
            negotiator: Negotiator::new(polite),
            candidates: CandidateQueue::default(),
            out: VecDeque::new(),
            channel_open: false,
            outbox: VecDeque::new(),
            outbox_bytes: 0,
            ice_state: IceConnectionState::New,
            restart_at: None,
            ice_restarts: 0,
            closed: false,
        }
    }

    pub fn is_polite(&self) -> bool {
        self.negotiator.is_polite()
    }
    pub fn negotiator(&self) -> &Negotiator {
        &self.negotiator
    }
    pub fn queued_candidates(&self) -> usize {
        self.candidates.len()
    }
    /// ICE restarts this session asked for (failed or prolonged disconnect).
    pub fn ice_restarts(&self) -> u32 {
        self.ice_restarts
    }

    pub fn handle_input(&mut self, now: Millis, input: PeerInput) -> Result<(), CoreError> {
        if self.closed {
            return Err(CoreError::PeerClosed);
        }
        match input {
            PeerInput::NegotiationNeeded => {
                self.negotiator.handle_negotiation_needed(&mut self.out)
            }
            PeerInput::SignalingState(s) => self.negotiator.handle_signaling_state(s),
            PeerInput::IceConnectionState(s) => self.handle_ice_state(now, s),
            PeerInput::ConnectionState(s) => {
                self.out.push_back(PeerOutput::Event(PeerEvent::ConnectionState(s)))
            }
            PeerInput::LocalCandidate(c) => {
                let data = match c {
                    Some(c) if !c.candidate.is_empty() => SignalData::Candidate(c),
                    // Tagged with the generation that finished gathering, so
                    // the receiver never has to guess it from candidate order.
                    _ => SignalData::EndOfCandidates {
                        ufrag: self.negotiator.local_ufrag().map(str::to_owned),
                    },
                };
                self.out.push_back(PeerOutput::Signal(data));
            }
            PeerInput::OpCompleted { op, result } => {
                match self.negotiator.handle_op_completed(op, result, &mut self.out) {
                    Completion::Done => {}
                    Completion::RemoteApplied { ufrag } => {
                        for c in self.candidates.handle_remote_description(ufrag.as_deref()) {
                            self.add_candidate(c);
                        }
                    }
                    Completion::RemoteFailed => {
                        for c in self.candidates.handle_remote_description_failed() {
                            self.add_candidate(c);
                        }
                    }
                    // An op we never started is a driver bug; report, don't fail.
                    Completion::UnknownOp => {
                        self.out.push_back(PeerOutput::Event(PeerEvent::Warning {
                            code: "unknown-op",
                            message: "completion for an operation the core did not start".into(),
                        }))
                    }
                }
            }
            PeerInput::Signal(data) => self.handle_signal(data),
            PeerInput::ChannelOpen => {
                self.channel_open = true;
                while let Some(data) = self.outbox.pop_front() {
                    self.out.push_back(PeerOutput::Command(PcCommand::SendData { data }));
                }
                self.outbox_bytes = 0;
            }
            PeerInput::ChannelClosed => self.channel_open = false,
            PeerInput::ChannelMessage(m) => {
                self.out.push_back(PeerOutput::Event(PeerEvent::Message(m)))
            }
            PeerInput::SendMessage(data) => return self.send_message(data),
            PeerInput::RestartIce => self.restart_ice(),
        }
        Ok(())
    }

    /// Call when `now` reaches [`Self::poll_timeout`].
    pub fn handle_timeout(&mut self, now: Millis) {
        if self.restart_at.is_some_and(|t| t <= now) {
            self.restart_at = None;
            if self.ice_state == IceConnectionState::Disconnected {
                self.restart_ice();
            }
        }
    }

    #[must_use]
    pub fn poll_output(&mut self) -> Option<PeerOutput> {
        self.out.pop_front()
    }

    #[must_use]
    pub fn poll_timeout(&self) -> Option<Millis> {
        self.restart_at
    }

    /// The connection was closed: later inputs are refused.
    pub fn close(&mut self) {
        self.closed = true;
        self.restart_at = None;
        self.outbox.clear();
        self.outbox_bytes = 0;
    }

    fn handle_signal(&mut self, data: SignalData) {
        match data {
            SignalData::Description { sdp_type, sdp } => {
                let ufrag = sdp::ice_ufrag(&sdp).map(str::to_owned);
                let description = Description { sdp_type, sdp };
                if self.negotiator.handle_remote_description(description, &mut self.out) {
                    self.candidates.handle_remote_description_started(ufrag.as_deref());
                } else {
                    self.candidates.handle_remote_description_ignored(ufrag.as_deref());
                }
            }
            SignalData::Candidate(c) => {
                let c = if c.candidate.is_empty() {
                    QueuedCandidate::End { ufrag: c.username_fragment }
                } else {
                    QueuedCandidate::Candidate(c)
                };
                if let Some(c) = self.candidates.handle_remote(c) {
                    self.add_candidate(c);
                }
            }
            SignalData::EndOfCandidates { ufrag } => {
                if let Some(c) = self.candidates.handle_remote(QueuedCandidate::End { ufrag }) {
                    self.add_candidate(c);
                }
            }
            // Track announcements belong to the room model; kinds of a newer
            // client are ignored so old and new clients can share a room.
            _ => {}
        }
    }

    fn add_candidate(&mut self, c: QueuedCandidate) {
        let c = match c {
            QueuedCandidate::Candidate(c) => Some(c),
            QueuedCandidate::End { .. } => None,
        };
        self.negotiator.add_candidate(c, &mut self.out);
    }

    fn handle_ice_state(&mut self, now: Millis, state: IceConnectionState) {
        self.ice_state = state;
        match state {
            // The example's `if (pc.iceConnectionState === "failed") pc.restartIce()`.
            IceConnectionState::Failed => self.restart_ice(),
            IceConnectionState::Disconnected => {
                if self.restart_at.is_none() {
                    self.restart_at = Some(now.saturating_add(DISCONNECTED_RESTART_AFTER));
                }
            }
            _ => self.restart_at = None,
        }
    }

    fn restart_ice(&mut self) {
        self.restart_at = None;
        self.ice_restarts += 1;
        self.out.push_back(PeerOutput::Command(PcCommand::RestartIce));
    }

    fn send_message(&mut self, data: String) -> Result<(), CoreError> {
        if self.channel_open {
            self.out.push_back(PeerOutput::Command(PcCommand::SendData { data }));
            return Ok(());
        }
        let total = self.outbox_bytes.saturating_add(data.len());
        if total > MAX_QUEUED_MESSAGE_BYTES {
            return Err(CoreError::MessageQueueFull(self.outbox_bytes));
        }
        self.outbox_bytes = total;
        self.outbox.push_back(data);
        Ok(())
    }
}

//! One remote participant: perfect negotiation, the remote-candidate queue,
//! the data-channel outboxes, and path-loss recovery ([`recovery`]).

pub mod recovery;

use super::candidates::{CandidateQueue, QueuedCandidate};
use super::error::CoreError;
use super::negotiation::{Completion, Negotiator};
use super::sdp;
use super::stats::{ConnectionStats, StatsTracker};
use super::types::*;
use recovery::{Action, Recovery, KEEPALIVE_INTERVAL, RECOVERING_STATS_INTERVAL, STATS_INTERVAL};
use rtcroom_proto::SignalData;
use std::collections::VecDeque;

/// Bytes the app may queue for a peer beyond what its data channel buffers
/// (while the channel is not open, or is above [`HIGH_WATER`]).
pub const MAX_QUEUED_MESSAGE_BYTES: usize = 1 << 20;
/// The reliable channel is fed while its `bufferedAmount` is below this;
/// the rest waits in the outbox (back-pressure, not unbounded browser memory).
pub const HIGH_WATER: u64 = 256 * 1024;
/// The driver sets `bufferedAmountLowThreshold` to this.
pub const LOW_WATER: u64 = 64 * 1024;
/// Recreations of a closed channel without it opening in between.
const MAX_CHANNEL_RECREATIONS: u32 = 3;

#[derive(Debug)]
pub struct PeerSession {
    negotiator: Negotiator,
    candidates: CandidateQueue,
    out: VecDeque<PeerOutput>,
    channel_open: bool,
    lossy_open: bool,
    /// This side creates the channels (and recreates them).
    creates_channels: bool,
    recreations: u32,
    buffered: u64,
    outbox: VecDeque<Payload>,
    outbox_bytes: usize,
    /// Latest remote ICE ufrag applied (a new one is a restart).
    remote_ufrag: Option<String>,
    recovery: Recovery,
    state: PeerState,
    /// Next `getStats` poll.
    stats_at: Option<Millis>,
    stats: StatsTracker,
    /// Next keep-alive byte (while the keep-alive channel is open).
    keepalive_at: Option<Millis>,
    ice_restarts: u32,
    closed: bool,
    /// `Some(wanted)`: negotiation is held (`hold_negotiation`); `wanted`
    /// once the browser asked for it meanwhile.
    negotiation_held: Option<bool>,
    /// The remote's descriptions come from Firefox.
    remote_firefox: bool,
    /// Ours do.
    local_firefox: bool,
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
            lossy_open: false,
            creates_channels: !polite,
            recreations: 0,
            buffered: 0,
            outbox: VecDeque::new(),
            outbox_bytes: 0,
            remote_ufrag: None,
            recovery: Recovery::new(polite),
            state: PeerState::Connecting,
            stats_at: None,
            stats: StatsTracker::default(),
            keepalive_at: None,
            ice_restarts: 0,
            closed: false,
            negotiation_held: None,
            remote_firefox: false,
            local_firefox: false,
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
    /// ICE restarts this session asked for.
    pub fn ice_restarts(&self) -> u32 {
        self.ice_restarts
    }
    /// Our ICE restarts are asked of the remote (`restart-ice`) instead of
    /// offered: it is Firefox and we are not. Measured with Firefox 153 ESR
    /// and Chromium 156 (README *Browsers*): to a restart offered by
    /// Chromium, Firefox answers `a=setup:active` whatever DTLS role it
    /// held, so when it was the DTLS server Chromium refuses the answer
    /// ("Failed to set SSL role for the transport") and the connection
    /// never renegotiates again; when it was the client, Firefox receives
    /// nothing more from Chromium after the restart. Restarts Firefox offers
    /// itself work with either role.
    pub fn remote_offers_restarts(&self) -> bool {
        self.remote_firefox && !self.local_firefox
    }
    pub fn state(&self) -> PeerState {
        self.state
    }
    pub fn is_closed(&self) -> bool {
        self.closed
    }
    pub fn recovery(&self) -> &Recovery {
        &self.recovery
    }
    /// The latest stats sample, with rates and the quality level.
    pub fn stats(&self) -> Option<&ConnectionStats> {
        self.stats.latest()
    }

    pub fn handle_input(&mut self, now: Millis, input: PeerInput) -> Result<(), CoreError> {
        if self.closed {
            return Err(CoreError::PeerClosed);
        }
        match input {
            PeerInput::NegotiationNeeded => match &mut self.negotiation_held {
                Some(wanted) => *wanted = true,
                None => self.negotiator.handle_negotiation_needed(&mut self.out),
            },
            PeerInput::SignalingState(s) => self.negotiator.handle_signaling_state(s),
            PeerInput::IceConnectionState(s) => self.handle_ice_state(now, s),
            PeerInput::ConnectionState(s) => {
                if s == ConnectionState::Connected && self.state == PeerState::Connecting {
                    self.set_state(PeerState::Connected, None);
                    // Not at once: the first frames are being decoded now,
                    // and a `getStats()` (a few ms of main thread) would
                    // delay them; one interval later it costs nothing.
                    self.stats_at = Some(now.saturating_add(STATS_INTERVAL));
                }
                // Chromium may never say ICE `failed` (it stays
                // `disconnected`); the connection state does.
                if s == ConnectionState::Failed {
                    let mut actions = Vec::new();
                    self.recovery.handle_ice_failed(now, &mut actions);
                    self.run(now, actions);
                }
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
                if let OpResult::Ok { local: Some(d) } = &result {
                    self.local_firefox = sdp::is_firefox(&d.sdp);
                }
                match self.negotiator.handle_op_completed(op, result, &mut self.out) {
                    Completion::Done => {}
                    Completion::RemoteApplied { ufrag, offer } => {
                        if ufrag.is_some() && ufrag != self.remote_ufrag {
                            if offer && self.remote_ufrag.is_some() {
                                self.recovery.handle_remote_restart(now);
                            }
                            self.remote_ufrag = ufrag.clone();
                        }
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
            PeerInput::ChannelOpen(Channel::Reliable) => {
                self.channel_open = true;
                self.recreations = 0;
                self.flush_outbox();
            }
            PeerInput::ChannelOpen(Channel::Lossy) => self.lossy_open = true,
            PeerInput::ChannelOpen(Channel::Keepalive) => self.keepalive_at = Some(now),
            PeerInput::ChannelClosed(channel) => {
                match channel {
                    Channel::Reliable => self.channel_open = false,
                    Channel::Lossy => self.lossy_open = false,
                    Channel::Keepalive => self.keepalive_at = None,
                }
                // The peer lives on: so must its channels. One side recreates
                // them (the other gets them by `datachannel`).
                if self.creates_channels && self.recreations < MAX_CHANNEL_RECREATIONS {
                    self.recreations += 1;
                    self.out.push_back(PeerOutput::Command(PcCommand::CreateChannel { channel }));
                }
            }
            PeerInput::ChannelMessage(m) => {
                self.out.push_back(PeerOutput::Event(PeerEvent::Message(m)))
            }
            // Only SFU connections have foreign channels.
            PeerInput::RelayedMessage { .. } => {}
            PeerInput::ChannelBuffered(amount) => {
                self.buffered = amount;
                self.flush_outbox();
            }
            PeerInput::Stats(snapshot) => {
                let mut actions = Vec::new();
                self.recovery.handle_bytes(now, snapshot.bytes_received, &mut actions);
                self.run(now, actions);
                if let Some(q) = self.stats.handle_snapshot(now, snapshot) {
                    self.out.push_back(PeerOutput::Event(PeerEvent::Quality(q)));
                }
            }
        }
        Ok(())
    }

    /// Call when `now` reaches [`Self::poll_timeout`].
    pub fn handle_timeout(&mut self, now: Millis) {
        if self.closed {
            return;
        }
        if self.stats_at.is_some_and(|t| t <= now) {
            let every = if self.recovery.is_recovering() {
                RECOVERING_STATS_INTERVAL
            } else {
                STATS_INTERVAL
            };
            self.stats_at = Some(now.saturating_add(every));
            self.out.push_back(PeerOutput::Command(PcCommand::GetStats));
        }
        if self.keepalive_at.is_some_and(|t| t <= now) {
            self.keepalive_at = Some(now.saturating_add(KEEPALIVE_INTERVAL));
            let cmd =
                PcCommand::SendData { data: Payload::Binary(vec![0]), channel: Channel::Keepalive };
            self.out.push_back(PeerOutput::Command(cmd));
        }
        let mut actions = Vec::new();
        self.recovery.handle_timeout(now, &mut actions);
        self.run(now, actions);
    }

    #[must_use]
    pub fn poll_output(&mut self) -> Option<PeerOutput> {
        self.out.pop_front()
    }

    #[must_use]
    pub fn poll_timeout(&self) -> Option<Millis> {
        if self.closed {
            return None;
        }
        Millis::earliest(&[self.stats_at, self.keepalive_at, self.recovery.poll_timeout()])
    }

    /// Signaling went down or came back: ICE restarts need it.
    pub fn handle_signaling(&mut self, now: Millis, up: bool) {
        let mut actions = Vec::new();
        self.recovery.handle_signaling(now, up, &mut actions);
        self.run(now, actions);
    }

    /// Our offers wait (the room holds the first negotiation for a capture).
    pub fn hold_negotiation(&mut self) {
        self.negotiation_held.get_or_insert(false);
    }

    /// Offers go again; one starts now if the browser asked meanwhile.
    pub fn release_negotiation(&mut self) {
        if self.negotiation_held.take() == Some(true) && !self.closed {
            self.negotiator.handle_negotiation_needed(&mut self.out);
        }
    }

    /// Signaling came back after a socket loss: frames sent while it was
    /// dying may be lost, so an offer still waiting for its answer goes again.
    pub fn handle_resumed(&mut self) {
        if let Some(sdp) = self.negotiator.unanswered_offer() {
            let data = SignalData::Description { sdp_type: SdpType::Offer, sdp: sdp.to_owned() };
            self.out.push_back(PeerOutput::Signal(data));
        }
    }

    /// The app sends `data` (reliable: queued until the channel takes it;
    /// lossy: dropped when the lossy channel is not open, as it would be late).
    pub fn send(&mut self, data: Payload, reliable: bool) -> Result<(), CoreError> {
        if self.closed {
            return Err(CoreError::PeerClosed);
        }
        if !reliable {
            if self.lossy_open {
                let cmd = PcCommand::SendData { data, channel: Channel::Lossy };
                self.out.push_back(PeerOutput::Command(cmd));
            }
            return Ok(());
        }
        let total = self.outbox_bytes.saturating_add(data.len());
        if total > MAX_QUEUED_MESSAGE_BYTES && !self.outbox.is_empty() {
            return Err(CoreError::MessageQueueFull(self.outbox_bytes));
        }
        if total > MAX_QUEUED_MESSAGE_BYTES && !self.can_send() {
            return Err(CoreError::MessageQueueFull(self.outbox_bytes));
        }
        self.outbox_bytes = total;
        self.outbox.push_back(data);
        self.flush_outbox();
        Ok(())
    }

    /// The app asks for an ICE restart.
    pub fn restart_ice(&mut self) -> Result<(), CoreError> {
        if self.closed {
            return Err(CoreError::PeerClosed);
        }
        let mut actions = Vec::new();
        self.recovery.handle_app_restart(&mut actions);
        self.run(Millis(0), actions);
        Ok(())
    }

    /// The connection was closed: later inputs are refused.
    pub fn close(&mut self) {
        self.closed = true;
        self.stats_at = None;
        self.keepalive_at = None;
        self.outbox = VecDeque::new(); // dropped whole (no `truncate` code)
        self.outbox_bytes = 0;
        self.state = PeerState::Closed;
    }

    fn can_send(&self) -> bool {
        self.channel_open && self.buffered < HIGH_WATER
    }

    fn flush_outbox(&mut self) {
        while self.can_send() {
            let Some(data) = self.outbox.pop_front() else { break };
            self.outbox_bytes = self.outbox_bytes.saturating_sub(data.len());
            // Counted until the driver reports the real bufferedAmount.
            self.buffered = self.buffered.saturating_add(data.len() as u64);
            let cmd = PcCommand::SendData { data, channel: Channel::Reliable };
            self.out.push_back(PeerOutput::Command(cmd));
        }
    }

    fn set_state(&mut self, state: PeerState, reason: Option<&'static str>) {
        if self.state != state {
            self.state = state;
            self.out.push_back(PeerOutput::Event(PeerEvent::State { state, reason }));
        }
    }

    fn run(&mut self, now: Millis, actions: Vec<Action>) {
        for a in actions {
            match a {
                Action::Lost(reason) => {
                    self.set_state(PeerState::Reconnecting, Some(reason.as_str()));
                    // Keep sampling, faster: bytes flowing again is the
                    // first sign of a path back and the proof of recovery.
                    let soon = now.saturating_add(RECOVERING_STATS_INTERVAL);
                    self.stats_at = Some(self.stats_at.map_or(now, |t| t.min(soon)));
                }
                Action::Restart { .. } => {
                    self.ice_restarts += 1;
                    let restart = if self.remote_offers_restarts() {
                        PeerOutput::Signal(SignalData::RestartIce)
                    } else {
                        PeerOutput::Command(PcCommand::RestartIce)
                    };
                    self.out.push_back(restart);
                }
                Action::PathBack => {
                    self.out.push_back(PeerOutput::Command(PcCommand::SendKeyFrames))
                }
                Action::Recovered => self.set_state(PeerState::Connected, Some("recovered")),
                Action::GiveUp => {
                    self.set_state(PeerState::Failed, Some("ice-restart-exhausted"));
                    self.stats_at = None;
                    self.keepalive_at = None;
                }
            }
        }
    }

    fn handle_signal(&mut self, data: SignalData) {
        match data {
            SignalData::Description { sdp_type, sdp } => {
                self.remote_firefox = sdp::is_firefox(&sdp);
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
            // The remote may not offer this restart (see
            // `remote_offers_restarts`): we do, at once.
            SignalData::RestartIce => {
                self.out.push_back(PeerOutput::Command(PcCommand::RestartIce))
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
        let mut actions = Vec::new();
        match state {
            IceConnectionState::Failed => self.recovery.handle_ice_failed(now, &mut actions),
            IceConnectionState::Disconnected => self.recovery.handle_ice_disconnected(now),
            IceConnectionState::Connected | IceConnectionState::Completed => {
                self.recovery.handle_ice_connected(&mut actions)
            }
            _ => {}
        }
        self.run(now, actions);
    }
}

//! A simulated `RTCPeerConnection`: the JSEP signaling state machine, the
//! operations chain, transceivers and mids, the negotiation-needed flag, ICE
//! credentials and candidates, and a data channel — what perfect negotiation
//! and candidate queuing touch, following webrtc-pc (and Chrome where the
//! spec leaves room). `track` fires as webrtc-pc "process remote tracks"
//! says: when a transceiver's direction starts including receive
//! (`[[FiredDirection]]`) or its remote streams gain one, never merely
//! because a description repeats what was already applied.
//!
//! Sans-IO like the core: methods never fire events synchronously. They push
//! [`PcTimer`]s the world schedules; [`SimPc::fire`] runs one and may push
//! [`PcEvent`]s, which the world hands to the core in order.
//!
//! An operation runs entirely when it completes (`fire(OpDone)`): nothing
//! else touches the chain meanwhile, so that is a valid linearisation. On
//! completion it updates state and queues `signalingstatechange` (and
//! `track`) before the result; the world calls [`SimPc::advance`] only after
//! the core reacted to the result, as the promise's continuation runs before
//! the chain moves on.

use crate::sim_sdp::{MediaKind, Msid, Section, SessionDesc};
use rtcroom::core::{
    sdp, Candidate, ConnectionState, Description, IceConnectionState, OpId, OpResult, SdpType,
    SignalingState, TrackKind,
};
use std::collections::VecDeque;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PcEvent {
    SignalingState(SignalingState),
    NegotiationNeeded,
    /// `icecandidate`; `None` is end-of-gathering.
    IceCandidate(Option<Candidate>),
    IceConnectionState(IceConnectionState),
    ConnectionState(ConnectionState),
    /// `track`: a remote sender appeared on a transceiver.
    Track {
        track_id: String,
        stream_id: Option<String>,
        kind: TrackKind,
        mid: Option<String>,
    },
    ChannelOpen,
    ChannelMessage(String),
    /// Answer to `getStats()`.
    Stats {
        bytes_received: u64,
    },
    OpCompleted {
        op: OpId,
        result: OpResult,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PcTimer {
    /// The operation at the head of the chain completes.
    OpDone,
    /// The queued task that fires `negotiationneeded` (re-checks first).
    NegotiationNeeded { event_id: u64 },
    /// The next candidate of gathering round `round`.
    Gather { round: usize, index: u32 },
    /// ICE checks of generation `generation` succeed.
    IceConnected { generation: u64 },
}

#[derive(Debug, Clone)]
pub struct PcConfig {
    /// Used in ufrags, track ids and candidate addresses.
    pub name: String,
    /// Host candidates gathered after each successful setLocalDescription.
    pub candidates_per_gathering: u32,
    /// Host candidates are mDNS names (`<uuid>.local`).
    pub mdns: bool,
    /// Created with the negotiated data channel (id 0), as rtcroom does.
    pub data_channel: bool,
    /// Rolling back the very first offer discards its ICE credentials, so
    /// the next description has a new ufrag (Chrome: the transports of the
    /// rolled-back offer are destroyed; Firefox keeps its credentials).
    pub fresh_ufrag_after_first_rollback: bool,
    /// Chromium refuses a remote offer that gives a mid of our pending local
    /// offer to another media kind, *before* its implicit rollback
    /// ("RTP extension ID reassignment not supported"), leaving the state
    /// unchanged.
    pub chromium_mid_collision: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transceiver {
    /// Identity (the JS object), stable across rollbacks that reorder others.
    pub id: u32,
    pub kind: TrackKind,
    pub mid: Option<String>,
    /// Created by `addTrack` (may be matched by a remote offer, JSEP 5.10).
    pub from_add_track: bool,
    /// Created by a remote offer.
    pub from_remote: bool,
    /// The sender's `a=msid` (stream, sender id) while the direction
    /// includes send (`addTrack` sets it, `removeTrack` clears it).
    pub sender: Option<Msid>,
    /// The sender's track (`replaceTrack` changes it without renegotiating).
    pub track: Option<String>,
    /// The remote sender of the latest remote description (`a=msid`).
    pub remote: Option<Msid>,
    /// `[[FiredDirection]]` includes receive: the remote sends on it.
    pub fired_recv: bool,
    /// Ids of the receiver's associated remote streams.
    pub remote_streams: Vec<String>,
    /// `[[CurrentDirection]]` has included send at some point.
    pub ever_sent: bool,
    /// The mid came from the pending offer, local or remote (undone by
    /// rollback; a transceiver a remote offer created is removed).
    mid_from_pending_offer: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    SetLocal,
    SetRemote(SdpType),
    AddCandidate { end: bool },
}

/// One completed operation, for assertions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpRecord {
    pub op: OpId,
    pub kind: OpKind,
    /// Signaling state when the operation ran.
    pub state_before: SignalingState,
    /// `Err(name)` for a rejection.
    pub result: Result<(), String>,
    /// setRemoteDescription(offer) in have-local-offer rolled back first.
    pub implicit_rollback: bool,
}

enum Queued {
    SetLocal,
    SetRemote(Description),
    AddCandidate(Option<Candidate>),
}

struct ChainedOp {
    id: OpId,
    op: Queued,
}

#[derive(Debug, Clone)]
struct LocalDesc {
    desc: SessionDesc,
    sdp_type: SdpType,
    text: String,
}

#[derive(Debug, Clone)]
struct RemoteDesc {
    desc: SessionDesc,
}

pub struct SimPc {
    pub config: PcConfig,
    closed: bool,
    state: SignalingState,
    chain: VecDeque<ChainedOp>,
    head_done: bool,
    events: VecDeque<PcEvent>,
    timers: VecDeque<PcTimer>,
    sent: VecDeque<String>,

    transceivers: Vec<Transceiver>,
    next_transceiver: u32,
    /// Order of m-sections as first negotiated (mids).
    mline_order: Vec<String>,
    data_mid: Option<String>,
    data_mid_from_pending_offer: bool,

    pending_local: Option<LocalDesc>,
    current_local: Option<LocalDesc>,
    pending_remote: Option<RemoteDesc>,
    current_remote: Option<RemoteDesc>,
    sdp_version: u64,

    // Negotiation-needed (webrtc-pc § 4.7.3, with Chrome's event ids).
    negotiation_needed: bool,
    update_on_empty_chain: bool,
    nn_event_id: u64,
    pub negotiation_needed_fired: u32,

    // ICE.
    ufrag_counter: u32,
    /// Ufrag before any description is current.
    initial_ufrag: String,
    /// `[[LocalIceCredentialsToReplace]]`: the ufrag restartIce() replaces.
    restart_from: Option<String>,
    pub restart_ice_calls: u32,
    gather_rounds: Vec<(String, Option<String>)>,
    /// Every candidate this connection gathered, in order.
    pub gathered: Vec<Candidate>,
    ice_state: IceConnectionState,
    ice_generation: u64,
    /// Remote ufrag when ICE was lost: only a newer one reconnects by itself.
    ice_lost_with: Option<String>,

    channel_open: bool,
    inbox: VecDeque<String>,

    /// Inbound bytes, as `getStats()` reports them: media flows while ICE is
    /// connected and the path is not blackholed.
    pub bytes_received: u64,
    pub blackholed: bool,
    pub stats_calls: u32,
    /// `SendKeyFrames` commands executed.
    pub key_frame_refreshes: u32,

    /// Every operation that completed, in order.
    pub ops: Vec<OpRecord>,
    /// Candidates `addIceCandidate` accepted (`None`: end-of-candidates).
    pub applied_candidates: Vec<Option<Candidate>>,
    /// Candidates `addIceCandidate` rejected, with the error name.
    pub failed_candidates: Vec<(Option<Candidate>, String)>,
    /// Every signaling state entered, in order.
    pub signaling_history: Vec<SignalingState>,
    /// Misuse by the driver (e.g. send on a closed channel).
    pub misuse: Vec<String>,
}

fn err(name: &str, message: &str) -> OpResult {
    OpResult::Err { name: name.to_owned(), message: message.to_owned() }
}

impl SimPc {
    pub fn new(config: PcConfig) -> Self {
        let initial_ufrag = format!("{}u0", config.name);
        let mut pc = SimPc {
            config,
            closed: false,
            state: SignalingState::Stable,
            chain: VecDeque::new(),
            head_done: false,
            events: VecDeque::new(),
            timers: VecDeque::new(),
            sent: VecDeque::new(),
            transceivers: Vec::new(),
            next_transceiver: 0,
            mline_order: Vec::new(),
            data_mid: None,
            data_mid_from_pending_offer: false,
            pending_local: None,
            current_local: None,
            pending_remote: None,
            current_remote: None,
            sdp_version: 0,
            negotiation_needed: false,
            update_on_empty_chain: false,
            nn_event_id: 0,
            negotiation_needed_fired: 0,
            ufrag_counter: 0,
            initial_ufrag,
            restart_from: None,
            restart_ice_calls: 0,
            gather_rounds: Vec::new(),
            gathered: Vec::new(),
            ice_state: IceConnectionState::New,
            ice_generation: 0,
            ice_lost_with: None,
            channel_open: false,
            bytes_received: 0,
            blackholed: false,
            stats_calls: 0,
            key_frame_refreshes: 0,
            inbox: VecDeque::new(),
            ops: Vec::new(),
            applied_candidates: Vec::new(),
            failed_candidates: Vec::new(),
            signaling_history: Vec::new(),
            misuse: Vec::new(),
        };
        if pc.config.data_channel {
            // createDataChannel: the first channel needs an m-section.
            pc.update_negotiation_needed();
        }
        pc
    }

    // ---- observation ------------------------------------------------------

    pub fn signaling_state(&self) -> SignalingState {
        self.state
    }
    pub fn transceivers(&self) -> &[Transceiver] {
        &self.transceivers
    }
    pub fn chain_len(&self) -> usize {
        self.chain.len()
    }
    pub fn ice_state(&self) -> IceConnectionState {
        self.ice_state
    }
    pub fn channel_open(&self) -> bool {
        self.channel_open
    }
    /// `localDescription` (pending, else current).
    pub fn local_description(&self) -> Option<Description> {
        self.pending_local
            .as_ref()
            .or(self.current_local.as_ref())
            .map(|l| Description { sdp_type: l.sdp_type, sdp: l.text.clone() })
    }
    /// Ufrag of the current local description.
    pub fn local_ufrag(&self) -> Option<&str> {
        self.current_local.as_ref().map(|l| l.desc.ufrag.as_str())
    }
    /// Ufrag of `remoteDescription` (pending, else current).
    pub fn remote_ufrag(&self) -> Option<&str> {
        self.remote().map(|r| r.desc.ufrag.as_str())
    }
    /// What "check if negotiation is needed" would answer now.
    pub fn needs_negotiation(&self) -> bool {
        self.check_negotiation_needed()
    }

    pub fn poll_event(&mut self) -> Option<PcEvent> {
        self.events.pop_front()
    }
    pub fn poll_timer(&mut self) -> Option<PcTimer> {
        self.timers.pop_front()
    }
    /// Data the app sent on the channel, for the world to carry.
    pub fn poll_sent(&mut self) -> Option<String> {
        self.sent.pop_front()
    }

    // ---- methods the driver calls ------------------------------------------

    pub fn set_local_description(&mut self, id: OpId) {
        self.chain_op(id, Queued::SetLocal);
    }

    pub fn set_remote_description(&mut self, id: OpId, description: Description) {
        self.chain_op(id, Queued::SetRemote(description));
    }

    pub fn add_ice_candidate(&mut self, id: OpId, candidate: Option<Candidate>) {
        self.chain_op(id, Queued::AddCandidate(candidate));
    }

    pub fn restart_ice(&mut self) {
        if self.closed {
            return;
        }
        self.restart_ice_calls += 1;
        // [[LocalIceCredentialsToReplace]]: the credentials of the current
        // local description (none before the first negotiation).
        if let Some(l) = &self.current_local {
            self.restart_from = Some(l.desc.ufrag.clone());
        }
        self.update_negotiation_needed();
    }

    /// `addTransceiver(kind)`: never matched to a remote m-section.
    pub fn add_transceiver(&mut self, kind: TrackKind) {
        if self.closed {
            return;
        }
        let t = self.new_transceiver(kind, None, false, false, None);
        self.transceivers.push(t);
        self.update_negotiation_needed();
    }

    fn new_transceiver(
        &mut self,
        kind: TrackKind,
        mid: Option<String>,
        from_add_track: bool,
        from_remote: bool,
        sender: Option<Msid>,
    ) -> Transceiver {
        self.next_transceiver += 1;
        Transceiver {
            id: self.next_transceiver,
            kind,
            mid_from_pending_offer: mid.is_some(),
            mid,
            from_add_track,
            from_remote,
            track: sender.as_ref().map(|m| m.track.clone()),
            sender,
            remote: None,
            fired_recv: false,
            remote_streams: Vec::new(),
            ever_sent: false,
        }
    }

    /// `addTransceiver(track, {direction: "sendrecv", streams: [stream]})`:
    /// always a new transceiver, which JSEP never pairs with a remote
    /// offer's m-section (only `addTrack` ones). Returns its id.
    pub fn add_transceiver_with_track(
        &mut self,
        kind: TrackKind,
        track_id: &str,
        stream_id: &str,
    ) -> u32 {
        if self.closed {
            return 0;
        }
        let msid = Msid { stream: stream_id.to_owned(), track: track_id.to_owned() };
        let t = self.new_transceiver(kind, None, false, false, Some(msid));
        let id = t.id;
        self.transceivers.push(t);
        self.update_negotiation_needed();
        id
    }

    /// `addTrack(track, stream)`: reuses a transceiver that never sent.
    /// Returns the transceiver's id (0 on a closed connection).
    pub fn add_track(&mut self, kind: TrackKind, track_id: &str, stream_id: &str) -> u32 {
        if self.closed {
            return 0;
        }
        let msid = Msid { stream: stream_id.to_owned(), track: track_id.to_owned() };
        let id = match self
            .transceivers
            .iter_mut()
            .find(|t| t.kind == kind && t.track.is_none() && !t.ever_sent)
        {
            Some(t) => {
                t.sender = Some(msid);
                t.track = Some(track_id.to_owned());
                t.id
            }
            None => {
                let t = self.new_transceiver(kind, None, true, false, Some(msid));
                let id = t.id;
                self.transceivers.push(t);
                id
            }
        };
        self.update_negotiation_needed();
        id
    }

    /// `removeTrack(sender)` of transceiver `id`: it stops sending (its
    /// direction loses send) and stays.
    pub fn remove_track(&mut self, id: u32) {
        if self.closed {
            return;
        }
        match self.transceivers.iter_mut().find(|t| t.id == id) {
            Some(t) if t.sender.is_some() => {
                t.sender = None;
                t.track = None;
            }
            _ => self.misuse.push(format!("removeTrack on transceiver {id}, which sends nothing")),
        }
        self.update_negotiation_needed();
    }

    /// `sender.replaceTrack(track)` on transceiver `id`, then, with a track,
    /// `sender.setStreams(stream)`: only a stream change renegotiates.
    pub fn replace_track(&mut self, id: u32, track: Option<(&str, &str)>) {
        if self.closed {
            return;
        }
        match self.transceivers.iter_mut().find(|t| t.id == id) {
            Some(t) if t.sender.is_some() => {
                t.track = track.map(|(track, _)| track.to_owned());
                if let (Some((_, stream)), Some(msid)) = (track, t.sender.as_mut()) {
                    stream.clone_into(&mut msid.stream);
                }
            }
            other => self.misuse.push(format!("replaceTrack on transceiver {id}: {other:?}")),
        }
        self.update_negotiation_needed();
    }

    /// After `removeTrack`: `sender.replaceTrack(track)`,
    /// `sender.setStreams(stream)` and `direction = "sendrecv"` on
    /// transceiver `id` (what rtcroom does not do; see the model tests).
    pub fn resume_sending(&mut self, id: u32, kind: TrackKind, track_id: &str, stream_id: &str) {
        if self.closed {
            return;
        }
        let msid = Msid { stream: stream_id.to_owned(), track: track_id.to_owned() };
        match self.transceivers.iter_mut().find(|t| t.id == id) {
            Some(t) if t.sender.is_none() && t.kind == kind => {
                t.sender = Some(msid);
                t.track = Some(track_id.to_owned());
            }
            other => self.misuse.push(format!("resume sending on transceiver {id}: {other:?}")),
        }
        self.update_negotiation_needed();
    }

    /// `dataChannel.send(data)`.
    pub fn send(&mut self, data: String) {
        if !self.channel_open || self.closed {
            self.misuse.push(format!("send on a channel that is not open: {data}"));
            return;
        }
        self.sent.push_back(data);
    }

    /// The remote end's `send` arrived over SCTP.
    pub fn deliver(&mut self, data: String) {
        if self.closed {
            return;
        }
        if self.channel_open {
            self.events.push_back(PcEvent::ChannelMessage(data));
        } else {
            self.inbox.push_back(data);
        }
    }

    pub fn close(&mut self) {
        self.closed = true;
        self.state = SignalingState::Closed;
        self.chain.clear();
        self.events.clear();
        self.timers.clear();
        self.channel_open = false;
    }

    /// The network changed the ICE state (test injection).
    /// `getStats()`: answered as an event, like the promise resolving.
    pub fn send_key_frames(&mut self) {
        if !self.closed {
            self.key_frame_refreshes += 1;
        }
    }

    pub fn get_stats(&mut self) {
        if self.closed {
            return;
        }
        self.stats_calls += 1;
        let up =
            matches!(self.ice_state, IceConnectionState::Connected | IceConnectionState::Completed);
        if up && !self.blackholed {
            self.bytes_received += 1_500;
        }
        self.events.push_back(PcEvent::Stats { bytes_received: self.bytes_received });
    }

    pub fn set_ice_state(&mut self, state: IceConnectionState) {
        if self.closed {
            return;
        }
        self.ice_generation += 1;
        if matches!(state, IceConnectionState::Disconnected | IceConnectionState::Failed) {
            self.ice_lost_with = self.remote_ufrag().map(str::to_owned);
        }
        self.enter_ice_state(state);
        if state == IceConnectionState::Connected {
            self.maybe_open_channel();
        }
    }

    // ---- timers --------------------------------------------------------------

    pub fn fire(&mut self, timer: PcTimer) {
        if self.closed {
            return;
        }
        match timer {
            PcTimer::OpDone => self.complete_head(),
            PcTimer::NegotiationNeeded { event_id } => self.fire_negotiation_needed(event_id),
            PcTimer::Gather { round, index } => self.gather(round, index),
            PcTimer::IceConnected { generation } => {
                if generation == self.ice_generation {
                    self.enter_ice_state(IceConnectionState::Connected);
                    self.maybe_open_channel();
                }
            }
        }
    }

    /// After the completed head operation's promise settled and its
    /// continuation ran: remove it, run the next, or update the
    /// negotiation-needed flag on the empty chain.
    pub fn advance(&mut self) {
        if self.closed || !self.head_done {
            return;
        }
        self.head_done = false;
        self.chain.pop_front();
        if !self.chain.is_empty() {
            self.timers.push_back(PcTimer::OpDone);
        } else if self.update_on_empty_chain {
            self.update_on_empty_chain = false;
            self.update_negotiation_needed();
        }
    }

    // ---- operations chain ---------------------------------------------------

    fn chain_op(&mut self, id: OpId, op: Queued) {
        if self.closed {
            self.misuse.push(format!("operation {id:?} on a closed connection"));
            return;
        }
        self.chain.push_back(ChainedOp { id, op });
        if self.chain.len() == 1 {
            self.timers.push_back(PcTimer::OpDone);
        }
    }

    fn complete_head(&mut self) {
        assert!(!self.head_done, "OpDone fired twice for one operation");
        let Some(head) = self.chain.front() else {
            return;
        };
        let id = head.id;
        let op = match &head.op {
            Queued::SetLocal => Queued::SetLocal,
            Queued::SetRemote(d) => Queued::SetRemote(d.clone()),
            Queued::AddCandidate(c) => Queued::AddCandidate(c.clone()),
        };
        self.head_done = true;
        let state_before = self.state;
        let mut implicit_rollback = false;
        let (kind, result) = match op {
            Queued::SetLocal => (OpKind::SetLocal, self.do_set_local()),
            Queued::SetRemote(d) => {
                let kind = OpKind::SetRemote(d.sdp_type);
                implicit_rollback =
                    d.sdp_type == SdpType::Offer && self.state == SignalingState::HaveLocalOffer;
                (kind, self.do_set_remote(d))
            }
            Queued::AddCandidate(c) => {
                (OpKind::AddCandidate { end: c.is_none() }, self.do_add_candidate(c))
            }
        };
        self.ops.push(OpRecord {
            op: id,
            kind,
            state_before,
            result: match &result {
                OpResult::Ok { .. } => Ok(()),
                OpResult::Err { name, .. } => Err(name.clone()),
            },
            implicit_rollback,
        });
        self.events.push_back(PcEvent::OpCompleted { op: id, result });
    }

    fn set_state(&mut self, state: SignalingState) {
        if self.state != state {
            self.state = state;
            self.signaling_history.push(state);
            self.events.push_back(PcEvent::SignalingState(state));
        }
    }

    // ---- setLocalDescription ---------------------------------------------

    fn do_set_local(&mut self) -> OpResult {
        match self.state {
            SignalingState::Stable | SignalingState::HaveLocalOffer => self.apply_local_offer(),
            SignalingState::HaveRemoteOffer => self.apply_local_answer(),
            _ => return err("InvalidStateError", "setLocalDescription in this state"),
        }
        self.after_description_applied();
        self.start_gathering();
        OpResult::Ok { local: self.local_description() }
    }

    fn fresh_ufrag(&mut self) -> String {
        self.ufrag_counter += 1;
        format!("{}u{}", self.config.name, self.ufrag_counter)
    }

    fn base_ufrag(&self) -> String {
        self.local_ufrag().map_or_else(|| self.initial_ufrag.clone(), str::to_owned)
    }

    fn next_mid(&self) -> String {
        let used = |m: &str| {
            self.transceivers.iter().any(|t| t.mid.as_deref() == Some(m))
                || self.data_mid.as_deref() == Some(m)
        };
        (0..).map(|i: u32| i.to_string()).find(|m| !used(m)).expect("a free mid")
    }

    fn apply_local_offer(&mut self) {
        // Ufrag: new credentials when restartIce() asked for them (kept for a
        // re-offer), else the current ones.
        let ufrag = match (&self.restart_from, &self.pending_local) {
            (Some(old), Some(p)) if p.desc.ufrag != *old => p.desc.ufrag.clone(),
            (Some(_), _) => self.fresh_ufrag(),
            (None, _) => self.base_ufrag(),
        };
        for i in 0..self.transceivers.len() {
            if self.transceivers[i].mid.is_none() {
                let mid = self.next_mid();
                let t = &mut self.transceivers[i];
                t.mid = Some(mid.clone());
                t.mid_from_pending_offer = true;
                self.mline_order.push(mid);
            }
        }
        if self.config.data_channel && self.data_mid.is_none() {
            let mid = self.next_mid();
            self.data_mid = Some(mid.clone());
            self.data_mid_from_pending_offer = true;
            self.mline_order.push(mid);
        }
        let sections = self.mline_order.iter().map(|mid| self.local_section(mid)).collect();
        let desc = SessionDesc { ufrag, sections };
        self.pending_local = Some(self.local_desc(desc, SdpType::Offer));
        self.set_state(SignalingState::HaveLocalOffer);
    }

    fn local_section(&self, mid: &str) -> Section {
        if self.data_mid.as_deref() == Some(mid) {
            return Section { kind: MediaKind::Application, mid: mid.to_owned(), msid: None };
        }
        let t = self
            .transceivers
            .iter()
            .find(|t| t.mid.as_deref() == Some(mid))
            .unwrap_or_else(|| panic!("{}: no transceiver for mid {mid}", self.config.name));
        Section { kind: MediaKind::of(t.kind), mid: mid.to_owned(), msid: t.sender.clone() }
    }

    fn local_desc(&mut self, desc: SessionDesc, sdp_type: SdpType) -> LocalDesc {
        self.sdp_version += 1;
        // o= session id: stable per connection, as in a browser.
        let session: u64 =
            self.config.name.bytes().fold(7, |h, b| h.wrapping_mul(31) + u64::from(b));
        let text = desc.to_sdp(&session.to_string(), self.sdp_version);
        LocalDesc { desc, sdp_type, text }
    }

    fn apply_local_answer(&mut self) {
        let offer = self.pending_remote.clone().expect("have-remote-offer has a remote offer");
        // A remote ICE restart (new remote ufrag) needs new local credentials.
        let remote_restart =
            self.current_remote.as_ref().is_some_and(|c| c.desc.ufrag != offer.desc.ufrag);
        let ufrag = if remote_restart { self.fresh_ufrag() } else { self.base_ufrag() };
        let sections = offer.desc.sections.iter().map(|s| self.local_section(&s.mid)).collect();
        let desc = SessionDesc { ufrag, sections };
        let answer = self.local_desc(desc, SdpType::Answer);
        self.current_local = Some(answer);
        self.current_remote = self.pending_remote.take();
        self.pending_local = None;
        self.became_stable();
        self.set_state(SignalingState::Stable);
    }

    /// A negotiation completed: record what is now current.
    fn became_stable(&mut self) {
        for t in &mut self.transceivers {
            t.mid_from_pending_offer = false;
        }
        self.data_mid_from_pending_offer = false;
        let local =
            self.current_local.clone().expect("stable after a negotiation has a local description");
        for t in &mut self.transceivers {
            if let Some(mid) = &t.mid {
                if local.desc.section(mid).is_some_and(|s| s.msid.is_some()) {
                    t.ever_sent = true;
                }
            }
        }
        if self.restart_from.as_deref().is_some_and(|old| old != local.desc.ufrag) {
            self.restart_from = None;
        }
    }

    /// Rollback of the pending offer: implicit (a remote offer in
    /// have-local-offer) or setRemoteDescription({type: "rollback"}).
    fn rollback_pending_offer(&mut self) {
        if self.pending_local.take().is_some()
            && self.current_local.is_none()
            && self.config.fresh_ufrag_after_first_rollback
        {
            self.initial_ufrag = self.fresh_ufrag();
        }
        self.pending_remote = None;
        let undone: Vec<String> = self
            .transceivers
            .iter()
            .filter(|t| t.mid_from_pending_offer)
            .filter_map(|t| t.mid.clone())
            .collect();
        self.mline_order.retain(|m| !undone.contains(m));
        self.transceivers.retain(|t| !(t.from_remote && t.mid_from_pending_offer));
        for t in &mut self.transceivers {
            if t.mid_from_pending_offer {
                t.mid_from_pending_offer = false;
                t.mid = None;
            }
        }
        if self.data_mid_from_pending_offer {
            self.data_mid_from_pending_offer = false;
            if let Some(mid) = self.data_mid.take() {
                self.mline_order.retain(|m| *m != mid);
            }
        }
        self.set_state(SignalingState::Stable);
    }

    // ---- setRemoteDescription ----------------------------------------------

    /// A remote m-section reuses a mid of the pending local offer for
    /// another media kind.
    fn mid_collides(&self, remote: &SessionDesc) -> bool {
        let Some(local) = &self.pending_local else {
            return false;
        };
        remote
            .sections
            .iter()
            .any(|r| local.desc.sections.iter().any(|l| l.mid == r.mid && l.kind != r.kind))
    }

    fn do_set_remote(&mut self, d: Description) -> OpResult {
        if d.sdp_type == SdpType::Rollback {
            if self.state == SignalingState::Stable {
                return err("InvalidStateError", "rollback in stable");
            }
            self.rollback_pending_offer();
            self.after_description_applied();
            return OpResult::Ok { local: self.local_description() };
        }
        let desc = match SessionDesc::parse(&d.sdp) {
            Ok(desc) => desc,
            Err(e) => return err("OperationError", &format!("unparsable SDP: {e}")),
        };
        // The core reads the same ufrag the model wrote.
        assert_eq!(sdp::ice_ufrag(&d.sdp), Some(desc.ufrag.as_str()));
        match d.sdp_type {
            SdpType::Offer => {
                if self.state == SignalingState::HaveLocalOffer {
                    if self.config.chromium_mid_collision && self.mid_collides(&desc) {
                        return err(
                            "InvalidAccessError",
                            "RTP extension ID reassignment not supported (collision on active MID)",
                        );
                    }
                    self.rollback_pending_offer();
                }
                if !matches!(self.state, SignalingState::Stable | SignalingState::HaveRemoteOffer) {
                    return err("InvalidStateError", "remote offer in this state");
                }
                self.apply_remote_offer(desc);
            }
            SdpType::Answer => {
                if self.state != SignalingState::HaveLocalOffer {
                    return err("InvalidStateError", "remote answer without a local offer");
                }
                let offer = &self.pending_local.as_ref().expect("local offer").desc;
                let offered: Vec<&str> = offer.sections.iter().map(|s| s.mid.as_str()).collect();
                let answered: Vec<&str> = desc.sections.iter().map(|s| s.mid.as_str()).collect();
                if offered != answered {
                    return err("InvalidAccessError", "answer m-sections differ from the offer");
                }
                self.fire_tracks(&desc);
                self.current_remote = Some(RemoteDesc { desc });
                self.pending_remote = None;
                self.current_local = self.pending_local.take();
                self.became_stable();
                self.set_state(SignalingState::Stable);
            }
            _ => return err("OperationError", "the model supports offers and answers only"),
        }
        self.after_description_applied();
        OpResult::Ok { local: self.local_description() }
    }

    fn apply_remote_offer(&mut self, desc: SessionDesc) {
        for s in &desc.sections {
            if s.kind == MediaKind::Application {
                if self.data_mid.is_none() {
                    self.data_mid = Some(s.mid.clone());
                    self.data_mid_from_pending_offer = true;
                    self.mline_order.push(s.mid.clone());
                }
                continue;
            }
            if self.transceivers.iter().any(|t| t.mid.as_deref() == Some(s.mid.as_str())) {
                continue;
            }
            let kind = s.kind.track_kind().expect("media section");
            // JSEP 5.10: an unassociated addTrack transceiver of that kind.
            let reuse = self
                .transceivers
                .iter_mut()
                .find(|t| t.mid.is_none() && t.from_add_track && t.kind == kind);
            match reuse {
                Some(t) => {
                    t.mid = Some(s.mid.clone());
                    t.mid_from_pending_offer = true;
                }
                None => {
                    let t = self.new_transceiver(kind, Some(s.mid.clone()), false, true, None);
                    self.transceivers.push(t);
                }
            }
            self.mline_order.push(s.mid.clone());
        }
        self.fire_tracks(&desc);
        self.pending_remote = Some(RemoteDesc { desc });
        self.set_state(SignalingState::HaveRemoteOffer);
    }

    /// webrtc-pc "process remote tracks" for every m-section: the remote
    /// sends where it wrote `a=msid` (the model writes it exactly then).
    /// The receiver's track is the transceiver's for life (one id).
    fn fire_tracks(&mut self, desc: &SessionDesc) {
        for s in &desc.sections {
            let Some(t) =
                self.transceivers.iter_mut().find(|t| t.mid.as_deref() == Some(s.mid.as_str()))
            else {
                continue;
            };
            t.remote = s.msid.clone();
            // "Set the associated remote streams".
            let streams: Vec<String> = s.msid.iter().map(|m| m.stream.clone()).collect();
            let added = streams.iter().any(|id| !t.remote_streams.contains(id));
            t.remote_streams = streams;
            let receives = s.msid.is_some();
            if receives && (!t.fired_recv || added) {
                self.events.push_back(PcEvent::Track {
                    track_id: format!("recv-{}-{}", self.config.name, s.mid),
                    stream_id: t.remote_streams.first().cloned(),
                    kind: t.kind,
                    mid: Some(s.mid.clone()),
                });
            }
            t.fired_recv = receives;
        }
    }

    fn remote(&self) -> Option<&RemoteDesc> {
        self.pending_remote.as_ref().or(self.current_remote.as_ref())
    }

    // ---- addIceCandidate ---------------------------------------------------

    fn do_add_candidate(&mut self, c: Option<Candidate>) -> OpResult {
        let Some(remote) = self.remote() else {
            self.failed_candidates.push((c, "InvalidStateError".into()));
            return err("InvalidStateError", "no remote description");
        };
        let remote_ufrag = remote.desc.ufrag.clone();
        let Some(cand) = &c else {
            self.applied_candidates.push(None);
            return OpResult::Ok { local: None };
        };
        let words: Vec<&str> = cand.candidate.split_ascii_whitespace().collect();
        if words.len() < 8 || !words[0].starts_with("candidate:") || words[6] != "typ" {
            self.failed_candidates.push((c.clone(), "OperationError".into()));
            return err("OperationError", "could not parse the candidate");
        }
        let ufrag = cand
            .username_fragment
            .clone()
            .or_else(|| sdp::candidate_ufrag(&cand.candidate).map(str::to_owned));
        if ufrag.as_ref().is_some_and(|u| *u != remote_ufrag) {
            self.failed_candidates.push((c.clone(), "OperationError".into()));
            return err("OperationError", "candidate ufrag matches no remote description");
        }
        self.applied_candidates.push(c.clone());
        let reconnects = match self.ice_state {
            IceConnectionState::New => true,
            IceConnectionState::Disconnected | IceConnectionState::Failed => {
                self.ice_lost_with.as_deref() != Some(remote_ufrag.as_str())
            }
            _ => false,
        };
        if reconnects {
            self.ice_generation += 1;
            self.enter_ice_state(IceConnectionState::Checking);
            self.timers.push_back(PcTimer::IceConnected { generation: self.ice_generation });
        }
        OpResult::Ok { local: None }
    }

    // ---- ICE and the data channel -----------------------------------------

    fn enter_ice_state(&mut self, state: IceConnectionState) {
        if self.ice_state == state {
            return;
        }
        self.ice_state = state;
        self.events.push_back(PcEvent::IceConnectionState(state));
        let pc_state = match state {
            IceConnectionState::New => ConnectionState::New,
            IceConnectionState::Checking => ConnectionState::Connecting,
            IceConnectionState::Connected | IceConnectionState::Completed => {
                ConnectionState::Connected
            }
            IceConnectionState::Disconnected => ConnectionState::Disconnected,
            IceConnectionState::Failed => ConnectionState::Failed,
            _ => ConnectionState::Closed,
        };
        self.events.push_back(PcEvent::ConnectionState(pc_state));
    }

    fn start_gathering(&mut self) {
        let Some(local) = self.pending_local.as_ref().or(self.current_local.as_ref()) else {
            return;
        };
        let mid = local.desc.first_mid().map(str::to_owned);
        self.gather_rounds.push((local.desc.ufrag.clone(), mid));
        self.timers.push_back(PcTimer::Gather { round: self.gather_rounds.len() - 1, index: 0 });
    }

    fn gather(&mut self, round: usize, index: u32) {
        if index >= self.config.candidates_per_gathering {
            self.events.push_back(PcEvent::IceCandidate(None));
            return;
        }
        let (ufrag, mid) = self.gather_rounds[round].clone();
        let n = self.gathered.len();
        let address = if self.config.mdns {
            format!("{:08x}-4c1e-4a7b-9d0f-{}{n:03}.local", 0x1000_0000 + n, self.config.name)
        } else {
            format!("10.0.{}.{}", self.config.name.len(), n % 250 + 1)
        };
        let line = format!(
            "candidate:{n} 1 udp 2122260223 {address} {} typ host generation 0 ufrag {ufrag} network-id 1",
            50000 + n
        );
        let c = Candidate {
            candidate: line,
            sdp_mid: mid,
            sdp_m_line_index: Some(0),
            username_fragment: None,
        };
        self.gathered.push(c.clone());
        self.events.push_back(PcEvent::IceCandidate(Some(c)));
        self.timers.push_back(PcTimer::Gather { round, index: index + 1 });
    }

    fn maybe_open_channel(&mut self) {
        if self.channel_open || self.state != SignalingState::Stable {
            return;
        }
        let Some(mid) = &self.data_mid else { return };
        let in_both = self.current_local.as_ref().is_some_and(|l| l.desc.section(mid).is_some())
            && self.current_remote.as_ref().is_some_and(|r| r.desc.section(mid).is_some());
        let connected =
            matches!(self.ice_state, IceConnectionState::Connected | IceConnectionState::Completed);
        if in_both && connected && self.data_mid.is_some() {
            self.channel_open = true;
            self.events.push_back(PcEvent::ChannelOpen);
            while let Some(m) = self.inbox.pop_front() {
                self.events.push_back(PcEvent::ChannelMessage(m));
            }
        }
    }

    // ---- negotiation-needed -------------------------------------------------

    /// "Check if negotiation is needed" (in stable).
    fn check_negotiation_needed(&self) -> bool {
        if self.restart_from.is_some() {
            return true;
        }
        if self.config.data_channel && self.data_mid.is_none() {
            return true;
        }
        let local = self.current_local.as_ref().map(|l| &l.desc);
        self.transceivers.iter().any(|t| match &t.mid {
            None => true,
            Some(mid) => match local.and_then(|l| l.section(mid)) {
                None => true,
                Some(s) => s.msid != t.sender,
            },
        })
    }

    /// "Update the negotiation-needed flag".
    fn update_negotiation_needed(&mut self) {
        if self.closed {
            return;
        }
        if !self.chain.is_empty() {
            self.update_on_empty_chain = true;
            return;
        }
        if self.state != SignalingState::Stable {
            return;
        }
        if !self.check_negotiation_needed() {
            self.negotiation_needed = false;
            self.nn_event_id += 1; // invalidates a queued event
            return;
        }
        if self.negotiation_needed {
            return;
        }
        self.negotiation_needed = true;
        self.queue_negotiation_needed_event();
    }

    fn queue_negotiation_needed_event(&mut self) {
        self.nn_event_id += 1;
        self.timers.push_back(PcTimer::NegotiationNeeded { event_id: self.nn_event_id });
    }

    /// The queued task: fire only if still valid, on an empty chain, stable
    /// and still needed.
    fn fire_negotiation_needed(&mut self, event_id: u64) {
        if event_id != self.nn_event_id || !self.negotiation_needed {
            return;
        }
        if !self.chain.is_empty() {
            self.negotiation_needed = false;
            self.update_on_empty_chain = true;
            return;
        }
        if self.state != SignalingState::Stable {
            return;
        }
        if !self.check_negotiation_needed() {
            self.negotiation_needed = false;
            return;
        }
        self.negotiation_needed_fired += 1;
        self.events.push_back(PcEvent::NegotiationNeeded);
    }

    /// End of "set the session description": update the flag when stable,
    /// and fire again if it was and stays set (a rolled-back offer).
    fn after_description_applied(&mut self) {
        let was = self.negotiation_needed;
        self.update_negotiation_needed();
        if self.state == SignalingState::Stable && was && self.negotiation_needed {
            self.queue_negotiation_needed_event();
        }
        if self.state == SignalingState::Stable {
            self.maybe_open_channel();
        }
    }
}

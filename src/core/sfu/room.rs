//! The room model over an SFU (DESIGN.md §1.1 "Topology"): the same
//! [`RoomOutput`]s and [`RoomEvent`]s as the mesh, from a Janus VideoRoom.
//!
//! Two connections, each an [`RoomOutput::CreatePeer`] the driver builds as
//! for a mesh participant, under fixed peer ids:
//! - [`PUBLISHER_PEER`]: our tracks (camera with the simulcast plan of
//!   [`Topology::Sfu`], sent with `rid_order: "lmh"`). Offer-only: this side
//!   decides when to offer (a track added or removed, Janus asking again
//!   after a new session), one offer at a time.
//! - [`SUBSCRIBER_PEER`]: everyone else's media. Answer-only: Janus offers
//!   every feed we subscribe to, we apply the offer and answer.
//!
//! Participants are Janus's publishers (Janus announces a publisher once its
//! media is up); each is subscribed to as it appears. A track received on
//! the subscriber connection is announced as `track` once both its receiver
//! (`RoomInput::RemoteTrack`, by mid) and Janus's stream list (which feed
//! that mid carries) are known; it is removed when Janus stops sending it.

use super::janus::{
    JanusConfig, JanusEvent, JanusOutput, JanusSession, JanusState, RidOrder, Role,
    SubscribedStream,
};
use crate::core::encodings::{plan, Topology};
use crate::core::error::CoreError;
use crate::core::map::Map;
use crate::core::room::session::SessionState;
use crate::core::room::{
    Generation, LocalTrack, RoomConfig, RoomConnection, RoomEvent, RoomInput, RoomOutput, SenderId,
    UnpublishReason,
};
use crate::core::types::*;
use crate::core::MAX_QUEUED_MESSAGE_BYTES;
use rtcroom_proto::janus::StreamKind;
use rtcroom_proto::{LeaveReason, Meta, PeerId, PeerInfo, TrackInfo};
use std::collections::VecDeque;

pub mod adaptive;

/// Peer id of our publisher connection (never a Janus publisher id, which
/// is a number).
pub const PUBLISHER_PEER: &str = "sfu-publisher";
/// Peer id of our subscriber connection.
pub const SUBSCRIBER_PEER: &str = "sfu-subscriber";

/// A source size for the simulcast plan when the track does not say (the
/// browsers' default capture).

/// One of our two connections to Janus.
#[derive(Debug, Default)]
struct Conn {
    generation: Option<Generation>,
    /// Publisher: our offer's `setLocalDescription`, then Janus's answer's
    /// `setRemoteDescription`: one negotiation at a time.
    /// Subscriber: the `setLocalDescription` that makes our answer.
    op: Option<OpId>,
    /// Publisher: a negotiation is needed once the current one is done.
    dirty: bool,
    /// Publisher: our offer went to Janus; its answer is awaited.
    awaiting_answer: bool,
}

/// A received track: our subscriber `mid` → the receiver the driver reported.
#[derive(Debug, Clone)]
struct Received {
    track_id: String,
    stream_id: Option<String>,
    kind: TrackKind,
}

/// What we announced to the app for one subscriber mid.
#[derive(Debug, Clone)]
struct Announced {
    participant: PeerId,
    track_id: String,
    kind: TrackKind,
    source: TrackSource,
}

#[derive(Debug)]
pub struct SfuRoom {
    janus: JanusSession,
    now: Millis,
    /// `connected` was told (the first join); later joins are recoveries.
    connected: bool,
    /// The session was lost with a publisher connection: build a new one
    /// once the new session joined (its handle is new).
    rebuild_publisher: bool,
    failure: Option<(&'static str, String)>,
    local_id: Option<PeerId>,
    published: Vec<LocalTrack>,
    senders: Map<String, SenderId>,
    next_sender: u32,
    next_generation: Generation,
    next_op: u64,
    publisher: Conn,
    subscriber: Conn,
    /// Other publishers, by Janus id.
    participants: Map<u64, (PeerInfo, Vec<TrackInfo>)>,
    /// Janus's latest stream list of our subscription, by our mid.
    streams: Map<String, SubscribedStream>,
    received: Map<String, Received>,
    announced: Map<String, Announced>,
    adaptive: adaptive::Adaptive,
    /// Our data channels that are open (on the publisher connection).
    open_channels: Vec<Channel>,
    /// Messages sent before their channel opened, in order (bounded).
    queued: VecDeque<(Channel, Payload)>,
    queued_bytes: usize,
    out: VecDeque<RoomOutput>,
}

impl SfuRoom {
    /// A room that starts connecting to Janus at once (`config.room` is the
    /// VideoRoom's number).
    pub fn new(now: Millis, config: &RoomConfig, room: u64) -> Self {
        let cfg = JanusConfig::new(room, config.name.clone(), config.seed);
        let mut r = SfuRoom {
            janus: JanusSession::new(now, cfg),
            now,
            connected: false,
            rebuild_publisher: false,
            failure: None,
            local_id: None,
            published: Vec::new(),
            senders: Map::new(),
            next_sender: 0,
            next_generation: 0,
            next_op: 1,
            publisher: Conn::default(),
            subscriber: Conn::default(),
            participants: Map::new(),
            streams: Map::new(),
            received: Map::new(),
            announced: Map::new(),
            adaptive: adaptive::Adaptive::default(),
            open_channels: Vec::new(),
            queued: VecDeque::new(),
            queued_bytes: 0,
            out: VecDeque::new(),
        };
        // Idle → Connecting cannot fail on a new session.
        let _ = r.janus.join_room(now);
        r.pump();
        r
    }

    pub fn janus(&self) -> &JanusSession {
        &self.janus
    }
    pub fn local_id(&self) -> Option<&str> {
        self.local_id.as_deref()
    }
    pub fn state(&self) -> SessionState {
        match self.janus.state() {
            JanusState::Idle | JanusState::Connecting => SessionState::Connecting,
            JanusState::Setup if !self.connected => SessionState::Joining,
            JanusState::Setup | JanusState::Reconnecting => SessionState::Resuming,
            JanusState::Joined => SessionState::Joined,
            JanusState::Leaving | JanusState::Left => SessionState::Left,
            _ => SessionState::Failed,
        }
    }
    pub fn is_joined(&self) -> bool {
        matches!(self.state(), SessionState::Joined | SessionState::Resuming)
    }
    pub fn failure(&self) -> Option<(&'static str, &str)> {
        self.failure.as_ref().map(|(c, m)| (*c, m.as_str()))
    }
    pub fn participants(&self) -> impl Iterator<Item = &PeerInfo> {
        self.participants.values().map(|(p, _)| p)
    }
    /// What a publisher sends, as Janus lists its streams.
    pub fn publications(&self, id: &str) -> &[TrackInfo] {
        id.parse::<u64>()
            .ok()
            .and_then(|id| self.participants.get(&id))
            .map_or(&[], |(_, t)| t.as_slice())
    }
    pub fn published(&self) -> &[LocalTrack] {
        &self.published
    }
    pub fn generation(&self, peer: &str) -> Option<Generation> {
        self.conn_of(peer).and_then(|(_, c)| c.generation)
    }
    /// The participant whose track arrives on our subscriber `mid`.
    pub fn participant_of_mid(&self, mid: &str) -> Option<&str> {
        self.announced.get(mid).map(|a| a.participant.as_str())
    }
    /// Our subscriber mid carrying `track_id` (a received track).
    pub fn mid_of_track(&self, track_id: &str) -> Option<&str> {
        self.received.iter().find(|(_, r)| r.track_id == track_id).map(|(m, _)| m.as_str())
    }
    /// The layer the adaptive stream last asked for on `mid`.
    pub fn wanted_layer(&self, mid: &str) -> Option<adaptive::Layer> {
        self.adaptive.wanted(mid)
    }

    #[must_use]
    pub fn poll_output(&mut self) -> Option<RoomOutput> {
        self.out.pop_front()
    }

    #[must_use]
    pub fn poll_timeout(&self) -> Option<Millis> {
        self.janus.poll_timeout()
    }

    pub fn handle_timeout(&mut self, now: Millis) {
        self.now = now;
        self.janus.handle_timeout(now);
        self.pump();
    }

    pub fn handle_input(&mut self, now: Millis, input: RoomInput) -> Result<(), CoreError> {
        self.now = now;
        match input {
            RoomInput::SocketOpened { socket } => self.janus.handle_socket_opened(now, socket),
            RoomInput::SocketClosed { socket } => self.janus.handle_socket_closed(now, socket),
            RoomInput::SfuFrame { socket, msg } => self.janus.handle_frame(now, socket, msg),
            RoomInput::Peer { peer, generation, input } => {
                let role = match self.conn_of(&peer) {
                    Some((role, c)) if c.generation == Some(generation) => role,
                    _ => return Ok(()), // an older connection's report
                };
                self.on_peer(role, input);
            }
            RoomInput::RemoteTrack { peer, generation, track_id, stream_id, kind, mid } => {
                if peer != SUBSCRIBER_PEER || self.subscriber.generation != Some(generation) {
                    return Ok(());
                }
                if let Some(mid) = mid {
                    self.received.insert(mid.clone(), Received { track_id, stream_id, kind });
                    self.sync_mid(&mid);
                }
            }
            RoomInput::PeerSetupFailed { peer, message, .. } => {
                self.warn(None, "peer-setup-failed", peer + ": " + &message);
            }
            // The mesh's own inputs (signaling frames, sender mids).
            _ => {}
        }
        self.pump();
        Ok(())
    }

    // ---- the app's calls ------------------------------------------------

    /// Publishes `track` on the publisher connection (built on first use);
    /// a camera goes with its simulcast layers.
    pub fn publish(&mut self, track: LocalTrack) -> Result<(), CoreError> {
        if !self.is_joined() {
            return Err(CoreError::NotJoined);
        }
        if self.published.iter().any(|t| t.track_id == track.track_id) {
            return Err(CoreError::TrackAlreadyPublished);
        }
        if let Some(t) = self
            .published
            .iter()
            .find(|t| t.source == track.source && !matches!(track.source, TrackSource::Custom))
        {
            return Err(CoreError::SourceAlreadyPublished(t.source.as_str()));
        }
        self.published.push(track.clone());
        self.event(RoomEvent::TrackPublished {
            track_id: track.track_id.clone(),
            publication: track.track_id.clone(),
            kind: track.kind,
            source: track.source,
        });
        if self.publisher.generation.is_none() {
            self.build_publisher();
        } else {
            self.add_sender(&track);
        }
        self.publisher.dirty = true;
        self.maybe_offer();
        Ok(())
    }

    /// Stops sending `track` (its sender goes idle: Janus keeps the
    /// m-section and its subscribers see no more frames).
    pub fn unpublish_as(
        &mut self,
        track_id: &str,
        reason: UnpublishReason,
    ) -> Result<(), CoreError> {
        let Some(i) = self.published.iter().position(|t| t.track_id == track_id) else {
            return Err(CoreError::NotPublished);
        };
        let track = self.published.remove(i);
        if let Some(sender) = self.senders.remove(track_id) {
            self.out.push_back(RoomOutput::ReplaceTrack {
                peer: PUBLISHER_PEER.to_owned(),
                sender,
                track: None,
            });
        }
        self.event(RoomEvent::TrackUnpublished {
            track_id: track.track_id.clone(),
            publication: track.track_id,
            kind: track.kind,
            source: track.source,
            reason: reason.as_str(),
        });
        Ok(())
    }

    /// Data messages go through the VideoRoom's data channel (Janus relays
    /// them to every subscriber with data); `to` cannot be honoured.
    pub fn send(
        &mut self,
        to: Option<&str>,
        data: Payload,
        reliable: bool,
    ) -> Result<Vec<(PeerId, CoreError)>, CoreError> {
        if !self.is_joined() {
            return Err(CoreError::NotJoined);
        }
        if let Some(to) = to {
            return Err(CoreError::UnknownParticipant(to.to_owned()));
        }
        if self.publisher.generation.is_none() {
            self.build_publisher();
            self.publisher.dirty = true;
            self.maybe_offer();
        }
        let channel = if reliable { Channel::Reliable } else { Channel::Lossy };
        if self.open_channels.contains(&channel) {
            self.send_data(channel, data);
        } else if channel == Channel::Reliable {
            // Held until the channel opens (lossy messages are stale by then).
            if self.queued_bytes.saturating_add(data.len()) > MAX_QUEUED_MESSAGE_BYTES {
                return Err(CoreError::MessageQueueFull(MAX_QUEUED_MESSAGE_BYTES));
            }
            self.queued_bytes += data.len();
            self.queued.push_back((channel, data));
        }
        Ok(Vec::new())
    }

    /// The app rendered `track_id` (a received video track) at this size,
    /// or hid it: the subscription's layer follows (see [`adaptive`]).
    pub fn set_video_size(
        &mut self,
        track_id: &str,
        view: adaptive::View,
    ) -> Result<(), CoreError> {
        let Some(mid) = self.mid_of_track(track_id).map(str::to_owned) else {
            return Err(CoreError::UnknownParticipant(track_id.to_owned()));
        };
        let before = self.adaptive.wanted(&mid);
        if let Some(layer) = self.adaptive.choose(&mid, view) {
            self.apply_layer(&mid, before, layer);
        }
        self.pump();
        Ok(())
    }

    fn send_data(&mut self, channel: Channel, data: Payload) {
        self.out.push_back(RoomOutput::Pc {
            peer: PUBLISHER_PEER.to_owned(),
            cmd: PcCommand::SendData { data, channel },
        });
    }

    pub fn leave(&mut self) {
        self.janus.leave(self.now);
        self.pump();
        self.close_all();
    }

    // ---- connections ----------------------------------------------------

    fn conn_of(&self, peer: &str) -> Option<(Role, &Conn)> {
        match peer {
            PUBLISHER_PEER => Some((Role::Publisher, &self.publisher)),
            SUBSCRIBER_PEER => Some((Role::Subscriber, &self.subscriber)),
            _ => None,
        }
    }

    fn conn_mut(&mut self, role: Role) -> &mut Conn {
        match role {
            Role::Publisher => &mut self.publisher,
            Role::Subscriber => &mut self.subscriber,
        }
    }

    fn peer_id(role: Role) -> PeerId {
        match role {
            Role::Publisher => PUBLISHER_PEER.to_owned(),
            Role::Subscriber => SUBSCRIBER_PEER.to_owned(),
        }
    }

    fn op(&mut self) -> OpId {
        let op = OpId(self.next_op);
        self.next_op += 1;
        op
    }

    fn create(&mut self, role: Role) {
        let generation = self.next_generation;
        self.next_generation += 1;
        *self.conn_mut(role) = Conn { generation: Some(generation), ..Conn::default() };
        self.out.push_back(RoomOutput::CreatePeer {
            peer: Self::peer_id(role),
            generation,
            // Janus never offers on the publisher, nor do we on the subscriber.
            polite: role == Role::Subscriber,
            ice_servers: Vec::new(),
            relay_only: false,
            // Publisher: ours carry `room.send()`. Subscriber: Janus relays
            // data only once the subscriber's side opened a channel (its
            // "data ready"), as janus.js does; Janus then sends each label
            // on the channel of that label.
            data_channel: true,
            receive: Vec::new(),
            tracks: Vec::new(),
        });
    }

    fn build_publisher(&mut self) {
        self.create(Role::Publisher);
        self.open_channels.clear();
        self.senders.clear();
        for t in self.published.clone() {
            self.add_sender(&t);
        }
    }

    fn add_sender(&mut self, track: &LocalTrack) {
        let sender = SenderId(self.next_sender);
        self.next_sender += 1;
        self.senders.insert(track.track_id.clone(), sender);
        // Only the camera is layered here so far: a screen (or custom) track
        // rides the publisher connection as one encoding until screen gets
        // a feed of its own.
        let encodings = match track.source {
            TrackSource::Camera => {
                plan(track.kind, track.source, track.size, Default::default(), Topology::Sfu)
            }
            _ => Vec::new(),
        };
        self.out.push_back(RoomOutput::AddTransceiver {
            peer: PUBLISHER_PEER.to_owned(),
            sender,
            track: track.clone(),
            encodings,
        });
    }

    /// One publisher negotiation at a time, once joined.
    fn maybe_offer(&mut self) {
        let p = &self.publisher;
        if self.janus.state() != JanusState::Joined
            || p.generation.is_none()
            || p.op.is_some()
            || p.awaiting_answer
            || !p.dirty
        {
            return;
        }
        let op = self.op();
        self.publisher.dirty = false;
        self.publisher.op = Some(op);
        self.pc(Role::Publisher, PcCommand::SetLocalDescription { op });
    }

    fn pc(&mut self, role: Role, cmd: PcCommand) {
        self.out.push_back(RoomOutput::Pc { peer: Self::peer_id(role), cmd });
    }

    fn on_peer(&mut self, role: Role, input: PeerInput) {
        match input {
            PeerInput::LocalCandidate(c) => self.janus.trickle(self.now, role, c),
            PeerInput::NegotiationNeeded if role == Role::Publisher => {
                self.publisher.dirty = true;
                self.maybe_offer();
            }
            PeerInput::OpCompleted { op, result } => self.on_op(role, op, result),
            PeerInput::ChannelOpen(channel) if role == Role::Publisher => {
                if !self.open_channels.contains(&channel) {
                    self.open_channels.push(channel);
                }
                let (ready, wait): (Vec<_>, Vec<_>) =
                    std::mem::take(&mut self.queued).into_iter().partition(|(c, _)| *c == channel);
                self.queued = wait.into();
                for (c, data) in ready {
                    self.queued_bytes = self.queued_bytes.saturating_sub(data.len());
                    self.send_data(c, data);
                }
            }
            PeerInput::ChannelClosed(channel) if role == Role::Publisher => {
                self.open_channels.retain(|c| *c != channel);
            }
            // Janus relays a publisher's data on a channel labelled with its id.
            PeerInput::RelayedMessage { label, data } if role == Role::Subscriber => {
                self.event(RoomEvent::Message { from: label, data });
            }
            PeerInput::ConnectionState(ConnectionState::Failed) => {
                let peer = Self::peer_id(role);
                self.warn(None, "sfu-connection-failed", peer);
            }
            _ => {}
        }
    }

    fn on_op(&mut self, role: Role, op: OpId, result: OpResult) {
        let mine = self.conn_mut(role).op == Some(op);
        if !mine {
            if let OpResult::Err { name, message } = result {
                self.warn(None, "sfu-operation-failed", name + ": " + &message);
            }
            return;
        }
        self.conn_mut(role).op = None;
        match (role, result) {
            (Role::Publisher, OpResult::Ok { local: Some(offer) })
                if offer.sdp_type == SdpType::Offer =>
            {
                match self.janus.publish(self.now, offer, Some(RidOrder::LowToHigh)) {
                    Ok(()) => self.publisher.awaiting_answer = true,
                    Err(e) => self.warn(None, e.code(), e.to_string()),
                }
            }
            (Role::Subscriber, OpResult::Ok { local: Some(answer) })
                if answer.sdp_type == SdpType::Answer =>
            {
                if let Err(e) = self.janus.answer(self.now, answer) {
                    self.warn(None, e.code(), e.to_string());
                }
            }
            // Janus's answer applied: the next change may be offered.
            (Role::Publisher, OpResult::Ok { .. }) => self.maybe_offer(),
            (_, OpResult::Ok { .. }) => {}
            (_, OpResult::Err { name, message }) => {
                if role == Role::Publisher {
                    self.publisher.awaiting_answer = false;
                }
                self.warn(None, "sfu-negotiation-failed", name + ": " + &message);
            }
        }
    }

    // ---- Janus ----------------------------------------------------------

    /// Executes the Janus machine's outputs until it has none left (handling
    /// one may make it produce more).
    fn pump(&mut self) {
        while let Some(o) = self.janus.poll_output() {
            match o {
                JanusOutput::Connect(socket) => {
                    self.out.push_back(RoomOutput::Connect { socket, endpoint: 0 })
                }
                JanusOutput::Disconnect(socket) => {
                    self.out.push_back(RoomOutput::Disconnect { socket })
                }
                JanusOutput::Send(frame) => self.out.push_back(RoomOutput::SendSfu(frame)),
                JanusOutput::ApplyRemoteDescription { role, description } => {
                    if role == Role::Subscriber && self.subscriber.generation.is_none() {
                        self.create(Role::Subscriber);
                    }
                    if self.conn_mut(role).generation.is_none() {
                        continue;
                    }
                    let op = self.op();
                    if role == Role::Publisher {
                        self.publisher.awaiting_answer = false;
                        self.publisher.op = Some(op);
                    }
                    self.pc(role, PcCommand::SetRemoteDescription { op, description });
                }
                JanusOutput::AddRemoteCandidate { role, candidate } => {
                    if self.conn_mut(role).generation.is_some() {
                        let op = self.op();
                        self.pc(role, PcCommand::AddIceCandidate { op, candidate });
                    }
                }
                JanusOutput::LocalDescriptionNeeded { role: Role::Subscriber } => {
                    if self.subscriber.generation.is_some() {
                        let op = self.op();
                        self.subscriber.op = Some(op);
                        self.pc(Role::Subscriber, PcCommand::SetLocalDescription { op });
                    }
                }
                JanusOutput::LocalDescriptionNeeded { role: Role::Publisher } => {
                    // A new session: our media goes out on a new connection
                    // (built when it joined, see `rebuild_publisher`).
                    if self.publisher.generation.is_none() {
                        self.build_publisher();
                    }
                    self.publisher.dirty = true;
                    self.maybe_offer();
                }
                JanusOutput::Event(e) => self.on_janus(e),
            }
        }
    }

    fn on_janus(&mut self, e: JanusEvent) {
        match e {
            JanusEvent::Joined { id } => {
                self.local_id = Some(id.to_string());
                if std::mem::take(&mut self.rebuild_publisher) {
                    self.build_publisher();
                    self.publisher.dirty = true;
                }
                if !self.connected {
                    self.connected = true;
                    self.connection(RoomConnection::Connected, None);
                } else {
                    self.connection(RoomConnection::Reconnected, None);
                }
                self.maybe_offer();
            }
            JanusEvent::PublisherJoined { id, display, streams } => {
                let info = PeerInfo { id: id.to_string(), name: display, meta: Meta::new() };
                let tracks = streams
                    .iter()
                    .filter_map(|s| {
                        let kind = match s.kind {
                            StreamKind::Audio => TrackKind::Audio,
                            StreamKind::Video => TrackKind::Video,
                            _ => return None,
                        };
                        Some(TrackInfo {
                            stream: info.id.clone(),
                            kind,
                            source: source_of(kind),
                            id: Some(publication_id(id, &s.mid)),
                            mid: Some(s.mid.clone()),
                            muted: false,
                        })
                    })
                    .collect();
                self.participants.insert(id, (info.clone(), tracks));
                self.event(RoomEvent::ParticipantJoined(info));
                if let Err(e) = self.janus.subscribe(self.now, &[id]) {
                    self.warn(Some(id.to_string()), e.code(), e.to_string());
                }
            }
            JanusEvent::PublisherLeft { id } => {
                let pid = id.to_string();
                let mids: Vec<String> = self
                    .announced
                    .iter()
                    .filter(|(_, a)| a.participant == pid)
                    .map(|(m, _)| m.clone())
                    .collect();
                for mid in mids {
                    self.unannounce(&mid);
                }
                if let Some((participant, _)) = self.participants.remove(&id) {
                    self.event(RoomEvent::ParticipantLeft {
                        participant,
                        reason: LeaveReason::Left,
                    });
                }
            }
            JanusEvent::Subscribed { streams } => {
                let old: Vec<String> = self.streams.keys().cloned().collect();
                self.streams = streams.into_iter().map(|s| (s.mid.clone(), s)).collect();
                let mut mids: Vec<String> = self.streams.keys().cloned().collect();
                mids.extend(old);
                mids.sort_unstable();
                mids.dedup();
                for mid in mids {
                    self.sync_mid(&mid);
                }
            }
            JanusEvent::SubstreamChanged { mid, substream } => {
                self.adaptive.confirmed(&mid, substream);
            }
            JanusEvent::SwitchFailed { mid, error, .. } => {
                let who = self.participant_of_mid(&mid).map(str::to_owned);
                self.warn(who, "layer-switch-failed", error.to_string());
            }
            JanusEvent::RequestFailed { request, error } => {
                self.warn(None, error.code(), request.to_owned() + ": " + &error.to_string());
            }
            JanusEvent::Hangup { role, reason } => {
                let message = Self::peer_id(role) + ": " + reason.as_deref().unwrap_or("hangup");
                self.warn(None, "sfu-hangup", message);
            }
            JanusEvent::Reconnecting => {
                self.connection(RoomConnection::Reconnecting, Some("socket-lost"))
            }
            JanusEvent::Reclaimed => self.connection(RoomConnection::Reconnected, None),
            JanusEvent::SessionLost => self.session_lost(),
            JanusEvent::Left => {
                self.close_all();
                self.connection(RoomConnection::Disconnected, Some("left"));
            }
            JanusEvent::Failed { reason } => {
                self.failure = Some(("signaling-failed", reason.to_string()));
                self.close_all();
                self.connection(RoomConnection::Disconnected, Some("signaling-failed"));
            }
            _ => {}
        }
    }

    /// Janus no longer knows our session: both connections are rebuilt as
    /// the new session publishes and subscribes again.
    fn session_lost(&mut self) {
        let mids: Vec<String> = self.announced.keys().cloned().collect();
        for mid in mids {
            self.unannounce(&mid);
        }
        // Both connections belonged to the lost session's handles (even an
        // offer still in flight): closed, the publisher built again once the
        // new session joined.
        self.rebuild_publisher = self.publisher.generation.is_some();
        self.close_all();
        self.publisher = Conn::default();
        self.subscriber = Conn::default();
        self.streams.clear();
        self.received.clear();
        self.adaptive = adaptive::Adaptive::default();
        self.connection(RoomConnection::Reconnecting, Some("sfu-session-lost"));
    }

    fn close_all(&mut self) {
        for role in [Role::Publisher, Role::Subscriber] {
            if self.conn_mut(role).generation.take().is_some() {
                self.out.push_back(RoomOutput::ClosePeer { peer: Self::peer_id(role) });
            }
        }
    }

    /// Announces or removes the track on `mid` as the receiver and Janus's
    /// stream list now say.
    fn sync_mid(&mut self, mid: &str) {
        let stream = self.streams.get(mid).filter(|s| s.active).cloned();
        let feed =
            stream.as_ref().and_then(|s| s.feed).filter(|f| self.participants.contains_key(f));
        let participant = feed.map(|f| f.to_string());
        let current = self.announced.get(mid).map(|a| a.participant.clone());
        if current.is_some() && current != participant {
            self.unannounce(mid);
        }
        let (Some(feed), Some(participant)) = (feed, participant) else { return };
        if self.announced.contains_key(mid) {
            return;
        }
        let Some(r) = self.received.get(mid).cloned() else { return };
        let feed_mid = stream.and_then(|s| s.feed_mid).unwrap_or_default();
        let source = source_of(r.kind);
        self.announced.insert(
            mid.to_owned(),
            Announced {
                participant: participant.clone(),
                track_id: r.track_id.clone(),
                kind: r.kind,
                source,
            },
        );
        self.event(RoomEvent::Track {
            participant,
            track_id: r.track_id,
            stream_id: r.stream_id.unwrap_or_else(|| mid.to_owned()),
            kind: r.kind,
            source,
            publication: Some(publication_id(feed, &feed_mid)),
            muted: false,
        });
    }

    fn unannounce(&mut self, mid: &str) {
        if let Some(a) = self.announced.remove(mid) {
            self.adaptive.forget(mid);
            self.event(RoomEvent::TrackRemoved {
                participant: a.participant,
                track_id: a.track_id,
                kind: a.kind,
                source: a.source,
            });
        }
    }

    fn apply_layer(&mut self, mid: &str, before: Option<adaptive::Layer>, layer: adaptive::Layer) {
        let now = self.now;
        let result = match layer {
            adaptive::Layer::Paused => self.janus.set_send(now, mid, false),
            adaptive::Layer::Substream(s) => {
                let resume = match before {
                    Some(adaptive::Layer::Paused) => self.janus.set_send(now, mid, true),
                    _ => Ok(()),
                };
                resume.and_then(|()| self.janus.set_substream(now, mid, s))
            }
        };
        if let Err(e) = result {
            let who = self.participant_of_mid(mid).map(str::to_owned);
            self.warn(who, e.code(), e.to_string());
        }
    }

    fn connection(&mut self, state: RoomConnection, reason: Option<&'static str>) {
        self.event(RoomEvent::ConnectionState { state, reason });
    }

    fn warn(&mut self, participant: Option<PeerId>, code: &'static str, message: String) {
        self.event(RoomEvent::Warning { participant, code, message });
    }

    fn event(&mut self, e: RoomEvent) {
        self.out.push_back(RoomOutput::Event(e));
    }
}

/// Janus lists kinds, not sources: a publisher's video is its camera, its
/// audio its microphone.
fn source_of(kind: TrackKind) -> TrackSource {
    match kind {
        TrackKind::Video => TrackSource::Camera,
        TrackKind::Audio => TrackSource::Microphone,
    }
}

/// A publication's id in an SFU room: the publisher's id and its mid.
fn publication_id(feed: u64, feed_mid: &str) -> String {
    let mut id = feed.to_string();
    id.push(':');
    id.push_str(feed_mid);
    id
}

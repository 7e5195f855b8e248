//! The room model over an SFU (DESIGN.md §1.1 "Topology"): the same
//! [`RoomOutput`]s and [`RoomEvent`]s as the mesh, from a Janus VideoRoom.
//!
//! Up to three connections, each an [`RoomOutput::CreatePeer`] the driver
//! builds as for a mesh participant, under fixed peer ids:
//! - [`PUBLISHER_PEER`]: our camera (with the simulcast plan of
//!   [`Topology::Sfu`], sent with `rid_order: "lmh"`), microphone, custom
//!   tracks and data channel. Offer-only: this side decides when to offer
//!   (a track added, Janus asking again after a new session), one offer at
//!   a time.
//! - [`SCREEN_PEER`]: our screen share (and its audio) as a Janus
//!   publisher of its own (its own handle and feed, the screen preset's
//!   layers), built when it is published and closed when it stops: the
//!   others' subscriptions to that feed end.
//! - [`SUBSCRIBER_PEER`]: everyone else's media. Answer-only: Janus offers
//!   every feed we subscribe to, we apply the offer and answer.
//!
//! Participants are Janus's publishers (Janus announces a publisher once its
//! media is up), and each of their feeds is subscribed to as it appears. A
//! screen feed says whose it is in its streams' descriptions (see
//! [`describe`](super::describe), which also carries each stream's source
//! and mute): it is that participant's, not a participant of its own. A
//! track received on the subscriber connection is announced as `track` once
//! both its receiver (`RoomInput::RemoteTrack`, by mid) and Janus's stream
//! list (which feed that mid carries) are known; it is removed when Janus
//! stops sending it.

use super::describe::StreamTag;
use super::describe::{default_source, display_name};
use super::janus::{
    JanusConfig, JanusEvent, JanusOutput, JanusSession, JanusState, RidOrder, Role,
    SubscribedStream,
};
use crate::core::encodings::{plan, EncodingParams, Topology};
use crate::core::error::CoreError;
use crate::core::map::{Map, Set};
use crate::core::room::session::SessionState;
use crate::core::room::{
    Generation, LocalTrack, RoomConfig, RoomConnection, RoomEvent, RoomInput, RoomOutput, SenderId,
    UnpublishReason,
};
use crate::core::text;
use crate::core::types::*;
use crate::core::MAX_QUEUED_MESSAGE_BYTES;
use rtcroom_proto::janus::{PublisherStream, StreamDescription, StreamKind};
use rtcroom_proto::{LeaveReason, Meta, PeerId, PeerInfo, TrackInfo};
use std::collections::VecDeque;

pub mod adaptive;
mod bitrate;
pub mod key_frames;
mod mute;
mod recovery;
pub use recovery::STALL_RESTART_DELAY;
mod stats;

/// Peer id of our publisher connection (never a Janus publisher id, which
/// is a number).
pub const PUBLISHER_PEER: &str = "sfu-publisher";
/// Peer id of our subscriber connection.
pub const SUBSCRIBER_PEER: &str = "sfu-subscriber";
/// Peer id of our screen share's publisher connection.
pub const SCREEN_PEER: &str = "sfu-screen";

/// The connection (and Janus feed) a published source goes on.
pub fn role_of_source(source: TrackSource) -> Role {
    match source {
        TrackSource::Screen | TrackSource::ScreenAudio => Role::Screen,
        _ => Role::Publisher,
    }
}

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
    /// Publishing connections: the ABR controller of our senders on it.
    abr: crate::core::abr::Abr,
    /// When its next `getStats()` is due (once connected), and what the
    /// samples say (`stats("sfu-…")`).
    stats_at: Option<Millis>,
    stats: crate::core::stats::StatsTracker,
    /// Its `connectionState` is `connected` now; it was at some point.
    connected: bool,
    was_connected: bool,
    /// Path-loss detection and ICE restarts (see `recovery`).
    recovery: crate::core::peer::recovery::Recovery,
    /// Its recovery gave up.
    failed: bool,
    /// STUN received on its pair at the last sample, and when its path was
    /// lost from stalled media (see `recovery`).
    stun: u64,
    stun_at_loss: Option<u64>,
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
    feed: u64,
    feed_mid: String,
    track_id: String,
    kind: TrackKind,
    source: TrackSource,
    muted: bool,
}

/// Another participant: its main feed (same id) and any feed of its own
/// (a screen share), each with its streams.
#[derive(Debug)]
struct Member {
    info: PeerInfo,
    feeds: Map<u64, Vec<TrackInfo>>,
    /// Every feed's streams, for `publications`.
    tracks: Vec<TrackInfo>,
    /// (feed, mid) of streams Janus lists as `disabled` (unpublished by
    /// an inactive m-section): not publications, their tracks removed.
    disabled: Vec<(u64, String)>,
    /// What `participant-state` last said (their media comes on our
    /// subscriber connection: its state is theirs).
    state: PeerState,
    /// (feed, mid) of video streams whose publisher honours key-frame
    /// requests (`kf` in their descriptions; see `key_frames`).
    key_frames: Vec<(u64, String)>,
}

impl Member {
    fn set_feed(&mut self, feed: u64, streams: &[PublisherStream]) {
        self.feeds.insert(feed, tracks_of(feed, streams));
        self.disabled.retain(|(f, _)| *f != feed);
        let off = streams.iter().filter(|s| s.disabled == Some(true));
        self.disabled.extend(off.map(|s| (feed, s.mid.clone())));
        self.key_frames.retain(|(f, _)| *f != feed);
        for s in streams {
            if StreamTag::parse(s.description.as_deref(), TrackKind::Video).key_frames {
                self.key_frames.push((feed, s.mid.clone()));
            }
        }
        self.refresh();
    }

    fn honours_key_frames(&self, feed: u64, feed_mid: &str) -> bool {
        self.key_frames.iter().any(|(f, m)| *f == feed && m == feed_mid)
    }

    fn is_disabled(&self, feed: u64, feed_mid: &str) -> bool {
        self.disabled.iter().any(|(f, m)| *f == feed && m == feed_mid)
    }

    fn refresh(&mut self) {
        self.tracks = self.feeds.values().flatten().cloned().collect();
    }

    fn stream(&self, feed: u64, feed_mid: &str) -> Option<&TrackInfo> {
        self.feeds.get(&feed)?.iter().find(|t| t.mid.as_deref() == Some(feed_mid))
    }
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
    /// Same for the screen's connection (and its handle: a new feed).
    rebuild_screen: bool,
    failure: Option<(&'static str, String)>,
    /// `RoomConfig::adaptive_bitrate`.
    adaptive_bitrate: bool,
    /// `RoomConfig::relay_only` and `ice_servers`: the app's ICE settings
    /// hold for the connections to Janus too.
    relay_only: bool,
    ice_servers: Vec<rtcroom_proto::IceServer>,
    local_id: Option<PeerId>,
    published: Vec<LocalTrack>,
    /// Our published tracks' senders (on their role's connection).
    senders: Map<String, SenderId>,
    /// Their mids once negotiated (`RoomInput::SenderMids`): the keys of
    /// our streams' descriptions.
    sender_mids: Map<SenderId, String>,
    /// Publisher connection: senders whose track was unpublished (their
    /// m-section inactive, so Janus disabled the stream), by the source
    /// they carried; publishing that source again sends on one of them.
    idle: Vec<(SenderId, TrackSource)>,
    /// Our published tracks that are muted, and those of them whose
    /// capture is released (light off; see `mute`).
    muted: Set<String>,
    released: Set<String>,
    /// Publication ids of tracks that took another's place (a recapture, a
    /// device switch); otherwise a publication's id is its track's id.
    publication_ids: Map<String, String>,
    next_sender: u32,
    next_generation: Generation,
    next_op: u64,
    publisher: Conn,
    screen: Conn,
    subscriber: Conn,
    /// Other participants, by their main feed's Janus id.
    participants: Map<u64, Member>,
    /// The room announces joins without media (`notify_joining`): a
    /// participant stays until Janus says it left, not until its last feed.
    joins_notified: bool,
    /// Every feed of theirs → its participant.
    feed_owner: Map<u64, u64>,
    /// What we receive of each participant (`stats(id)`, `quality-changed`).
    quality: Map<u64, crate::core::stats::StatsTracker>,
    /// The socket to Janus is down (or its session lost) since we said
    /// `reconnecting`.
    signaling_down: bool,
    /// A publishing connection's path is lost: the loss we reported with
    /// `reconnecting` (see `recovery`).
    media_down: Option<&'static str>,
    /// Why the subscriber connection's path was lost (while recovering).
    subscriber_loss: Option<&'static str>,
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
    /// Our layers restarted on others' key-frame requests, lately.
    layer_restarts: key_frames::Restarts,
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
            rebuild_screen: false,
            failure: None,
            adaptive_bitrate: config.adaptive_bitrate,
            relay_only: config.relay_only,
            ice_servers: config.ice_servers.clone(),
            local_id: None,
            published: Vec::new(),
            senders: Map::new(),
            sender_mids: Map::new(),
            idle: Vec::new(),
            muted: Set::new(),
            released: Set::new(),
            publication_ids: Map::new(),
            next_sender: 0,
            next_generation: 0,
            next_op: 1,
            publisher: Conn::default(),
            screen: Conn::default(),
            subscriber: Conn::default(),
            participants: Map::new(),
            joins_notified: false,
            feed_owner: Map::new(),
            quality: Map::new(),
            signaling_down: false,
            media_down: None,
            subscriber_loss: None,
            streams: Map::new(),
            received: Map::new(),
            announced: Map::new(),
            adaptive: adaptive::Adaptive::default(),
            open_channels: Vec::new(),
            queued: VecDeque::new(),
            queued_bytes: 0,
            layer_restarts: key_frames::Restarts::default(),
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
        self.participants.values().map(|m| &m.info)
    }
    /// As [`crate::core::RoomCore::participant`].
    pub fn participant(&self, id: &str) -> Option<&PeerInfo> {
        let present = || id.parse::<u64>().ok().and_then(|k| self.participants.get(&k));
        crate::core::room::departing(&self.out, id).or_else(|| present().map(|m| &m.info))
    }
    /// What a participant sends (every feed of theirs), as Janus lists
    /// the streams and their descriptions say.
    pub fn publications(&self, id: &str) -> &[TrackInfo] {
        id.parse::<u64>()
            .ok()
            .and_then(|id| self.participants.get(&id))
            .map_or(&[], |m| m.tracks.as_slice())
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
        [self.janus.poll_timeout(), self.next_stats(), self.next_recovery()]
            .into_iter()
            .flatten()
            .min()
    }

    pub fn handle_timeout(&mut self, now: Millis) {
        self.now = now;
        self.janus.handle_timeout(now);
        self.stats_due(now);
        self.recovery_due(now);
        self.pump();
    }

    pub fn handle_input(&mut self, now: Millis, input: RoomInput) -> Result<(), CoreError> {
        self.now = now;
        match input {
            RoomInput::SocketOpened { socket } => self.janus.handle_socket_opened(now, socket),
            RoomInput::SocketClosed { socket } => self.janus.handle_socket_closed(now, socket),
            RoomInput::SfuFrame { socket, msg } => {
                self.janus.handle_frame(now, socket, super::from_sfu_only(msg))
            }
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
            RoomInput::SenderMids { peer, generation, mids }
                if self.conn_of(&peer).is_some_and(|(_, c)| c.generation == Some(generation)) =>
            {
                if let Some((role, _)) = self.conn_of(&peer) {
                    for (sender, mid) in &mids {
                        self.conn_mut(role).abr.set_mid(*sender, mid);
                    }
                }
                self.sender_mids.extend(mids);
            }
            RoomInput::PeerSetupFailed { peer, message, .. } => {
                self.warn(None, "peer-setup-failed", peer + ": " + &message);
            }
            // The mesh's own inputs (signaling frames).
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
        if let Some(required) = track.source.required_kind().filter(|k| *k != track.kind) {
            let (track_source, required) = (track.source.as_str(), required.as_str());
            return Err(CoreError::KindMismatch { track_source, required });
        }
        self.published.push(track.clone());
        self.event(RoomEvent::TrackPublished {
            track_id: track.track_id.clone(),
            publication: track.track_id.clone(),
            kind: track.kind,
            source: track.source,
        });
        let role = role_of_source(track.source);
        if self.conn_mut(role).generation.is_none() {
            self.build(role);
        } else if let Some(i) = self.idle.iter().position(|(_, s)| *s == track.source) {
            // Its stream again (same mid, same layers): subscribers that
            // kept the subscription get it back without a new one.
            let (sender, _) = self.idle.remove(i);
            self.senders.insert(track.track_id.clone(), sender);
            let peer = Self::peer_id(role);
            self.out.push_back(RoomOutput::ReplaceTrack {
                peer: peer.clone(),
                sender,
                track: Some(track.clone()),
            });
            let encodings = encodings_of(&track);
            if !encodings.is_empty() {
                // The new capture's size sets the layers' scales.
                let peer = peer.clone();
                self.out.push_back(RoomOutput::SetEncodings { peer, sender, encodings });
            }
            self.out.push_back(RoomOutput::SetSending { peer, sender, sending: true });
            self.abr_track(role, sender, &track);
        } else {
            self.add_sender(role, &track);
        }
        if role == Role::Screen {
            // Its handle joins first (once): the offer waits for `ScreenReady`.
            if let Err(e) = self.janus.start_screen(self.now) {
                self.warn(None, e.code(), e.message());
            }
        }
        self.conn_mut(role).dirty = true;
        self.maybe_offer(role);
        self.pump();
        Ok(())
    }

    /// Stops sending `track`. On the publisher connection its sender goes
    /// idle and its m-section inactive (renegotiated): Janus disables the
    /// stream and tells the others (`disabled` in its publisher list), who
    /// remove the track. The screen's feed stops with its last track:
    /// `unpublish` (the others' subscriptions to it end) and its connection
    /// closes.
    pub fn unpublish_as(
        &mut self,
        track_id: &str,
        reason: UnpublishReason,
    ) -> Result<(), CoreError> {
        let Some(i) = self.published.iter().position(|t| t.track_id == track_id) else {
            return Err(CoreError::NotPublished);
        };
        let track = self.published.remove(i);
        self.muted.remove(track_id);
        self.released.remove(track_id);
        let publication = self.publication_of(track_id);
        self.publication_ids.remove(track_id);
        let role = role_of_source(track.source);
        if let Some(sender) = self.senders.remove(track_id) {
            let peer = Self::peer_id(role);
            // Its ladder goes with it (a later publish of the source on
            // this sender tracks it again).
            self.conn_mut(role).abr.forget(sender);
            self.out.push_back(RoomOutput::ReplaceTrack {
                peer: peer.clone(),
                sender,
                track: None,
            });
            if role == Role::Publisher {
                // Its mid stays ours (a later publish of the source reuses it).
                self.idle.push((sender, track.source));
                self.out.push_back(RoomOutput::SetSending { peer, sender, sending: false });
                self.publisher.dirty = true;
                self.maybe_offer(Role::Publisher);
                self.pump();
            } else {
                self.sender_mids.remove(&sender);
            }
        }
        self.event(RoomEvent::TrackUnpublished {
            track_id: track.track_id,
            publication,
            kind: track.kind,
            source: track.source,
            reason: reason.as_str(),
        });
        let screen_left = self.published.iter().any(|t| role_of_source(t.source) == Role::Screen);
        if role == Role::Screen && !screen_left {
            // Not joined yet: nothing was published (the handle stays idle).
            let _ = self.janus.unpublish_screen(self.now);
            if self.screen.generation.take().is_some() {
                self.out.push_back(RoomOutput::ClosePeer { peer: Self::peer_id(Role::Screen) });
            }
            self.screen = Conn::default();
            // A screen path that was being recovered is no longer ours.
            self.publishing_path(None);
            self.pump();
        }
        Ok(())
    }

    /// The publication id of our published track `track_id`.
    pub fn publication_of(&self, track_id: &str) -> String {
        self.publication_ids.get(track_id).cloned().unwrap_or_else(|| track_id.to_owned())
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
        if key_frames::is_control(&data) {
            return Err(CoreError::ReservedMessage(key_frames::RESERVED));
        }
        self.ensure_publisher();
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
        now: Millis,
        track_id: &str,
        view: adaptive::View,
    ) -> Result<(), CoreError> {
        // A switch is timed from now: its re-sends race the publisher's
        // key-frame interval, not the room's last input.
        self.now = self.now.max(now);
        let Some(mid) = self.mid_of_track(track_id).map(str::to_owned) else {
            return Err(CoreError::UnknownParticipant(track_id.to_owned()));
        };
        let before = self.adaptive.wanted(&mid);
        let source = self.announced.get(&mid).map_or(TrackSource::Camera, |a| a.source);
        if let Some(layer) = self.adaptive.choose(&mid, view, source) {
            self.apply_layer(&mid, before, layer);
        }
        self.pump();
        Ok(())
    }

    /// Our publisher connection, for data if nothing else: built when
    /// there is none.
    fn ensure_publisher(&mut self) {
        if self.publisher.generation.is_none() {
            self.build(Role::Publisher);
            self.publisher.dirty = true;
            self.maybe_offer(Role::Publisher);
        }
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
            SCREEN_PEER => Some((Role::Screen, &self.screen)),
            SUBSCRIBER_PEER => Some((Role::Subscriber, &self.subscriber)),
            _ => None,
        }
    }

    fn conn(&self, role: Role) -> &Conn {
        match role {
            Role::Publisher => &self.publisher,
            Role::Screen => &self.screen,
            Role::Subscriber => &self.subscriber,
        }
    }

    fn conn_mut(&mut self, role: Role) -> &mut Conn {
        match role {
            Role::Publisher => &mut self.publisher,
            Role::Screen => &mut self.screen,
            Role::Subscriber => &mut self.subscriber,
        }
    }

    fn peer_id(role: Role) -> PeerId {
        match role {
            Role::Publisher => PUBLISHER_PEER.to_owned(),
            Role::Screen => SCREEN_PEER.to_owned(),
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
        let abr = self.new_abr();
        let recovery = crate::core::peer::recovery::Recovery::default()
            .with_stall_restart_delay(recovery::STALL_RESTART_DELAY);
        *self.conn_mut(role) =
            Conn { generation: Some(generation), abr, recovery, ..Conn::default() };
        if role == Role::Publisher {
            // The old connection's senders went with it.
            self.idle.clear();
        }
        self.out.push_back(RoomOutput::CreatePeer {
            peer: Self::peer_id(role),
            generation,
            // Janus never offers on the publisher, nor do we on the subscriber.
            polite: role == Role::Subscriber,
            ice_servers: self.ice_servers.clone(),
            relay_only: self.relay_only,
            // Publisher: ours carry `room.send()`. Subscriber: Janus relays
            // data only once the subscriber's side opened a channel (its
            // "data ready"), as janus.js does; Janus then sends each label
            // on the channel of that label. The screen's feed has none.
            data_channel: role != Role::Screen,
            receive: Vec::new(),
            tracks: Vec::new(),
        });
    }

    /// A publishing connection (publisher or screen) with a sender for
    /// each of our tracks that goes on it.
    fn build(&mut self, role: Role) {
        self.create(role);
        if role == Role::Publisher {
            self.open_channels.clear();
        }
        let tracks: Vec<LocalTrack> =
            self.published.iter().filter(|t| role_of_source(t.source) == role).cloned().collect();
        for t in &tracks {
            if let Some(old) = self.senders.remove(&t.track_id) {
                self.sender_mids.remove(&old);
            }
            self.add_sender(role, t);
        }
    }

    fn add_sender(&mut self, role: Role, track: &LocalTrack) {
        let sender = SenderId(self.next_sender);
        self.next_sender += 1;
        self.senders.insert(track.track_id.clone(), sender);
        self.out.push_back(RoomOutput::AddTransceiver {
            peer: Self::peer_id(role),
            sender,
            track: track.clone(),
            encodings: encodings_of(track),
        });
        self.abr_track(role, sender, track);
        // A camera muted while its connection was rebuilt: no track on it.
        if self.released.contains(&track.track_id) {
            let peer = Self::peer_id(role);
            self.out.push_back(RoomOutput::ReplaceTrack { peer, sender, track: None });
        }
    }

    /// One negotiation at a time per publishing connection, once its handle
    /// can publish.
    fn maybe_offer(&mut self, role: Role) {
        let ready = self.janus.can_publish(role);
        let p = self.conn_mut(role);
        if !ready || p.generation.is_none() || p.op.is_some() || p.awaiting_answer || !p.dirty {
            return;
        }
        let op = self.op();
        let p = self.conn_mut(role);
        p.dirty = false;
        p.op = Some(op);
        self.pc(role, PcCommand::SetLocalDescription { op });
    }

    /// What our tracks on `role`'s connection are, by mid (those negotiated).
    fn descriptions(&self, role: Role) -> Vec<StreamDescription> {
        // A screen feed is ours: its streams name our main feed.
        let owner = if role == Role::Screen { self.janus.id() } else { None };
        self.published
            .iter()
            .filter(|t| role_of_source(t.source) == role)
            .filter_map(|t| {
                let mid = self.senders.get(&t.track_id).and_then(|s| self.sender_mids.get(s))?;
                let muted = self.muted.contains(&t.track_id);
                // Layers we can restart on request (see `key_frames`).
                let key_frames = t.kind == TrackKind::Video && encodings_of(t).len() > 1;
                let tag = StreamTag { source: t.source, muted, owner, key_frames };
                Some(StreamDescription { mid: mid.clone(), description: tag.to_text() })
            })
            .collect()
    }

    fn pc(&mut self, role: Role, cmd: PcCommand) {
        self.out.push_back(RoomOutput::Pc { peer: Self::peer_id(role), cmd });
    }

    fn on_peer(&mut self, role: Role, input: PeerInput) {
        match input {
            PeerInput::LocalCandidate(c) => self.janus.trickle(self.now, role, c),
            PeerInput::NegotiationNeeded if role != Role::Subscriber => {
                self.conn_mut(role).dirty = true;
                self.maybe_offer(role);
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
            // Janus relays a publisher's data on a channel labelled with its
            // id. The SDK's own messages are never the app's.
            PeerInput::RelayedMessage { label, data } if role == Role::Subscriber => match data {
                Payload::Text(ref t) if key_frames::is_control(&data) => {
                    if let Some(request) = key_frames::KeyFrameRequest::parse(t) {
                        self.on_key_frame_request(&request);
                    }
                }
                _ => self.event(RoomEvent::Message { from: label, data }),
            },
            PeerInput::ConnectionState(state) => self.on_connection_state(role, state),
            PeerInput::Stats(snapshot) => self.on_stats(role, snapshot),
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
            (Role::Publisher | Role::Screen, OpResult::Ok { local: Some(offer) })
                if offer.sdp_type == SdpType::Offer =>
            {
                let descriptions = self.descriptions(role);
                let order = Some(RidOrder::LowToHigh);
                match self.janus.publish_as(self.now, role, offer, order, descriptions) {
                    Ok(()) => self.conn_mut(role).awaiting_answer = true,
                    Err(e) => self.warn(None, e.code(), e.message()),
                }
            }
            (Role::Subscriber, OpResult::Ok { local: Some(answer) })
                if answer.sdp_type == SdpType::Answer =>
            {
                if let Err(e) = self.janus.answer(self.now, answer) {
                    self.warn(None, e.code(), e.message());
                }
            }
            // Janus's answer applied: the next change may be offered.
            (Role::Publisher | Role::Screen, OpResult::Ok { .. }) => self.maybe_offer(role),
            (_, OpResult::Ok { .. }) => {}
            (_, OpResult::Err { name, message }) => {
                if role != Role::Subscriber {
                    self.conn_mut(role).awaiting_answer = false;
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
                JanusOutput::Send(frame) => {
                    if let Some(frame) = super::sfu_only(frame) {
                        self.out.push_back(RoomOutput::SendSfu(frame));
                    }
                }
                JanusOutput::ApplyRemoteDescription { role, description } => {
                    if role == Role::Subscriber && self.subscriber.generation.is_none() {
                        self.create(Role::Subscriber);
                    }
                    if self.conn_mut(role).generation.is_none() {
                        continue;
                    }
                    let op = self.op();
                    if role != Role::Subscriber {
                        let c = self.conn_mut(role);
                        c.awaiting_answer = false;
                        c.op = Some(op);
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
                JanusOutput::LocalDescriptionNeeded { role } => {
                    // A new session: our media goes out on a new connection
                    // (built when it joined, see `rebuild_publisher`).
                    if self.conn_mut(role).generation.is_none() {
                        self.build(role);
                    }
                    self.conn_mut(role).dirty = true;
                    self.maybe_offer(role);
                }
                JanusOutput::Event(e) => self.on_janus(e),
            }
        }
    }

    fn on_janus(&mut self, e: JanusEvent) {
        match e {
            JanusEvent::Joined { id } => {
                self.local_id = Some(text::dec(id));
                if std::mem::take(&mut self.rebuild_publisher) {
                    self.build(Role::Publisher);
                    self.publisher.dirty = true;
                }
                if std::mem::take(&mut self.rebuild_screen) {
                    self.build(Role::Screen);
                    self.screen.dirty = true;
                    if let Err(e) = self.janus.start_screen(self.now) {
                        self.warn(None, e.code(), e.message());
                    }
                }
                if !self.connected {
                    self.connected = true;
                    self.connection(RoomConnection::Connected, None);
                } else {
                    self.signaling_back();
                }
                self.maybe_offer(Role::Publisher);
            }
            JanusEvent::ScreenReady { .. } => self.maybe_offer(Role::Screen),
            JanusEvent::PublisherJoined { id, display, streams } => {
                self.feed_joined(id, display, &streams)
            }
            JanusEvent::PublisherUpdated { id, streams } => self.feed_updated(id, &streams),
            JanusEvent::PublisherLeft { id } => self.feed_left(id),
            JanusEvent::JoinsNotified => self.joins_notified = true,
            JanusEvent::AttendeeJoined { id, display } => self.attendee_joined(id, display),
            JanusEvent::AttendeeLeft { id } => self.attendee_left(id),
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
            JanusEvent::KeyFrameWanted { mid, substream } => self.ask_key_frame(&mid, substream),
            JanusEvent::SwitchFailed { mid, error, .. } => {
                let who = self.participant_of_mid(&mid).map(str::to_owned);
                self.warn(who, "layer-switch-failed", error.message());
            }
            JanusEvent::RequestFailed { request, error } => {
                self.warn(None, error.code(), request.to_owned() + ": " + &error.message());
            }
            // Our own `unpublish` of the screen's feed.
            JanusEvent::Hangup { role: Role::Screen, .. } if self.screen.generation.is_none() => {}
            JanusEvent::Hangup { role, reason } => {
                let message = Self::peer_id(role) + ": " + reason.as_deref().unwrap_or("hangup");
                self.warn(None, "sfu-hangup", message);
            }
            JanusEvent::Reconnecting => self.signaling_lost("socket-lost"),
            JanusEvent::Reclaimed => self.signaling_back(),
            JanusEvent::SessionLost => self.session_lost(),
            JanusEvent::Left => {
                self.close_all();
                self.connection(RoomConnection::Disconnected, Some("left"));
            }
            JanusEvent::ScreenKicked => {
                // Janus closed the screen's connection: the share is over,
                // as if the user had stopped it; the camera goes on.
                let screen: Vec<String> = self
                    .published
                    .iter()
                    .filter(|t| role_of_source(t.source) == Role::Screen)
                    .map(|t| t.track_id.clone())
                    .collect();
                for track_id in screen {
                    let _ = self.unpublish_as(&track_id, UnpublishReason::Kicked);
                }
            }
            JanusEvent::Kicked => {
                self.close_all();
                self.connection(RoomConnection::Disconnected, Some("kicked"));
            }
            JanusEvent::Failed { reason } => {
                self.failure = Some(("signaling-failed", reason.message()));
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
        self.rebuild_screen = self.screen.generation.is_some();
        self.close_all();
        self.publisher = Conn::default();
        self.screen = Conn::default();
        self.subscriber = Conn::default();
        self.sender_mids.clear();
        self.streams.clear();
        self.received.clear();
        self.adaptive = adaptive::Adaptive::default();
        self.media_down = None;
        self.subscriber_loss = None;
        self.signaling_lost("sfu-session-lost");
    }

    fn close_all(&mut self) {
        for role in [Role::Publisher, Role::Screen, Role::Subscriber] {
            if self.conn_mut(role).generation.take().is_some() {
                self.out.push_back(RoomOutput::ClosePeer { peer: Self::peer_id(role) });
            }
        }
    }

    /// Announces or removes the track on `mid` as the receiver and Janus's
    /// stream list now say.
    fn sync_mid(&mut self, mid: &str) {
        let stream = self.streams.get(mid).filter(|s| s.active).cloned();
        let feed = stream.as_ref().and_then(|s| s.feed).filter(|f| self.feed_owner.contains_key(f));
        let owner = feed.and_then(|f| self.feed_owner.get(&f)).copied();
        let participant = owner.map(text::dec);
        let feed_mid = stream.as_ref().and_then(|s| s.feed_mid.clone()).unwrap_or_default();
        let disabled = feed.zip(owner).is_some_and(|(f, o)| {
            self.participants.get(&o).is_some_and(|m| m.is_disabled(f, &feed_mid))
        });
        let current = self.announced.get(mid).map(|a| a.participant.clone());
        if current.is_some() && (current != participant || disabled) {
            self.unannounce(mid);
        }
        let (Some(feed), Some(participant)) = (feed, participant) else { return };
        if disabled || self.announced.contains_key(mid) {
            return;
        }
        let Some(r) = self.received.get(mid).cloned() else { return };
        let info = owner.and_then(|o| self.participants.get(&o)?.stream(feed, &feed_mid));
        let (source, muted) = info.map_or((default_source(r.kind), false), |t| (t.source, t.muted));
        self.announced.insert(
            mid.to_owned(),
            Announced {
                participant: participant.clone(),
                feed,
                feed_mid: feed_mid.clone(),
                track_id: r.track_id.clone(),
                kind: r.kind,
                source,
                muted,
            },
        );
        self.event(RoomEvent::Track {
            participant,
            track_id: r.track_id,
            stream_id: r.stream_id.unwrap_or_else(|| mid.to_owned()),
            kind: r.kind,
            source,
            publication: Some(publication_id(feed, &feed_mid)),
            muted,
        });
    }

    // ---- their feeds ----------------------------------------------------

    /// A feed with media: a participant's main one, or (its descriptions
    /// say whose) a feed of its own such as a screen share. Subscribed to.
    fn feed_joined(&mut self, id: u64, display: Option<String>, streams: &[PublisherStream]) {
        let owner = streams
            .iter()
            .find_map(|s| StreamTag::parse(s.description.as_deref(), kind_of(s.kind)?).owner)
            .unwrap_or(id);
        if Some(owner) == self.janus.id() {
            return; // ours (a screen feed of an older session)
        }
        self.feed_owner.insert(id, owner);
        match self.participants.get_mut(&owner) {
            Some(m) => {
                m.set_feed(id, streams);
                // Its publications changed (the app's snapshot lists them).
                let info = m.info.clone();
                self.event(RoomEvent::ParticipantUpdated(info));
            }
            None => {
                self.add_member(owner, display_name(display));
                if let Some(m) = self.participants.get_mut(&owner) {
                    m.set_feed(id, streams);
                }
            }
        }
        if let Err(e) = self.janus.subscribe(self.now, &[id]) {
            self.warn(Some(text::dec(owner)), e.code(), e.message());
        }
    }

    /// A feed's streams changed (a renegotiation, or new descriptions): the
    /// participant is updated (its publications), tracks of streams now
    /// disabled are removed and those enabled again announced, then
    /// announced tracks whose mute changed are told as `track-muted`.
    fn feed_updated(&mut self, id: u64, streams: &[PublisherStream]) {
        let Some(owner) = self.feed_owner.get(&id).copied() else { return };
        let Some(m) = self.participants.get_mut(&owner) else { return };
        m.set_feed(id, streams);
        let tracks = tracks_of(id, streams);
        let info = m.info.clone();
        self.event(RoomEvent::ParticipantUpdated(info));
        let mids: Vec<String> = self
            .streams
            .iter()
            .filter(|(_, s)| s.feed == Some(id))
            .map(|(m, _)| m.clone())
            .collect();
        for mid in mids {
            self.sync_mid(&mid);
        }
        let mut changed = Vec::new();
        for (mid, a) in self.announced.iter_mut().filter(|(_, a)| a.feed == id) {
            let now = tracks.iter().find(|t| t.mid.as_deref() == Some(a.feed_mid.as_str()));
            if let Some(t) = now.filter(|t| t.muted != a.muted) {
                a.muted = t.muted;
                changed.push((mid.clone(), a.clone()));
            }
        }
        for (_, a) in changed {
            self.event(RoomEvent::TrackMuted {
                participant: a.participant,
                track_id: a.track_id,
                kind: a.kind,
                source: a.source,
                publication: Some(publication_id(id, &a.feed_mid)),
                muted: a.muted,
            });
        }
    }

    /// A feed unpublished or left: its tracks are removed; the participant
    /// leaves with its last feed.
    fn feed_left(&mut self, id: u64) {
        let Some(owner) = self.feed_owner.remove(&id) else { return };
        let mids: Vec<String> =
            self.announced.iter().filter(|(_, a)| a.feed == id).map(|(m, _)| m.clone()).collect();
        for mid in mids {
            self.unannounce(&mid);
        }
        let Some(m) = self.participants.get_mut(&owner) else { return };
        m.feeds.remove(&id);
        m.refresh();
        if !m.feeds.is_empty() || self.joins_notified {
            let info = m.info.clone();
            self.event(RoomEvent::ParticipantUpdated(info));
        } else if let Some(m) = self.participants.remove(&owner) {
            let participant = m.info;
            self.event(RoomEvent::ParticipantLeft { participant, reason: LeaveReason::Left });
        }
    }

    /// A new participant, without feeds yet.
    fn add_member(&mut self, id: u64, name: Option<String>) {
        let info = PeerInfo { id: text::dec(id), name, meta: Meta::new() };
        let m = Member {
            info: info.clone(),
            feeds: Map::new(),
            tracks: Vec::new(),
            disabled: Vec::new(),
            state: PeerState::Connecting,
            key_frames: Vec::new(),
        };
        self.participants.insert(id, m);
        self.event(RoomEvent::ParticipantJoined(info));
        self.sync_participant_states();
    }

    /// Someone in the room without media (`notify_joining`).
    fn attendee_joined(&mut self, id: u64, display: Option<String>) {
        if self.participants.contains_key(&id) {
            return;
        }
        self.add_member(id, display_name(display));
        // No media to wait for: `connected` unless our subscriber
        // connection (which its media would use) says otherwise.
        let m = self.participants.get_mut(&id);
        if let Some(m) = m.filter(|m| m.state == PeerState::Connecting) {
            m.state = PeerState::Connected;
            let participant = m.info.id.clone();
            self.event(RoomEvent::ParticipantState {
                participant,
                state: PeerState::Connected,
                reason: None,
            });
        }
    }

    /// Someone left the room: its feeds (a screen's too) go, then it.
    fn attendee_left(&mut self, id: u64) {
        let feeds: Vec<u64> =
            self.feed_owner.iter().filter(|(_, o)| **o == id).map(|(f, _)| *f).collect();
        for f in feeds {
            self.feed_left(f);
        }
        if let Some(m) = self.participants.remove(&id) {
            let participant = m.info;
            self.event(RoomEvent::ParticipantLeft { participant, reason: LeaveReason::Left });
        }
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
            self.warn(who, e.code(), e.message());
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

fn kind_of(kind: StreamKind) -> Option<TrackKind> {
    match kind {
        StreamKind::Audio => Some(TrackKind::Audio),
        StreamKind::Video => Some(TrackKind::Video),
        _ => None,
    }
}

/// A feed's media streams as publications, each as its description says.
fn tracks_of(feed: u64, streams: &[PublisherStream]) -> Vec<TrackInfo> {
    streams
        .iter()
        .filter(|s| s.disabled != Some(true))
        .filter_map(|s| {
            let kind = kind_of(s.kind)?;
            let tag = StreamTag::parse(s.description.as_deref(), kind);
            Some(TrackInfo {
                stream: text::dec(feed),
                kind,
                source: tag.source,
                id: Some(publication_id(feed, &s.mid)),
                mid: Some(s.mid.clone()),
                muted: tag.muted,
            })
        })
        .collect()
}

/// What a track of ours is sent with on an SFU: the camera's simulcast
/// layers, the screen preset's, nothing for audio and custom tracks.
fn encodings_of(track: &LocalTrack) -> Vec<EncodingParams> {
    match track.source {
        TrackSource::Camera | TrackSource::Screen => plan(
            track.kind,
            track.source,
            track.size,
            track.preset.unwrap_or_default(),
            Topology::Sfu,
        ),
        _ => Vec::new(),
    }
}

/// A publication's id in an SFU room: the publisher's id and its mid.
fn publication_id(feed: u64, feed_mid: &str) -> String {
    let mut id = text::dec(feed);
    id.push(':');
    id.push_str(feed_mid);
    id
}

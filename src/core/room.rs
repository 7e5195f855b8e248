//! The room model: who is here, what they publish, what we receive, and one
//! [`PeerSession`] per remote participant.

use super::error::CoreError;
use super::peer::PeerSession;
use super::types::*;
use rtcroom_proto::{
    ClientMessage, ErrorCode, IceServer, LeaveReason, PeerId, PeerInfo, ServerMessage, SignalData,
    TrackInfo,
};
use std::collections::{BTreeMap, VecDeque};

/// Sources sent in one `MediaStream`, so the receiver gets them in one
/// stream and plays them in sync: camera + microphone, screen + its audio.
/// `None`: a stream of its own.
pub fn stream_group(source: TrackSource) -> Option<&'static str> {
    match source {
        TrackSource::Camera | TrackSource::Microphone => Some("camera"),
        TrackSource::Screen | TrackSource::ScreenAudio => Some("screen"),
        _ => None,
    }
}

/// A track this participant publishes. Ids are the driver's
/// (`MediaStreamTrack.id`, `MediaStream.id`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalTrack {
    pub track_id: String,
    pub stream_id: String,
    pub kind: TrackKind,
    pub source: TrackSource,
}

#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum RoomInput {
    Server(ServerMessage<SignalData>),
    Peer {
        peer: PeerId,
        input: PeerInput,
    },
    /// `track` fired on `peer`'s connection. `stream_id` is `streams[0].id`.
    RemoteTrack {
        peer: PeerId,
        track_id: String,
        stream_id: Option<String>,
        kind: TrackKind,
    },
    Publish(LocalTrack),
    Unpublish {
        track_id: String,
    },
    /// Reliable message to one participant, or to everyone.
    Send {
        to: Option<PeerId>,
        data: String,
    },
    RestartIce {
        peer: PeerId,
    },
    Leave,
    /// The signaling connection is gone.
    SignalingClosed,
}

#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum RoomOutput {
    /// Write this frame to the signaling connection.
    Send(ClientMessage<SignalData>),
    /// Create an `RTCPeerConnection` for `peer`; if `data_channel`, create
    /// the `rtcroom` data channel (else it arrives by `datachannel`); add a
    /// recvonly transceiver of each kind in `receive`, then every track in
    /// `tracks`.
    CreatePeer {
        peer: PeerId,
        polite: bool,
        ice_servers: Vec<IceServer>,
        data_channel: bool,
        receive: Vec<TrackKind>,
        tracks: Vec<LocalTrack>,
    },
    Pc {
        peer: PeerId,
        cmd: PcCommand,
    },
    AddTrack {
        peer: PeerId,
        track: LocalTrack,
    },
    RemoveTrack {
        peer: PeerId,
        track_id: String,
    },
    ClosePeer {
        peer: PeerId,
    },
    Event(RoomEvent),
}

#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RoomEvent {
    ParticipantJoined(PeerInfo),
    ParticipantUpdated(PeerInfo),
    ParticipantLeft {
        participant: PeerInfo,
        reason: LeaveReason,
    },
    Track {
        participant: PeerId,
        track_id: String,
        stream_id: String,
        kind: TrackKind,
        source: TrackSource,
    },
    TrackRemoved {
        participant: PeerId,
        track_id: String,
        kind: TrackKind,
        source: TrackSource,
    },
    Message {
        from: PeerId,
        data: String,
    },
    ConnectionState {
        participant: PeerId,
        state: ConnectionState,
    },
    /// Something failed without ending the call.
    Warning {
        participant: Option<PeerId>,
        code: &'static str,
        message: String,
    },
    /// The server rejected a frame of ours.
    ServerError {
        code: ErrorCode,
        message: String,
    },
    /// The signaling connection closed while in the room.
    SignalingClosed,
}

#[derive(Debug)]
struct RemoteTrack {
    track_id: String,
    stream_id: Option<String>,
    kind: TrackKind,
    /// Set once the app got the `track` event (the source was announced).
    source: Option<TrackSource>,
}

#[derive(Debug)]
struct Remote {
    info: PeerInfo,
    /// Our tracks are on this connection (see `RoomCore::add_tracks`).
    tracks_added: bool,
    session: PeerSession,
    announced: Vec<TrackInfo>,
    received: Vec<RemoteTrack>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Joining,
    Joined,
    Left,
}

#[derive(Debug)]
pub struct RoomCore {
    phase: Phase,
    local_id: PeerId,
    ice_servers: Vec<IceServer>,
    published: Vec<LocalTrack>,
    peers: BTreeMap<PeerId, Remote>,
    out: VecDeque<RoomOutput>,
}

impl Default for RoomCore {
    fn default() -> Self {
        Self::new()
    }
}

impl RoomCore {
    pub fn new() -> Self {
        RoomCore {
            phase: Phase::Joining,
            local_id: PeerId::new(),
            ice_servers: Vec::new(),
            published: Vec::new(),
            peers: BTreeMap::new(),
            out: VecDeque::new(),
        }
    }

    /// Our id, once welcomed.
    pub fn local_id(&self) -> Option<&str> {
        (self.phase != Phase::Joining).then_some(self.local_id.as_str())
    }
    pub fn is_joined(&self) -> bool {
        self.phase == Phase::Joined
    }
    pub fn participants(&self) -> impl Iterator<Item = &PeerInfo> {
        self.peers.values().map(|r| &r.info)
    }
    pub fn participant(&self, id: &str) -> Option<&PeerInfo> {
        self.peers.get(id).map(|r| &r.info)
    }
    pub fn session(&self, id: &str) -> Option<&PeerSession> {
        self.peers.get(id).map(|r| &r.session)
    }
    pub fn published(&self) -> &[LocalTrack] {
        &self.published
    }

    pub fn handle_input(&mut self, now: Millis, input: RoomInput) -> Result<(), CoreError> {
        match input {
            RoomInput::Server(msg) => self.handle_server(now, msg),
            RoomInput::Peer { peer, input } => self.peer_input(now, &peer, input),
            RoomInput::RemoteTrack { peer, track_id, stream_id, kind } => {
                let remote = self.remote_mut(&peer)?;
                if !remote.received.iter().any(|t| t.track_id == track_id) {
                    remote.received.push(RemoteTrack { track_id, stream_id, kind, source: None });
                }
                self.reconcile_tracks(&peer);
                Ok(())
            }
            RoomInput::Publish(track) => self.publish(track),
            RoomInput::Unpublish { track_id } => self.unpublish(&track_id),
            RoomInput::Send { to: Some(to), data } => {
                self.joined()?;
                self.peer_input(now, &to, PeerInput::SendMessage(data))
            }
            RoomInput::Send { to: None, data } => {
                self.joined()?;
                // Everyone gets it who can; the first failure is reported.
                let ids: Vec<PeerId> = self.peers.keys().cloned().collect();
                let mut first_err = Ok(());
                for id in ids {
                    let r = self.peer_input(now, &id, PeerInput::SendMessage(data.clone()));
                    if first_err.is_ok() {
                        first_err = r;
                    }
                }
                first_err
            }
            RoomInput::RestartIce { peer } => self.peer_input(now, &peer, PeerInput::RestartIce),
            RoomInput::Leave => {
                if self.phase != Phase::Left {
                    self.out.push_back(RoomOutput::Send(ClientMessage::Leave));
                    self.close_all();
                }
                Ok(())
            }
            RoomInput::SignalingClosed => {
                if self.phase == Phase::Joined {
                    self.event(RoomEvent::SignalingClosed);
                }
                Ok(())
            }
        }
    }

    pub fn handle_timeout(&mut self, now: Millis) {
        let due: Vec<PeerId> = self
            .peers
            .iter()
            .filter(|(_, r)| r.session.poll_timeout().is_some_and(|t| t <= now))
            .map(|(id, _)| id.clone())
            .collect();
        for id in due {
            if let Some(r) = self.peers.get_mut(&id) {
                r.session.handle_timeout(now);
            }
            self.lift(&id);
        }
    }

    #[must_use]
    pub fn poll_output(&mut self) -> Option<RoomOutput> {
        self.out.pop_front()
    }

    #[must_use]
    pub fn poll_timeout(&self) -> Option<Millis> {
        self.peers.values().filter_map(|r| r.session.poll_timeout()).min()
    }

    fn joined(&self) -> Result<(), CoreError> {
        match self.phase {
            Phase::Joined => Ok(()),
            _ => Err(CoreError::NotJoined),
        }
    }

    fn remote_mut(&mut self, id: &str) -> Result<&mut Remote, CoreError> {
        self.peers.get_mut(id).ok_or_else(|| CoreError::UnknownParticipant(id.to_owned()))
    }

    fn event(&mut self, e: RoomEvent) {
        self.out.push_back(RoomOutput::Event(e));
    }

    fn handle_server(
        &mut self,
        now: Millis,
        msg: ServerMessage<SignalData>,
    ) -> Result<(), CoreError> {
        match msg {
            ServerMessage::Welcome { id, peers, ice_servers, .. } => {
                if self.phase != Phase::Joining {
                    return Err(CoreError::AlreadyJoined);
                }
                self.phase = Phase::Joined;
                self.local_id = id;
                self.ice_servers = ice_servers;
                for p in peers {
                    self.add_peer(p);
                }
            }
            ServerMessage::PeerJoined { peer } => {
                self.joined()?;
                self.add_peer(peer);
            }
            ServerMessage::PeerLeft { id, reason } => self.remove_peer(&id, reason),
            ServerMessage::PeerUpdated { peer } => {
                if let Some(r) = self.peers.get_mut(&peer.id) {
                    r.info = peer.clone();
                    self.event(RoomEvent::ParticipantUpdated(peer));
                }
            }
            ServerMessage::Signal { from, data: SignalData::Tracks { tracks } } => {
                self.remote_mut(&from)?.announced = tracks;
                self.reconcile_tracks(&from);
            }
            ServerMessage::Signal { from, data } => {
                if matches!(data, SignalData::Description { sdp_type: SdpType::Offer, .. }) {
                    // Before the offer is applied, so that JSEP pairs our new
                    // addTrack transceivers with its m-sections and the
                    // answer already carries our media (one round trip).
                    self.add_tracks(&from);
                }
                return self.peer_input(now, &from, PeerInput::Signal(data));
            }
            ServerMessage::Error { code, message } => {
                self.event(RoomEvent::ServerError { code, message })
            }
            ServerMessage::Pong => {}
            // Frames of a newer server this client does not know.
            #[allow(unreachable_patterns)]
            _ => {}
        }
        Ok(())
    }

    fn add_peer(&mut self, info: PeerInfo) {
        if info.id == self.local_id || self.peers.contains_key(&info.id) {
            return;
        }
        let id = info.id.clone();
        let session = PeerSession::new(&self.local_id, &id);
        let polite = session.is_polite();
        // The first negotiation is one-sided: the impolite side offers the
        // data channel plus one recvonly m-section per kind, so both sides
        // agree on RTP header-extension ids for audio and video from the
        // start (otherwise Chromium refuses, even after a rollback, a glare
        // between an audio and a video addition). The polite side adds its
        // tracks when that offer arrives (`add_tracks`).
        self.out.push_back(RoomOutput::CreatePeer {
            peer: id.clone(),
            polite,
            ice_servers: self.ice_servers.clone(),
            data_channel: !polite,
            receive: if polite { Vec::new() } else { vec![TrackKind::Audio, TrackKind::Video] },
            tracks: if polite { Vec::new() } else { self.published.clone() },
        });
        // Announce before any description can carry the tracks.
        self.announce_to(&id);
        self.event(RoomEvent::ParticipantJoined(info.clone()));
        self.peers.insert(
            id,
            Remote {
                info,
                session,
                tracks_added: !polite,
                announced: Vec::new(),
                received: Vec::new(),
            },
        );
    }

    fn remove_peer(&mut self, id: &str, reason: LeaveReason) {
        let Some(mut remote) = self.peers.remove(id) else {
            return;
        };
        remote.session.close();
        for t in remote.received {
            if let Some(source) = t.source {
                self.event(RoomEvent::TrackRemoved {
                    participant: id.to_owned(),
                    track_id: t.track_id,
                    kind: t.kind,
                    source,
                });
            }
        }
        self.out.push_back(RoomOutput::ClosePeer { peer: id.to_owned() });
        self.event(RoomEvent::ParticipantLeft { participant: remote.info, reason });
    }

    fn close_all(&mut self) {
        self.phase = Phase::Left;
        let peers = std::mem::take(&mut self.peers);
        for (id, mut remote) in peers {
            remote.session.close();
            self.out.push_back(RoomOutput::ClosePeer { peer: id });
        }
    }

    fn peer_input(&mut self, now: Millis, id: &str, input: PeerInput) -> Result<(), CoreError> {
        self.remote_mut(id)?.session.handle_input(now, input)?;
        self.lift(id);
        Ok(())
    }

    /// Puts our published tracks on the connection to `id`, once. The polite
    /// side does it when the impolite side's first offer arrives (or, at the
    /// latest, once an exchange completed), never earlier: an offer of its
    /// own would collide, and Chromium never gathers ICE candidates on a
    /// connection whose first offer was rolled back before gathering began.
    fn add_tracks(&mut self, id: &str) {
        let Some(remote) = self.peers.get_mut(id) else {
            return;
        };
        if remote.tracks_added {
            return;
        }
        remote.tracks_added = true;
        for track in &self.published {
            let (peer, track) = (id.to_owned(), track.clone());
            self.out.push_back(RoomOutput::AddTrack { peer, track });
        }
    }

    /// Moves a session's outputs into the room's, addressed to its peer.
    fn lift(&mut self, id: &str) {
        let Some(remote) = self.peers.get_mut(id) else {
            return;
        };
        if !remote.tracks_added && remote.session.negotiator().has_negotiated() {
            self.add_tracks(id);
        }
        let Some(remote) = self.peers.get_mut(id) else {
            return;
        };
        while let Some(o) = remote.session.poll_output() {
            let peer = id.to_owned();
            let out = match o {
                PeerOutput::Command(cmd) => RoomOutput::Pc { peer, cmd },
                PeerOutput::Signal(data) => {
                    RoomOutput::Send(ClientMessage::Signal { to: peer, data })
                }
                PeerOutput::Event(PeerEvent::ConnectionState(state)) => {
                    RoomOutput::Event(RoomEvent::ConnectionState { participant: peer, state })
                }
                PeerOutput::Event(PeerEvent::Message(data)) => {
                    RoomOutput::Event(RoomEvent::Message { from: peer, data })
                }
                PeerOutput::Event(PeerEvent::Warning { code, message }) => {
                    RoomOutput::Event(RoomEvent::Warning { participant: Some(peer), code, message })
                }
            };
            self.out.push_back(out);
        }
    }

    fn publish(&mut self, track: LocalTrack) -> Result<(), CoreError> {
        self.joined()?;
        if let Some(required) = track.source.required_kind().filter(|k| *k != track.kind) {
            let (track_source, required) = (track.source.as_str(), required.as_str());
            return Err(CoreError::KindMismatch { track_source, required });
        }
        if self.published.iter().any(|t| t.track_id == track.track_id) {
            return Err(CoreError::TrackAlreadyPublished);
        }
        let exclusive = track.source != TrackSource::Custom;
        if exclusive && self.published.iter().any(|t| t.source == track.source) {
            return Err(CoreError::SourceAlreadyPublished(track.source.as_str()));
        }
        self.published.push(track.clone());
        self.announce_all(|peer| RoomOutput::AddTrack { peer, track: track.clone() });
        Ok(())
    }

    fn unpublish(&mut self, track_id: &str) -> Result<(), CoreError> {
        self.joined()?;
        let before = self.published.len();
        self.published.retain(|t| t.track_id != track_id);
        if self.published.len() == before {
            return Err(CoreError::NotPublished);
        }
        self.announce_all(|peer| RoomOutput::RemoveTrack { peer, track_id: track_id.to_owned() });
        Ok(())
    }

    /// Sends every peer our new track list, then `change(peer)` to those
    /// whose connection carries our tracks already (the others get them all
    /// in `add_tracks`).
    fn announce_all(&mut self, change: impl Fn(PeerId) -> RoomOutput) {
        let ids: Vec<PeerId> = self.peers.keys().cloned().collect();
        for peer in ids {
            self.announce_to(&peer);
            if self.peers.get(&peer).is_some_and(|r| r.tracks_added) {
                self.out.push_back(change(peer));
            }
        }
    }

    fn announce_to(&mut self, peer: &str) {
        let tracks = self
            .published
            .iter()
            .map(|t| TrackInfo { stream: t.stream_id.clone(), kind: t.kind, source: t.source })
            .collect();
        let data = SignalData::Tracks { tracks };
        self.out.push_back(RoomOutput::Send(ClientMessage::Signal { to: peer.to_owned(), data }));
    }

    /// Matches received tracks with the remote's announcement by (stream,
    /// kind): a newly matched track becomes a `track` event; a track whose
    /// announcement disappeared becomes `track-removed`.
    fn reconcile_tracks(&mut self, id: &str) {
        let Some(remote) = self.peers.get_mut(id) else {
            return;
        };
        let mut events = Vec::new();
        let announced = &remote.announced;
        let lookup = |t: &RemoteTrack| {
            announced
                .iter()
                .find(|a| Some(&a.stream) == t.stream_id.as_ref() && a.kind == t.kind)
                .map(|a| a.source)
        };
        remote.received.retain_mut(|t| match (t.source, lookup(t)) {
            (None, Some(source)) => {
                t.source = Some(source);
                events.push(RoomEvent::Track {
                    participant: id.to_owned(),
                    track_id: t.track_id.clone(),
                    stream_id: t.stream_id.clone().unwrap_or_default(),
                    kind: t.kind,
                    source,
                });
                true
            }
            (Some(source), None) => {
                events.push(RoomEvent::TrackRemoved {
                    participant: id.to_owned(),
                    track_id: t.track_id.clone(),
                    kind: t.kind,
                    source,
                });
                false
            }
            _ => true,
        });
        for e in events {
            self.event(e);
        }
    }
}

//! Sans-IO room hub: membership, relay of `signal` frames within a room, and
//! suspend-and-resume of participants whose socket dropped.
//!
//! The server feeds it parsed frames, disconnects and the time, and writes
//! what [`Hub::poll_output`] returns; the SDK's in-page transport does the
//! same in one browser page. Time (`now`, milliseconds since the UNIX epoch:
//! wall clock, because session tokens expire and outlive a server restart)
//! and peer ids come in from the caller. The hub mints the session tokens,
//! verifies join tokens (JWT, see [`join_token`]) and their grants, and
//! issues TURN credentials ([`turn`]).
//!
//! Several hubs (server nodes) share rooms through a backplane
//! ([`backplane`]): each hub publishes what its own participants do as
//! [`HubOutput::Publish`] and is fed what the others published with
//! [`Hub::handle_backplane`]; the transport (Redis pub/sub in the server) is
//! the caller's.

pub mod backplane;
pub mod join_token;
mod policy;
mod token;
pub mod turn;
mod weigh;

pub use backplane::{BackplaneConfig, BackplaneFrame, BackplaneMessage, NodeId};
pub use policy::{sdp_sends_media, SignalPolicy};
pub use turn::TurnConfig;
pub use weigh::Weigh;

use crate::{ClientMessage, ErrorCode, Grants, LeaveReason, Meta, PeerId, PeerInfo, ServerMessage};
use join_token::JoinTokenError;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use token::Claims;

/// The caller's handle for one connection.
pub type ConnId = u64;

/// Longest room name accepted, in bytes.
pub const MAX_ROOM_LEN: usize = 128;
/// Longest participant name accepted, in bytes.
pub const MAX_NAME_LEN: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubConfig {
    /// How long a participant whose socket closed (close frame) or went
    /// silent stays suspended before the others see it leave.
    pub resume_grace_ms: u64,
    /// The same for a socket that ended without a close frame (EOF, reset)
    /// or with 1001 (going away): the page or the browser process is gone,
    /// so the others learn it sooner.
    pub crash_grace_ms: u64,
    /// Signals held per suspended participant; the oldest are dropped first.
    pub max_held_frames: usize,
    /// Bytes (by [`Weigh`]) held per suspended participant.
    pub max_held_bytes: usize,
    /// HMAC key of the session tokens, and of the join tokens when
    /// `require_token`. The default (empty) key is for tests and the in-page
    /// hub only: anyone can forge tokens under it.
    pub secret: Vec<u8>,
    /// A fresh `join` needs a join token signed with `secret`, for the room
    /// it names; its grants are enforced. Off: anyone may join (or create)
    /// any room with every grant, and a token, if any, is not looked at.
    pub require_token: bool,
    /// Time-limited TURN credentials in every `welcome`.
    pub turn: Option<TurnConfig>,
    /// How long a session token stays valid after its `welcome`.
    pub token_lifetime_ms: u64,
    /// Removed ids remembered (so their tokens are refused) until their last
    /// token expires; beyond this many, the soonest-expiring are forgotten.
    pub max_tombstones: usize,
    /// This hub is one node of several sharing rooms; `None`: alone.
    pub backplane: Option<BackplaneConfig>,
}

impl Default for HubConfig {
    fn default() -> Self {
        HubConfig {
            resume_grace_ms: 20_000,
            crash_grace_ms: 5_000,
            max_held_frames: 128,
            max_held_bytes: 256 * 1024,
            secret: Vec::new(),
            require_token: false,
            turn: None,
            token_lifetime_ms: 4 * 60 * 60 * 1000,
            max_tombstones: 65_536,
            backplane: None,
        }
    }
}

/// How a connection ended, as far as the transport can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gone {
    /// Nothing arrived within the heartbeat timeout.
    Timeout,
    /// The peer sent a close frame (or the server closed the socket).
    Closed,
    /// EOF or an error without a close frame: the client process died.
    Reset,
    /// A close frame with code 1001 (going away): the page was closed or
    /// navigated, or the browser died (Chromium's network service sends it
    /// for a killed browser). Nobody is coming back on this socket's behalf.
    Away,
}

impl Gone {
    /// The reason the others eventually see in `peer-left`.
    pub fn leave_reason(self) -> LeaveReason {
        match self {
            Gone::Timeout => LeaveReason::Timeout,
            Gone::Closed | Gone::Reset | Gone::Away => LeaveReason::Disconnected,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum HubOutput<D> {
    Send {
        conn: ConnId,
        msg: ServerMessage<D>,
    },
    /// The connection is finished (its participant left, or resumed on
    /// another connection); the caller closes it and reports its end with
    /// [`Hub::handle_disconnect`] as for any other connection.
    Close {
        conn: ConnId,
    },
    /// A frame for the other nodes: to every node (`to: None`) or to one.
    /// Frames must reach each node in the order they were published.
    Publish {
        to: Option<NodeId>,
        frame: BackplaneFrame<D>,
    },
}

/// What the hub knows about a connection it has seen join.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ConnState {
    Member(PeerId),
    /// After `leave` or a takeover: every later frame is ignored, so a
    /// closing connection can never join again (the ghost defect).
    Closing,
}

#[derive(Debug)]
struct Held<D> {
    from: PeerId,
    data: D,
    weight: usize,
}

#[derive(Debug)]
enum Attach<D> {
    Live(ConnId),
    /// Waiting for a resume. `orphan`: it was another node's, which died;
    /// every surviving node waits on its own and removes it unannounced.
    Suspended {
        until: u64,
        reason: LeaveReason,
        held: VecDeque<Held<D>>,
        held_bytes: usize,
        orphan: bool,
    },
    /// Connected to another node, which owns it.
    Remote(NodeId),
}

#[derive(Debug)]
struct Member<D> {
    room: String,
    info: PeerInfo,
    attach: Attach<D>,
    /// Expiry of the newest token minted for this member.
    token_expiry: u64,
    grants: Grants,
    /// When its owner node took it (join or resume), made to increase at
    /// each takeover: of two nodes claiming it, the later claim wins.
    since: u64,
}

#[derive(Debug)]
pub struct Hub<D> {
    config: HubConfig,
    members: HashMap<PeerId, Member<D>>,
    conns: HashMap<ConnId, ConnState>,
    /// Members per room, in join order (welcome lists peers in that order).
    rooms: BTreeMap<String, Vec<PeerId>>,
    /// `(grace deadline, id)` of every suspended member.
    deadlines: BTreeSet<(u64, PeerId)>,
    /// Removed ids → expiry of their last token; the set orders by expiry.
    tombstones: HashMap<PeerId, u64>,
    tombstone_order: BTreeSet<(u64, PeerId)>,
    dropped_held: u64,
    out: VecDeque<HubOutput<D>>,
    nodes: backplane::Nodes,
}

impl<D> Default for Hub<D> {
    fn default() -> Self {
        Hub::new(HubConfig::default())
    }
}

impl<D> Hub<D> {
    pub fn new(config: HubConfig) -> Self {
        Hub {
            config,
            members: HashMap::new(),
            conns: HashMap::new(),
            rooms: BTreeMap::new(),
            deadlines: BTreeSet::new(),
            tombstones: HashMap::new(),
            tombstone_order: BTreeSet::new(),
            dropped_held: 0,
            out: VecDeque::new(),
            nodes: backplane::Nodes::default(),
        }
    }
}

impl<D: Clone + Weigh + SignalPolicy> Hub<D> {
    /// Handles one parsed frame from `conn`. `new_id` is called only for an
    /// accepted fresh `join` (a resume keeps its id).
    pub fn handle_message(
        &mut self,
        now: u64,
        conn: ConnId,
        msg: ClientMessage<D>,
        new_id: impl FnOnce() -> PeerId,
    ) {
        if self.conns.get(&conn) == Some(&ConnState::Closing) {
            return;
        }
        match msg {
            ClientMessage::Join { room, name, token, meta, resume } => {
                let request = JoinRequest { room, name, token, meta, resume };
                self.join(now, conn, request, new_id)
            }
            ClientMessage::Signal { to, data } => self.signal(conn, to, data),
            ClientMessage::Update { meta } => self.update(conn, meta),
            ClientMessage::Leave => self.leave(conn),
            ClientMessage::Ping => self.send(conn, ServerMessage::Pong),
        }
    }

    /// Reports a frame the caller could not parse; the connection stays.
    pub fn handle_bad_frame(&mut self, conn: ConnId, code: ErrorCode, message: String) {
        if self.conns.get(&conn) == Some(&ConnState::Closing) {
            return;
        }
        self.send(conn, ServerMessage::Error { code, message });
    }

    /// The connection is gone. Call it for every connection that ends, also
    /// after `leave` or [`HubOutput::Close`]. A joined member is suspended:
    /// the others see nothing until its grace period ends.
    pub fn handle_disconnect(&mut self, now: u64, conn: ConnId, gone: Gone) {
        let Some(ConnState::Member(id)) = self.conns.remove(&conn) else {
            return;
        };
        let grace = match gone {
            Gone::Timeout | Gone::Closed => self.config.resume_grace_ms,
            Gone::Reset | Gone::Away => self.config.crash_grace_ms,
        };
        let reason = gone.leave_reason();
        if grace == 0 {
            return self.remove(&id, reason);
        }
        let Some(member) = self.members.get_mut(&id) else {
            return;
        };
        let until = now.saturating_add(grace);
        member.attach = Attach::Suspended {
            until,
            reason,
            held: VecDeque::new(),
            held_bytes: 0,
            orphan: false,
        };
        self.deadlines.insert((until, id));
    }

    /// Ends the grace periods due at `now` and forgets expired tombstones.
    pub fn handle_timeout(&mut self, now: u64) {
        while let Some((until, id)) = self.deadlines.first().cloned() {
            if until > now {
                break;
            }
            self.deadlines.remove(&(until, id.clone()));
            let reason = match self.members.get(&id).map(|m| &m.attach) {
                Some(Attach::Suspended { reason, .. }) => *reason,
                _ => continue,
            };
            self.remove(&id, reason);
        }
        while let Some((expiry, id)) = self.tombstone_order.first().cloned() {
            if expiry > now {
                break;
            }
            self.tombstone_order.remove(&(expiry, id.clone()));
            self.tombstones.remove(&id);
        }
        self.backplane_timeout(now);
    }

    /// When [`Hub::handle_timeout`] should next be called.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<u64> {
        let grace = self.deadlines.first().map(|(t, _)| *t);
        let tomb = self.tombstone_order.first().map(|(t, _)| *t);
        [grace, tomb, self.backplane_deadline()].into_iter().flatten().min()
    }

    #[must_use]
    pub fn poll_output(&mut self) -> Option<HubOutput<D>> {
        self.out.pop_front()
    }

    /// Peers of `room` in join order, suspended ones included (for tests and
    /// metrics).
    pub fn room_peers(&self, room: &str) -> Vec<PeerId> {
        self.rooms.get(room).cloned().unwrap_or_default()
    }

    pub fn room_count(&self) -> usize {
        self.rooms.len()
    }

    /// Whether `conn` is a room member now (so the caller can stop its join
    /// deadline).
    pub fn is_member(&self, conn: ConnId) -> bool {
        matches!(self.conns.get(&conn), Some(ConnState::Member(_)))
    }

    /// The room and participant id of a member connection (for logs).
    pub fn member_of_conn(&self, conn: ConnId) -> Option<(&str, &PeerId)> {
        self.member_of(conn).map(|m| (m.room.as_str(), &m.info.id))
    }

    /// Members waiting for a resume.
    pub fn suspended_count(&self) -> usize {
        self.deadlines.len()
    }

    /// Held signals dropped (oldest first) because a suspended member's
    /// queue was full, since the hub started.
    pub fn dropped_held_frames(&self) -> u64 {
        self.dropped_held
    }

    fn join(
        &mut self,
        now: u64,
        conn: ConnId,
        request: JoinRequest,
        new_id: impl FnOnce() -> PeerId,
    ) {
        let JoinRequest { room, name, token, meta, resume } = request;
        if self.conns.contains_key(&conn) {
            return self.error(
                conn,
                ErrorCode::AlreadyJoined,
                "this connection already joined a room",
            );
        }
        // Control characters in a room name end up in logs and UIs, where
        // they can forge lines or hide text.
        if room.is_empty() || room.len() > MAX_ROOM_LEN || room.chars().any(char::is_control) {
            return self.error(
                conn,
                ErrorCode::InvalidRoom,
                "room must be 1 to 128 bytes without control characters",
            );
        }
        if name.as_ref().is_some_and(|n| n.len() > MAX_NAME_LEN) {
            return self.error(conn, ErrorCode::InvalidFrame, "name must be at most 256 bytes");
        }
        match resume {
            Some(token) => self.resume(now, conn, room, name, meta, &token),
            None => {
                let (name, grants) = match self.admit(now, &room, name, token.as_deref()) {
                    Ok(admitted) => admitted,
                    Err((code, message)) => return self.error(conn, code, &message),
                };
                let id = new_id();
                if self.members.contains_key(&id) {
                    // The caller's id source repeated itself; refuse rather
                    // than merge two participants.
                    return self.error(
                        conn,
                        ErrorCode::InvalidFrame,
                        "could not assign a participant id; join again",
                    );
                }
                self.add_member(now, conn, room, PeerInfo { id, name, meta }, grants, false);
            }
        }
    }

    /// Checks a fresh join's token: the name the others see and the grants.
    /// With a token, the name is the token's (or its identity): the backend
    /// vouches for it, the client does not choose it.
    fn admit(
        &self,
        now: u64,
        room: &str,
        name: Option<String>,
        token: Option<&str>,
    ) -> Result<(Option<String>, Grants), (ErrorCode, String)> {
        if !self.config.require_token {
            return Ok((name, Grants::default()));
        }
        let Some(token) = token else {
            return Err((
                ErrorCode::TokenRequired,
                "this server admits only participants with a join token".into(),
            ));
        };
        let claims = join_token::verify(&self.config.secret, token, now).map_err(|e| {
            let code = match e {
                JoinTokenError::Expired => ErrorCode::TokenExpired,
                _ => ErrorCode::TokenInvalid,
            };
            (code, e.to_string())
        })?;
        if claims.room != room {
            return Err((ErrorCode::TokenWrongRoom, "the join token is for another room".into()));
        }
        Ok((claims.name.or(Some(claims.identity)), claims.grants))
    }

    fn resume(
        &mut self,
        now: u64,
        conn: ConnId,
        room: String,
        name: Option<String>,
        meta: Meta,
        token: &str,
    ) {
        // A v1 token carries no grants: only good where every join gets them all.
        let open = !self.config.require_token;
        let claims = match token::verify(&self.config.secret, token, now) {
            Ok(c)
                if c.room == room
                    && !self.tombstones.contains_key(&c.id)
                    && (open || c.grants.is_some()) =>
            {
                c
            }
            _ => {
                return self.error(
                    conn,
                    ErrorCode::ResumeFailed,
                    "session cannot be resumed (invalid, expired, other room, or already gone); join afresh",
                )
            }
        };
        let grants = claims.grants.unwrap_or_default();
        let Some(member) = self.members.get_mut(&claims.id) else {
            // Unknown but validly signed: this server restarted. Re-create
            // the participant under its old id, with the token's grants (a
            // token-vouched name is not in the session token: the client's
            // own `name` repeats it).
            let info = PeerInfo { id: claims.id.clone(), name, meta };
            return self.add_member(now, conn, room, info, grants, true);
        };
        // The name a join token set stays: a resume cannot rename.
        let name = if open { name } else { member.info.name.clone() };
        let info = PeerInfo { id: claims.id.clone(), name, meta };
        if member.room != room {
            // Only possible if the id source repeated an id across rooms.
            return self.error(conn, ErrorCode::ResumeFailed, "session belongs to another room");
        }
        let previous = std::mem::replace(&mut member.attach, Attach::Live(conn));
        let changed = member.info != info;
        member.info = info.clone();
        // A claim later than any before, also than another node's.
        member.since = now.max(member.since.saturating_add(1));
        let held = match previous {
            Attach::Live(old) => {
                // The client saw its socket die before we did: retire the
                // old connection quietly.
                self.conns.insert(old, ConnState::Closing);
                self.out.push_back(HubOutput::Close { conn: old });
                VecDeque::new()
            }
            Attach::Suspended { until, held, .. } => {
                self.deadlines.remove(&(until, claims.id.clone()));
                held
            }
            // Its node died or lost the socket: this node takes it over,
            // and its old node (if alive) retires it on hearing the claim.
            Attach::Remote(_) => VecDeque::new(),
        };
        self.conns.insert(conn, ConnState::Member(claims.id.clone()));
        self.welcome(now, conn, &room, &claims.id, true);
        self.announce(&claims.id, None);
        if changed {
            self.broadcast(&room, &claims.id, ServerMessage::PeerUpdated { peer: info });
        }
        for h in held {
            // Signals from peers that left meanwhile are moot.
            let sender_here = self.members.get(&h.from).is_some_and(|m| m.room == room);
            if sender_here {
                self.send(conn, ServerMessage::Signal { from: h.from, data: h.data });
            }
        }
    }

    fn add_member(
        &mut self,
        now: u64,
        conn: ConnId,
        room: String,
        info: PeerInfo,
        grants: Grants,
        resumed: bool,
    ) {
        let id = info.id.clone();
        let ids = self.rooms.entry(room.clone()).or_default();
        ids.push(id.clone());
        self.members.insert(
            id.clone(),
            Member {
                room: room.clone(),
                info: info.clone(),
                attach: Attach::Live(conn),
                token_expiry: 0,
                grants,
                since: now,
            },
        );
        self.conns.insert(conn, ConnState::Member(id.clone()));
        self.broadcast(&room, &id, ServerMessage::PeerJoined { peer: info });
        self.welcome(now, conn, &room, &id, resumed);
        self.announce(&id, None);
    }

    /// Sends `welcome` with a fresh session token, fresh TURN credentials
    /// (so a resume refreshes them) and the other members.
    fn welcome(&mut self, now: u64, conn: ConnId, room: &str, id: &PeerId, resumed: bool) {
        let expiry = now.saturating_add(self.config.token_lifetime_ms);
        let grants = self.members.get(id).map(|m| m.grants).unwrap_or_default();
        let claims = Claims { room: room.to_owned(), id: id.clone(), expiry, grants: Some(grants) };
        let session = token::mint(&self.config.secret, &claims);
        if let Some(m) = self.members.get_mut(id) {
            m.token_expiry = expiry;
        }
        let ice_servers = self.config.turn.iter().map(|t| t.ice_server(now, id)).collect();
        let peers = self
            .room_peers(room)
            .iter()
            .filter(|p| *p != id)
            .filter_map(|p| self.members.get(p).map(|m| m.info.clone()))
            .collect();
        let msg = ServerMessage::Welcome {
            id: id.clone(),
            session,
            peers,
            ice_servers,
            resumed,
            resume_grace_ms: self.config.resume_grace_ms,
            grants,
        };
        self.send(conn, msg);
    }

    fn leave(&mut self, conn: ConnId) {
        if let Some(ConnState::Member(id)) = self.conns.get(&conn).cloned() {
            self.remove(&id, LeaveReason::Left);
        }
        // Also for a connection that never joined: `leave` ends it.
        self.conns.insert(conn, ConnState::Closing);
        self.out.push_back(HubOutput::Close { conn });
    }

    fn member_of(&self, conn: ConnId) -> Option<&Member<D>> {
        match self.conns.get(&conn) {
            Some(ConnState::Member(id)) => self.members.get(id),
            _ => None,
        }
    }

    fn signal(&mut self, conn: ConnId, to: PeerId, data: D) {
        let Some(from) = self.member_of(conn) else {
            return self.error(conn, ErrorCode::NotJoined, "join a room first");
        };
        if !from.grants.can_publish && data.sends_media() {
            // Media flows peer to peer; refusing the announcement and the
            // description that would set up sending is where a mesh server
            // can stop it (README, "Join tokens and grants").
            return self.error(
                conn,
                ErrorCode::NotAllowed,
                "no canPublish grant: tracks and descriptions that send media are refused",
            );
        }
        // Per relayed signal: one id copied (the `from` it carries), no room
        // name copied.
        let target = self.members.get(&to).filter(|m| m.room == from.room && to != from.info.id);
        if target.is_some_and(|m| !m.grants.can_subscribe) && data.announces_tracks() {
            // Not told of tracks, so the SDK never hands any to the app.
            return;
        }
        let from_id = from.info.id.clone();
        match target.map(|m| &m.attach) {
            Some(Attach::Live(t)) => {
                let t = *t;
                self.send(t, ServerMessage::Signal { from: from_id, data });
            }
            Some(Attach::Remote(node)) => {
                let node = node.clone();
                self.publish_signal(node, from_id, to, data);
            }
            Some(Attach::Suspended { .. }) => self.hold(&to, from_id, data),
            // Peers of other rooms are reported exactly like absent ones.
            None => self.error(conn, ErrorCode::UnknownTarget, "no such participant in this room"),
        }
    }

    fn update(&mut self, conn: ConnId, meta: Meta) {
        let Some(ConnState::Member(id)) = self.conns.get(&conn).cloned() else {
            return self.error(conn, ErrorCode::NotJoined, "join a room first");
        };
        let Some(member) = self.members.get_mut(&id) else {
            return self.error(conn, ErrorCode::NotJoined, "join a room first");
        };
        member.info.meta = meta;
        let peer = member.info.clone();
        let room = member.room.clone();
        self.broadcast(&room, &id, ServerMessage::PeerUpdated { peer });
        self.announce(&id, None);
    }

    /// Removes a member for everyone and tombstones its id.
    fn remove(&mut self, id: &PeerId, reason: LeaveReason) {
        let Some(member) = self.members.remove(id) else {
            return;
        };
        // Only the owner tells the other nodes; a replica's removal is each
        // node's own (on its owner's word or the owner's death).
        let owned = member.is_owned();
        if let Attach::Suspended { until, .. } = member.attach {
            self.deadlines.remove(&(until, id.clone()));
        }
        if owned {
            self.publish(None, BackplaneMessage::Left { id: id.clone(), reason });
        }
        if let Some(ids) = self.rooms.get_mut(&member.room) {
            ids.retain(|p| p != id);
            if ids.is_empty() {
                self.rooms.remove(&member.room);
            }
        }
        self.tombstone(id.clone(), member.token_expiry);
        self.broadcast(&member.room, id, ServerMessage::PeerLeft { id: id.clone(), reason });
    }

    fn tombstone(&mut self, id: PeerId, expiry: u64) {
        if self.config.max_tombstones == 0 {
            return;
        }
        if let Some(old) = self.tombstones.insert(id.clone(), expiry) {
            self.tombstone_order.remove(&(old, id.clone()));
        }
        self.tombstone_order.insert((expiry, id));
        while self.tombstones.len() > self.config.max_tombstones {
            let Some((_, evicted)) = self.tombstone_order.pop_first() else { break };
            self.tombstones.remove(&evicted);
        }
    }

    /// Sends to every live member of `room` but `except`; suspended members
    /// miss it and learn the current room from their resume `welcome`.
    fn broadcast(&mut self, room: &str, except: &PeerId, msg: ServerMessage<D>) {
        let targets: Vec<ConnId> = self
            .rooms
            .get(room)
            .into_iter()
            .flatten()
            .filter(|p| *p != except)
            .filter_map(|p| match self.members.get(p).map(|m| &m.attach) {
                Some(Attach::Live(c)) => Some(*c),
                _ => None,
            })
            .collect();
        for conn in targets {
            self.send(conn, msg.clone());
        }
    }

    fn error(&mut self, conn: ConnId, code: ErrorCode, message: &str) {
        self.send(conn, ServerMessage::Error { code, message: message.to_owned() });
    }

    fn send(&mut self, conn: ConnId, msg: ServerMessage<D>) {
        self.out.push_back(HubOutput::Send { conn, msg });
    }
}

/// The fields of a `join` frame.
struct JoinRequest {
    room: String,
    name: Option<String>,
    token: Option<String>,
    meta: Meta,
    resume: Option<String>,
}

#[cfg(test)]
mod tests;
#[cfg(test)]
#[cfg(feature = "jwt")]
#[path = "tests/tokens.rs"]
mod tests_tokens;

//! Sans-IO room hub: membership and relay of `signal` frames within a room.
//!
//! The server feeds it parsed frames and disconnects and writes what
//! [`Hub::poll_output`] returns; the SDK's in-page transport does the same in
//! one browser page. Ids come in from the caller (randomness is an input).

use crate::{ClientMessage, ErrorCode, LeaveReason, Meta, PeerId, PeerInfo, ServerMessage};
use std::collections::{BTreeMap, HashMap, VecDeque};

/// The caller's handle for one connection.
pub type ConnId = u64;

/// Longest room name accepted, in bytes.
pub const MAX_ROOM_LEN: usize = 128;
/// Longest participant name accepted, in bytes.
pub const MAX_NAME_LEN: usize = 256;

#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum HubOutput<D> {
    Send {
        conn: ConnId,
        msg: ServerMessage<D>,
    },
    /// The participant left; the caller closes the connection.
    Close {
        conn: ConnId,
    },
}

#[derive(Debug)]
struct Member {
    room: String,
    info: PeerInfo,
}

#[derive(Debug)]
pub struct Hub<D> {
    members: HashMap<ConnId, Member>,
    by_peer: HashMap<PeerId, ConnId>,
    /// Connections per room, in join order (welcome lists peers in that order).
    rooms: BTreeMap<String, Vec<ConnId>>,
    out: VecDeque<HubOutput<D>>,
}

impl<D> Default for Hub<D> {
    fn default() -> Self {
        Hub {
            members: HashMap::new(),
            by_peer: HashMap::new(),
            rooms: BTreeMap::new(),
            out: VecDeque::new(),
        }
    }
}

impl<D: Clone> Hub<D> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Handles one parsed frame from `conn`. `new_ids` gives `(peer id,
    /// session)` and is called only for an accepted `join`.
    pub fn handle_message(
        &mut self,
        conn: ConnId,
        msg: ClientMessage<D>,
        new_ids: impl FnOnce() -> (PeerId, String),
    ) {
        match msg {
            ClientMessage::Join { room, name, token: _, meta, resume: _ } => {
                self.join(conn, room, name, meta, new_ids)
            }
            ClientMessage::Signal { to, data } => self.signal(conn, to, data),
            ClientMessage::Update { meta } => self.update(conn, meta),
            ClientMessage::Leave => {
                self.remove(conn, LeaveReason::Left);
                self.out.push_back(HubOutput::Close { conn });
            }
            ClientMessage::Ping => self.send(conn, ServerMessage::Pong),
        }
    }

    /// Reports a frame the caller could not parse; the connection stays.
    pub fn handle_bad_frame(&mut self, conn: ConnId, code: ErrorCode, message: String) {
        self.send(conn, ServerMessage::Error { code, message });
    }

    /// The connection is gone (closed, or timed out): the others see it leave.
    pub fn handle_disconnect(&mut self, conn: ConnId, reason: LeaveReason) {
        self.remove(conn, reason);
    }

    #[must_use]
    pub fn poll_output(&mut self) -> Option<HubOutput<D>> {
        self.out.pop_front()
    }

    /// Peers of `room` in join order (for tests and metrics).
    pub fn room_peers(&self, room: &str) -> Vec<PeerId> {
        self.rooms
            .get(room)
            .map(|conns| {
                conns
                    .iter()
                    .filter_map(|c| self.members.get(c).map(|m| m.info.id.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn room_count(&self) -> usize {
        self.rooms.len()
    }

    fn join(
        &mut self,
        conn: ConnId,
        room: String,
        name: Option<String>,
        meta: Meta,
        new_ids: impl FnOnce() -> (PeerId, String),
    ) {
        if self.members.contains_key(&conn) {
            return self.error(
                conn,
                ErrorCode::AlreadyJoined,
                "this connection already joined a room",
            );
        }
        if room.is_empty() || room.len() > MAX_ROOM_LEN {
            return self.error(conn, ErrorCode::InvalidRoom, "room must be 1 to 128 bytes");
        }
        if name.as_ref().is_some_and(|n| n.len() > MAX_NAME_LEN) {
            return self.error(conn, ErrorCode::InvalidFrame, "name must be at most 256 bytes");
        }
        let (id, session) = new_ids();
        let info = PeerInfo { id: id.clone(), name, meta };
        let conns = self.rooms.entry(room.clone()).or_default();
        let peers: Vec<PeerInfo> =
            conns.iter().filter_map(|c| self.members.get(c).map(|m| m.info.clone())).collect();
        for other in conns.iter() {
            self.out.push_back(HubOutput::Send {
                conn: *other,
                msg: ServerMessage::PeerJoined { peer: info.clone() },
            });
        }
        conns.push(conn);
        self.out.push_back(HubOutput::Send {
            conn,
            msg: ServerMessage::Welcome {
                id: id.clone(),
                session,
                peers,
                ice_servers: Vec::new(),
                resumed: false,
                resume_grace_ms: 0,
            },
        });
        self.by_peer.insert(id, conn);
        self.members.insert(conn, Member { room, info });
    }

    fn signal(&mut self, conn: ConnId, to: PeerId, data: D) {
        let Some(from) = self.members.get(&conn) else {
            return self.error(conn, ErrorCode::NotJoined, "join a room first");
        };
        let target = self
            .by_peer
            .get(&to)
            .copied()
            .filter(|t| *t != conn)
            .filter(|t| self.members.get(t).is_some_and(|m| m.room == from.room));
        match target {
            Some(t) => {
                let msg = ServerMessage::Signal { from: from.info.id.clone(), data };
                self.send(t, msg);
            }
            // Peers of other rooms are reported exactly like absent ones.
            None => self.error(conn, ErrorCode::UnknownTarget, "no such participant in this room"),
        }
    }

    fn update(&mut self, conn: ConnId, meta: Meta) {
        let Some(member) = self.members.get_mut(&conn) else {
            return self.error(conn, ErrorCode::NotJoined, "join a room first");
        };
        member.info.meta = meta;
        let peer = member.info.clone();
        let room = member.room.clone();
        self.broadcast(&room, conn, ServerMessage::PeerUpdated { peer });
    }

    fn remove(&mut self, conn: ConnId, reason: LeaveReason) {
        let Some(member) = self.members.remove(&conn) else {
            return;
        };
        self.by_peer.remove(&member.info.id);
        if let Some(conns) = self.rooms.get_mut(&member.room) {
            conns.retain(|c| *c != conn);
            if conns.is_empty() {
                self.rooms.remove(&member.room);
            }
        }
        let msg = ServerMessage::PeerLeft { id: member.info.id, reason };
        self.broadcast(&member.room, conn, msg);
    }

    fn broadcast(&mut self, room: &str, except: ConnId, msg: ServerMessage<D>) {
        let targets: Vec<ConnId> = self
            .rooms
            .get(room)
            .map(|c| c.iter().copied().filter(|c| *c != except).collect())
            .unwrap_or_default();
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

#[cfg(test)]
mod tests;

//! Several hubs (server nodes) sharing rooms over a publish/subscribe
//! backplane, still sans-IO: the hub publishes [`HubOutput::Publish`] and is
//! fed the others' frames through [`Hub::handle_backplane`]; time is an
//! input, so node liveness is a hub timer.
//!
//! Every participant has one *owner*: the node its socket is connected to.
//! The owner announces it (`member`) when it joins, resumes, changes its meta
//! or when another node appears, and announces its removal (`left`). Every
//! node keeps a replica of the others' participants, so its own participants
//! see one room. A signal to a participant of another node is published to
//! that node only.
//!
//! Resume moves a participant: a node that accepts a resume token for a
//! participant another node owns takes it over with a later claim (`since`);
//! the old owner retires its socket and forwards the signals it held.
//! Each node publishes a heartbeat; a node not heard of within
//! `node_timeout_ms` is dead, and its participants are suspended on every
//! other node for the resume grace period, as if their sockets had dropped,
//! so they can resume on any node sharing the secret.

use super::{Attach, ConnState, Held, Hub, HubOutput, Member};
use crate::hub::{SignalPolicy, Weigh};
use crate::{Grants, LeaveReason, PeerId, PeerInfo, ServerMessage};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, VecDeque};

/// A node's name on the backplane; unique among the nodes.
pub type NodeId = String;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackplaneConfig {
    /// This node.
    pub node: NodeId,
    /// How often this node says it is alive.
    pub heartbeat_ms: u64,
    /// A node not heard of for this long is dead; its participants are
    /// suspended for the resume grace period.
    pub node_timeout_ms: u64,
}

impl BackplaneConfig {
    /// Heartbeat every second; dead after 3.5 s without one (three missed).
    pub fn new(node: NodeId) -> Self {
        BackplaneConfig { node, heartbeat_ms: 1_000, node_timeout_ms: 3_500 }
    }
}

/// One frame on the backplane: who published it, and what.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct BackplaneFrame<D> {
    pub node: NodeId,
    pub msg: BackplaneMessage<D>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(tag = "type", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum BackplaneMessage<D> {
    /// The publisher is alive.
    Heartbeat,
    /// The publisher started, or (re)discovered the receiver: forget the
    /// participants you hold as mine (my claims follow), send me yours.
    Hello,
    /// A participant the publisher owns, since `since` (a later claim of
    /// the same participant wins; equal claims from the same node refresh).
    Member {
        room: String,
        info: PeerInfo,
        grants: Grants,
        since: u64,
        /// Expiry of its newest session token: its tombstone lasts as long.
        #[serde(rename = "tokenExpiry")]
        token_expiry: u64,
    },
    /// A participant the publisher owned is gone for good.
    Left { id: PeerId, reason: LeaveReason },
    /// A signal for a participant the receiver owns.
    Signal { from: PeerId, to: PeerId, data: D },
}

impl<D> BackplaneFrame<D> {
    /// The same frame with its signal payload converted (see
    /// [`crate::ClientMessage::try_map_data`]).
    pub fn try_map_data<E, Err>(
        self,
        f: impl FnOnce(D) -> Result<E, Err>,
    ) -> Result<BackplaneFrame<E>, Err> {
        let msg = match self.msg {
            BackplaneMessage::Heartbeat => BackplaneMessage::Heartbeat,
            BackplaneMessage::Hello => BackplaneMessage::Hello,
            BackplaneMessage::Member { room, info, grants, since, token_expiry } => {
                BackplaneMessage::Member { room, info, grants, since, token_expiry }
            }
            BackplaneMessage::Left { id, reason } => BackplaneMessage::Left { id, reason },
            BackplaneMessage::Signal { from, to, data } => {
                BackplaneMessage::Signal { from, to, data: f(data)? }
            }
        };
        Ok(BackplaneFrame { node: self.node, msg })
    }
}

/// What the hub knows of the other nodes.
#[derive(Debug, Default)]
pub(super) struct Nodes {
    /// Other live nodes → when last heard of.
    seen: HashMap<NodeId, u64>,
    /// When this node's next heartbeat is due (0: at once).
    next_heartbeat: u64,
    counts: BackplaneCounts,
}

/// Counters for `/metrics`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct BackplaneCounts {
    /// Frames from other nodes handled.
    pub received: u64,
    /// Frames published.
    pub published: u64,
    /// Signals from another node that had no local target (it moved or
    /// left meanwhile).
    pub signals_unroutable: u64,
    /// Nodes declared dead (heartbeat timeout).
    pub nodes_lost: u64,
}

impl<D: Clone + Weigh + SignalPolicy> Hub<D> {
    /// Handles one frame another node published (this node's own frames,
    /// echoed by the transport, are ignored).
    pub fn handle_backplane(&mut self, now: u64, frame: BackplaneFrame<D>) {
        let Some(me) = self.config.backplane.as_ref().map(|c| c.node.clone()) else {
            return;
        };
        let BackplaneFrame { node, msg } = frame;
        if node == me {
            return;
        }
        self.nodes.counts.received += 1;
        if self.nodes.seen.insert(node.clone(), now).is_none() {
            // New, or back after we declared it dead: exchange members.
            // `hello` first: its receiver drops what it believed of us, then
            // our claims follow on the same ordered stream.
            self.publish(Some(node.clone()), BackplaneMessage::Hello);
            self.sync_to(&node);
        }
        match msg {
            BackplaneMessage::Heartbeat => {}
            BackplaneMessage::Hello => {
                // The sender (re)started or lost us: what we hold as its
                // participants is stale until it claims them again (right
                // after this frame); the others wait for the grace.
                self.orphan_members_of(now, &node);
                self.sync_to(&node);
            }
            BackplaneMessage::Member { room, info, grants, since, token_expiry } => {
                let claim = Claim { node, room, grants, since, token_expiry };
                self.remote_member(claim, info)
            }
            BackplaneMessage::Left { id, reason } => {
                let owner = self.members.get(&id).map(|m| &m.attach);
                if matches!(owner, Some(Attach::Remote(n)) if *n == node) {
                    self.remove(&id, reason);
                }
            }
            BackplaneMessage::Signal { from, to, data } => self.remote_signal(from, to, data),
        }
    }

    /// Other nodes alive as far as this node knows.
    pub fn nodes_alive(&self) -> usize {
        self.nodes.seen.len()
    }

    pub fn backplane_counts(&self) -> BackplaneCounts {
        self.nodes.counts
    }

    /// Heartbeats and node deaths; part of [`Hub::handle_timeout`].
    pub(super) fn backplane_timeout(&mut self, now: u64) {
        let Some(cfg) = self.config.backplane.clone() else {
            return;
        };
        if now >= self.nodes.next_heartbeat {
            if self.nodes.next_heartbeat == 0 {
                // This node just started: a node of the same id before it
                // (a restart faster than the node timeout) left participants
                // behind in the others' replicas.
                self.publish(None, BackplaneMessage::Hello);
            }
            self.nodes.next_heartbeat = now.saturating_add(cfg.heartbeat_ms.max(1));
            self.publish(None, BackplaneMessage::Heartbeat);
        }
        let mut dead: Vec<NodeId> = self
            .nodes
            .seen
            .iter()
            .filter(|(_, seen)| now >= seen.saturating_add(cfg.node_timeout_ms))
            .map(|(node, _)| node.clone())
            .collect();
        dead.sort();
        for node in dead {
            self.nodes.seen.remove(&node);
            self.nodes.counts.nodes_lost += 1;
            self.orphan_members_of(now, &node);
        }
    }

    pub(super) fn backplane_deadline(&self) -> Option<u64> {
        let cfg = self.config.backplane.as_ref()?;
        let death = self.nodes.seen.values().min().map(|t| t.saturating_add(cfg.node_timeout_ms));
        Some(death.map_or(self.nodes.next_heartbeat, |d| d.min(self.nodes.next_heartbeat)))
    }

    /// Publishes a participant this node owns, to every node or to one.
    pub(super) fn announce(&mut self, id: &PeerId, to: Option<NodeId>) {
        if self.config.backplane.is_none() {
            return;
        }
        let Some(m) = self.members.get(id) else {
            return;
        };
        let msg = BackplaneMessage::Member {
            room: m.room.clone(),
            info: m.info.clone(),
            grants: m.grants,
            since: m.since,
            token_expiry: m.token_expiry,
        };
        self.publish(to, msg);
    }

    pub(super) fn publish(&mut self, to: Option<NodeId>, msg: BackplaneMessage<D>) {
        let Some(cfg) = &self.config.backplane else {
            return;
        };
        let frame = BackplaneFrame { node: cfg.node.clone(), msg };
        self.nodes.counts.published += 1;
        self.out.push_back(HubOutput::Publish { to, frame });
    }

    pub(super) fn publish_signal(&mut self, node: NodeId, from: PeerId, to: PeerId, data: D) {
        self.publish(Some(node), BackplaneMessage::Signal { from, to, data });
    }

    /// Tells `node` of every participant this node owns, in join order.
    fn sync_to(&mut self, node: &NodeId) {
        let owned: Vec<PeerId> = self
            .rooms
            .values()
            .flatten()
            .filter(|id| self.members.get(*id).is_some_and(|m| m.is_owned()))
            .cloned()
            .collect();
        for id in owned {
            self.announce(&id, Some(node.clone()));
        }
    }

    /// Another node claims a participant: add its replica, refresh it, or
    /// hand ours over if the claim is later than ours.
    fn remote_member(&mut self, claim: Claim, info: PeerInfo) {
        let id = info.id.clone();
        if self.tombstones.contains_key(&id) {
            return;
        }
        let me = self.config.backplane.as_ref().map(|c| c.node.clone()).unwrap_or_default();
        let Some(m) = self.members.get_mut(&id) else {
            let room = claim.room.clone();
            self.rooms.entry(room.clone()).or_default().push(id.clone());
            let member = Member {
                room: claim.room,
                info: info.clone(),
                attach: Attach::Remote(claim.node),
                token_expiry: claim.token_expiry,
                grants: claim.grants,
                since: claim.since,
            };
            self.members.insert(id.clone(), member);
            return self.broadcast(&room, &id, ServerMessage::PeerJoined { peer: info });
        };
        if m.room != claim.room {
            return;
        }
        // An orphan's owner is dead: any claim as late as the dead one's wins.
        let owner = match &m.attach {
            Attach::Remote(n) => n.as_str(),
            Attach::Suspended { orphan: true, .. } => "",
            Attach::Live(_) | Attach::Suspended { .. } => me.as_str(),
        };
        if (claim.since, claim.node.as_str()) < (m.since, owner) {
            return;
        }
        let previous = std::mem::replace(&mut m.attach, Attach::Remote(claim.node.clone()));
        m.since = claim.since;
        m.grants = claim.grants;
        m.token_expiry = m.token_expiry.max(claim.token_expiry);
        let changed = m.info != info;
        m.info = info.clone();
        let room = m.room.clone();
        match previous {
            Attach::Live(conn) => {
                // Resumed elsewhere: this socket is a leftover.
                self.conns.insert(conn, ConnState::Closing);
                self.out.push_back(HubOutput::Close { conn });
            }
            Attach::Suspended { until, held, .. } => {
                self.deadlines.remove(&(until, id.clone()));
                for h in held {
                    self.publish_signal(claim.node.clone(), h.from, id.clone(), h.data);
                }
            }
            Attach::Remote(_) => {}
        }
        if changed {
            self.broadcast(&room, &id, ServerMessage::PeerUpdated { peer: info });
        }
    }

    fn remote_signal(&mut self, from: PeerId, to: PeerId, data: D) {
        // The sender's `member` frame came first on the same ordered stream.
        let Some(room) = self.members.get(&from).map(|m| m.room.clone()) else {
            self.nodes.counts.signals_unroutable += 1;
            return;
        };
        let live = match self.members.get(&to).filter(|m| m.room == room && to != from) {
            Some(Member { attach: Attach::Live(conn), .. }) => Some(*conn),
            Some(Member { attach: Attach::Suspended { .. }, .. }) => None,
            _ => {
                self.nodes.counts.signals_unroutable += 1;
                return;
            }
        };
        match live {
            Some(conn) => self.send(conn, ServerMessage::Signal { from, data }),
            None => self.hold(&to, from, data),
        }
    }

    /// Suspends every participant of a dead node, on this node's own clock.
    fn orphan_members_of(&mut self, now: u64, node: &NodeId) {
        let grace = self.config.resume_grace_ms;
        let ids: Vec<PeerId> = self
            .members
            .iter()
            .filter(|(_, m)| matches!(&m.attach, Attach::Remote(n) if n == node))
            .map(|(id, _)| id.clone())
            .collect();
        for id in ids {
            if grace == 0 {
                self.remove(&id, LeaveReason::Disconnected);
                continue;
            }
            let until = now.saturating_add(grace);
            if let Some(m) = self.members.get_mut(&id) {
                m.attach = Attach::Suspended {
                    until,
                    reason: LeaveReason::Disconnected,
                    held: VecDeque::new(),
                    held_bytes: 0,
                    orphan: true,
                };
                self.deadlines.insert((until, id));
            }
        }
    }

    /// Holds a signal for a suspended participant, within its budget.
    pub(super) fn hold(&mut self, to: &PeerId, from: PeerId, data: D) {
        let (max_frames, max_bytes) = (self.config.max_held_frames, self.config.max_held_bytes);
        let Some(Member { attach: Attach::Suspended { held, held_bytes, .. }, .. }) =
            self.members.get_mut(to)
        else {
            return;
        };
        let weight = data.weight() + from.len();
        held.push_back(Held { from, data, weight });
        *held_bytes += weight;
        while held.len() > max_frames || *held_bytes > max_bytes {
            let Some(old) = held.pop_front() else { break };
            *held_bytes -= old.weight;
            self.dropped_held += 1;
        }
    }
}

impl<D> Member<D> {
    /// Connected here, or suspended after its socket here dropped.
    pub(super) fn is_owned(&self) -> bool {
        matches!(self.attach, Attach::Live(_) | Attach::Suspended { orphan: false, .. })
    }
}

/// A `member` frame's claim, without the participant's info.
struct Claim {
    node: NodeId,
    room: String,
    grants: Grants,
    since: u64,
    token_expiry: u64,
}

#[cfg(test)]
#[path = "tests/backplane.rs"]
mod tests;

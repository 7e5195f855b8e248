//! Several hubs on a simulated backplane: ordered delivery per publisher
//! (as Redis pub/sub), nodes that die or fall silent, simulated time.

use super::*;
use crate::hub::{ConnId, Gone, HubConfig};
use crate::TestResult;
use crate::{ClientMessage, ErrorCode, Meta};

type H = Hub<String>;

const GRACE: u64 = 1_000;
const HEARTBEAT: u64 = 100;
const NODE_TIMEOUT: u64 = 350;

struct Node {
    hub: H,
    /// Killed: takes no input, publishes nothing.
    alive: bool,
    /// Its frames reach no other node (but it runs).
    muted: bool,
    sent: Vec<(ConnId, ServerMessage<String>)>,
    closed: Vec<ConnId>,
}

struct Cluster {
    nodes: Vec<Node>,
    now: u64,
    /// Frames published, in order: (publisher, target, frame).
    wire: Vec<(usize, Option<NodeId>, BackplaneFrame<String>)>,
    /// Every frame published: (publisher, target, kind).
    log: Vec<(usize, Option<NodeId>, &'static str)>,
}

fn name(i: usize) -> NodeId {
    format!("n{i}")
}

impl Cluster {
    fn new(n: usize) -> Self {
        let nodes = (0..n).map(Node::new).collect();
        let mut c = Cluster { nodes, now: 1_000, wire: Vec::new(), log: Vec::new() };
        c.advance(NODE_TIMEOUT);
        c
    }

    /// Adds a node that starts now.
    fn add_node(&mut self) -> usize {
        self.nodes.push(Node::new(self.nodes.len()));
        self.pump();
        self.nodes.len() - 1
    }

    /// Drains every hub and delivers published frames until quiet; like
    /// Redis, a frame to everyone also comes back to its publisher.
    fn pump(&mut self) {
        loop {
            let mut quiet = true;
            for i in 0..self.nodes.len() {
                if !self.nodes[i].alive {
                    continue;
                }
                while let Some(out) = self.nodes[i].hub.poll_output() {
                    quiet = false;
                    match out {
                        HubOutput::Send { conn, msg } => self.nodes[i].sent.push((conn, msg)),
                        HubOutput::Close { conn } => {
                            self.nodes[i].closed.push(conn);
                            self.nodes[i].hub.handle_disconnect(self.now, conn, Gone::Closed);
                        }
                        HubOutput::Publish { to, frame } => {
                            let kind = match frame.msg {
                                BackplaneMessage::Signal { .. } => "signal",
                                BackplaneMessage::Member { .. } => "member",
                                _ => "other",
                            };
                            self.log.push((i, to.clone(), kind));
                            if !self.nodes[i].muted {
                                self.wire.push((i, to, frame));
                            }
                        }
                    }
                }
            }
            let frames = std::mem::take(&mut self.wire);
            for (_, to, frame) in frames {
                quiet = false;
                for (j, node) in self.nodes.iter_mut().enumerate() {
                    let addressed = to.as_ref().is_none_or(|t| *t == name(j));
                    if node.alive && addressed {
                        node.hub.handle_backplane(self.now, frame.clone());
                    }
                }
            }
            if quiet {
                break;
            }
        }
    }

    /// Moves time in 10 ms steps, firing every node's timers.
    fn advance(&mut self, ms: u64) {
        let end = self.now + ms;
        while self.now < end {
            self.now = (self.now + 10).min(end);
            for node in self.nodes.iter_mut().filter(|n| n.alive) {
                if node.hub.poll_timeout().is_some_and(|t| t <= self.now) {
                    node.hub.handle_timeout(self.now);
                }
            }
            self.pump();
        }
    }

    fn hub(&mut self, node: usize) -> &mut H {
        &mut self.nodes[node].hub
    }

    /// Joins and returns the session token.
    fn join(&mut self, node: usize, conn: ConnId, room: &str, peer: &str) -> TestResult<String> {
        self.join_keep(node, conn, room, peer);
        session_of(&self.take(node, conn))
    }

    /// Joins, leaving the welcome in the inbox.
    fn join_keep(&mut self, node: usize, conn: ConnId, room: &str, peer: &str) {
        let now = self.now;
        let id = peer.to_owned();
        self.hub(node).handle_message(now, conn, join_msg(room, peer, None), move || id);
        self.pump();
    }

    fn resume(&mut self, node: usize, conn: ConnId, room: &str, peer: &str, token: &str) {
        let now = self.now;
        let msg = join_msg(room, peer, Some(token.to_owned()));
        self.hub(node).handle_message(now, conn, msg, || "minted".to_owned());
        self.pump();
    }

    fn signal(&mut self, node: usize, conn: ConnId, to: &str, data: &str) {
        let now = self.now;
        let msg = ClientMessage::Signal { to: to.into(), data: data.into() };
        self.hub(node).handle_message(now, conn, msg, || "minted".to_owned());
        self.pump();
    }

    fn send(&mut self, node: usize, conn: ConnId, msg: ClientMessage<String>) {
        let now = self.now;
        self.hub(node).handle_message(now, conn, msg, || "minted".to_owned());
        self.pump();
    }

    fn disconnect(&mut self, node: usize, conn: ConnId, gone: Gone) {
        let now = self.now;
        self.hub(node).handle_disconnect(now, conn, gone);
        self.pump();
    }

    /// What `conn` on `node` received since the last look.
    fn take(&mut self, node: usize, conn: ConnId) -> Vec<ServerMessage<String>> {
        let sent = std::mem::take(&mut self.nodes[node].sent);
        let (mine, rest) = sent.into_iter().partition(|(c, _)| *c == conn);
        self.nodes[node].sent = rest;
        mine.into_iter().map(|(_, m)| m).collect()
    }

    fn kill(&mut self, node: usize) {
        self.nodes[node].alive = false;
    }
}

impl Node {
    fn new(i: usize) -> Self {
        let backplane = BackplaneConfig {
            node: name(i),
            heartbeat_ms: HEARTBEAT,
            node_timeout_ms: NODE_TIMEOUT,
        };
        let config = HubConfig {
            resume_grace_ms: GRACE,
            crash_grace_ms: GRACE / 10,
            secret: b"cluster-secret".to_vec(),
            token_lifetime_ms: 600_000,
            backplane: Some(backplane),
            ..HubConfig::default()
        };
        Node {
            hub: H::new(config),
            alive: true,
            muted: false,
            sent: Vec::new(),
            closed: Vec::new(),
        }
    }
}

fn join_msg(room: &str, peer: &str, resume: Option<String>) -> ClientMessage<String> {
    ClientMessage::Join {
        room: room.into(),
        name: Some(peer.into()),
        token: None,
        meta: Meta::new(),
        resume,
    }
}

fn session_of(msgs: &[ServerMessage<String>]) -> TestResult<String> {
    msgs.iter()
        .find_map(|m| match m {
            ServerMessage::Welcome { session, .. } => Some(session.clone()),
            _ => None,
        })
        .ok_or_else(|| "a welcome".into())
}

fn welcome_peers(msgs: &[ServerMessage<String>]) -> Option<(Vec<String>, bool)> {
    msgs.iter().find_map(|m| match m {
        ServerMessage::Welcome { peers, resumed, .. } => {
            Some((peers.iter().map(|p| p.id.clone()).collect(), *resumed))
        }
        _ => None,
    })
}

fn sig(from: &str, data: &str) -> ServerMessage<String> {
    ServerMessage::Signal { from: from.into(), data: data.into() }
}

fn lefts(msgs: &[ServerMessage<String>]) -> Vec<(String, LeaveReason)> {
    msgs.iter()
        .filter_map(|m| match m {
            ServerMessage::PeerLeft { id, reason } => Some((id.clone(), *reason)),
            _ => None,
        })
        .collect()
}

fn joined(msgs: &[ServerMessage<String>]) -> Vec<String> {
    msgs.iter()
        .filter_map(|m| match m {
            ServerMessage::PeerJoined { peer } => Some(peer.id.clone()),
            _ => None,
        })
        .collect()
}

fn errors(msgs: &[ServerMessage<String>]) -> Vec<ErrorCode> {
    msgs.iter()
        .filter_map(|m| match m {
            ServerMessage::Error { code, .. } => Some(*code),
            _ => None,
        })
        .collect()
}

/// a on n0 (conn 1), b on n1 (conn 2), in room r; inboxes emptied.
fn pair() -> TestResult<(Cluster, String, String)> {
    let mut c = Cluster::new(2);
    let ta = c.join(0, 1, "r", "a")?;
    let tb = c.join(1, 2, "r", "b")?;
    c.take(0, 1);
    Ok((c, ta, tb))
}

#[test]
fn participants_on_two_nodes_share_a_room() -> TestResult {
    let mut c = Cluster::new(2);
    c.join(0, 1, "r", "a")?;
    c.join_keep(1, 2, "r", "b");
    let to_b = c.take(1, 2);
    assert_eq!(welcome_peers(&to_b), Some((vec!["a".to_owned()], false)));
    assert_eq!(joined(&c.take(0, 1)), vec!["b"]);
    assert_eq!(c.hub(0).room_peers("r"), vec!["a", "b"]);
    assert_eq!(c.hub(1).room_peers("r"), vec!["a", "b"]);
    assert_eq!((c.hub(0).nodes_alive(), c.hub(1).nodes_alive()), (1, 1));
    Ok(())
}

#[test]
fn signals_cross_nodes_in_order_and_only_to_their_target_node() -> TestResult {
    let (mut c, _, _) = pair()?;
    c.log.clear();
    for i in 0..20 {
        c.signal(0, 1, "b", &format!("s{i}"));
    }
    c.signal(1, 2, "a", "back");
    let expected: Vec<_> = (0..20).map(|i| sig("a", &format!("s{i}"))).collect();
    assert_eq!(c.take(1, 2), expected);
    assert_eq!(c.take(0, 1), vec![sig("b", "back")]);
    // Each signal was published to its target's node only.
    let signals: Vec<_> = c.log.iter().filter(|(_, _, kind)| *kind == "signal").collect();
    assert_eq!(signals.len(), 21);
    assert!(signals
        .iter()
        .all(|(from, to, _)| to.as_deref() == Some(if *from == 0 { "n1" } else { "n0" })));
    assert_eq!(c.hub(1).backplane_counts().signals_unroutable, 0);
    Ok(())
}

#[test]
fn a_signal_to_another_room_on_another_node_is_an_unknown_target() -> TestResult {
    let (mut c, _, _) = pair()?;
    c.join(1, 3, "other", "x")?;
    c.signal(0, 1, "x", "nope");
    assert_eq!(errors(&c.take(0, 1)), vec![ErrorCode::UnknownTarget]);
    assert!(c.take(1, 3).is_empty());
    Ok(())
}

#[test]
fn meta_updates_and_leave_cross_nodes_and_the_leaver_cannot_resume_anywhere() -> TestResult {
    let (mut c, ta, _) = pair()?;
    let meta: Meta = [("k".to_owned(), "v".to_owned())].into();
    c.send(0, 1, ClientMessage::Update { meta: meta.clone() });
    let to_b = c.take(1, 2);
    assert!(to_b.iter().any(
        |m| matches!(m, ServerMessage::PeerUpdated { peer } if peer.id == "a" && peer.meta == meta)
    ));
    c.send(0, 1, ClientMessage::Leave);
    assert_eq!(lefts(&c.take(1, 2)), vec![("a".to_owned(), LeaveReason::Left)]);
    assert_eq!(c.hub(1).room_peers("r"), vec!["b"]);
    c.resume(1, 9, "r", "a", &ta);
    assert_eq!(errors(&c.take(1, 9)), vec![ErrorCode::ResumeFailed]);
    Ok(())
}

#[test]
fn a_suspended_participant_resumes_on_another_node_with_its_held_signals() -> TestResult {
    let (mut c, ta, _) = pair()?;
    c.disconnect(0, 1, Gone::Reset);
    c.signal(1, 2, "a", "held-1");
    c.signal(1, 2, "a", "held-2");
    c.advance(GRACE / 20);
    c.resume(1, 5, "r", "a", &ta);
    let to_a = c.take(1, 5);
    assert_eq!(welcome_peers(&to_a), Some((vec!["b".to_owned()], true)));
    assert_eq!(&to_a[1..], &[sig("b", "held-1"), sig("b", "held-2")]);
    // Signals now go to a's new node directly, both ways.
    c.signal(1, 2, "a", "after");
    assert_eq!(c.take(1, 5), vec![sig("b", "after")]);
    c.advance(GRACE * 3);
    assert!(lefts(&c.take(1, 2)).is_empty(), "b never sees a leave");
    assert_eq!(c.hub(0).suspended_count(), 0);
    assert_eq!(c.hub(0).room_peers("r"), vec!["a", "b"]);
    Ok(())
}

#[test]
fn a_resume_elsewhere_retires_the_old_live_socket() -> TestResult {
    let (mut c, ta, _) = pair()?;
    // a's node has not noticed the socket die yet.
    c.resume(1, 5, "r", "a", &ta);
    assert_eq!(welcome_peers(&c.take(1, 5)).map(|w| w.1), Some(true));
    assert_eq!(c.nodes[0].closed, vec![1]);
    c.signal(0, 1, "b", "from-ghost");
    assert!(c.take(1, 2).is_empty(), "a retired socket relays nothing");
    c.signal(1, 2, "a", "x");
    assert_eq!(c.take(1, 5), vec![sig("b", "x")]);
    assert!(c.take(0, 1).iter().all(|m| !matches!(m, ServerMessage::Signal { .. })));
    Ok(())
}

#[test]
fn a_dead_nodes_participants_are_suspended_for_the_grace_then_leave() -> TestResult {
    let (mut c, _, _) = pair()?;
    c.kill(0);
    c.advance(NODE_TIMEOUT + 2 * HEARTBEAT);
    assert_eq!(c.hub(1).nodes_alive(), 0);
    assert_eq!(c.hub(1).suspended_count(), 1);
    assert!(lefts(&c.take(1, 2)).is_empty());
    c.advance(GRACE);
    assert_eq!(lefts(&c.take(1, 2)), vec![("a".to_owned(), LeaveReason::Disconnected)]);
    assert_eq!(c.hub(1).backplane_counts().nodes_lost, 1);
    Ok(())
}

#[test]
fn a_dead_nodes_participant_resumes_on_a_survivor_with_signals_held_by_every_node() -> TestResult {
    let mut c = Cluster::new(3);
    let ta = c.join(0, 1, "r", "a")?;
    c.join(1, 2, "r", "b")?;
    c.join(2, 3, "r", "c")?;
    c.kill(0);
    c.advance(NODE_TIMEOUT + 2 * HEARTBEAT);
    c.take(1, 2);
    c.take(2, 3);
    c.signal(1, 2, "a", "from-b");
    c.signal(2, 3, "a", "from-c");
    c.resume(1, 7, "r", "a", &ta);
    let to_a = c.take(1, 7);
    let (mut peers, resumed) = welcome_peers(&to_a).ok_or("a welcome")?;
    peers.sort();
    assert_eq!((peers, resumed), (vec!["b".to_owned(), "c".to_owned()], true));
    assert!(to_a.contains(&sig("b", "from-b")) && to_a.contains(&sig("c", "from-c")), "{to_a:?}");
    c.advance(GRACE * 2);
    assert!(lefts(&c.take(1, 2)).is_empty());
    assert!(lefts(&c.take(2, 3)).is_empty());
    assert_eq!(c.hub(2).suspended_count(), 0);
    c.signal(2, 3, "a", "later");
    assert_eq!(c.take(1, 7), vec![sig("c", "later")]);
    Ok(())
}

#[test]
fn a_participant_resumed_before_its_dead_node_is_detected_stays() -> TestResult {
    let (mut c, ta, _) = pair()?;
    c.kill(0);
    c.advance(HEARTBEAT);
    c.resume(1, 5, "r", "a", &ta);
    assert_eq!(welcome_peers(&c.take(1, 5)).map(|w| w.1), Some(true));
    c.advance(NODE_TIMEOUT + GRACE * 2);
    assert!(lefts(&c.take(1, 2)).is_empty());
    assert_eq!(c.hub(1).suspended_count(), 0);
    assert_eq!(c.hub(1).room_peers("r"), vec!["a", "b"]);
    Ok(())
}

#[test]
fn a_node_that_starts_late_learns_the_rooms_and_is_learned() -> TestResult {
    let (mut c, _, _) = pair()?;
    let n2 = c.add_node();
    c.advance(HEARTBEAT * 2);
    c.join_keep(n2, 3, "r", "c");
    let (mut peers, _) = welcome_peers(&c.take(n2, 3)).ok_or("a welcome")?;
    peers.sort();
    assert_eq!(peers, vec!["a", "b"]);
    assert_eq!(joined(&c.take(0, 1)), vec!["c"]);
    assert_eq!(joined(&c.take(1, 2)), vec!["c"]);
    Ok(())
}

#[test]
fn a_node_heard_again_after_silence_gets_its_participants_back() -> TestResult {
    let (mut c, _, _) = pair()?;
    c.nodes[0].muted = true;
    c.advance(NODE_TIMEOUT + 2 * HEARTBEAT);
    assert_eq!(c.hub(1).suspended_count(), 1, "n1 believes n0 dead");
    c.nodes[0].muted = false;
    c.signal(1, 2, "a", "held-while-silent");
    c.advance(HEARTBEAT * 2);
    assert_eq!(c.hub(1).suspended_count(), 0);
    assert_eq!(c.take(0, 1), vec![sig("b", "held-while-silent")]);
    c.advance(GRACE * 2);
    assert!(lefts(&c.take(1, 2)).is_empty());
    c.signal(1, 2, "a", "x");
    assert_eq!(c.take(0, 1), vec![sig("b", "x")]);
    Ok(())
}

#[test]
fn a_node_restarted_under_the_same_id_has_its_old_participants_suspended_then_gone() -> TestResult {
    let (mut c, _, _) = pair()?;
    c.kill(0);
    c.advance(HEARTBEAT);
    // Back within the node timeout, empty.
    c.nodes[0] = Node::new(0);
    c.advance(HEARTBEAT);
    assert_eq!(c.hub(1).suspended_count(), 1, "a is suspended, not kept as a ghost");
    assert!(lefts(&c.take(1, 2)).is_empty());
    c.advance(GRACE + HEARTBEAT);
    assert_eq!(lefts(&c.take(1, 2)), vec![("a".to_owned(), LeaveReason::Disconnected)]);
    assert_eq!(c.hub(0).room_peers("r"), vec!["b"], "the new node learned the room");
    Ok(())
}

#[test]
fn an_older_claim_never_takes_a_participant_back() -> TestResult {
    let (mut c, ta, _) = pair()?;
    c.resume(1, 5, "r", "a", &ta);
    c.take(1, 5);
    // n0's claim from a's first join, replayed late.
    let stale = BackplaneFrame {
        node: name(0),
        msg: BackplaneMessage::Member {
            room: "r".into(),
            info: PeerInfo { id: "a".into(), name: Some("a".into()), meta: Meta::new() },
            grants: Grants::default(),
            since: 0,
            token_expiry: 0,
        },
    };
    let now = c.now;
    c.hub(1).handle_backplane(now, stale);
    c.pump();
    c.signal(1, 2, "a", "x");
    assert_eq!(c.take(1, 5), vec![sig("b", "x")]);
    Ok(())
}

#[test]
fn a_hub_without_a_backplane_publishes_nothing() {
    let mut h = H::new(HubConfig::default());
    h.handle_message(0, 1, join_msg("r", "a", None), || "a".to_owned());
    h.handle_timeout(10_000);
    let outs: Vec<_> = std::iter::from_fn(|| h.poll_output()).collect();
    assert!(outs.iter().all(|o| !matches!(o, HubOutput::Publish { .. })));
    assert_eq!(h.poll_timeout(), None);
}

#[test]
fn backplane_frames_round_trip_through_json() -> TestResult {
    let frames = vec![
        BackplaneFrame { node: "n".into(), msg: BackplaneMessage::<serde_json::Value>::Heartbeat },
        BackplaneFrame { node: "n".into(), msg: BackplaneMessage::Hello },
        BackplaneFrame {
            node: "n".into(),
            msg: BackplaneMessage::Signal {
                from: "a".into(),
                to: "b".into(),
                data: serde_json::json!({"sdp": "v=0", "x": 1.5}),
            },
        },
        BackplaneFrame {
            node: "n".into(),
            msg: BackplaneMessage::Left { id: "a".into(), reason: LeaveReason::Timeout },
        },
    ];
    for f in frames {
        let text = serde_json::to_string(&f)?;
        assert_eq!(serde_json::from_str::<BackplaneFrame<serde_json::Value>>(&text)?, f);
    }
    let hb = serde_json::to_string(&BackplaneFrame::<()> {
        node: "n".into(),
        msg: BackplaneMessage::Heartbeat,
    })?;
    assert_eq!(hb, r#"{"node":"n","msg":{"type":"heartbeat"}}"#);
    Ok(())
}

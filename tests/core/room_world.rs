//! Several [`RoomCore`]s in one room of the real [`Hub`], each connection a
//! [`SimPc`], in simulated time. Frames to and from the hub are FIFO per
//! client, as on a WebSocket.

use crate::driver::{self, Reported};
use crate::sched::{Delay, Rng, Scheduler};
use crate::sim_pc::{PcConfig, PcTimer, SimPc};
use rtcroom::core::{
    CoreError, LocalTrack, Millis, RoomCore, RoomEvent, RoomInput, RoomOutput, SignalingState,
    TrackKind, TrackSource,
};
use rtcroom::proto::hub::{ConnId, Hub, HubOutput};
use rtcroom::proto::{ClientMessage, LeaveReason, Meta, PeerId, ServerMessage, SignalData};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone)]
pub struct RoomConfig {
    pub seed: u64,
    /// Client to hub, and hub to client.
    pub signal_delay: Delay,
    pub op_delay: Delay,
    pub gather_delay: Delay,
    pub ice_delay: Delay,
    pub data_delay: Delay,
    pub candidates_per_gathering: u32,
    pub max_steps: u64,
}

impl Default for RoomConfig {
    fn default() -> Self {
        RoomConfig {
            seed: 7,
            signal_delay: Delay::Fixed(5),
            op_delay: Delay::Fixed(2),
            gather_delay: Delay::Fixed(3),
            ice_delay: Delay::Fixed(20),
            data_delay: Delay::Fixed(5),
            candidates_per_gathering: 2,
            max_steps: 200_000,
        }
    }
}

#[derive(Debug)]
enum Ev {
    ToHub(usize, ClientMessage<SignalData>),
    ToClient(usize, ServerMessage<SignalData>),
    Pc(usize, PeerId, PcTimer),
    Data { to: usize, from: PeerId, data: String },
    Input(usize, RoomInput),
    Join(usize),
    Timeout(usize, u64),
}

pub struct Client {
    pub core: RoomCore,
    pub pcs: BTreeMap<PeerId, SimPc>,
    pub events: Vec<RoomEvent>,
    pub errors: Vec<CoreError>,
    /// `CreatePeer` outputs: (peer, polite).
    pub created: Vec<(PeerId, bool)>,
    pub closed: Vec<PeerId>,
    /// The hub closed this client's connection.
    pub hub_closed: bool,
    up_last: u64,
    down_last: u64,
    timeouts: BTreeSet<u64>,
}

impl Client {
    pub fn id(&self) -> &str {
        self.core.local_id().expect("welcomed")
    }

    /// `Track` events as (participant, stream, kind, source).
    pub fn tracks(&self) -> Vec<(String, String, TrackKind, TrackSource)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                RoomEvent::Track { participant, stream_id, kind, source, .. } => {
                    Some((participant.clone(), stream_id.clone(), *kind, *source))
                }
                _ => None,
            })
            .collect()
    }

    /// `Message` events as (from, data).
    pub fn messages(&self) -> Vec<(String, String)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                RoomEvent::Message { from, data } => Some((from.clone(), data.clone())),
                _ => None,
            })
            .collect()
    }
}

pub struct RoomWorld {
    pub cfg: RoomConfig,
    sched: Scheduler<Ev>,
    rng: Rng,
    pub hub: Hub<SignalData>,
    pub clients: Vec<Client>,
    joined: u32,
    pub steps: u64,
}

/// A track alone in its stream `stream-<id>`.
pub fn track(id: &str, kind: TrackKind, source: TrackSource) -> LocalTrack {
    track_in(id, &format!("stream-{id}"), kind, source)
}

pub fn track_in(id: &str, stream: &str, kind: TrackKind, source: TrackSource) -> LocalTrack {
    LocalTrack { track_id: id.into(), stream_id: stream.into(), kind, source }
}

impl RoomWorld {
    pub fn new(cfg: RoomConfig, clients: usize) -> Self {
        let client = || Client {
            core: RoomCore::new(),
            pcs: BTreeMap::new(),
            events: Vec::new(),
            errors: Vec::new(),
            created: Vec::new(),
            closed: Vec::new(),
            hub_closed: false,
            up_last: 0,
            down_last: 0,
            timeouts: BTreeSet::new(),
        };
        RoomWorld {
            rng: Rng::new(cfg.seed),
            cfg,
            sched: Scheduler::default(),
            hub: Hub::new(),
            clients: (0..clients).map(|_| client()).collect(),
            joined: 0,
            steps: 0,
        }
    }

    pub fn now(&self) -> u64 {
        self.sched.now()
    }

    /// Client `i` sends `join` now.
    pub fn join(&mut self, i: usize) {
        let msg = ClientMessage::Join {
            room: "room".into(),
            name: Some(format!("c{i}")),
            token: None,
            meta: Meta::new(),
            resume: None,
        };
        self.send_to_hub(i, msg);
    }

    /// The app of client `i` does `input` at time `t`.
    pub fn at(&mut self, t: u64, i: usize, input: RoomInput) {
        self.sched.at(t, Ev::Input(i, input));
    }

    /// Client `i` sends `join` at time `t`.
    pub fn join_at(&mut self, t: u64, i: usize) {
        self.sched.at(t, Ev::Join(i));
    }

    /// Client `i`'s WebSocket drops without `leave`.
    pub fn disconnect(&mut self, i: usize) {
        self.hub.handle_disconnect(i as ConnId, LeaveReason::Disconnected);
        self.drain_hub();
        self.input(i, RoomInput::SignalingClosed).unwrap();
    }

    /// The app of client `i` does `input` now.
    pub fn input(&mut self, i: usize, input: RoomInput) -> Result<(), CoreError> {
        let now = Millis(self.now());
        let r = self.clients[i].core.handle_input(now, input);
        self.drain_core(i);
        r
    }

    pub fn index_of(&self, id: &str) -> usize {
        self.clients
            .iter()
            .position(|c| c.core.local_id() == Some(id))
            .expect("a client with that id")
    }

    /// Runs one event; false when nothing is left.
    pub fn run_one(&mut self) -> bool {
        let Some(ev) = self.sched.pop() else {
            return false;
        };
        self.steps += 1;
        self.handle(ev);
        self.schedule_timeouts();
        true
    }

    pub fn run(&mut self) {
        let limit = self.steps + self.cfg.max_steps;
        while let Some(ev) = self.sched.pop() {
            self.steps += 1;
            assert!(
                self.steps < limit,
                "no quiescence after {} steps (livelock?)",
                self.cfg.max_steps
            );
            self.handle(ev);
            self.schedule_timeouts();
        }
    }

    fn handle(&mut self, ev: Ev) {
        match ev {
            Ev::ToHub(i, msg) => {
                let n = &mut self.joined;
                self.hub.handle_message(i as ConnId, msg, || {
                    *n += 1;
                    (format!("p{n}"), format!("session-{n}"))
                });
                self.drain_hub();
            }
            Ev::ToClient(i, msg) => {
                let now = Millis(self.now());
                if let Err(e) = self.clients[i].core.handle_input(now, RoomInput::Server(msg)) {
                    self.clients[i].errors.push(e);
                }
                self.drain_core(i);
            }
            Ev::Pc(i, peer, timer) => {
                let Some(pc) = self.clients[i].pcs.get_mut(&peer) else {
                    return;
                };
                pc.fire(timer);
                self.pump_pc(i, &peer);
                if timer == PcTimer::OpDone {
                    if let Some(pc) = self.clients[i].pcs.get_mut(&peer) {
                        pc.advance();
                    }
                    self.flush_pc(i, &peer);
                }
            }
            Ev::Data { to, from, data } => {
                if let Some(pc) = self.clients[to].pcs.get_mut(&from) {
                    pc.deliver(data);
                    self.pump_pc(to, &from);
                }
            }
            Ev::Input(i, input) => {
                if let Err(e) = self.input(i, input) {
                    self.clients[i].errors.push(e);
                }
            }
            Ev::Join(i) => self.join(i),
            Ev::Timeout(i, t) => {
                self.clients[i].timeouts.remove(&t);
                let now = Millis(self.now());
                self.clients[i].core.handle_timeout(now);
                self.drain_core(i);
            }
        }
    }

    fn send_to_hub(&mut self, i: usize, msg: ClientMessage<SignalData>) {
        let t = self.now() + self.cfg.signal_delay.sample(&mut self.rng);
        let t = t.max(self.clients[i].up_last);
        self.clients[i].up_last = t;
        self.sched.at(t, Ev::ToHub(i, msg));
    }

    fn drain_hub(&mut self) {
        while let Some(out) = self.hub.poll_output() {
            match out {
                HubOutput::Send { conn, msg } => {
                    let i = conn as usize;
                    let t = self.now() + self.cfg.signal_delay.sample(&mut self.rng);
                    let t = t.max(self.clients[i].down_last);
                    self.clients[i].down_last = t;
                    self.sched.at(t, Ev::ToClient(i, msg));
                }
                HubOutput::Close { conn } => self.clients[conn as usize].hub_closed = true,
                other => panic!("unknown hub output {other:?}"),
            }
        }
    }

    fn drain_core(&mut self, i: usize) {
        while let Some(out) = self.clients[i].core.poll_output() {
            match out {
                RoomOutput::Send(msg) => self.send_to_hub(i, msg),
                RoomOutput::CreatePeer { peer, polite, data_channel, receive, tracks, .. } => {
                    let me = self.clients[i].id().to_owned();
                    let mut pc = SimPc::new(PcConfig {
                        name: format!("{me}{peer}"),
                        candidates_per_gathering: self.cfg.candidates_per_gathering,
                        mdns: false,
                        // What the core asked for, as the driver does it.
                        data_channel,
                        fresh_ufrag_after_first_rollback: false,
                        chromium_mid_collision: false,
                    });
                    for kind in receive {
                        pc.add_transceiver(kind);
                    }
                    for t in &tracks {
                        pc.add_track(t.kind, &t.track_id, &t.stream_id);
                    }
                    self.clients[i].created.push((peer.clone(), polite));
                    self.clients[i].pcs.insert(peer.clone(), pc);
                    self.flush_pc(i, &peer);
                }
                RoomOutput::Pc { peer, cmd } => {
                    driver::execute(self.pc(i, &peer), cmd);
                    self.flush_pc(i, &peer);
                }
                RoomOutput::AddTrack { peer, track } => {
                    self.pc(i, &peer).add_track(track.kind, &track.track_id, &track.stream_id);
                    self.flush_pc(i, &peer);
                }
                RoomOutput::RemoveTrack { peer, track_id } => {
                    self.pc(i, &peer).remove_track(&track_id);
                    self.flush_pc(i, &peer);
                }
                RoomOutput::ClosePeer { peer } => {
                    if let Some(mut pc) = self.clients[i].pcs.remove(&peer) {
                        pc.close();
                    }
                    self.clients[i].closed.push(peer);
                }
                RoomOutput::Event(e) => self.clients[i].events.push(e),
                other => panic!("unknown room output {other:?}"),
            }
        }
    }

    fn pc(&mut self, i: usize, peer: &str) -> &mut SimPc {
        self.clients[i]
            .pcs
            .get_mut(peer)
            .unwrap_or_else(|| panic!("client {i} has no connection to {peer}"))
    }

    fn pump_pc(&mut self, i: usize, peer: &str) {
        while let Some(e) = self.clients[i].pcs.get_mut(peer).and_then(SimPc::poll_event) {
            let peer = peer.to_owned();
            let input = match driver::report(e) {
                Reported::Input(input) => RoomInput::Peer { peer, input },
                Reported::Track { track_id, stream_id, kind } => {
                    RoomInput::RemoteTrack { peer, track_id, stream_id, kind }
                }
            };
            if let Err(e) = self.input(i, input) {
                self.clients[i].errors.push(e);
            }
        }
        self.flush_pc(i, peer);
    }

    fn flush_pc(&mut self, i: usize, peer: &str) {
        let Some(pc) = self.clients[i].pcs.get_mut(peer) else {
            return;
        };
        let mut timers = Vec::new();
        while let Some(t) = pc.poll_timer() {
            timers.push(t);
        }
        let mut sent = Vec::new();
        while let Some(d) = pc.poll_sent() {
            sent.push(d);
        }
        for t in timers {
            let delay = driver::timer_delay(
                t,
                self.cfg.op_delay,
                self.cfg.gather_delay,
                self.cfg.ice_delay,
            );
            let d = delay.sample(&mut self.rng);
            self.sched.after(d, Ev::Pc(i, peer.to_owned(), t));
        }
        if !sent.is_empty() {
            let to = self.index_of(peer);
            let from = self.clients[i].id().to_owned();
            for data in sent {
                // SCTP is ordered: a fixed delay keeps it FIFO.
                let d = self.cfg.data_delay.sample(&mut self.rng);
                self.sched.after(d, Ev::Data { to, from: from.clone(), data });
            }
        }
    }

    fn schedule_timeouts(&mut self) {
        for (i, c) in self.clients.iter_mut().enumerate() {
            if let Some(Millis(t)) = c.core.poll_timeout() {
                if c.timeouts.insert(t) {
                    self.sched.at(t, Ev::Timeout(i, t));
                }
            }
        }
    }

    /// Every connection between joined clients is negotiated, stable, idle,
    /// open, and nothing warned or failed.
    #[track_caller]
    pub fn assert_settled(&self) {
        for (i, c) in self.clients.iter().enumerate() {
            assert!(c.errors.is_empty(), "client {i}: {:?}", c.errors);
            let warnings: Vec<_> =
                c.events.iter().filter(|e| matches!(e, RoomEvent::Warning { .. })).collect();
            assert!(warnings.is_empty(), "client {i}: {warnings:?}");
            for (peer, pc) in &c.pcs {
                let what = format!("client {i} to {peer}");
                assert_eq!(pc.signaling_state(), SignalingState::Stable, "{what}");
                assert_eq!(pc.chain_len(), 0, "{what}");
                assert!(!pc.needs_negotiation(), "{what}");
                assert!(pc.channel_open(), "{what}: data channel");
                assert!(pc.misuse.is_empty(), "{what}: {:?}", pc.misuse);
                let s = c.core.session(peer).expect("a session per connection");
                assert_eq!(s.negotiator().ops_in_flight(), 0, "{what}");
                let other = &self.clients[self.index_of(peer)];
                let back = &other.pcs[c.id()];
                let mids = |p: &SimPc| {
                    p.transceivers().iter().map(|t| t.mid.clone()).collect::<BTreeSet<_>>()
                };
                assert_eq!(mids(pc), mids(back), "{what}: both ends have the same m-sections");
            }
        }
    }
}

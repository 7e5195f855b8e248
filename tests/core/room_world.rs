//! Several [`RoomCore`]s in one room of the real [`Hub`], each connection a
//! [`SimPc`], in simulated time. Frames to and from the hub are FIFO per
//! client, as on a WebSocket.

use crate::driver::{self, Reported};
use crate::sched::{Delay, Rng, Scheduler};
use crate::sim_pc::{PcConfig, PcTimer, SimPc};
use crate::world::IDLE;
use rtcroom::core::{
    CaptureId, CoreError, EncodingParams, Generation, LocalTrack, Millis, MuteStep, NewSender,
    Payload, PcCommand, PeerInput, RoomCore, RoomEvent, RoomInput, RoomOutput, SenderId,
    SignalingState, SocketId, TrackKind, TrackSource,
};
use rtcroom::proto::hub::{ConnId, Gone, Hub, HubConfig, HubOutput, TurnConfig};
use rtcroom::proto::{ClientMessage, IceServer, LeaveReason, PeerId, ServerMessage, SignalData};
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
    /// The hub's suspend graces.
    pub resume_grace_ms: u64,
    pub crash_grace_ms: u64,
    /// The clients' `RoomConfig::adaptive_bitrate`.
    pub adaptive_bitrate: bool,
    /// The hub hands out TURN credentials in `welcome`.
    pub turn: Option<TurnConfig>,
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
            resume_grace_ms: 20_000,
            crash_grace_ms: 5_000,
            adaptive_bitrate: true,
            turn: None,
        }
    }
}

/// The app's calls, scheduled with [`RoomWorld::at`].
#[derive(Debug, Clone)]
pub enum App {
    /// `begin_capture` (getUserMedia started).
    BeginCapture,
    /// The capture finished: publish its track (if it succeeded), then
    /// `end_capture`.
    EndCapture(Option<LocalTrack>),
    Publish(LocalTrack),
    Unpublish(String),
    SetMuted(String, bool),
    /// `replace_published(old, new)` (a device switch).
    Replace(String, LocalTrack),
    Send {
        to: Option<PeerId>,
        data: String,
    },
    Leave,
}

#[derive(Debug)]
enum Ev {
    ToHub(ConnId, ClientMessage<SignalData>),
    ToClient(ConnId, ServerMessage<SignalData>),
    /// The socket `conn` opened (or, with the server down, failed).
    Opened(ConnId),
    Closed(ConnId),
    /// The client's close reaches the hub, behind the frames it sent.
    HubGone(ConnId, Gone),
    Pc(usize, PeerId, Generation, PcTimer),
    Data {
        to: usize,
        from: PeerId,
        data: String,
    },
    App(usize, App),
    Join(usize),
    Timeout(usize, u64),
    HubTimeout(u64),
}

pub struct Client {
    pub core: RoomCore,
    pub pcs: BTreeMap<PeerId, SimPc>,
    gens: BTreeMap<PeerId, Generation>,
    /// The driver's map of the core's senders to transceiver ids, per
    /// connection.
    senders: BTreeMap<PeerId, BTreeMap<SenderId, u32>>,
    pub events: Vec<RoomEvent>,
    /// Events naming a participant the core could not name when they were
    /// polled (`RoomCore::participant`: the driver gives the app its name
    /// and metadata from there).
    pub unnamed: Vec<RoomEvent>,
    pub errors: Vec<CoreError>,
    /// `CreatePeer` outputs: (peer, polite).
    pub created: Vec<(PeerId, bool)>,
    pub closed: Vec<PeerId>,
    /// The hub closed this client's connection.
    pub hub_closed: bool,
    /// The socket the core uses, as the hub's connection id.
    conn: Option<ConnId>,
    pub connects: u32,
    up_last: u64,
    down_last: u64,
    timeouts: BTreeSet<u64>,
    /// The client's process is gone (its events are ignored).
    pub dead: bool,
    /// Its signaling traffic is blackholed (sockets stay "open", silent).
    pub cut: bool,
    /// Pending `begin_capture`s.
    pub captures: Vec<CaptureId>,
    /// `track.enabled` as the core last set it (mute), by track id.
    pub enabled: BTreeMap<String, bool>,
    /// Tracks the core stopped (a released camera), in order.
    pub stopped: Vec<String>,
    /// The encodings each sender was created with or last set to, by
    /// (peer, sender), and how many `SetEncodings` each got.
    pub encodings: BTreeMap<(PeerId, SenderId), (Vec<EncodingParams>, u32)>,
    /// Every signal it sent to the hub, in order: (to, data).
    pub signals: Vec<(PeerId, SignalData)>,
    /// The ICE servers each connection was built with or last set to.
    pub ice_servers: BTreeMap<PeerId, Vec<IceServer>>,
}

impl Client {
    pub fn id(&self) -> &str {
        self.core.local_id().expect("welcomed")
    }

    /// `ParticipantLeft` events as (participant, reason).
    pub fn left(&self) -> Vec<(String, LeaveReason)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                RoomEvent::ParticipantLeft { participant, reason } => {
                    Some((participant.id.clone(), *reason))
                }
                _ => None,
            })
            .collect()
    }

    /// The client has no socket.
    pub fn disconnected(&self) -> bool {
        self.conn.is_none()
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

    /// Text `Message` events as (from, data).
    pub fn messages(&self) -> Vec<(String, String)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                RoomEvent::Message { from, data: Payload::Text(data) } => {
                    Some((from.clone(), data.clone()))
                }
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
    /// Hub connection -> client.
    conns: BTreeMap<ConnId, usize>,
    joined: u32,
    pub steps: u64,
    pub server_down: bool,
    hub_timeouts: BTreeSet<u64>,
    last_activity: u64,
}

/// A track alone in its stream `stream-<id>`.
pub fn track(id: &str, kind: TrackKind, source: TrackSource) -> LocalTrack {
    track_in(id, &format!("stream-{id}"), kind, source)
}

pub fn track_in(id: &str, stream: &str, kind: TrackKind, source: TrackSource) -> LocalTrack {
    LocalTrack {
        track_id: id.into(),
        stream_id: stream.into(),
        kind,
        source,
        size: None,
        device_id: None,
        preset: None,
    }
}

impl RoomWorld {
    pub fn new(cfg: RoomConfig, clients: usize) -> Self {
        let client = || Client {
            core: RoomCore::new(Millis(0), rtcroom::core::RoomConfig::default()),
            pcs: BTreeMap::new(),
            gens: BTreeMap::new(),
            senders: BTreeMap::new(),
            events: Vec::new(),
            unnamed: Vec::new(),
            errors: Vec::new(),
            created: Vec::new(),
            closed: Vec::new(),
            hub_closed: false,
            conn: None,
            connects: 0,
            up_last: 0,
            down_last: 0,
            timeouts: BTreeSet::new(),
            dead: false,
            cut: false,
            captures: Vec::new(),
            enabled: BTreeMap::new(),
            stopped: Vec::new(),
            encodings: BTreeMap::new(),
            signals: Vec::new(),
            ice_servers: BTreeMap::new(),
        };
        RoomWorld {
            rng: Rng::new(cfg.seed),
            hub: Hub::new(Self::hub_config(&cfg)),
            cfg,
            sched: Scheduler::default(),
            clients: (0..clients).map(|_| client()).collect(),
            conns: BTreeMap::new(),
            joined: 0,
            steps: 0,
            server_down: false,
            hub_timeouts: BTreeSet::new(),
            last_activity: 0,
        }
    }

    fn hub_config(cfg: &RoomConfig) -> HubConfig {
        HubConfig {
            resume_grace_ms: cfg.resume_grace_ms,
            crash_grace_ms: cfg.crash_grace_ms,
            secret: b"room-world".to_vec(),
            turn: cfg.turn.clone(),
            ..HubConfig::default()
        }
    }

    pub fn now(&self) -> u64 {
        self.sched.now()
    }

    /// Client `i` starts joining now: its core asks for a socket.
    pub fn join(&mut self, i: usize) {
        self.last_activity = self.now();
        let config = rtcroom::core::RoomConfig {
            room: "room".into(),
            name: Some(format!("c{i}")),
            seed: self.cfg.seed ^ i as u64,
            adaptive_bitrate: self.cfg.adaptive_bitrate,
            ..rtcroom::core::RoomConfig::default()
        };
        self.clients[i].core = RoomCore::new(Millis(self.now()), config);
        self.drain_core(i);
    }

    /// The hub's next ids are `p{n+1}`, `p{n+2}`, …: from `p9` on, a
    /// later joiner's id sorts first ("p10" < "p9"), so it is the polite one.
    pub fn ids_after(&mut self, n: u32) {
        self.joined = n;
    }

    /// The app of client `i` calls `app` at time `t`.
    pub fn at(&mut self, t: u64, i: usize, app: App) {
        self.sched.at(t, Ev::App(i, app));
    }

    /// Client `i` starts joining at time `t`.
    pub fn join_at(&mut self, t: u64, i: usize) {
        self.sched.at(t, Ev::Join(i));
    }

    /// Client `i`'s WebSocket drops (both ends notice): it resumes.
    pub fn drop_socket(&mut self, i: usize) {
        self.last_activity = self.now();
        if let Some(conn) = self.clients[i].conn.take() {
            self.conns.remove(&conn);
            let now = self.now();
            self.hub.handle_disconnect(now, conn, Gone::Closed);
            self.drain_hub();
            self.sched.at(now, Ev::Closed(conn));
        }
    }

    /// Client `i`'s browser dies: its socket resets, its connections go silent.
    pub fn kill(&mut self, i: usize) {
        self.last_activity = self.now();
        self.clients[i].dead = true;
        if let Some(conn) = self.clients[i].conn.take() {
            self.conns.remove(&conn);
            let now = self.now();
            self.hub.handle_disconnect(now, conn, Gone::Reset);
            self.drain_hub();
        }
        for pc in self.clients[i].pcs.values_mut() {
            pc.close();
        }
    }

    /// Blackholes (or restores) client `i`'s signaling: nothing is closed,
    /// frames are lost, new sockets cannot open.
    pub fn cut_signaling(&mut self, i: usize, on: bool) {
        self.last_activity = self.now();
        self.clients[i].cut = on;
    }

    /// The server process dies: every socket closes, the hub forgets all.
    pub fn kill_server(&mut self) {
        self.last_activity = self.now();
        self.server_down = true;
        let conns: Vec<(ConnId, usize)> = std::mem::take(&mut self.conns).into_iter().collect();
        for (conn, i) in conns {
            self.clients[i].conn = None;
            self.sched.at(self.now(), Ev::Closed(conn));
        }
        self.hub = Hub::new(Self::hub_config(&self.cfg));
        self.hub_timeouts.clear();
    }

    /// A new server process with the same secret.
    pub fn start_server(&mut self) {
        self.last_activity = self.now();
        self.server_down = false;
    }

    /// Blackholes (or restores) the media path between clients `a` and `b`.
    pub fn blackhole(&mut self, a: usize, b: usize, on: bool) {
        self.last_activity = self.now();
        let (ida, idb) = (self.clients[a].id().to_owned(), self.clients[b].id().to_owned());
        if let Some(pc) = self.clients[a].pcs.get_mut(&idb) {
            pc.blackholed = on;
        }
        if let Some(pc) = self.clients[b].pcs.get_mut(&ida) {
            pc.blackholed = on;
        }
    }

    /// The app of client `i` calls `app` now.
    pub fn app(&mut self, i: usize, app: App) -> Result<(), CoreError> {
        self.last_activity = self.now();
        let now = Millis(self.now());
        let client = &mut self.clients[i];
        let core = &mut client.core;
        let r = match app {
            App::BeginCapture => {
                client.captures.push(core.begin_capture(now));
                Ok(())
            }
            App::EndCapture(track) => {
                let r = track.map_or(Ok(()), |t| core.publish(t));
                for id in std::mem::take(&mut client.captures) {
                    core.end_capture(now, id);
                }
                r
            }
            App::Publish(t) => core.publish(t),
            // A recapture succeeds at once: the same device gives a new
            // track (`<id>'`) in the same stream.
            App::SetMuted(id, muted) => core.set_muted(&id, muted).and_then(|step| match step {
                MuteStep::Recapture { device_id, .. } => {
                    let old = core.published().iter().find(|t| t.track_id == id).cloned();
                    let old = old.ok_or(CoreError::NotPublished)?;
                    let track_id = format!("{id}'");
                    let device_id = Some(device_id);
                    core.recaptured(&id, LocalTrack { track_id, device_id, ..old })
                }
                _ => Ok(()),
            }),
            App::Replace(old, new) => core.replace_published(&old, new),
            App::Unpublish(id) => core.unpublish(&id),
            App::Send { to, data } => {
                core.send(to.as_deref(), Payload::Text(data), true).and_then(|failed| match failed
                    .into_iter()
                    .next()
                {
                    Some((_, e)) => Err(e),
                    None => Ok(()),
                })
            }
            App::Leave => {
                core.leave();
                Ok(())
            }
        };
        self.drain_core(i);
        r
    }

    pub fn publish(&mut self, i: usize, t: LocalTrack) -> Result<(), CoreError> {
        self.app(i, App::Publish(t))
    }
    pub fn unpublish(&mut self, i: usize, id: &str) -> Result<(), CoreError> {
        self.app(i, App::Unpublish(id.into()))
    }
    pub fn send(&mut self, i: usize, to: Option<&str>, data: &str) -> Result<(), CoreError> {
        self.app(i, App::Send { to: to.map(Into::into), data: data.into() })
    }
    pub fn leave(&mut self, i: usize) {
        let _ = self.app(i, App::Leave);
    }

    /// A network input to client `i` now.
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

    /// Runs until nothing but periodic timers (pings, stats) is left and
    /// nothing else happened for [`IDLE`].
    pub fn run(&mut self) {
        let limit = self.steps + self.cfg.max_steps;
        loop {
            let periodic_only =
                self.sched.all(|e| matches!(e, Ev::Timeout(..) | Ev::HubTimeout(_)));
            let next = self.sched.next_time();
            if next.is_none()
                || (periodic_only && next.is_some_and(|t| t > self.last_activity + IDLE))
            {
                return;
            }
            self.step();
            assert!(
                self.steps < limit,
                "no quiescence after {} steps (livelock?)",
                self.cfg.max_steps
            );
        }
    }

    /// Runs every event up to time `t`, then moves the clock there.
    pub fn run_to(&mut self, t: u64) {
        while self.sched.next_time().is_some_and(|n| n <= t) {
            self.step();
        }
        self.sched.advance_to(t);
    }

    /// Runs until `done` holds or `deadline` passes; returns whether it held.
    pub fn run_until(&mut self, deadline: u64, mut done: impl FnMut(&RoomWorld) -> bool) -> bool {
        while !done(self) {
            if self.sched.next_time().is_none_or(|n| n > deadline) {
                return done(self);
            }
            self.step();
        }
        true
    }

    fn step(&mut self) {
        let Some(ev) = self.sched.pop() else { return };
        self.steps += 1;
        let significant = !matches!(
            &ev,
            Ev::Timeout(..)
                | Ev::HubTimeout(_)
                | Ev::ToHub(_, ClientMessage::Ping)
                | Ev::ToClient(_, ServerMessage::Pong)
        );
        if significant {
            self.last_activity = self.now();
        }
        self.handle(ev);
        self.schedule_timeouts();
    }

    fn handle(&mut self, ev: Ev) {
        let now = self.now();
        match ev {
            Ev::ToHub(conn, msg) => {
                let cut = self.conns.get(&conn).is_some_and(|&i| self.clients[i].cut);
                if self.server_down || !self.conns.contains_key(&conn) || cut {
                    return;
                }
                let n = &mut self.joined;
                self.hub.handle_message(now, conn, msg, || {
                    *n += 1;
                    format!("p{n}")
                });
                self.drain_hub();
            }
            Ev::ToClient(conn, msg) => {
                let Some(&i) = self.conns.get(&conn) else { return };
                if self.clients[i].cut {
                    return;
                }
                let socket = SocketId(conn % 1_000);
                self.deliver(i, RoomInput::Frame { socket, msg });
            }
            Ev::Opened(conn) => {
                let i = (conn / 1_000) as usize;
                let socket = SocketId(conn % 1_000);
                if self.server_down || self.clients[i].cut {
                    self.deliver(i, RoomInput::SocketClosed { socket });
                } else {
                    self.conns.insert(conn, i);
                    self.clients[i].conn = Some(conn);
                    self.deliver(i, RoomInput::SocketOpened { socket });
                }
            }
            Ev::HubGone(conn, gone) => {
                if self.conns.remove(&conn).is_some() && !self.server_down {
                    self.hub.handle_disconnect(now, conn, gone);
                    self.drain_hub();
                }
            }
            Ev::Closed(conn) => {
                let i = (conn / 1_000) as usize;
                self.deliver(i, RoomInput::SocketClosed { socket: SocketId(conn % 1_000) });
            }
            Ev::Pc(i, peer, generation, timer) => {
                if self.clients[i].gens.get(&peer) != Some(&generation) {
                    return;
                }
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
                    if pc.blackholed {
                        return;
                    }
                    pc.deliver(data);
                    self.pump_pc(to, &from);
                }
            }
            Ev::App(i, app) => {
                if let Err(e) = self.app(i, app) {
                    self.clients[i].errors.push(e);
                }
            }
            Ev::Join(i) => self.join(i),
            Ev::Timeout(i, t) => {
                self.clients[i].timeouts.remove(&t);
                if self.clients[i].dead {
                    return;
                }
                self.clients[i].core.handle_timeout(Millis(now));
                self.drain_core(i);
            }
            Ev::HubTimeout(t) => {
                self.hub_timeouts.remove(&t);
                if !self.server_down {
                    self.hub.handle_timeout(now);
                    self.drain_hub();
                }
            }
        }
    }

    fn deliver(&mut self, i: usize, input: RoomInput) {
        if self.clients[i].dead {
            return;
        }
        if let Err(e) = self.input(i, input) {
            self.clients[i].errors.push(e);
        }
    }

    fn send_to_hub(&mut self, i: usize, msg: ClientMessage<SignalData>) {
        let Some(conn) = self.clients[i].conn else { return };
        if let ClientMessage::Signal { to, data } = &msg {
            self.clients[i].signals.push((to.clone(), data.clone()));
        }
        let t = self.now() + self.cfg.signal_delay.sample(&mut self.rng);
        let t = t.max(self.clients[i].up_last);
        self.clients[i].up_last = t;
        self.sched.at(t, Ev::ToHub(conn, msg));
    }

    fn drain_hub(&mut self) {
        while let Some(out) = self.hub.poll_output() {
            match out {
                HubOutput::Send { conn, msg } => {
                    let Some(&i) = self.conns.get(&conn) else { continue };
                    let t = self.now() + self.cfg.signal_delay.sample(&mut self.rng);
                    let t = t.max(self.clients[i].down_last);
                    self.clients[i].down_last = t;
                    self.sched.at(t, Ev::ToClient(conn, msg));
                }
                HubOutput::Close { conn } => {
                    if let Some(i) = self.conns.remove(&conn) {
                        self.clients[i].hub_closed = true;
                        let t = self.now().max(self.clients[i].down_last);
                        self.sched.at(t, Ev::Closed(conn));
                    }
                }
                other => panic!("unknown hub output {other:?}"),
            }
        }
    }

    fn drain_core(&mut self, i: usize) {
        while let Some(out) = self.clients[i].core.poll_output() {
            match out {
                RoomOutput::Connect { socket, .. } => {
                    self.clients[i].connects += 1;
                    let conn = i as u64 * 1_000 + socket.0;
                    let t = self.now() + self.cfg.signal_delay.sample(&mut self.rng);
                    self.sched.at(t, Ev::Opened(conn));
                }
                RoomOutput::Disconnect { socket } => {
                    let conn = i as u64 * 1_000 + socket.0;
                    if self.clients[i].conn == Some(conn) {
                        self.clients[i].conn = None;
                        let t = self.now().max(self.clients[i].up_last);
                        self.sched.at(t, Ev::HubGone(conn, Gone::Closed));
                    }
                }
                RoomOutput::Send(msg) => self.send_to_hub(i, msg),
                RoomOutput::CreatePeer {
                    peer,
                    generation,
                    polite,
                    data_channel,
                    receive,
                    tracks,
                    ice_servers,
                    ..
                } => {
                    self.clients[i].ice_servers.insert(peer.clone(), ice_servers);
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
                    let mut senders = BTreeMap::new();
                    for NewSender { sender, track: t, encodings, transceiver } in &tracks {
                        let (kind, tr, st) = (t.kind, &t.track_id, &t.stream_id);
                        let tid = if *transceiver {
                            pc.add_transceiver_with_track(kind, tr, st)
                        } else {
                            pc.add_track(kind, tr, st)
                        };
                        senders.insert(*sender, tid);
                        let key = (peer.clone(), *sender);
                        self.clients[i].encodings.insert(key, (encodings.clone(), 0));
                    }
                    self.clients[i].senders.insert(peer.clone(), senders);
                    self.clients[i].created.push((peer.clone(), polite));
                    self.clients[i].gens.insert(peer.clone(), generation);
                    if let Some(mut old) = self.clients[i].pcs.insert(peer.clone(), pc) {
                        old.close();
                    }
                    self.flush_pc(i, &peer);
                }
                RoomOutput::Pc { peer, cmd: PcCommand::SetIceServers { ice_servers, .. } } => {
                    self.clients[i].ice_servers.insert(peer, ice_servers);
                }
                RoomOutput::Pc { peer, cmd } => {
                    let stats = matches!(cmd, PcCommand::GetStats);
                    driver::execute(self.pc(i, &peer), cmd);
                    if stats {
                        self.pump_pc(i, &peer);
                    } else {
                        self.flush_pc(i, &peer);
                    }
                }
                RoomOutput::AddTrack { peer, sender, track, encodings, transceiver } => {
                    let (kind, tr, st) = (track.kind, &track.track_id, &track.stream_id);
                    let tid = if transceiver {
                        self.pc(i, &peer).add_transceiver_with_track(kind, tr, st)
                    } else {
                        assert!(encodings.len() <= 1, "addTrack cannot set up {encodings:?}");
                        self.pc(i, &peer).add_track(kind, tr, st)
                    };
                    self.clients[i].encodings.insert((peer.clone(), sender), (encodings, 0));
                    let senders = self.clients[i].senders.entry(peer.clone()).or_default();
                    assert!(
                        senders.values().all(|t| *t != tid),
                        "client {i}: addTrack took transceiver {tid} of another sender {senders:?}"
                    );
                    assert!(senders.insert(sender, tid).is_none(), "{sender:?} added twice");
                    self.flush_pc(i, &peer);
                }
                RoomOutput::ReplaceTrack { peer, sender, track } => {
                    let tid = self.transceiver_of(i, &peer, sender);
                    let track = track.as_ref().map(|t| (t.track_id.as_str(), t.stream_id.as_str()));
                    self.pc(i, &peer).replace_track(tid, track);
                    self.flush_pc(i, &peer);
                }
                RoomOutput::SetEncodings { peer, sender, encodings } => {
                    assert!(
                        self.clients[i].senders.get(&peer).is_some_and(|s| s.contains_key(&sender)),
                        "client {i}: SetEncodings on unknown {sender:?} to {peer}"
                    );
                    let e = self.clients[i].encodings.entry((peer, sender)).or_default();
                    e.0 = encodings;
                    e.1 += 1;
                }
                RoomOutput::ClosePeer { peer } => {
                    if let Some(mut pc) = self.clients[i].pcs.remove(&peer) {
                        pc.close();
                    }
                    self.clients[i].gens.remove(&peer);
                    self.clients[i].senders.remove(&peer);
                    self.clients[i].closed.push(peer);
                }
                RoomOutput::SetTrackEnabled { track_id, enabled } => {
                    self.clients[i].enabled.insert(track_id, enabled);
                }
                RoomOutput::StopTrack { track_id } => self.clients[i].stopped.push(track_id),
                RoomOutput::Event(e) => {
                    let c = &mut self.clients[i];
                    if event_participant(&e).is_some_and(|p| c.core.participant(p).is_none()) {
                        c.unnamed.push(e.clone());
                    }
                    c.events.push(e);
                }
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

    /// The negotiated `mid` of each of client `i`'s senders on `peer`.
    fn sender_mids(&self, i: usize, peer: &str) -> Vec<(SenderId, String)> {
        let (Some(senders), Some(pc)) =
            (self.clients[i].senders.get(peer), self.clients[i].pcs.get(peer))
        else {
            return Vec::new();
        };
        let transceivers = pc.transceivers();
        senders
            .iter()
            .filter_map(|(sender, tid)| {
                let t = transceivers.iter().find(|t| t.id == *tid)?;
                Some((*sender, t.mid.clone()?))
            })
            .collect()
    }

    fn transceiver_of(&self, i: usize, peer: &str, sender: SenderId) -> u32 {
        let senders = self.clients[i].senders.get(peer);
        let found = senders.and_then(|s| s.get(&sender)).copied();
        found
            .unwrap_or_else(|| panic!("client {i}: unknown {sender:?} on the connection to {peer}"))
    }

    fn pump_pc(&mut self, i: usize, peer: &str) {
        let generation = self.clients[i].gens.get(peer).copied().unwrap_or_default();
        while let Some(e) = self.clients[i].pcs.get_mut(peer).and_then(SimPc::poll_event) {
            let peer = peer.to_owned();
            let input = match driver::report(e) {
                Reported::Input(input) => {
                    if matches!(input, PeerInput::OpCompleted { .. }) {
                        // As the browser driver does: the senders' mids
                        // first, read as the operation completes.
                        let mids = self.sender_mids(i, &peer);
                        self.deliver(
                            i,
                            RoomInput::SenderMids { peer: peer.clone(), generation, mids },
                        );
                    }
                    RoomInput::Peer { peer, generation, input }
                }
                Reported::Track { track_id, stream_id, kind, mid } => {
                    RoomInput::RemoteTrack { peer, generation, track_id, stream_id, kind, mid }
                }
            };
            self.deliver(i, input);
        }
        self.flush_pc(i, peer);
    }

    fn flush_pc(&mut self, i: usize, peer: &str) {
        let generation = self.clients[i].gens.get(peer).copied().unwrap_or_default();
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
        let blackholed = pc.blackholed;
        for t in timers {
            let delay = driver::timer_delay(
                t,
                self.cfg.op_delay,
                self.cfg.gather_delay,
                self.cfg.ice_delay,
            );
            let d = delay.sample(&mut self.rng);
            self.sched.after(d, Ev::Pc(i, peer.to_owned(), generation, t));
        }
        if !sent.is_empty() && !blackholed {
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
            // Dead, or not started yet (its placeholder core is not running).
            if c.dead || c.connects == 0 {
                continue;
            }
            if let Some(Millis(t)) = c.core.poll_timeout() {
                if c.timeouts.insert(t) {
                    self.sched.at(t, Ev::Timeout(i, t));
                }
            }
        }
        if let Some(t) = self.hub.poll_timeout() {
            if self.hub_timeouts.insert(t) {
                self.sched.at(t, Ev::HubTimeout(t));
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

/// The participant an event names by id (not `ParticipantLeft`, which
/// carries it whole).
pub fn event_participant(e: &RoomEvent) -> Option<&str> {
    match e {
        RoomEvent::Track { participant, .. }
        | RoomEvent::TrackRemoved { participant, .. }
        | RoomEvent::TrackMuted { participant, .. }
        | RoomEvent::QualityChanged { participant, .. }
        | RoomEvent::ParticipantState { participant, .. } => Some(participant),
        RoomEvent::Message { from, .. } => Some(from),
        _ => None,
    }
}

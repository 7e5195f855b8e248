//! Two [`PeerSession`]s, each driving a [`SimPc`], joined by a simulated
//! signaling path and data channel, in simulated time.
//!
//! After every input the world drains `poll_output` and executes each
//! command at once, in order, as the browser driver does; connection events
//! reach the core only from timers, so commands never interleave with them.

use crate::driver::{self, Reported};
use crate::sched::{Delay, Lane, Rng, Scheduler};
use crate::sim_pc::{PcConfig, PcTimer, SimPc};
use rtcroom::core::{
    CoreError, IceConnectionState, Millis, Payload, PcCommand, PeerEvent, PeerInput, PeerOutput,
    PeerSession, SignalingState, TrackKind,
};
use rtcroom::proto::SignalData;
use std::collections::BTreeSet;

/// Sim time without any event but the cores' periodic timers after which a
/// world counts as settled.
pub const IDLE: u64 = 10_000;

pub const A: usize = 0;
pub const B: usize = 1;

#[derive(Debug, Clone)]
pub struct Config {
    pub seed: u64,
    /// Which side is polite (gets the smaller id).
    pub polite: usize,
    /// From calling a connection method to its promise settling.
    pub op_delay: Delay,
    /// Signaling latency per direction (FIFO).
    pub signal_delay: Delay,
    /// With `reorder_candidates`: latency of the candidates' own lane.
    pub candidate_delay: Delay,
    pub reorder_candidates: bool,
    pub gather_delay: Delay,
    pub ice_delay: Delay,
    pub data_delay: Delay,
    pub candidates_per_gathering: u32,
    pub mdns: bool,
    pub data_channel: bool,
    pub fresh_ufrag_after_first_rollback: bool,
    pub chromium_mid_collision: bool,
    pub max_steps: u64,
    /// Keep a log of what happened (printed by failing checks).
    pub trace: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            seed: 1,
            polite: A,
            op_delay: Delay::Fixed(2),
            signal_delay: Delay::Fixed(10),
            candidate_delay: Delay::Fixed(10),
            reorder_candidates: false,
            gather_delay: Delay::Fixed(3),
            ice_delay: Delay::Fixed(20),
            data_delay: Delay::Fixed(5),
            candidates_per_gathering: 2,
            mdns: false,
            data_channel: false,
            fresh_ufrag_after_first_rollback: false,
            chromium_mid_collision: false,
            max_steps: 200_000,
            trace: false,
        }
    }
}

/// Something the app or the network does to one side.
#[derive(Debug, Clone)]
pub enum Action {
    AddTransceiver(TrackKind),
    /// The app asks the core for an ICE restart.
    RestartIce,
    /// The network moves the connection's ICE state.
    Ice(IceConnectionState),
    /// The app sends a message to the other side.
    Send(String),
}

#[derive(Debug)]
enum Ev {
    Pc(usize, PcTimer),
    Signal { to: usize, data: SignalData },
    Data { to: usize, data: String },
    Action(usize, Action),
    Timeout(usize, u64),
}

pub struct Side {
    pub id: String,
    pub session: PeerSession,
    pub pc: SimPc,
    /// Every event the core emitted.
    pub events: Vec<PeerEvent>,
    /// Errors `handle_input` returned.
    pub errors: Vec<CoreError>,
    pub sent: Vec<SignalData>,
    /// Signals in arrival order.
    pub received: Vec<(u64, SignalData)>,
    /// `track` events of the connection.
    pub tracks: Vec<(String, Option<String>, TrackKind)>,
    timeouts: BTreeSet<u64>,
}

impl Side {
    pub fn warnings(&self) -> Vec<String> {
        self.events
            .iter()
            .filter_map(|e| match e {
                PeerEvent::Warning { code, message } => Some(format!("{code}: {message}")),
                _ => None,
            })
            .collect()
    }

    pub fn messages(&self) -> Vec<String> {
        self.events
            .iter()
            .filter_map(|e| match e {
                PeerEvent::Message(Payload::Text(m)) => Some(m.clone()),
                _ => None,
            })
            .collect()
    }
}

pub struct World {
    pub cfg: Config,
    sched: Scheduler<Ev>,
    rng: Rng,
    pub sides: [Side; 2],
    lanes: [Lane; 2],
    data_last: [u64; 2],
    pub steps: u64,
    last_activity: u64,
    pub log: Vec<String>,
}

impl World {
    pub fn new(cfg: Config) -> Self {
        let ids = if cfg.polite == A { ["a", "b"] } else { ["b", "a"] };
        let side = |i: usize| {
            let pc = SimPc::new(PcConfig {
                name: ["A", "B"][i].to_owned(),
                candidates_per_gathering: cfg.candidates_per_gathering,
                mdns: cfg.mdns,
                data_channel: cfg.data_channel,
                fresh_ufrag_after_first_rollback: cfg.fresh_ufrag_after_first_rollback,
                chromium_mid_collision: cfg.chromium_mid_collision,
            });
            Side {
                id: ids[i].to_owned(),
                session: PeerSession::new(ids[i], ids[1 - i]),
                pc,
                events: Vec::new(),
                errors: Vec::new(),
                sent: Vec::new(),
                received: Vec::new(),
                tracks: Vec::new(),
                timeouts: BTreeSet::new(),
            }
        };
        let lane = || Lane::new(cfg.signal_delay, cfg.candidate_delay, cfg.reorder_candidates);
        let mut w = World {
            sides: [side(A), side(B)],
            lanes: [lane(), lane()],
            rng: Rng::new(cfg.seed),
            cfg,
            sched: Scheduler::default(),
            data_last: [0; 2],
            steps: 0,
            last_activity: 0,
            log: Vec::new(),
        };
        assert!(w.sides[w.cfg.polite].session.is_polite());
        assert!(!w.sides[1 - w.cfg.polite].session.is_polite());
        // The data channel made the connections need negotiation.
        w.flush_pc(A);
        w.flush_pc(B);
        w
    }

    pub fn now(&self) -> u64 {
        self.sched.now()
    }

    /// Schedules `action` on `side` at simulated time `t`.
    pub fn at(&mut self, t: u64, side: usize, action: Action) {
        self.sched.at(t, Ev::Action(side, action));
    }

    /// Performs `action` on `side` now.
    pub fn act(&mut self, side: usize, action: Action) {
        self.perform(side, action);
        self.schedule_timeouts();
    }

    /// `data` arrives at `to` now, as if the other side had sent it.
    pub fn inject_signal(&mut self, to: usize, data: SignalData) {
        self.sides[to].received.push((self.sched.now(), data.clone()));
        self.feed(to, PeerInput::Signal(data));
        self.schedule_timeouts();
    }

    /// Runs one event. False when nothing is left.
    pub fn step(&mut self) -> bool {
        let Some(ev) = self.sched.pop() else {
            return false;
        };
        self.steps += 1;
        if !matches!(ev, Ev::Timeout(..)) {
            self.last_activity = self.sched.now();
        }
        match ev {
            Ev::Pc(side, timer) => {
                self.sides[side].pc.fire(timer);
                self.pump_events(side);
                if timer == PcTimer::OpDone {
                    self.sides[side].pc.advance();
                    self.flush_pc(side);
                }
            }
            Ev::Signal { to, data } => {
                self.trace(|| format!("{} <- {}", to, describe(&data)));
                self.sides[to].received.push((self.sched.now(), data.clone()));
                self.feed(to, PeerInput::Signal(data));
            }
            Ev::Data { to, data } => {
                self.sides[to].pc.deliver(data);
                self.pump_events(to);
            }
            Ev::Action(side, action) => self.perform(side, action),
            Ev::Timeout(side, t) => {
                self.sides[side].timeouts.remove(&t);
                let now = Millis(self.sched.now());
                if self.sides[side].session.poll_timeout().is_some_and(|t| t <= now) {
                    self.sides[side].session.handle_timeout(now);
                    self.drain_session(side);
                }
            }
        }
        self.schedule_timeouts();
        true
    }

    /// Runs until no event is left.
    pub fn run(&mut self) -> Result<(), String> {
        self.run_inner(|_| false, true).map(|_| ())
    }

    /// Runs until `done` holds (checked before every event) or nothing is
    /// left; returns whether `done` held.
    pub fn run_until(&mut self, done: impl FnMut(&World) -> bool) -> Result<bool, String> {
        self.run_inner(done, false)
    }

    fn run_inner(
        &mut self,
        mut done: impl FnMut(&World) -> bool,
        stop_when_idle: bool,
    ) -> Result<bool, String> {
        let limit = self.steps + self.cfg.max_steps;
        loop {
            if done(self) {
                return Ok(true);
            }
            if self.steps >= limit {
                return Err(format!(
                    "no quiescence after {} steps at t={} (livelock?)\n{}",
                    self.cfg.max_steps,
                    self.now(),
                    self.summary()
                ));
            }
            // Only the cores' periodic timers (stats polls) are left, long
            // after anything happened: the world is as settled as it gets.
            let idle = stop_when_idle
                && self.sched.all(|e| matches!(e, Ev::Timeout(..)))
                && self.sched.next_time().is_none_or(|t| t > self.last_activity + IDLE);
            if idle || !self.step() {
                return Ok(false);
            }
        }
    }

    /// Runs every event up to time `t`, then moves the clock to `t`.
    pub fn run_to(&mut self, t: u64) -> Result<(), String> {
        self.run_until(|w| w.sched.next_time().is_none_or(|next| next > t))?;
        self.sched.advance_to(t);
        Ok(())
    }

    // ---- the driver ------------------------------------------------------

    fn perform(&mut self, side: usize, action: Action) {
        self.trace(|| format!("{side} action {action:?}"));
        self.last_activity = self.sched.now();
        match action {
            Action::AddTransceiver(kind) => {
                self.sides[side].pc.add_transceiver(kind);
                self.flush_pc(side);
            }
            Action::RestartIce => {
                if let Err(e) = self.sides[side].session.restart_ice() {
                    self.sides[side].errors.push(e);
                }
                self.drain_session(side);
            }
            Action::Ice(state) => {
                self.sides[side].pc.set_ice_state(state);
                self.pump_events(side);
            }
            Action::Send(m) => {
                if let Err(e) = self.sides[side].session.send(Payload::Text(m), true) {
                    self.sides[side].errors.push(e);
                }
                self.drain_session(side);
            }
        }
    }

    fn feed(&mut self, side: usize, input: PeerInput) {
        let now = Millis(self.sched.now());
        if let Err(e) = self.sides[side].session.handle_input(now, input) {
            self.sides[side].errors.push(e);
        }
        self.drain_session(side);
    }

    fn drain_session(&mut self, side: usize) {
        while let Some(out) = self.sides[side].session.poll_output() {
            match out {
                PeerOutput::Command(cmd) => {
                    self.trace(|| format!("{side} cmd {cmd:?}"));
                    let stats = matches!(cmd, PcCommand::GetStats);
                    driver::execute(&mut self.sides[side].pc, cmd);
                    if stats {
                        // The stats promise resolves as its own task.
                        self.pump_events(side);
                    }
                    self.flush_pc(side);
                }
                PeerOutput::Signal(data) => self.send_signal(side, data),
                PeerOutput::Event(e) => {
                    self.trace(|| format!("{side} event {e:?}"));
                    self.sides[side].events.push(e);
                }
                other => panic!("unknown output {other:?}"),
            }
        }
    }

    /// Hands the connection's queued events to the core, in order.
    fn pump_events(&mut self, side: usize) {
        while let Some(e) = self.sides[side].pc.poll_event() {
            self.trace(|| format!("{side} pc {e:?}"));
            match driver::report(e) {
                Reported::Input(input) => self.feed(side, input),
                Reported::Track { track_id, stream_id, kind, .. } => {
                    self.sides[side].tracks.push((track_id, stream_id, kind))
                }
            }
        }
        self.flush_pc(side);
    }

    /// Schedules the connection's timers and carries what it sent.
    fn flush_pc(&mut self, side: usize) {
        while let Some(t) = self.sides[side].pc.poll_timer() {
            let delay = driver::timer_delay(
                t,
                self.cfg.op_delay,
                self.cfg.gather_delay,
                self.cfg.ice_delay,
            );
            let d = delay.sample(&mut self.rng);
            self.sched.after(d, Ev::Pc(side, t));
        }
        while let Some(data) = self.sides[side].pc.poll_sent() {
            let t = (self.sched.now() + self.cfg.data_delay.sample(&mut self.rng))
                .max(self.data_last[side]);
            self.data_last[side] = t;
            self.sched.at(t, Ev::Data { to: 1 - side, data });
        }
    }

    fn send_signal(&mut self, from: usize, data: SignalData) {
        self.trace(|| format!("{from} -> {}", describe(&data)));
        self.sides[from].sent.push(data.clone());
        let is_candidate =
            matches!(data, SignalData::Candidate(_) | SignalData::EndOfCandidates { .. });
        let t = self.lanes[from].arrival(self.sched.now(), &mut self.rng, is_candidate);
        self.sched.at(t, Ev::Signal { to: 1 - from, data });
    }

    fn schedule_timeouts(&mut self) {
        for side in [A, B] {
            if let Some(Millis(t)) = self.sides[side].session.poll_timeout() {
                if self.sides[side].timeouts.insert(t) {
                    self.sched.at(t, Ev::Timeout(side, t));
                }
            }
        }
    }

    fn trace(&mut self, line: impl FnOnce() -> String) {
        if self.cfg.trace {
            let l = format!("[{:>6}] {}", self.sched.now(), line());
            self.log.push(l);
        }
    }

    // ---- checks ----------------------------------------------------------

    /// Both sides stable with no work left, the same associated m-sections,
    /// nothing more to negotiate, no warnings and no errors.
    pub fn check_converged(&self) -> Result<(), String> {
        let mut problems = Vec::new();
        for (i, s) in self.sides.iter().enumerate() {
            let name = ["A", "B"][i];
            if s.pc.signaling_state() != SignalingState::Stable {
                problems.push(format!("{name}: pc is {:?}", s.pc.signaling_state()));
            }
            if s.session.negotiator().signaling_state() != SignalingState::Stable {
                problems.push(format!(
                    "{name}: core thinks {:?}",
                    s.session.negotiator().signaling_state()
                ));
            }
            if s.session.negotiator().ops_in_flight() != 0 || s.pc.chain_len() != 0 {
                problems.push(format!(
                    "{name}: {} ops in flight, chain {}",
                    s.session.negotiator().ops_in_flight(),
                    s.pc.chain_len()
                ));
            }
            if s.session.negotiator().making_offer() {
                problems.push(format!("{name}: still making an offer"));
            }
            if s.pc.needs_negotiation() {
                problems.push(format!("{name}: negotiation still needed"));
            }
            if s.pc.transceivers().iter().any(|t| t.mid.is_none()) {
                problems.push(format!("{name}: unassociated transceivers"));
            }
            for w in s.warnings() {
                problems.push(format!("{name}: warning {w}"));
            }
            for e in &s.errors {
                problems.push(format!("{name}: error {e}"));
            }
            for m in &s.pc.misuse {
                problems.push(format!("{name}: misuse {m}"));
            }
        }
        let mids = |i: usize| -> BTreeSet<Option<String>> {
            self.sides[i].pc.transceivers().iter().map(|t| t.mid.clone()).collect()
        };
        let (na, nb) =
            (self.sides[A].pc.transceivers().len(), self.sides[B].pc.transceivers().len());
        if na != nb {
            problems.push(format!("transceiver counts differ: A {na}, B {nb}"));
        } else if mids(A) != mids(B) {
            problems.push(format!("mids differ: A {:?}, B {:?}", mids(A), mids(B)));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!("{}\n{}", problems.join("\n"), self.summary()))
        }
    }

    #[track_caller]
    pub fn assert_converged(&self) {
        if let Err(e) = self.check_converged() {
            panic!("not converged: {e}");
        }
    }

    pub fn summary(&self) -> String {
        let mut s = format!("t={} steps={}\n", self.now(), self.steps);
        for (i, side) in self.sides.iter().enumerate() {
            s.push_str(&format!(
                "{} (id {}, polite {}): pc {:?}, core {:?}, ops {}, chain {}, transceivers {}, signaling {:?}\n",
                ["A", "B"][i],
                side.id,
                side.session.is_polite(),
                side.pc.signaling_state(),
                side.session.negotiator().signaling_state(),
                side.session.negotiator().ops_in_flight(),
                side.pc.chain_len(),
                side.pc.transceivers().len(),
                side.pc.signaling_history,
            ));
        }
        // RTCROOM_TRACE_ALL=1 prints the whole log instead of its tail.
        let keep = if std::env::var_os("RTCROOM_TRACE_ALL").is_some() { usize::MAX } else { 80 };
        let tail = self.log.len().saturating_sub(keep);
        for l in &self.log[tail..] {
            s.push_str(l);
            s.push('\n');
        }
        s
    }

    /// Performs an initial negotiation: A adds an audio transceiver and the
    /// world runs until nothing is left.
    pub fn connect(&mut self) {
        self.act(A, Action::AddTransceiver(TrackKind::Audio));
        self.run().unwrap();
        self.assert_converged();
    }
}

/// Short form of a signal for traces.
pub fn describe(data: &SignalData) -> String {
    match data {
        SignalData::Description { sdp_type, sdp } => {
            let ufrag = rtcroom::core::sdp::ice_ufrag(sdp).unwrap_or("-");
            let mids = sdp.lines().filter(|l| l.starts_with("a=mid:")).count();
            format!("{sdp_type:?}(ufrag {ufrag}, {mids} m)")
        }
        SignalData::Candidate(c) => format!("candidate({})", c.candidate),
        SignalData::EndOfCandidates { ufrag } => format!("end-of-candidates {ufrag:?}"),
        SignalData::Tracks { tracks } => format!("tracks({})", tracks.len()),
        other => format!("{other:?}"),
    }
}

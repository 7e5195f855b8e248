//! The signaling session's lifecycle: `Connecting → Joining → Joined ⇄
//! Resuming → Left | Failed`. It decides when to open and close the socket,
//! when to ping, when a silent socket is dead, when to retry a resume (with
//! back-off and seeded jitter) and when to give up. The driver only opens
//! and closes sockets and reports what happened.
//!
//! With several signaling endpoints (server nodes sharing rooms), it also
//! decides which one each socket opens: a lost socket's first reconnect
//! goes to the same endpoint (a restart or a flap usually lets it through),
//! every failed attempt moves on to the next one; a first join that cannot
//! open tries each endpoint once before failing.

use crate::core::types::Millis;

/// How often the client pings while joined and otherwise silent.
pub const PING_INTERVAL: u64 = 2_000;
/// A socket that delivered nothing (not even a pong) for this long is dead:
/// a blackholed TCP connection would otherwise stay "open" for minutes.
pub const SILENCE_LIMIT: u64 = 5_000;
/// A reconnect attempt that has not opened by then is abandoned.
pub const ATTEMPT_TIMEOUT: u64 = 3_000;
/// Resume back-off: first retry, doubling up to the cap, ±20 % jitter.
pub const RESUME_FIRST_RETRY: u64 = 100;
pub const RESUME_MAX_RETRY: u64 = 1_000;
/// How long to keep resuming when the server did not say (`welcome`
/// carries its grace period, `resumeGraceMs`).
pub const DEFAULT_RESUME_GRACE: u64 = 20_000;
/// Default for `join_timeout_ms`.
pub const DEFAULT_JOIN_TIMEOUT: u64 = 10_000;

/// Where the session is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionState {
    /// Opening the first socket.
    Connecting,
    /// Socket open, `join` sent, waiting for `welcome`.
    Joining,
    Joined,
    /// The socket dropped; reconnecting with `join {resume}`.
    Resuming,
    Left,
    Failed,
}

impl SessionState {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionState::Connecting => "connecting",
            SessionState::Joining => "joining",
            SessionState::Joined => "joined",
            SessionState::Resuming => "resuming",
            SessionState::Left => "left",
            SessionState::Failed => "failed",
        }
    }
}

/// Id of one socket the core asked the driver to open; events of an older
/// socket are ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SocketId(pub u64);

/// What the lifecycle asks of the room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Connect(SocketId),
    Disconnect(SocketId),
    /// Send `join` (with the resume token once joined before).
    SendJoin,
    SendPing,
    /// The socket is gone while joined: resuming begins.
    Lost,
    /// Terminal failure with a reason code.
    Fail(&'static str),
}

#[derive(Debug)]
pub struct Session {
    state: SessionState,
    socket: SocketId,
    socket_open: bool,
    /// Joined at least once (so a reconnect is a resume).
    was_joined: bool,
    join_deadline: Millis,
    last_rx: Millis,
    last_tx: Millis,
    lost_at: Millis,
    retry: u32,
    retry_at: Option<Millis>,
    attempt_deadline: Option<Millis>,
    grace: u64,
    rng: u64,
    /// How many endpoints the app gave (at least 1).
    endpoints: usize,
    /// The endpoint the current socket opens.
    endpoint: usize,
    /// Endpoints tried for the first join.
    tried: usize,
}

impl Session {
    pub fn new(now: Millis, join_timeout: u64, seed: u64) -> Self {
        Session {
            state: SessionState::Connecting,
            socket: SocketId(0),
            socket_open: false,
            was_joined: false,
            join_deadline: now.saturating_add(join_timeout),
            last_rx: now,
            last_tx: now,
            lost_at: now,
            retry: 0,
            retry_at: None,
            attempt_deadline: None,
            grace: DEFAULT_RESUME_GRACE,
            // splitmix64 needs a non-zero odd-ish state; any seed works.
            rng: seed ^ 0x9E37_79B9_7F4A_7C15,
            endpoints: 1,
            endpoint: 0,
            tried: 1,
        }
    }

    /// `n` signaling endpoints to choose from (indices `0..n`).
    #[must_use]
    pub fn with_endpoints(mut self, n: usize) -> Self {
        self.endpoints = n.max(1);
        self
    }

    /// Which endpoint the current socket opens (the driver's URL index).
    pub fn endpoint(&self) -> usize {
        self.endpoint
    }

    pub fn state(&self) -> SessionState {
        self.state
    }
    pub fn socket(&self) -> SocketId {
        self.socket
    }
    pub fn is_open(&self) -> bool {
        self.socket_open
    }
    /// Frames can go out (joined on an open socket).
    pub fn can_send(&self) -> bool {
        self.socket_open && self.state == SessionState::Joined
    }

    /// The first socket.
    pub fn start(&mut self) -> Step {
        self.socket = SocketId(1);
        Step::Connect(self.socket)
    }

    pub fn handle_opened(&mut self, now: Millis, socket: SocketId, out: &mut Vec<Step>) {
        if socket != self.socket || self.is_over() {
            return;
        }
        self.socket_open = true;
        self.attempt_deadline = None;
        self.last_rx = now;
        self.last_tx = now;
        if self.state == SessionState::Connecting {
            self.state = SessionState::Joining;
        }
        out.push(Step::SendJoin);
    }

    pub fn handle_closed(&mut self, now: Millis, socket: SocketId, out: &mut Vec<Step>) {
        if socket != self.socket || self.is_over() {
            return;
        }
        self.socket_open = false;
        match self.state {
            SessionState::Connecting | SessionState::Joining if self.tried < self.endpoints => {
                // Another endpoint may be up: try it at once, within the
                // same join deadline.
                self.tried += 1;
                self.next_endpoint();
                self.state = SessionState::Connecting;
                self.socket = SocketId(self.socket.0 + 1);
                out.push(Step::Connect(self.socket));
            }
            SessionState::Connecting | SessionState::Joining => {
                out.push(Step::Fail("signaling-failed"));
                self.state = SessionState::Failed;
            }
            SessionState::Joined => self.lose(now, out),
            SessionState::Resuming => self.schedule_retry(now),
            SessionState::Left | SessionState::Failed => {}
        }
    }

    /// Any frame proves the socket alive.
    pub fn handle_frame(&mut self, now: Millis) {
        self.last_rx = now;
    }

    pub fn handle_sent(&mut self, now: Millis) {
        self.last_tx = now;
    }

    /// `welcome`: joined (again). `grace_ms` is the server's resume grace.
    pub fn handle_welcome(&mut self, grace_ms: u64) {
        self.state = SessionState::Joined;
        self.was_joined = true;
        self.retry = 0;
        self.retry_at = None;
        if grace_ms > 0 {
            self.grace = grace_ms;
        }
    }

    /// The server refused our `join` (or our resume).
    pub fn handle_refused(&mut self, socket_step: &mut Vec<Step>, reason: &'static str) {
        if self.is_over() {
            return;
        }
        self.state = SessionState::Failed;
        socket_step.push(Step::Disconnect(self.socket));
        socket_step.push(Step::Fail(reason));
    }

    pub fn is_resume(&self) -> bool {
        self.was_joined
    }

    pub fn leave(&mut self) -> Option<Step> {
        if self.is_over() {
            return None;
        }
        self.state = SessionState::Left;
        self.retry_at = None;
        let open = std::mem::replace(&mut self.socket_open, false);
        open.then_some(Step::Disconnect(self.socket))
    }

    fn is_over(&self) -> bool {
        matches!(self.state, SessionState::Left | SessionState::Failed)
    }

    #[must_use]
    pub fn poll_timeout(&self) -> Option<Millis> {
        match self.state {
            SessionState::Connecting | SessionState::Joining => Some(self.join_deadline),
            SessionState::Joined if self.socket_open => {
                Some(Millis((self.last_tx.0 + PING_INTERVAL).min(self.last_rx.0 + SILENCE_LIMIT)))
            }
            SessionState::Resuming => {
                let give_up = self.lost_at.saturating_add(self.grace);
                Millis::earliest(&[self.retry_at, self.attempt_deadline, Some(give_up)])
            }
            _ => None,
        }
    }

    pub fn handle_timeout(&mut self, now: Millis, out: &mut Vec<Step>) {
        match self.state {
            SessionState::Connecting | SessionState::Joining if now >= self.join_deadline => {
                self.state = SessionState::Failed;
                out.push(Step::Disconnect(self.socket));
                out.push(Step::Fail("join-timeout"));
            }
            SessionState::Joined if self.socket_open => {
                if now.0 >= self.last_rx.0 + SILENCE_LIMIT {
                    self.socket_open = false;
                    out.push(Step::Disconnect(self.socket));
                    self.lose(now, out);
                } else if now.0 >= self.last_tx.0 + PING_INTERVAL {
                    self.last_tx = now;
                    out.push(Step::SendPing);
                }
            }
            SessionState::Resuming => {
                if now.0 >= self.lost_at.0 + self.grace {
                    self.state = SessionState::Failed;
                    if self.socket_open || self.attempt_deadline.is_some() {
                        out.push(Step::Disconnect(self.socket));
                    }
                    out.push(Step::Fail("resume-timeout"));
                    return;
                }
                if self.attempt_deadline.is_some_and(|t| now >= t) {
                    self.attempt_deadline = None;
                    self.socket_open = false;
                    out.push(Step::Disconnect(self.socket));
                    self.schedule_retry(now);
                }
                if self.retry_at.is_some_and(|t| now >= t) {
                    self.retry_at = None;
                    self.socket = SocketId(self.socket.0 + 1);
                    self.attempt_deadline = Some(now.saturating_add(ATTEMPT_TIMEOUT));
                    out.push(Step::Connect(self.socket));
                }
            }
            _ => {}
        }
    }

    fn lose(&mut self, now: Millis, out: &mut Vec<Step>) {
        self.state = SessionState::Resuming;
        self.lost_at = now;
        self.retry = 0;
        out.push(Step::Lost);
        // The first attempt at once: a server restart or a flapping link
        // usually lets the next socket through.
        self.retry_at = Some(now);
        self.handle_timeout(now, out);
    }

    fn next_endpoint(&mut self) {
        self.endpoint = (self.endpoint + 1) % self.endpoints;
    }

    /// After a failed attempt: the next one goes to the next endpoint.
    fn schedule_retry(&mut self, now: Millis) {
        self.next_endpoint();
        self.attempt_deadline = None;
        self.retry = self.retry.saturating_add(1);
        let base = RESUME_FIRST_RETRY
            .saturating_mul(1u64 << self.retry.min(16).saturating_sub(1))
            .min(RESUME_MAX_RETRY);
        // ±20 % so that a room of clients does not reconnect in lockstep.
        let jitter = self.next_random() % (base * 2 / 5 + 1);
        self.retry_at = Some(now.saturating_add(base - base / 5 + jitter));
    }

    fn next_random(&mut self) -> u64 {
        self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joined() -> Session {
        let mut s = Session::new(Millis(0), DEFAULT_JOIN_TIMEOUT, 1);
        assert_eq!(s.start(), Step::Connect(SocketId(1)));
        let mut out = Vec::new();
        s.handle_opened(Millis(10), SocketId(1), &mut out);
        assert_eq!(out, [Step::SendJoin]);
        s.handle_welcome(20_000);
        s
    }

    #[test]
    fn join_times_out_and_fails() {
        let mut s = Session::new(Millis(0), 500, 1);
        let _ = s.start();
        assert_eq!(s.poll_timeout(), Some(Millis(500)));
        let mut out = Vec::new();
        s.handle_timeout(Millis(500), &mut out);
        assert_eq!(out, [Step::Disconnect(SocketId(1)), Step::Fail("join-timeout")]);
        assert_eq!(s.state(), SessionState::Failed);
    }

    #[test]
    fn a_silent_socket_is_pinged_then_declared_dead_and_resumed() {
        let mut s = joined();
        let mut out = Vec::new();
        s.handle_timeout(Millis(10 + PING_INTERVAL), &mut out);
        assert_eq!(out, [Step::SendPing]);
        out.clear();
        s.handle_timeout(Millis(10 + SILENCE_LIMIT), &mut out);
        assert_eq!(
            out,
            [Step::Disconnect(SocketId(1)), Step::Lost, Step::Connect(SocketId(2))],
            "the first reconnect is immediate"
        );
        assert_eq!(s.state(), SessionState::Resuming);
        // A frame of the old socket changes nothing.
        s.handle_closed(Millis(5_100), SocketId(1), &mut out);
        assert_eq!(s.state(), SessionState::Resuming);
    }

    #[test]
    fn resume_retries_back_off_with_jitter_and_give_up_after_the_grace() {
        let mut s = joined();
        let mut out = Vec::new();
        s.handle_closed(Millis(1_000), SocketId(1), &mut out);
        assert_eq!(out, [Step::Lost, Step::Connect(SocketId(2))]);
        let mut connects = vec![1_000];
        let mut now = 1_000;
        loop {
            // Every attempt is refused at once (the server is down).
            let sock = s.socket();
            out.clear();
            s.handle_closed(Millis(now), sock, &mut out);
            let Some(t) = s.poll_timeout() else { break };
            now = t.0;
            out.clear();
            s.handle_timeout(t, &mut out);
            if let [Step::Fail(r)] = out.as_slice() {
                assert_eq!(*r, "resume-timeout");
                break;
            }
            assert!(matches!(out.as_slice(), [Step::Connect(_)]), "{out:?}");
            connects.push(now);
        }
        assert_eq!(now, 1_000 + 20_000, "gives up at the grace");
        let gaps: Vec<u64> = connects.windows(2).map(|w| w[1] - w[0]).collect();
        assert!(gaps[0] >= 80 && gaps[0] <= 120, "{gaps:?}");
        assert!(gaps.iter().all(|g| *g <= RESUME_MAX_RETRY * 6 / 5), "{gaps:?}");
        assert!(gaps.iter().rev().take(3).all(|g| *g >= RESUME_MAX_RETRY * 4 / 5), "{gaps:?}");
        // Seeded jitter: another seed gives another schedule.
        assert!(gaps.windows(2).any(|w| w[0] != w[1]), "{gaps:?}");
    }

    #[test]
    fn a_lost_socket_reconnects_to_its_endpoint_first_then_each_failure_moves_on() {
        let mut s = Session::new(Millis(0), DEFAULT_JOIN_TIMEOUT, 1).with_endpoints(3);
        let _ = s.start();
        let mut out = Vec::new();
        s.handle_opened(Millis(10), SocketId(1), &mut out);
        s.handle_welcome(20_000);
        assert_eq!(s.endpoint(), 0);
        out.clear();
        s.handle_closed(Millis(1_000), SocketId(1), &mut out);
        assert_eq!(out, [Step::Lost, Step::Connect(SocketId(2))]);
        assert_eq!(s.endpoint(), 0, "the first reconnect: same endpoint");
        let mut visited = vec![s.endpoint()];
        for _ in 0..4 {
            // Refused at once (the node is dead).
            let sock = s.socket();
            out.clear();
            s.handle_closed(Millis(1_000), sock, &mut out);
            let t = s.poll_timeout().unwrap_or_default();
            out.clear();
            s.handle_timeout(t, &mut out);
            assert!(matches!(out.as_slice(), [Step::Connect(_)]), "{out:?}");
            visited.push(s.endpoint());
        }
        assert_eq!(visited, [0, 1, 2, 0, 1]);
        // An attempt that hangs also moves on.
        let t = s.poll_timeout().unwrap_or_default();
        out.clear();
        s.handle_timeout(Millis(t.0.max(1_000) + ATTEMPT_TIMEOUT), &mut out);
        let t = s.poll_timeout().unwrap_or_default();
        s.handle_timeout(t, &mut out);
        assert_eq!(s.endpoint(), 2, "{out:?}");
        let sock = s.socket();
        out.clear();
        s.handle_opened(t, sock, &mut out);
        assert_eq!(out, [Step::SendJoin]);
        s.handle_welcome(0);
        assert_eq!((s.state(), s.endpoint()), (SessionState::Joined, 2));
    }

    #[test]
    fn a_first_join_tries_every_endpoint_once_before_failing() {
        let mut s = Session::new(Millis(0), DEFAULT_JOIN_TIMEOUT, 1).with_endpoints(2);
        assert_eq!(s.start(), Step::Connect(SocketId(1)));
        let mut out = Vec::new();
        s.handle_closed(Millis(5), SocketId(1), &mut out);
        assert_eq!(out, [Step::Connect(SocketId(2))]);
        assert_eq!((s.endpoint(), s.state()), (1, SessionState::Connecting));
        out.clear();
        s.handle_closed(Millis(9), SocketId(2), &mut out);
        assert_eq!(out, [Step::Fail("signaling-failed")]);
        // One endpoint: fails at once, as before.
        let mut one = Session::new(Millis(0), DEFAULT_JOIN_TIMEOUT, 1);
        let _ = one.start();
        out.clear();
        one.handle_closed(Millis(5), SocketId(1), &mut out);
        assert_eq!(out, [Step::Fail("signaling-failed")]);
    }

    #[test]
    fn an_attempt_that_never_opens_is_abandoned() {
        let mut s = joined();
        let mut out = Vec::new();
        s.handle_closed(Millis(0), SocketId(1), &mut out);
        out.clear();
        s.handle_timeout(Millis(ATTEMPT_TIMEOUT), &mut out);
        assert_eq!(out, [Step::Disconnect(SocketId(2))]);
        let t = s.poll_timeout();
        assert!(t.is_some(), "a retry is due");
        let t = t.unwrap_or_default();
        out.clear();
        s.handle_timeout(t, &mut out);
        assert_eq!(out, [Step::Connect(SocketId(3))]);
        out.clear();
        s.handle_opened(t, SocketId(3), &mut out);
        assert_eq!(out, [Step::SendJoin]);
        assert!(s.is_resume());
        s.handle_welcome(0);
        assert_eq!(s.state(), SessionState::Joined);
    }
}

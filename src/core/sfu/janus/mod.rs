//! Janus VideoRoom as a sans-IO machine: the SFU half of the topology
//! (DESIGN.md §1.1). One [`JanusSession`] speaks Janus's JSON API over one
//! WebSocket and owns two handles on `janus.plugin.videoroom`: a
//! **publisher** (we offer our media, Janus answers) and a **subscriber**
//! (Janus offers every feed we subscribe to, we answer), i.e. the publisher
//! session and the subscriber session of an SFU room.
//!
//! Contract, as the rest of the core:
//! - network input: [`JanusSession::handle_socket_opened`],
//!   [`handle_socket_closed`](JanusSession::handle_socket_closed),
//!   [`handle_frame`](JanusSession::handle_frame) (a decoded
//!   [`Incoming`]), [`handle_timeout`](JanusSession::handle_timeout);
//!   `now` is the only clock, jitter comes from the seed;
//! - the app's (or room's) calls are methods that validate at once:
//!   [`join_room`](JanusSession::join_room), [`publish`](JanusSession::publish),
//!   [`trickle`](JanusSession::trickle), [`subscribe`](JanusSession::subscribe),
//!   [`answer`](JanusSession::answer),
//!   [`set_substream`](JanusSession::set_substream), [`leave`](JanusSession::leave);
//! - drain [`poll_output`](JanusSession::poll_output) after each and execute
//!   the [`JanusOutput`]s in order; wake at [`poll_timeout`](JanusSession::poll_timeout).
//!
//! What it does: `create` → two `attach`es → publisher `join`; `keepalive`
//! when nothing was sent for 25 s (Janus drops a session after 60 s idle);
//! one deadline per transaction; the publisher list (`joined`, `event
//! publishers`, `unpublished`, `leaving`) as events; a subscriber `join`
//! then `subscribe` for more feeds, Janus's candidates held until its offer
//! is applied, our answer sent with `start`; substream switches re-sent
//! until Janus confirms them (see [`switch`]); after a socket drop, `claim`
//! on a new socket, or a new session and a new join when Janus no longer
//! knows ours.
//!
//! Wiring (next slice): the room drives the two roles' `PeerSession`s in
//! answer-only / offer-only mode from these outputs; `Send` frames are
//! encoded by the driver (serde natively, `JSON` in the browser).

mod error;
mod output;
mod reconnect;
pub mod switch;
mod transactions;

pub use error::JanusError;
pub use output::{JanusEvent, JanusOutput, RidOrder, Role, SubscribedStream};
pub use reconnect::{CONNECT_TIMEOUT, RECONNECT_FIRST_RETRY, RECONNECT_MAX_RETRY};
pub use switch::{
    next_send_at, ASSIST_AFTER, KEYFRAME_REQUEST_INTERVAL, SWITCH_MAX_SENDS, SWITCH_RESEND_AFTER,
    SWITCH_RESEND_FAST,
};

use crate::core::map::{Map, Set};
use crate::core::room::session::SocketId;
use crate::core::sfu::describe::{is_screen_display, screen_display};
use crate::core::types::{Candidate, Description, Millis, SdpType};
use reconnect::{Reconnect, Rng};
use rtcroom_proto::janus::{
    Body, Configure, FeedRef, Incoming, Join, Jsep, PluginData, Ptype, Publisher, Request,
    StreamConfig, StreamDescription, StreamFeed, TrickleCandidate, VideoRoomData, VIDEOROOM,
};
use std::collections::VecDeque;
use switch::Switches;
use transactions::{Pending, Transactions, Tx};

/// Send a `keepalive` when nothing else was sent for this long.
pub const KEEPALIVE_INTERVAL: u64 = 25_000;
/// Janus's default `session_timeout`: a session idle this long is gone, so
/// a reclaim is not attempted after it.
pub const SESSION_TIMEOUT: u64 = 60_000;
/// A request without its reply by then has failed.
pub const TRANSACTION_TIMEOUT: u64 = 10_000;
/// Remote candidates held per handle before its description (bounded).
pub const MAX_QUEUED_CANDIDATES: usize = 256;

#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct JanusConfig {
    pub room: u64,
    pub display: Option<String>,
    /// Seeds transaction ids and reconnect jitter.
    pub seed: u64,
    /// Idle time before a `keepalive` ([`KEEPALIVE_INTERVAL`]); must stay
    /// well under the server's `session_timeout`.
    pub keepalive_interval: u64,
}

impl JanusConfig {
    pub fn new(room: u64, display: Option<String>, seed: u64) -> Self {
        JanusConfig { room, display, seed, keepalive_interval: KEEPALIVE_INTERVAL }
    }
}

/// Where the session is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum JanusState {
    Idle,
    /// Opening the first socket.
    Connecting,
    /// `create`, `attach`, `join` in progress.
    Setup,
    Joined,
    /// The socket dropped; reconnecting, then `claim`.
    Reconnecting,
    /// `destroy` sent.
    Leaving,
    Left,
    Failed,
}

#[derive(Debug, Default)]
struct Handle {
    id: Option<u64>,
    /// Janus's description was handed to the driver: candidates may follow.
    remote_applied: bool,
    remote_queue: Vec<Option<Candidate>>,
    /// Our description went to Janus: our candidates may follow it.
    local_sent: bool,
    local_queue: Vec<Option<Candidate>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SubState {
    None,
    Joining,
    Joined,
}

/// The screen handle: attached and joined on first use, then kept (an
/// `unpublish` leaves it joined, ready to publish again).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ScreenState {
    None,
    Attaching,
    Joining,
    Joined,
}

#[derive(Debug)]
pub struct JanusSession {
    cfg: JanusConfig,
    state: JanusState,
    socket: SocketId,
    socket_open: bool,
    connect_deadline: Option<Millis>,
    session_id: Option<u64>,
    publisher: Handle,
    subscriber: Handle,
    screen: Handle,
    screen_state: ScreenState,
    /// Our screen feed's publisher id (never one of "the others").
    screen_id: Option<u64>,
    /// An `unpublish` of the screen was sent: Janus's hangup of its
    /// connection follows.
    screen_unpublished: bool,
    me: Option<u64>,
    private_id: Option<u64>,
    publishers: Map<u64, Publisher>,
    /// Participants without media the room told of (`notify_joining`).
    attendees: Set<u64>,
    sub: SubState,
    /// Feeds subscribed (or being subscribed).
    feeds: Set<u64>,
    /// Feeds asked for while the subscriber `join` was in flight.
    pending_feeds: Vec<u64>,
    /// Our subscriber mid → feed, from Janus's latest stream list.
    mids: Map<String, Option<u64>>,
    offer_pending: bool,
    publishing: bool,
    /// After a new session replaced a lost one: publish and subscribe again.
    republish: bool,
    resubscribe: Vec<u64>,
    txs: Transactions,
    switches: Switches,
    /// Requests made while the socket was down, sent after the claim.
    deferred: Vec<(Tx, Request)>,
    last_tx: Millis,
    last_rx: Millis,
    reconnect: Option<Reconnect>,
    /// Joined at least once: a setup that stalls later is a recovery, retried.
    was_joined: bool,
    rng: Rng,
    out: VecDeque<JanusOutput>,
}

impl JanusSession {
    pub fn new(now: Millis, cfg: JanusConfig) -> Self {
        let seed = cfg.seed;
        JanusSession {
            cfg,
            state: JanusState::Idle,
            socket: SocketId(0),
            socket_open: false,
            connect_deadline: None,
            session_id: None,
            publisher: Handle::default(),
            subscriber: Handle::default(),
            screen: Handle::default(),
            screen_state: ScreenState::None,
            screen_id: None,
            screen_unpublished: false,
            me: None,
            private_id: None,
            publishers: Map::new(),
            attendees: Set::new(),
            sub: SubState::None,
            feeds: Set::new(),
            pending_feeds: Vec::new(),
            mids: Map::new(),
            offer_pending: false,
            publishing: false,
            republish: false,
            resubscribe: Vec::new(),
            txs: Transactions::new(seed),
            switches: Switches::default(),
            deferred: Vec::new(),
            last_tx: now,
            last_rx: now,
            reconnect: None,
            was_joined: false,
            rng: Rng::new(seed),
            out: VecDeque::new(),
        }
    }

    pub fn state(&self) -> JanusState {
        self.state
    }
    pub fn session_id(&self) -> Option<u64> {
        self.session_id
    }
    /// Our publisher id in the room.
    pub fn id(&self) -> Option<u64> {
        self.me
    }
    pub fn socket(&self) -> SocketId {
        self.socket
    }
    /// Active publishers other than us.
    pub fn publishers(&self) -> impl Iterator<Item = &Publisher> {
        self.publishers.values()
    }
    pub fn handle_id(&self, role: Role) -> Option<u64> {
        self.handle(role).id
    }
    /// Our screen feed's id, once its handle joined.
    pub fn screen_id(&self) -> Option<u64> {
        self.screen_id
    }
    /// The role's handle can publish now (joined as a publisher).
    pub fn can_publish(&self, role: Role) -> bool {
        match role {
            Role::Publisher => self.state == JanusState::Joined,
            Role::Screen => {
                self.state == JanusState::Joined && self.screen_state == ScreenState::Joined
            }
            Role::Subscriber => false,
        }
    }

    #[must_use]
    pub fn poll_output(&mut self) -> Option<JanusOutput> {
        self.out.pop_front()
    }

    #[must_use]
    pub fn poll_timeout(&self) -> Option<Millis> {
        let mut t: Vec<Option<Millis>> = Vec::new();
        match self.state {
            JanusState::Connecting => t.push(self.connect_deadline),
            JanusState::Reconnecting => {
                t.push(self.reconnect.as_ref().and_then(Reconnect::next_deadline));
                t.push(self.reconnect.as_ref().map(|r| r.lost_at.saturating_add(SESSION_TIMEOUT)));
                // The claim's own deadline (the others wait for it).
                t.push(self.txs.next_deadline_of(|tx| *tx == Tx::Claim));
            }
            JanusState::Setup | JanusState::Joined | JanusState::Leaving => {
                t.push(self.txs.next_deadline());
                if self.ready() && self.session_id.is_some() {
                    t.push(Some(self.last_tx.saturating_add(self.cfg.keepalive_interval)));
                    t.push(self.switches.next_deadline());
                }
            }
            JanusState::Idle | JanusState::Left | JanusState::Failed => {}
        }
        t.into_iter().flatten().min()
    }

    // ---- the app's calls ------------------------------------------------

    /// Connects, creates a session, attaches both handles and joins the
    /// room as a publisher; [`JanusEvent::Joined`] follows.
    pub fn join_room(&mut self, now: Millis) -> Result<(), JanusError> {
        if self.state != JanusState::Idle {
            return Err(JanusError::AlreadyStarted);
        }
        self.state = JanusState::Connecting;
        self.socket = SocketId(1);
        self.connect_deadline = Some(now.saturating_add(CONNECT_TIMEOUT));
        self.out.push_back(JanusOutput::Connect(self.socket));
        Ok(())
    }

    /// Publishes `offer` (our publisher connection's local offer); Janus's
    /// answer comes as [`JanusOutput::ApplyRemoteDescription`].
    pub fn publish(
        &mut self,
        now: Millis,
        offer: Description,
        simulcast: Option<RidOrder>,
    ) -> Result<(), JanusError> {
        self.publish_as(now, Role::Publisher, offer, simulcast, Vec::new())
    }

    /// [`publish`](Self::publish) on `role`'s handle: [`Role::Publisher`]
    /// or (once [`JanusEvent::ScreenReady`]) [`Role::Screen`], with
    /// `descriptions` (what each mid carries, see `sfu::describe`).
    pub fn publish_as(
        &mut self,
        now: Millis,
        role: Role,
        offer: Description,
        simulcast: Option<RidOrder>,
        descriptions: Vec<StreamDescription>,
    ) -> Result<(), JanusError> {
        let handle_id = self.publishing_handle(role)?;
        let session_id = self.session_id.ok_or(JanusError::NotJoined)?;
        if role == Role::Publisher {
            self.publishing = true;
        }
        let jsep = Jsep {
            sdp_type: offer.sdp_type,
            sdp: offer.sdp,
            rid_order: simulcast.map(|o| o.as_str().to_owned()),
        };
        let body = Body::Configure(Configure { descriptions, ..Configure::default() });
        self.send_message(now, Tx::Publish(role), session_id, handle_id, body, Some(jsep));
        let handle = self.handle_mut(role);
        handle.local_sent = true;
        self.flush_local(now, role);
        Ok(())
    }

    /// Updates what the role's published streams say they are (source,
    /// muted): an SDP-less `configure`; Janus tells the others with an
    /// updated publisher list.
    pub fn describe(
        &mut self,
        now: Millis,
        role: Role,
        descriptions: Vec<StreamDescription>,
    ) -> Result<(), JanusError> {
        let handle_id = self.publishing_handle(role)?;
        let session_id = self.session_id.ok_or(JanusError::NotJoined)?;
        let body = Body::Configure(Configure { descriptions, ..Configure::default() });
        self.send_message(now, Tx::Describe(role), session_id, handle_id, body, None);
        Ok(())
    }

    /// Starts our screen feed: attaches and joins the screen handle as a
    /// publisher (first use), [`JanusEvent::ScreenReady`] follows; at once
    /// if it is joined already.
    pub fn start_screen(&mut self, now: Millis) -> Result<(), JanusError> {
        let session_id = self.session_id.ok_or(JanusError::NotJoined)?;
        self.joined_handle(Role::Publisher)?;
        match self.screen_state {
            ScreenState::None => {
                self.screen_state = ScreenState::Attaching;
                self.send(now, Tx::Attach(Role::Screen), |transaction| Request::Attach {
                    transaction,
                    session_id,
                    plugin: VIDEOROOM.to_owned(),
                });
            }
            ScreenState::Joined => {
                let id = self.screen_id.unwrap_or(0);
                self.event(JanusEvent::ScreenReady { id });
            }
            ScreenState::Attaching | ScreenState::Joining => {}
        }
        Ok(())
    }

    /// Stops our screen feed (`unpublish`: Janus closes its connection and
    /// tells the others); the handle stays joined for the next share.
    pub fn unpublish_screen(&mut self, now: Millis) -> Result<(), JanusError> {
        let handle_id = self.publishing_handle(Role::Screen)?;
        let session_id = self.session_id.ok_or(JanusError::NotJoined)?;
        // The next share is a new connection: its description and
        // candidates start over.
        self.screen = Handle { id: Some(handle_id), ..Handle::default() };
        self.screen_unpublished = true;
        self.send_message(now, Tx::Unpublish, session_id, handle_id, Body::Unpublish {}, None);
        Ok(())
    }

    /// One of our ICE candidates (`None`: gathering is complete) for the
    /// role's connection. Held until that role's description went to Janus.
    pub fn trickle(&mut self, now: Millis, role: Role, candidate: Option<Candidate>) {
        if matches!(self.state, JanusState::Left | JanusState::Failed | JanusState::Idle) {
            return;
        }
        let handle = self.handle_mut(role);
        if !handle.local_sent || handle.id.is_none() {
            if handle.local_queue.len() < MAX_QUEUED_CANDIDATES {
                handle.local_queue.push(candidate);
            }
            return;
        }
        self.send_trickle(now, role, candidate);
    }

    /// Subscribes to `feeds` (publisher ids): the first call joins the
    /// subscriber handle, later ones add to it. Janus's offer follows.
    pub fn subscribe(&mut self, now: Millis, feeds: &[u64]) -> Result<(), JanusError> {
        let handle_id = self.joined_handle(Role::Subscriber)?;
        let session_id = self.session_id.ok_or(JanusError::NotJoined)?;
        if let Some(unknown) = feeds.iter().find(|f| !self.publishers.contains_key(f)) {
            return Err(JanusError::NoSuchFeed(crate::core::text::dec(*unknown)));
        }
        let new: Vec<u64> = feeds.iter().copied().filter(|f| !self.feeds.contains(f)).collect();
        if new.is_empty() {
            return Ok(());
        }
        self.feeds.extend(new.iter().copied());
        let streams: Vec<StreamFeed> =
            new.iter().map(|&feed| StreamFeed { feed, mid: None }).collect();
        match self.sub {
            SubState::Joining => self.pending_feeds.extend(new),
            SubState::None => {
                self.sub = SubState::Joining;
                let body = Body::Join(Join {
                    ptype: Ptype::Subscriber,
                    room: self.cfg.room,
                    display: None,
                    streams,
                    private_id: self.private_id,
                });
                self.send_message(now, Tx::JoinSubscriber, session_id, handle_id, body, None);
            }
            SubState::Joined => {
                self.send_message(
                    now,
                    Tx::Subscribe,
                    session_id,
                    handle_id,
                    Body::Subscribe { streams },
                    None,
                );
            }
        }
        Ok(())
    }

    /// Our answer to Janus's latest subscriber offer: sent with `start`.
    pub fn answer(&mut self, now: Millis, answer: Description) -> Result<(), JanusError> {
        let handle_id = self.joined_handle(Role::Subscriber)?;
        let session_id = self.session_id.ok_or(JanusError::NotJoined)?;
        if !self.offer_pending {
            return Err(JanusError::NoOfferToAnswer);
        }
        self.offer_pending = false;
        let jsep = Jsep { sdp_type: answer.sdp_type, sdp: answer.sdp, rid_order: None };
        self.send_message(now, Tx::Start, session_id, handle_id, Body::Start {}, Some(jsep));
        self.subscriber.local_sent = true;
        self.flush_local(now, Role::Subscriber);
        Ok(())
    }

    /// Asks Janus to send simulcast layer `substream` (0 = lowest) on our
    /// subscriber `mid`; [`JanusEvent::SubstreamChanged`] confirms it.
    pub fn set_substream(
        &mut self,
        now: Millis,
        mid: &str,
        substream: u8,
    ) -> Result<(), JanusError> {
        self.joined_handle(Role::Subscriber)?;
        if substream > 2 {
            return Err(JanusError::InvalidSubstream(substream));
        }
        if !self.mids.contains_key(mid) {
            return Err(JanusError::UnknownMid(mid.to_owned()));
        }
        let assist = self.switches.request(now, mid, substream);
        self.send_switch(now, mid, substream);
        if assist {
            self.event(JanusEvent::KeyFrameWanted { mid: mid.to_owned(), substream });
        }
        Ok(())
    }

    /// Pauses (`send: false`) or resumes one stream of our subscription:
    /// Janus stops or restarts forwarding it. A pause drops any switch
    /// waiting on that mid (a paused stream never confirms one).
    pub fn set_send(&mut self, now: Millis, mid: &str, send: bool) -> Result<(), JanusError> {
        let handle_id = self.joined_handle(Role::Subscriber)?;
        let session_id = self.session_id.ok_or(JanusError::NotJoined)?;
        if !self.mids.contains_key(mid) {
            return Err(JanusError::UnknownMid(mid.to_owned()));
        }
        if !send {
            self.switches.cancel(mid);
        }
        let body = Body::Configure(Configure {
            streams: vec![StreamConfig {
                mid: mid.to_owned(),
                substream: None,
                temporal: None,
                send: Some(send),
            }],
            ..Configure::default()
        });
        self.send_message(now, Tx::Pause, session_id, handle_id, body, None);
        Ok(())
    }

    /// Asks Janus for an ICE-restart offer on our subscription (the
    /// subscriber connection's path was lost): it comes as any offer of
    /// Janus's, and our answer goes with `start`.
    pub fn restart_subscriber(&mut self, now: Millis) -> Result<(), JanusError> {
        let handle_id = self.joined_handle(Role::Subscriber)?;
        let session_id = self.session_id.ok_or(JanusError::NotJoined)?;
        let body = Body::Configure(Configure { restart: Some(true), ..Configure::default() });
        self.send_message(now, Tx::Restart, session_id, handle_id, body, None);
        Ok(())
    }

    /// Destroys the session (Janus detaches both handles, the others see us
    /// leave) and closes the socket.
    pub fn leave(&mut self, now: Millis) {
        match self.state {
            JanusState::Left | JanusState::Failed | JanusState::Leaving => {}
            JanusState::Setup | JanusState::Joined if self.ready() => {
                if let Some(session_id) = self.session_id {
                    self.state = JanusState::Leaving;
                    self.switches.clear();
                    self.send(now, Tx::Destroy, |transaction| Request::Destroy {
                        transaction,
                        session_id,
                    });
                } else {
                    self.finish_leave();
                }
            }
            _ => self.finish_leave(),
        }
    }

    // ---- network input --------------------------------------------------

    pub fn handle_socket_opened(&mut self, now: Millis, socket: SocketId) {
        if socket != self.socket || self.socket_open {
            return;
        }
        match self.state {
            JanusState::Connecting => {
                self.socket_open = true;
                self.connect_deadline = None;
                self.state = JanusState::Setup;
                self.send(now, Tx::Create, |transaction| Request::Create { transaction });
            }
            JanusState::Reconnecting => {
                self.socket_open = true;
                if let Some(r) = self.reconnect.as_mut() {
                    r.attempt_deadline = None;
                    r.retry_at = None;
                }
                match self.session_id {
                    // Janus keeps an idle session for its session timeout. A
                    // session lost halfway through its setup is not worth a
                    // claim (which step's reply was lost is unknown): a new one.
                    Some(session_id)
                        if self.me.is_some()
                            && now < self.last_rx.saturating_add(SESSION_TIMEOUT) =>
                    {
                        self.send_now(now, Tx::Claim, |transaction| Request::Claim {
                            transaction,
                            session_id,
                        });
                    }
                    _ => self.new_session(now),
                }
            }
            _ => {}
        }
    }

    /// The socket closed, or failed to open.
    pub fn handle_socket_closed(&mut self, now: Millis, socket: SocketId) {
        if socket != self.socket {
            return;
        }
        self.socket_open = false;
        match self.state {
            JanusState::Connecting => self.fail(JanusError::SocketClosed),
            // Nothing to reclaim on a first join: the app hears at once.
            JanusState::Setup if self.session_id.is_none() && !self.was_joined => {
                self.fail(JanusError::SocketClosed)
            }
            JanusState::Setup | JanusState::Joined => self.lose_socket(now),
            JanusState::Reconnecting => {
                // Nothing sent on it will be answered.
                self.txs.forget(|tx| *tx == Tx::Claim);
                if let Some(r) = self.reconnect.as_mut() {
                    r.schedule_retry(now, &mut self.rng);
                }
            }
            JanusState::Leaving => self.finish_leave(),
            JanusState::Idle | JanusState::Left | JanusState::Failed => {}
        }
    }

    /// A frame Janus sent on `socket`.
    pub fn handle_frame(&mut self, now: Millis, socket: SocketId, msg: Incoming) {
        if socket != self.socket || !self.socket_open {
            return;
        }
        if let (Some(theirs), Some(ours)) = (msg.session_id(), self.session_id) {
            if theirs != ours {
                return; // a frame of a session we replaced
            }
        }
        self.last_rx = now;
        match msg {
            Incoming::Success { transaction, data, plugindata, sender, .. } => {
                let Some(p) = transaction.and_then(|t| self.txs.take(&t)) else { return };
                match plugindata {
                    Some(pd) => self.on_plugin_reply(now, Some(p), sender, pd, None),
                    None => self.on_success(now, p, data.map(|d| d.id)),
                }
            }
            Incoming::Ack { transaction, .. } => {
                // Plugin requests are acked first and answered by an event.
                let Some(t) = transaction else { return };
                if self.txs.get(&t).is_some_and(|p| matches!(p.tx, Tx::Keepalive | Tx::Trickle)) {
                    let _ = self.txs.take(&t);
                }
            }
            Incoming::Error { transaction, error, .. } => {
                let err = JanusError::from_janus(error.code, &error.reason);
                match transaction.and_then(|t| self.txs.take(&t)) {
                    Some(p) => self.on_error(now, p, err),
                    None if matches!(err, JanusError::SessionNotFound(_)) => self.session_gone(now),
                    None => {}
                }
            }
            Incoming::Event { transaction, sender, plugindata, jsep, .. } => {
                let p = transaction.and_then(|t| self.txs.take(&t));
                self.on_plugin_reply(now, p, Some(sender), plugindata, jsep);
            }
            Incoming::Trickle { sender, candidate, .. } => {
                let Some(role) = self.role_of(sender) else { return };
                let candidate = match candidate {
                    TrickleCandidate::Candidate(c) => Some(c),
                    TrickleCandidate::Completed { .. } => None,
                };
                let handle = self.handle_mut(role);
                if handle.remote_applied {
                    self.out.push_back(JanusOutput::AddRemoteCandidate { role, candidate });
                } else if handle.remote_queue.len() < MAX_QUEUED_CANDIDATES {
                    handle.remote_queue.push(candidate);
                }
            }
            Incoming::Webrtcup { sender, .. } => {
                if let Some(role) = self.role_of(sender) {
                    self.event(JanusEvent::MediaUp { role });
                }
            }
            Incoming::Hangup { sender, reason, .. } => match self.role_of(sender) {
                // Our `unpublish` closed it: not news (a new share may
                // already be under way on the same handle).
                Some(Role::Screen) if self.screen_unpublished => self.screen_unpublished = false,
                Some(role) => self.event(JanusEvent::Hangup { role, reason }),
                None => {}
            },
            Incoming::Slowlink { sender, uplink, lost, .. } => {
                if let Some(role) = self.role_of(sender) {
                    self.event(JanusEvent::SlowLink { role, uplink, lost });
                }
            }
            Incoming::Timeout { .. } => self.session_gone(now),
            // Media on/off, detached (answered by our own destroy), others.
            _ => {}
        }
    }

    pub fn handle_timeout(&mut self, now: Millis) {
        match self.state {
            JanusState::Connecting => {
                if self.connect_deadline.is_some_and(|t| now >= t) {
                    self.fail(JanusError::Unreachable(CONNECT_TIMEOUT));
                }
                return;
            }
            JanusState::Reconnecting => return self.reconnect_timers(now),
            JanusState::Setup | JanusState::Joined | JanusState::Leaving => {}
            JanusState::Idle | JanusState::Left | JanusState::Failed => return,
        }
        for p in self.txs.take_expired(now) {
            self.on_tx_timeout(now, p);
            if !matches!(self.state, JanusState::Setup | JanusState::Joined) {
                return;
            }
        }
        if !self.ready() {
            return;
        }
        let due = self.switches.due(now);
        for s in due.resend {
            self.send_switch(now, &s.mid, s.substream);
        }
        for s in due.assist {
            self.event(JanusEvent::KeyFrameWanted { mid: s.mid, substream: s.substream });
        }
        for s in due.give_up {
            let error = JanusError::SwitchNotConfirmed {
                mid: s.mid.clone(),
                substream: s.substream,
                attempts: s.sends,
            };
            self.event(JanusEvent::SwitchFailed { mid: s.mid, substream: s.substream, error });
        }
        if let Some(session_id) = self.session_id {
            if now >= self.last_tx.saturating_add(self.cfg.keepalive_interval) {
                self.send(now, Tx::Keepalive, |transaction| Request::Keepalive {
                    transaction,
                    session_id,
                });
            }
        }
    }

    // ---- replies --------------------------------------------------------

    fn on_success(&mut self, now: Millis, p: Pending, id: Option<u64>) {
        match p.tx {
            Tx::Create => {
                let Some(session_id) = id else {
                    return self.fail(JanusError::Janus {
                        code: 0,
                        reason: "create: no session id".into(),
                    });
                };
                self.session_id = Some(session_id);
                for role in [Role::Publisher, Role::Subscriber] {
                    self.send(now, Tx::Attach(role), |transaction| Request::Attach {
                        transaction,
                        session_id,
                        plugin: VIDEOROOM.to_owned(),
                    });
                }
            }
            Tx::Attach(role) => {
                let Some(handle_id) = id else {
                    return self.fail(JanusError::Janus {
                        code: 0,
                        reason: "attach: no handle id".into(),
                    });
                };
                self.handle_mut(role).id = Some(handle_id);
                if role == Role::Screen {
                    return self.join_screen(now, handle_id);
                }
                if let (Some(handle_id), Some(_), Some(session_id)) =
                    (self.publisher.id, self.subscriber.id, self.session_id)
                {
                    let body = Body::Join(Join {
                        ptype: Ptype::Publisher,
                        room: self.cfg.room,
                        display: self.cfg.display.clone(),
                        streams: Vec::new(),
                        private_id: None,
                    });
                    self.send_message(now, Tx::JoinPublisher, session_id, handle_id, body, None);
                }
            }
            Tx::Claim => {
                self.state = JanusState::Joined;
                self.reconnect = None;
                // Replies produced from now on reach this socket.
                self.txs.extend_all(now.saturating_add(TRANSACTION_TIMEOUT));
                self.switches.all_due_at(now);
                self.event(JanusEvent::Reclaimed);
                for (tx, request) in std::mem::take(&mut self.deferred) {
                    self.register_and_send(now, tx, request);
                }
            }
            Tx::Destroy => self.finish_leave(),
            _ => {}
        }
    }

    fn on_error(&mut self, now: Millis, p: Pending, err: JanusError) {
        if matches!(err, JanusError::SessionNotFound(_)) && p.tx != Tx::Destroy {
            return self.session_gone(now);
        }
        match p.tx {
            Tx::Attach(Role::Screen) | Tx::JoinScreen => {
                self.screen_state = ScreenState::None;
                self.screen = Handle::default();
                self.event(JanusEvent::RequestFailed { request: p.name, error: err });
            }
            Tx::Create | Tx::Attach(_) | Tx::JoinPublisher => self.fail(err),
            Tx::Claim => self.new_session(now),
            Tx::Destroy => self.finish_leave(),
            Tx::Switch { mid, substream } => {
                // Re-sending a refused switch would be refused again.
                self.switches.cancel(&mid);
                self.event(JanusEvent::SwitchFailed { mid, substream, error: err });
            }
            Tx::JoinSubscriber => {
                self.sub = SubState::None;
                self.feeds.clear();
                self.pending_feeds.clear();
                self.event(JanusEvent::RequestFailed { request: p.name, error: err });
            }
            Tx::Publish(_) | Tx::Describe(_) | Tx::Unpublish | Tx::Subscribe | Tx::Start => {
                if p.tx == Tx::Publish(Role::Publisher) {
                    self.publishing = false;
                }
                self.event(JanusEvent::RequestFailed { request: p.name, error: err });
            }
            // A restart that failed is tried again on the recovery's schedule.
            Tx::Keepalive | Tx::Trickle | Tx::Pause | Tx::Restart => {}
        }
    }

    fn on_tx_timeout(&mut self, now: Millis, p: Pending) {
        let err = JanusError::TransactionTimedOut { request: p.name, ms: TRANSACTION_TIMEOUT };
        match p.tx {
            // The screen share failed, not the session.
            Tx::Attach(Role::Screen) | Tx::JoinScreen => {
                self.screen_state = ScreenState::None;
                self.screen = Handle::default();
                self.event(JanusEvent::RequestFailed { request: p.name, error: err });
            }
            // Recovering a session that worked: a stalled path, try again.
            Tx::Create | Tx::Attach(_) | Tx::JoinPublisher if self.was_joined => {
                self.out.push_back(JanusOutput::Disconnect(self.socket));
                self.socket_open = false;
                self.lose_socket(now);
            }
            Tx::Create | Tx::Attach(_) | Tx::JoinPublisher => self.fail(err),
            // Janus acks a keepalive at once: silence means a dead socket.
            Tx::Keepalive | Tx::Claim => {
                self.out.push_back(JanusOutput::Disconnect(self.socket));
                self.socket_open = false;
                self.lose_socket(now);
            }
            Tx::Destroy => self.finish_leave(),
            Tx::Publish(_)
            | Tx::Describe(_)
            | Tx::Unpublish
            | Tx::JoinSubscriber
            | Tx::Subscribe
            | Tx::Start => {
                if p.tx == Tx::JoinSubscriber {
                    self.sub = SubState::None;
                    self.feeds.clear();
                    self.pending_feeds.clear();
                }
                self.event(JanusEvent::RequestFailed { request: p.name, error: err });
            }
            // Switches have their own re-send timer; trickles and pauses are
            // best effort.
            Tx::Switch { .. } | Tx::Trickle | Tx::Pause | Tx::Restart => {}
        }
    }

    /// A VideoRoom `event` (or synchronous `success` with plugindata).
    fn on_plugin_reply(
        &mut self,
        now: Millis,
        p: Option<Pending>,
        sender: Option<u64>,
        pd: PluginData,
        jsep: Option<Jsep>,
    ) {
        let data = pd.data;
        if let Some(code) = data.error_code {
            let err = JanusError::from_videoroom(code, data.error.as_deref().unwrap_or(""));
            return match p {
                Some(p) => self.on_error(now, p, err),
                None => self.event(JanusEvent::RequestFailed { request: "event", error: err }),
            };
        }
        let role = sender
            .and_then(|s| self.role_of(s))
            .or_else(|| p.as_ref().and_then(|p| role_of_tx(&p.tx)));
        match role {
            Some(Role::Publisher) => self.on_publisher_event(now, data, jsep),
            Some(Role::Screen) => self.on_screen_event(data, jsep),
            Some(Role::Subscriber) => self.on_subscriber_event(now, data, jsep),
            None => {}
        }
    }

    fn on_publisher_event(&mut self, now: Millis, data: VideoRoomData, jsep: Option<Jsep>) {
        if data.videoroom.as_deref() == Some("joined") {
            return self.on_joined(now, data);
        }
        if let Some(list) = data.publishers {
            self.add_publishers(list);
        }
        if let Some(a) = data.joining {
            self.add_attendee(a);
        }
        if let Some(FeedRef::Id(id)) = data.unpublished {
            self.remove_publisher(id);
        }
        for gone in [data.leaving, data.kicked] {
            match gone {
                Some(FeedRef::Id(id)) => {
                    self.remove_publisher(id);
                    if Some(id) != self.me && Some(id) != self.screen_id {
                        self.attendees.remove(&id);
                        self.event(JanusEvent::AttendeeLeft { id });
                    }
                }
                // About us: after a `kick`, Janus has removed us and tears
                // our connections down; nothing to recover.
                Some(FeedRef::Ok(_)) if data.reason.as_deref() == Some("kicked") => {
                    self.close_socket();
                    self.stop();
                    self.state = JanusState::Left;
                    self.event(JanusEvent::Kicked);
                    return;
                }
                _ => {}
            }
        }
        if let Some(jsep) = jsep.filter(|j| j.sdp_type == SdpType::Answer) {
            self.apply_remote(Role::Publisher, jsep);
            self.event(JanusEvent::Published);
        }
    }

    /// The screen handle's own replies only: the room's publisher list
    /// reaches every publisher handle, and the main one reports it.
    fn on_screen_event(&mut self, data: VideoRoomData, jsep: Option<Jsep>) {
        if matches!(data.leaving, Some(FeedRef::Ok(_))) && data.reason.as_deref() == Some("kicked")
        {
            // `screen_id` stays: the main handle's `kicked` about it (told to
            // every other participant) is still ours.
            self.screen = Handle::default();
            self.screen_state = ScreenState::None;
            self.screen_unpublished = false;
            self.event(JanusEvent::ScreenKicked);
            return;
        }
        if data.videoroom.as_deref() == Some("joined") && self.screen_state == ScreenState::Joining
        {
            self.screen_state = ScreenState::Joined;
            self.screen_id = data.id;
            // Listed by the main handle's events from now on: never "another".
            if let Some(id) = data.id {
                self.publishers.remove(&id);
            }
            self.event(JanusEvent::ScreenReady { id: data.id.unwrap_or(0) });
        }
        if let Some(jsep) = jsep.filter(|j| j.sdp_type == SdpType::Answer) {
            self.apply_remote(Role::Screen, jsep);
        }
    }

    fn join_screen(&mut self, now: Millis, handle_id: u64) {
        let Some(session_id) = self.session_id else { return };
        self.screen_state = ScreenState::Joining;
        let body = Body::Join(Join {
            ptype: Ptype::Publisher,
            room: self.cfg.room,
            display: Some(screen_display(self.cfg.display.as_deref())),
            streams: Vec::new(),
            private_id: None,
        });
        self.send_message(now, Tx::JoinScreen, session_id, handle_id, body, None);
    }

    fn on_joined(&mut self, now: Millis, data: VideoRoomData) {
        self.me = data.id;
        self.private_id = data.private_id;
        self.was_joined = true;
        if self.state == JanusState::Setup {
            self.state = JanusState::Joined;
        }
        self.event(JanusEvent::Joined { id: data.id.unwrap_or(0) });
        let list = data.publishers.unwrap_or_default();
        // After a new session: publishers that left meanwhile.
        let present: Set<u64> = list.iter().map(|p| p.id).collect();
        let gone: Vec<u64> =
            self.publishers.keys().copied().filter(|id| !present.contains(id)).collect();
        for id in gone {
            self.remove_publisher(id);
        }
        self.add_publishers(list);
        if let Some(attendees) = data.attendees {
            self.event(JanusEvent::JoinsNotified);
            // After a new session: attendees that left meanwhile.
            let present: Set<u64> = attendees.iter().map(|a| a.id).collect();
            let gone: Vec<u64> =
                self.attendees.iter().copied().filter(|id| !present.contains(id)).collect();
            for id in gone {
                self.attendees.remove(&id);
                self.event(JanusEvent::AttendeeLeft { id });
            }
            for a in attendees {
                self.add_attendee(a);
            }
        }
        if std::mem::take(&mut self.republish) {
            self.out.push_back(JanusOutput::LocalDescriptionNeeded { role: Role::Publisher });
        }
        let again: Vec<u64> = std::mem::take(&mut self.resubscribe)
            .into_iter()
            .filter(|f| self.publishers.contains_key(f))
            .collect();
        if !again.is_empty() {
            if let Err(error) = self.subscribe(now, &again) {
                self.event(JanusEvent::RequestFailed { request: "subscribe", error });
            }
        }
    }

    fn on_subscriber_event(&mut self, now: Millis, data: VideoRoomData, jsep: Option<Jsep>) {
        if let (Some(mid), Some(substream)) = (data.mid.as_ref(), data.substream) {
            self.switches.confirm(mid, substream);
            self.event(JanusEvent::SubstreamChanged { mid: mid.clone(), substream });
        }
        let kind = data.videoroom.as_deref();
        if let Some(streams) = data.streams.filter(|_| matches!(kind, Some("attached" | "updated")))
        {
            self.mids = streams.iter().map(|s| (s.mid.clone(), s.feed_id)).collect();
            let streams = streams
                .into_iter()
                .map(|s| SubscribedStream {
                    mid: s.mid,
                    kind: s.kind,
                    feed: s.feed_id,
                    feed_mid: s.feed_mid,
                    active: s.active.unwrap_or(true),
                })
                .collect();
            self.event(JanusEvent::Subscribed { streams });
        }
        if let Some(jsep) = jsep.filter(|j| j.sdp_type == SdpType::Offer) {
            self.offer_pending = true;
            self.apply_remote(Role::Subscriber, jsep);
            self.out.push_back(JanusOutput::LocalDescriptionNeeded { role: Role::Subscriber });
        }
        if kind == Some("attached") && self.sub == SubState::Joining {
            self.sub = SubState::Joined;
            let more = std::mem::take(&mut self.pending_feeds);
            if !more.is_empty() {
                // `subscribe` skips feeds already recorded: send them directly.
                for f in &more {
                    self.feeds.remove(f);
                }
                if let Err(error) = self.subscribe(now, &more) {
                    self.event(JanusEvent::RequestFailed { request: "subscribe", error });
                }
            }
        }
    }

    // ---- helpers --------------------------------------------------------

    fn add_publishers(&mut self, list: Vec<Publisher>) {
        for p in list {
            if Some(p.id) == self.me || Some(p.id) == self.screen_id {
                continue;
            }
            let event = match self.publishers.get(&p.id) {
                None => Some(JanusEvent::PublisherJoined {
                    id: p.id,
                    display: p.display.clone(),
                    streams: p.streams.clone(),
                }),
                Some(old) if old.streams != p.streams => {
                    Some(JanusEvent::PublisherUpdated { id: p.id, streams: p.streams.clone() })
                }
                Some(_) => None,
            };
            self.publishers.insert(p.id, p);
            if let Some(e) = event {
                self.event(e);
            }
        }
    }

    /// Someone the room lists without media, unless it is us or one of our
    /// protocol's screen handles (its display says so).
    fn add_attendee(&mut self, a: Publisher) {
        if Some(a.id) == self.me
            || Some(a.id) == self.screen_id
            || a.display.as_deref().is_some_and(is_screen_display)
        {
            return;
        }
        if self.attendees.insert(a.id) {
            self.event(JanusEvent::AttendeeJoined { id: a.id, display: a.display });
        }
    }

    fn remove_publisher(&mut self, id: u64) {
        if self.publishers.remove(&id).is_some() {
            // Janus itself drops its streams from our subscription (an
            // `updated` offer follows).
            self.feeds.remove(&id);
            self.event(JanusEvent::PublisherLeft { id });
        }
    }

    fn apply_remote(&mut self, role: Role, jsep: Jsep) {
        let description = Description { sdp_type: jsep.sdp_type, sdp: jsep.sdp };
        self.out.push_back(JanusOutput::ApplyRemoteDescription { role, description });
        let handle = self.handle_mut(role);
        handle.remote_applied = true;
        let queued = std::mem::take(&mut handle.remote_queue);
        for candidate in queued {
            self.out.push_back(JanusOutput::AddRemoteCandidate { role, candidate });
        }
    }

    fn flush_local(&mut self, now: Millis, role: Role) {
        for c in std::mem::take(&mut self.handle_mut(role).local_queue) {
            self.send_trickle(now, role, c);
        }
    }

    fn send_trickle(&mut self, now: Millis, role: Role, candidate: Option<Candidate>) {
        let (Some(session_id), Some(handle_id)) = (self.session_id, self.handle(role).id) else {
            return;
        };
        let candidate = match candidate {
            Some(c) => TrickleCandidate::Candidate(c),
            None => TrickleCandidate::Completed { completed: true },
        };
        self.send(now, Tx::Trickle, |transaction| Request::Trickle {
            transaction,
            session_id,
            handle_id,
            candidate,
        });
    }

    fn send_switch(&mut self, now: Millis, mid: &str, substream: u8) {
        let (Some(session_id), Some(handle_id)) = (self.session_id, self.subscriber.id) else {
            return;
        };
        let body = Body::Configure(Configure {
            streams: vec![StreamConfig {
                mid: mid.to_owned(),
                substream: Some(substream),
                temporal: None,
                send: None,
            }],
            ..Configure::default()
        });
        let tx = Tx::Switch { mid: mid.to_owned(), substream };
        self.send_message(now, tx, session_id, handle_id, body, None);
    }

    /// Frames can go out now (else they wait for the claim).
    fn ready(&self) -> bool {
        self.socket_open
            && matches!(self.state, JanusState::Setup | JanusState::Joined | JanusState::Leaving)
    }

    fn send(&mut self, now: Millis, tx: Tx, make: impl FnOnce(String) -> Request) {
        let request = make(self.txs.next_id());
        if self.ready() {
            self.register_and_send(now, tx, request);
        } else if self.state == JanusState::Reconnecting
            && !matches!(tx, Tx::Keepalive | Tx::Switch { .. })
        {
            // Switches are re-sent from their own list after the claim.
            self.deferred.push((tx, request));
        }
    }

    /// A plugin message (`body`, with `jsep` if any) on `handle_id`.
    fn send_message(
        &mut self,
        now: Millis,
        tx: Tx,
        session_id: u64,
        handle_id: u64,
        body: Body,
        jsep: Option<Jsep>,
    ) {
        self.send(now, tx, |transaction| Request::Message {
            transaction,
            session_id,
            handle_id,
            body,
            jsep,
        });
    }

    /// Sends even while reconnecting (the claim itself).
    fn send_now(&mut self, now: Millis, tx: Tx, make: impl FnOnce(String) -> Request) {
        let request = make(self.txs.next_id());
        self.register_and_send(now, tx, request);
    }

    fn register_and_send(&mut self, now: Millis, tx: Tx, request: Request) {
        self.txs.insert(
            request.transaction().to_owned(),
            tx,
            request.name(),
            now.saturating_add(TRANSACTION_TIMEOUT),
        );
        self.last_tx = now;
        self.out.push_back(JanusOutput::Send(request));
    }

    /// The role's handle, if it can publish (the screen's once joined).
    fn publishing_handle(&self, role: Role) -> Result<u64, JanusError> {
        match role {
            Role::Subscriber => Err(JanusError::NotJoined),
            Role::Screen if self.screen_state != ScreenState::Joined => Err(JanusError::NotJoined),
            _ => self.joined_handle(role),
        }
    }

    fn joined_handle(&self, role: Role) -> Result<u64, JanusError> {
        match self.state {
            JanusState::Joined | JanusState::Reconnecting if self.me.is_some() => {
                self.handle(role).id.ok_or(JanusError::NotJoined)
            }
            _ => Err(JanusError::NotJoined),
        }
    }

    fn handle(&self, role: Role) -> &Handle {
        match role {
            Role::Publisher => &self.publisher,
            Role::Screen => &self.screen,
            Role::Subscriber => &self.subscriber,
        }
    }

    fn handle_mut(&mut self, role: Role) -> &mut Handle {
        match role {
            Role::Publisher => &mut self.publisher,
            Role::Screen => &mut self.screen,
            Role::Subscriber => &mut self.subscriber,
        }
    }

    fn role_of(&self, handle_id: u64) -> Option<Role> {
        [Role::Publisher, Role::Screen, Role::Subscriber]
            .into_iter()
            .find(|r| self.handle(*r).id == Some(handle_id))
    }

    fn event(&mut self, e: JanusEvent) {
        self.out.push_back(JanusOutput::Event(e));
    }

    // ---- socket loss, reclaim, new session ------------------------------

    fn lose_socket(&mut self, now: Millis) {
        self.state = JanusState::Reconnecting;
        // Their acks went down with the socket; the rest keep waiting.
        self.txs.forget(|tx| {
            matches!(
                tx,
                Tx::Keepalive
                    | Tx::Trickle
                    | Tx::Switch { .. }
                    | Tx::Pause
                    | Tx::Restart
                    | Tx::Claim
            )
        });
        self.reconnect = Some(Reconnect::new(now));
        self.event(JanusEvent::Reconnecting);
        self.reconnect_timers(now);
    }

    fn reconnect_timers(&mut self, now: Millis) {
        let Some(r) = self.reconnect.as_mut() else { return };
        if now >= r.lost_at.saturating_add(SESSION_TIMEOUT) {
            return self.fail(JanusError::Unreachable(SESSION_TIMEOUT));
        }
        if self.socket_open {
            // Claim in flight on an open socket: its deadline decides.
            if self.txs.next_deadline_of(|tx| *tx == Tx::Claim).is_some_and(|t| now >= t) {
                self.txs.forget(|tx| *tx == Tx::Claim);
                self.out.push_back(JanusOutput::Disconnect(self.socket));
                self.socket_open = false;
                r.schedule_retry(now, &mut self.rng);
            }
            return;
        }
        if r.attempt_deadline.is_some_and(|t| now >= t) {
            self.out.push_back(JanusOutput::Disconnect(self.socket));
            r.schedule_retry(now, &mut self.rng);
        }
        let Some(r) = self.reconnect.as_mut() else { return };
        if r.retry_at.is_some_and(|t| now >= t) {
            r.retry_at = None;
            r.attempt_deadline = Some(now.saturating_add(CONNECT_TIMEOUT));
            self.socket = SocketId(self.socket.0 + 1);
            self.out.push_back(JanusOutput::Connect(self.socket));
        }
    }

    /// Janus no longer knows our session (expired, or the claim was
    /// refused): start a new one on the open socket and join again.
    fn session_gone(&mut self, now: Millis) {
        if matches!(self.state, JanusState::Left | JanusState::Failed) {
            return;
        }
        if self.state == JanusState::Leaving {
            return self.finish_leave();
        }
        if self.socket_open {
            self.new_session(now);
        }
    }

    fn new_session(&mut self, now: Millis) {
        self.event(JanusEvent::SessionLost);
        self.republish = self.republish || self.publishing;
        let mut again: Vec<u64> = std::mem::take(&mut self.feeds).into_iter().collect();
        again.extend(std::mem::take(&mut self.pending_feeds));
        again.extend(std::mem::take(&mut self.resubscribe));
        again.sort_unstable();
        again.dedup();
        self.resubscribe = again;
        self.session_id = None;
        self.publisher = Handle::default();
        self.subscriber = Handle::default();
        self.screen = Handle::default();
        self.screen_state = ScreenState::None;
        self.screen_id = None;
        self.screen_unpublished = false;
        self.me = None;
        self.private_id = None;
        self.sub = SubState::None;
        self.mids.clear();
        self.offer_pending = false;
        self.publishing = false;
        self.txs.clear();
        self.switches.clear();
        self.deferred.clear();
        self.reconnect = None;
        self.state = JanusState::Setup;
        self.send(now, Tx::Create, |transaction| Request::Create { transaction });
    }

    /// Closes the current socket if it is open or still opening.
    fn close_socket(&mut self) {
        let opening = self.state == JanusState::Connecting
            || self.reconnect.as_ref().is_some_and(|r| r.attempt_deadline.is_some());
        if self.socket_open || opening {
            self.out.push_back(JanusOutput::Disconnect(self.socket));
        }
    }

    fn finish_leave(&mut self) {
        self.close_socket();
        self.stop();
        self.state = JanusState::Left;
        self.event(JanusEvent::Left);
    }

    fn fail(&mut self, reason: JanusError) {
        self.close_socket();
        self.stop();
        self.state = JanusState::Failed;
        self.event(JanusEvent::Failed { reason });
    }

    fn stop(&mut self) {
        self.socket_open = false;
        self.connect_deadline = None;
        self.txs.clear();
        self.switches.clear();
        self.deferred.clear();
        self.reconnect = None;
    }
}

fn role_of_tx(tx: &Tx) -> Option<Role> {
    match tx {
        Tx::JoinPublisher => Some(Role::Publisher),
        Tx::JoinScreen | Tx::Unpublish => Some(Role::Screen),
        Tx::Publish(role) | Tx::Describe(role) => Some(*role),
        Tx::JoinSubscriber
        | Tx::Subscribe
        | Tx::Start
        | Tx::Switch { .. }
        | Tx::Pause
        | Tx::Restart => Some(Role::Subscriber),
        Tx::Attach(role) => Some(*role),
        _ => None,
    }
}

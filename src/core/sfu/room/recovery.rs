//! Media-path recovery of the connections to Janus, with the mesh's policy
//! (`core::peer::recovery`): a path is lost on ICE `failed`, after 1 s of
//! ICE `disconnected`, and on the subscriber connection when its media
//! stops (1.2 s without inbound bytes after steady traffic) while some
//! stream is expected to flow (unmuted, not paused): Janus sends a
//! publishing connection almost nothing (an RTCP report a second), so
//! there only ICE tells. We always act, at once, since Janus never
//! restarts ICE itself:
//! - a publishing connection (publisher, screen) restarts ICE and offers
//!   again (`configure` with the offer: Janus sees the new credentials);
//! - the subscriber connection asks Janus for an ICE-restart offer
//!   (`configure` with `restart: true`) and answers it.
//!
//! A loss seen from stalled media is told at once, but its first restart
//! waits [`STALL_RESTART_DELAY`]: the old ICE session resumes a short
//! outage by itself, and Janus drops it when it restarts, so a restart
//! during a short outage would make the media wait for the new session's
//! checks as well. ICE `failed` (and 1 s of `disconnected`) restarts at
//! once. Attempts repeat after 2, 2, 3, 4, 4 … s, wait while the socket
//! to Janus is down and run once it is back, and stop after 60 s. Where the path
//! comes back, a publishing connection's senders start over with a key
//! frame (the subscribers' decoders lost their references).
//!
//! What the app sees: the subscriber connection carries everyone's media,
//! so its state is every participant's `participant-state`
//! (`connected` once it first connects, `reconnecting` with the loss's
//! reason, `connected` with `recovered`, `failed` with
//! `ice-restart-exhausted`). A publishing connection carries ours: its
//! loss is the room's `connection-state` `reconnecting` (with the loss's
//! reason) until every publishing path is back (`reconnected`), merged with
//! the socket's own `reconnecting` / `reconnected`.

use super::*;
use crate::core::peer::recovery::{Action, RECOVERING_STATS_INTERVAL};
use crate::core::stats::StatsSnapshot;

const ROLES: [Role; 3] = [Role::Publisher, Role::Screen, Role::Subscriber];

/// How long the first restart after a media stall waits (about when
/// Chromium's ICE would say `disconnected` itself).
pub const STALL_RESTART_DELAY: u64 = 4_000;

impl SfuRoom {
    pub(super) fn on_connection_state(&mut self, role: Role, state: ConnectionState) {
        let now = self.now;
        let mut actions = Vec::new();
        let c = self.conn_mut(role);
        c.connected = state == ConnectionState::Connected;
        match state {
            ConnectionState::Connected => {
                c.was_connected = true;
                c.recovery.handle_ice_connected(&mut actions);
                self.start_stats(role);
            }
            ConnectionState::Disconnected => c.recovery.handle_ice_disconnected(now),
            ConnectionState::Failed => c.recovery.handle_ice_failed(now, &mut actions),
            _ => {}
        }
        self.run_recovery(role, actions);
        if role == Role::Subscriber {
            self.sync_participant_states();
        }
    }

    /// A sample of the subscriber connection: its inbound media bytes are
    /// the liveness signal while media is expected; otherwise ICE alone is (a
    /// path lost while media was expected is back once ICE is connected).
    /// Before the first restart after a stall, STUN answered on the pair
    /// proves the path: the publishers went silent, not our path (every
    /// publisher's uplink lost, or their tabs asleep), and the loss is over
    /// without a restart.
    pub(super) fn recovery_sample(&mut self, role: Role, s: &StatsSnapshot) {
        if role != Role::Subscriber {
            return;
        }
        let now = self.now;
        let expected = self.announced.iter().any(|(mid, a)| self.media_expected(mid, a));
        let mut actions = Vec::new();
        let c = self.conn_mut(role);
        let stun = s.pair.as_ref().map_or(0, |p| p.stun_received);
        let answered = c.recovery.is_recovering()
            && c.recovery.attempts() == 0
            && c.stun_at_loss.is_some_and(|at| stun > at);
        c.stun = stun;
        if answered {
            c.stun_at_loss = None;
            c.recovery.handle_path_alive(&mut actions);
        } else if expected {
            // Media bytes only: Janus keeps sending RTCP reports on a
            // subscription whose publishers went silent.
            let media = s.inbound.iter().fold(0u64, |n, i| n.saturating_add(i.bytes_received));
            c.recovery.handle_bytes(now, media, &mut actions);
        } else {
            c.recovery.disarm();
            if c.connected {
                c.recovery.handle_ice_connected(&mut actions);
            }
        }
        self.run_recovery(role, actions);
    }

    pub(super) fn next_recovery(&self) -> Option<Millis> {
        [&self.publisher, &self.screen, &self.subscriber]
            .into_iter()
            .filter(|c| c.generation.is_some())
            .filter_map(|c| c.recovery.poll_timeout())
            .min()
    }

    pub(super) fn recovery_due(&mut self, now: Millis) {
        for role in ROLES {
            if self.conn_mut(role).generation.is_none() {
                continue;
            }
            let mut actions = Vec::new();
            self.conn_mut(role).recovery.handle_timeout(now, &mut actions);
            self.run_recovery(role, actions);
        }
    }

    /// `restartIce(id)`: one ICE restart of the connection that carries
    /// `id`'s media (a participant: the subscriber connection) or of ours
    /// by its peer id; no loss is declared.
    pub fn restart_ice(&mut self, now: Millis, id: &str) -> Result<(), CoreError> {
        self.now = now;
        let role = match self.conn_of(id) {
            Some((role, c)) if c.generation.is_some() => role,
            None if id.parse::<u64>().is_ok_and(|n| self.participants.contains_key(&n)) => {
                Role::Subscriber
            }
            _ => return Err(CoreError::UnknownParticipant(id.to_owned())),
        };
        if self.conn_mut(role).generation.is_none() {
            return Err(CoreError::PeerClosed);
        }
        let mut actions = Vec::new();
        self.conn_mut(role).recovery.handle_app_restart(&mut actions);
        self.run_recovery(role, actions);
        self.pump();
        Ok(())
    }

    /// The socket to Janus dropped, or its session is lost.
    pub(super) fn signaling_lost(&mut self, reason: &'static str) {
        self.tell_signaling(false);
        // A lost publishing path already said `reconnecting`.
        if self.media_down.is_none() {
            self.connection(RoomConnection::Reconnecting, Some(reason));
        }
        self.signaling_down = true;
    }

    /// The socket is back (reclaimed, or a new session joined): attempts
    /// that waited run now.
    pub(super) fn signaling_back(&mut self) {
        self.signaling_down = false;
        self.tell_signaling(true);
        if self.media_down.is_none() {
            self.connection(RoomConnection::Reconnected, None);
        }
    }

    /// Every connection's recovery learns whether Janus can be reached
    /// (attempts wait while it cannot, and run once it can).
    fn tell_signaling(&mut self, up: bool) {
        let now = self.now;
        for role in ROLES {
            let mut actions = Vec::new();
            self.conn_mut(role).recovery.handle_signaling(now, up, &mut actions);
            self.run_recovery(role, actions);
        }
    }

    fn run_recovery(&mut self, role: Role, actions: Vec<Action>) {
        let now = self.now;
        for a in actions {
            match a {
                Action::Lost(reason) => {
                    // Faster samples: growing bytes are the first sign of a path back.
                    let c = self.conn_mut(role);
                    let soon = now.saturating_add(RECOVERING_STATS_INTERVAL);
                    c.stats_at = Some(c.stats_at.map_or(soon, |t| t.min(soon)));
                    if role == Role::Subscriber {
                        c.stun_at_loss = Some(c.stun);
                        self.subscriber_loss = Some(reason.as_str());
                        self.sync_participant_states();
                    } else {
                        self.publishing_path(Some(reason.as_str()));
                    }
                }
                Action::Restart { .. } if role == Role::Subscriber => {
                    if let Err(e) = self.janus.restart_subscriber(now) {
                        self.warn(None, e.code(), e.message());
                    }
                }
                Action::Restart { .. } => self.pc(role, PcCommand::RestartIce),
                Action::PathBack if role != Role::Subscriber => {
                    self.pc(role, PcCommand::SendKeyFrames)
                }
                Action::Recovered if role == Role::Subscriber => self.sync_participant_states(),
                Action::Recovered => self.publishing_path(None),
                Action::GiveUp => {
                    self.conn_mut(role).failed = true;
                    if role == Role::Subscriber {
                        self.sync_participant_states();
                    } else {
                        // Still `reconnecting` for the app (our media is
                        // off), never `reconnected`: rejoining rebuilds it.
                        let message = Self::peer_id(role) + ": the path to Janus did not come back";
                        self.warn(None, "sfu-connection-failed", message);
                    }
                }
                _ => {}
            }
        }
    }

    /// A publishing path was lost (`Some(reason)`) or one came back: the
    /// room's `connection-state`, merged with the socket's.
    pub(super) fn publishing_path(&mut self, lost: Option<&'static str>) {
        let down = [&self.publisher, &self.screen]
            .into_iter()
            .any(|c| c.generation.is_some() && c.recovery.is_recovering());
        match (down, self.media_down) {
            (true, None) => {
                let reason = lost.unwrap_or("ice-failed");
                self.media_down = Some(reason);
                if !self.signaling_down {
                    self.connection(RoomConnection::Reconnecting, Some(reason));
                }
            }
            (false, Some(_)) => {
                self.media_down = None;
                if !self.signaling_down {
                    self.connection(RoomConnection::Reconnected, None);
                }
            }
            _ => {}
        }
    }

    /// Every participant's `participant-state` follows our subscriber
    /// connection's (a participant never goes back to `connecting`).
    pub(super) fn sync_participant_states(&mut self) {
        let sub = &self.subscriber;
        let (state, reason) = if sub.generation.is_none() || !sub.was_connected {
            return;
        } else if sub.failed {
            (PeerState::Failed, Some("ice-restart-exhausted"))
        } else if sub.recovery.is_recovering() {
            (PeerState::Reconnecting, self.subscriber_loss)
        } else {
            (PeerState::Connected, None)
        };
        let mut changed = Vec::new();
        for m in self.participants.values_mut() {
            if m.state != state {
                let reason = match (m.state, state) {
                    (PeerState::Reconnecting, PeerState::Connected) => Some("recovered"),
                    _ => reason,
                };
                m.state = state;
                changed.push((m.info.id.clone(), reason));
            }
        }
        for (participant, reason) in changed {
            self.event(RoomEvent::ParticipantState { participant, state, reason });
        }
    }
}

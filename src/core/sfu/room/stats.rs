//! Stats and quality in an SFU room, as the mesh has them per connection
//! (`core::stats`): every connection to Janus is sampled with `getStats()`
//! every [`STATS_INTERVAL`] ms once connected, whether or not the ABR
//! controller is on.
//!
//! - `stats("sfu-publisher" | "sfu-screen" | "sfu-subscriber")`: that
//!   connection as a whole (what we send and its layers; what we receive).
//! - `stats(participant)`: what we receive of that participant, from the
//!   subscriber connection's sample restricted to the mids carrying their
//!   feeds (camera, microphone, screen): their bitrate, loss, jitter and
//!   video; RTT and candidate types are those of our path to Janus (the
//!   only one we can measure). Its quality level is the same E-model as a
//!   mesh connection's, and `quality-changed` reports it.
//!
//! A participant's liveness (`lost` when nothing arrives over the window)
//! counts their media once it has started and while one of their streams
//! is expected to flow (unmuted, not paused by the adaptive stream);
//! otherwise it follows the subscriber connection, so a participant who
//! mutes everything or whose tiles are hidden is not `lost`.

use super::*;
use crate::core::peer::recovery::{RECOVERING_STATS_INTERVAL, STATS_INTERVAL};
use crate::core::stats::{ConnectionStats, PairStats, StatsSnapshot, StatsTracker};

const ROLES: [Role; 3] = [Role::Publisher, Role::Screen, Role::Subscriber];

impl SfuRoom {
    /// The connection of `role` is connected: sampling starts (a lost and
    /// found connection keeps its timer).
    pub(super) fn start_stats(&mut self, role: Role) {
        let now = self.now;
        let c = self.conn_mut(role);
        if c.stats_at.is_none() {
            c.stats_at = Some(now.saturating_add(STATS_INTERVAL));
        }
    }

    /// The next sample due on any connection.
    pub(super) fn next_stats(&self) -> Option<Millis> {
        [&self.publisher, &self.screen, &self.subscriber]
            .into_iter()
            .filter_map(|c| c.stats_at)
            .min()
    }

    /// Asks for the samples due at `now`.
    pub(super) fn stats_due(&mut self, now: Millis) {
        for role in ROLES {
            let c = self.conn_mut(role);
            if c.generation.is_none() || c.stats_at.is_none_or(|t| t > now) {
                continue;
            }
            let every =
                if c.recovery.is_recovering() { RECOVERING_STATS_INTERVAL } else { STATS_INTERVAL };
            c.stats_at = Some(now.saturating_add(every));
            self.pc(role, PcCommand::GetStats);
        }
    }

    /// A sample of `role`'s connection.
    pub(super) fn on_stats(&mut self, role: Role, snapshot: StatsSnapshot) {
        let now = self.now;
        self.recovery_sample(role, &snapshot);
        if role == Role::Subscriber {
            self.participants_stats(&snapshot);
        } else {
            self.abr_sample(role, &snapshot);
        }
        // Connection-level stats; their quality is not an event (the
        // events are per participant).
        let _ = self.conn_mut(role).stats.handle_snapshot(now, snapshot);
    }

    /// The latest stats of one of our connections (by its peer id) or of
    /// what we receive of a participant.
    pub fn stats(&self, id: &str) -> Option<&ConnectionStats> {
        if let Some((_, c)) = self.conn_of(id) {
            return c.stats.latest();
        }
        id.parse::<u64>().ok().and_then(|n| self.quality.get(&n)).and_then(|t| t.latest())
    }

    /// Media is expected on announced subscriber `mid`: unmuted, and not
    /// paused by the adaptive stream (the liveness of stats and recovery).
    pub(super) fn media_expected(&self, mid: &str, a: &Announced) -> bool {
        !a.muted && self.adaptive.wanted(mid) != Some(adaptive::Layer::Paused)
    }

    fn participants_stats(&mut self, s: &StatsSnapshot) {
        let now = self.now;
        let ids: Vec<u64> = self.participants.keys().copied().collect();
        self.quality.retain(|id, _| ids.contains(id));
        for id in ids {
            let view = self.participant_view(id, s);
            if !self.quality.contains_key(&id) {
                self.quality.insert(id, StatsTracker::default());
            }
            let changed = self.quality.get_mut(&id).and_then(|t| t.handle_snapshot(now, view));
            if let Some(quality) = changed {
                let participant = text::dec(id);
                self.event(RoomEvent::QualityChanged { participant, quality });
            }
        }
    }

    /// The subscriber connection's sample as far as participant `id`'s
    /// media goes (see the module's doc for liveness).
    fn participant_view(&self, id: u64, s: &StatsSnapshot) -> StatsSnapshot {
        let pid = text::dec(id);
        let theirs: Vec<(&String, &Announced)> =
            self.announced.iter().filter(|(_, a)| a.participant == pid).collect();
        let inbound: Vec<_> = s
            .inbound
            .iter()
            .filter(|i| i.mid.as_ref().is_some_and(|m| theirs.iter().any(|(t, _)| *t == m)))
            .cloned()
            .collect();
        let media: u64 = inbound.iter().map(|i| i.bytes_received).sum();
        let flowing = theirs.iter().any(|(mid, a)| self.media_expected(mid, a));
        let pair = s.pair.as_ref().map(|p| PairStats {
            bytes_sent: 0,
            bytes_received: media,
            rtt_ms: p.rtt_ms,
            available_outgoing_bitrate: None,
            local_candidate_type: p.local_candidate_type.clone(),
            remote_candidate_type: p.remote_candidate_type.clone(),
            stun_received: p.stun_received,
        });
        // Layers asked for (adaptive stream) above the one Janus forwards.
        let layers_missing = theirs
            .iter()
            .filter_map(|(mid, _)| match self.adaptive.wanted(mid) {
                Some(adaptive::Layer::Substream(want)) => {
                    Some(want.saturating_sub(self.adaptive.confirmed_substream(mid)?))
                }
                _ => None,
            })
            .max()
            .unwrap_or(0);
        StatsSnapshot {
            bytes_received: if flowing && media > 0 { media } else { s.bytes_received },
            pair,
            inbound,
            outbound: Vec::new(),
            remote_inbound: Vec::new(),
            layers_missing,
        }
    }
}

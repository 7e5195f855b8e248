//! Adaptive bitrate for our SFU publications, as the mesh does
//! (`core::room::adapt`): each publishing connection (camera, screen) is
//! sampled with `getStats()` every [`STATS_INTERVAL`] ms once connected,
//! and its ABR controller ([`Abr`]) decides per layer (`active`,
//! `maxBitrate`, …) from the outbound stats of every `rid`: the top layers
//! switched off first when the estimate cannot carry them, and off again
//! for a CPU-limited encoder (see `abr::with_cpu_level`).

use super::*;
use crate::core::abr::Abr;
use crate::core::peer::recovery::STATS_INTERVAL;
use crate::core::stats::StatsSnapshot;

/// The publishing roles, whose connections carry our media.
const PUBLISHING: [Role; 2] = [Role::Publisher, Role::Screen];

impl SfuRoom {
    /// A fresh controller for a new publishing connection.
    pub(super) fn new_abr(&self) -> Abr {
        Abr::new(self.adaptive_bitrate)
    }

    /// `track` now goes on `sender` of `role`'s connection with `encodings`:
    /// its ladder starts at the top.
    pub(super) fn abr_track(&mut self, role: Role, sender: SenderId, track: &LocalTrack) {
        let encodings = encodings_of(track);
        let abr = &mut self.conn_mut(role).abr;
        abr.track(sender, track.kind, track.source, track.size, &encodings);
        if let Some(mid) = self.sender_mids.get(&sender).cloned() {
            self.conn_mut(role).abr.set_mid(sender, &mid);
        }
    }

    /// The connection of `role` is connected: sampling starts (a lost and
    /// found connection keeps its timer).
    pub(super) fn start_stats(&mut self, role: Role) {
        if !PUBLISHING.contains(&role) || !self.adaptive_bitrate {
            return;
        }
        let now = self.now;
        let c = self.conn_mut(role);
        if c.stats_at.is_none() {
            c.stats_at = Some(now.saturating_add(STATS_INTERVAL));
        }
    }

    /// The next sample due on a publishing connection.
    pub(super) fn next_stats(&self) -> Option<Millis> {
        [&self.publisher, &self.screen].into_iter().filter_map(|c| c.stats_at).min()
    }

    /// Asks for the samples due at `now`.
    pub(super) fn stats_due(&mut self, now: Millis) {
        for role in PUBLISHING {
            let c = self.conn_mut(role);
            if c.generation.is_none() || c.stats_at.is_none_or(|t| t > now) {
                continue;
            }
            c.stats_at = Some(now.saturating_add(STATS_INTERVAL));
            self.pc(role, PcCommand::GetStats);
        }
    }

    /// A sample of `role`'s connection: the controller's decisions.
    pub(super) fn on_stats(&mut self, role: Role, snapshot: &StatsSnapshot) {
        let now = self.now;
        let c = self.conn_mut(role);
        // A lost path's estimate and rates say nothing about the link that
        // comes back (the mesh holds its decisions likewise): a step down
        // taken now would greet the path's return with smaller layers.
        if !c.connected {
            return;
        }
        let abr = &mut c.abr;
        abr.handle_snapshot(now, snapshot);
        let mut decisions = Vec::new();
        while let Some(d) = abr.poll_output() {
            decisions.push(d);
        }
        for d in decisions {
            let (peer, sender, encodings) = (Self::peer_id(role), d.sender, d.encodings);
            self.out.push_back(RoomOutput::SetEncodings { peer, sender, encodings });
        }
    }

    /// The controller of `role`'s connection (rungs, CPU level, what each
    /// sender was last told).
    pub fn publisher_abr(&self, role: Role) -> &Abr {
        match role {
            Role::Screen => &self.screen.abr,
            _ => &self.publisher.abr,
        }
    }
}

//! Adaptive bitrate for our SFU publications, as the mesh does
//! (`core::room::adapt`): on each sample of a publishing connection
//! (camera, screen; see `stats`), its ABR controller ([`Abr`]) decides per layer (`active`,
//! `maxBitrate`, …) from the outbound stats of every `rid`: the top layers
//! switched off first when the estimate cannot carry them, and off again
//! for a CPU-limited encoder (see `abr::with_cpu_level`).

use super::*;
use crate::core::abr::Abr;
use crate::core::stats::StatsSnapshot;

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

    /// A sample of publishing connection `role`: the controller's decisions.
    pub(super) fn abr_sample(&mut self, role: Role, snapshot: &StatsSnapshot) {
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

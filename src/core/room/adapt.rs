//! What the room sends, per connection: the simulcast plan of each new
//! sender (`encodings::plan`, mesh) and the ABR controller's decisions
//! (`abr`), as `RoomOutput::SetEncodings`.

use super::{LocalTrack, RoomCore, RoomOutput};
use crate::core::encodings::{plan, EncodingParams, Topology};
use crate::core::stats::StatsSnapshot;
use crate::core::types::{Millis, PeerState};

/// The encodings a track starts with on a mesh connection.
pub(super) fn plan_of(track: &LocalTrack) -> Vec<EncodingParams> {
    plan(track.kind, track.source, track.size, track.preset.unwrap_or_default(), Topology::Mesh)
}

impl RoomCore {
    /// A stats sample of the connection to `peer`: the controller's
    /// decisions for its senders.
    pub(super) fn adapt(&mut self, now: Millis, peer: &str, snapshot: &StatsSnapshot) {
        let Some(r) = self.peers.get_mut(peer) else { return };
        // A lost path is recovery's business: its estimate and rates say
        // nothing about the link that comes back, and a step down taken
        // now would delay the first frame after it.
        if r.session.state() != PeerState::Connected {
            return;
        }
        // Media flows: the plans held until now (see `Remote::plans_held`),
        // then the controller's decisions.
        let mut decided = r.plans_held.take().unwrap_or_default();
        r.abr.handle_snapshot(now, snapshot);
        while let Some(d) = r.abr.poll_output() {
            decided.push((d.sender, d.encodings));
        }
        for (sender, encodings) in decided {
            let peer = peer.to_owned();
            self.out.push_back(RoomOutput::SetEncodings { peer, sender, encodings });
        }
    }

    pub fn abr(&self, peer: &str) -> Option<&crate::core::abr::Abr> {
        self.peers.get(peer).map(|r| &r.abr)
    }
}

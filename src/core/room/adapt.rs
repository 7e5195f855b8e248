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
        // Media flows: the plans held until now (see `Remote::plans_held`).
        for (sender, encodings) in r.plans_held.take().unwrap_or_default() {
            self.out.push_back(RoomOutput::SetEncodings {
                peer: peer.to_owned(),
                sender,
                encodings,
            });
        }
        r.abr.handle_snapshot(now, snapshot);
        while let Some(d) = r.abr.poll_output() {
            let (sender, encodings) = (d.sender, d.encodings);
            self.out.push_back(RoomOutput::SetEncodings {
                peer: peer.to_owned(),
                sender,
                encodings,
            });
        }
    }

    /// The ABR controller of the connection to `peer` (rungs, CPU level,
    /// what each sender was last told).
    pub fn abr(&self, peer: &str) -> Option<&crate::core::abr::Abr> {
        self.peers.get(peer).map(|r| &r.abr)
    }
}

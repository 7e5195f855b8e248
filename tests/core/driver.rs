//! What the browser driver does between a core and its `RTCPeerConnection`,
//! shared by both worlds: execute a [`PcCommand`], translate a [`PcEvent`].

use crate::sched::Delay;
use crate::sim_pc::{PcEvent, PcTimer, SimPc};
use rtcroom::core::{Channel, Payload, PcCommand, PeerInput, StatsSnapshot, TrackKind};

/// Calls the connection method a command stands for, synchronously.
pub fn execute(pc: &mut SimPc, cmd: PcCommand) {
    match cmd {
        PcCommand::SetLocalDescription { op } => pc.set_local_description(op),
        PcCommand::SetRemoteDescription { op, description } => {
            pc.set_remote_description(op, description)
        }
        // The model rolls back the same way for either call.
        PcCommand::Rollback { op } => pc.set_remote_description(
            op,
            rtcroom::core::Description {
                sdp_type: rtcroom::core::SdpType::Rollback,
                sdp: String::new(),
            },
        ),
        PcCommand::AddIceCandidate { op, candidate } => pc.add_ice_candidate(op, candidate),
        PcCommand::RestartIce => pc.restart_ice(),
        PcCommand::SendData { data: Payload::Text(data), channel: Channel::Reliable } => {
            pc.send(data)
        }
        PcCommand::GetStats => pc.get_stats(),
        PcCommand::SendKeyFrames => pc.send_key_frames(),
        other => panic!("the test driver does not know {other:?}"),
    }
}

/// A connection event as the driver reports it.
pub enum Reported {
    Input(PeerInput),
    /// `track`: the room driver reports it as `RoomInput::RemoteTrack`.
    Track {
        track_id: String,
        stream_id: Option<String>,
        kind: TrackKind,
        mid: Option<String>,
    },
}

pub fn report(event: PcEvent) -> Reported {
    Reported::Input(match event {
        PcEvent::SignalingState(s) => PeerInput::SignalingState(s),
        PcEvent::NegotiationNeeded => PeerInput::NegotiationNeeded,
        PcEvent::IceCandidate(c) => PeerInput::LocalCandidate(c),
        PcEvent::IceConnectionState(s) => PeerInput::IceConnectionState(s),
        PcEvent::ConnectionState(s) => PeerInput::ConnectionState(s),
        PcEvent::ChannelOpen => PeerInput::ChannelOpen(Channel::Reliable),
        PcEvent::ChannelMessage(m) => PeerInput::ChannelMessage(Payload::Text(m)),
        PcEvent::Stats { bytes_received } => {
            PeerInput::Stats(StatsSnapshot { bytes_received, ..StatsSnapshot::default() })
        }
        PcEvent::OpCompleted { op, result } => PeerInput::OpCompleted { op, result },
        PcEvent::Track { track_id, stream_id, kind, mid } => {
            return Reported::Track { track_id, stream_id, kind, mid }
        }
    })
}

/// How long a connection timer takes: operations, gathering steps and ICE
/// checks as configured; `negotiationneeded` is a task queued at once.
pub fn timer_delay(t: PcTimer, op: Delay, gather: Delay, ice: Delay) -> Delay {
    match t {
        PcTimer::OpDone => op,
        PcTimer::NegotiationNeeded { .. } => Delay::Fixed(0),
        PcTimer::Gather { .. } => gather,
        PcTimer::IceConnected { .. } => ice,
    }
}

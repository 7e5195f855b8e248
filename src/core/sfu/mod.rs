//! SFU topology: the protocols that put a room on a selective forwarding
//! unit: Janus VideoRoom's protocol ([`janus`]) and the room model over it
//! ([`room`]).

pub mod describe;
pub mod janus;
pub mod room;

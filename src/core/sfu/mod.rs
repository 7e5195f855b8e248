//! SFU topology: the protocols that put a room on a selective forwarding
//! unit. Today: Janus VideoRoom ([`janus`]).

pub mod janus;

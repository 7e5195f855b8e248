//! Native tests of the sans-IO core: simulated `RTCPeerConnection`s, signaling
//! and time drive real `PeerSession`s and `RoomCore`s.
#![cfg(not(target_arch = "wasm32"))]

// Harness.
mod driver;
mod room_world;
mod sched;
mod sim_pc;
mod sim_sdp;
mod world;

// Tests, by behaviour.
mod abr;
mod abr_backoff;
mod candidates;
mod capture;
mod encodings;
mod failover;
mod firefox;
mod ice;
mod janus;
mod light_off;
mod messages;
mod negotiation;
mod publications;
mod publish_churn;
mod quality;
mod randomized;
mod resume;
mod room;
mod sfu;
mod sim_pc_model;

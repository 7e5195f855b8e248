//! SFU topology: the protocols that put a room on a selective forwarding
//! unit: Janus VideoRoom's protocol ([`janus`]) and the room model over it
//! ([`room`]).

pub mod describe;
pub mod janus;
pub mod room;

/// How a mesh-or-SFU room holds its SFU side. Without the `sfu` feature (the
/// npm package's mesh build) it is [`Off`]: `Option<Off<_>>` is always
/// `None`, so every call into `room` is dead code the linker drops.
#[cfg(feature = "sfu")]
pub type SfuSide = Box<room::SfuRoom>;
/// See the `sfu` feature's [`SfuSide`].
#[cfg(not(feature = "sfu"))]
pub type SfuSide = Off<room::SfuRoom>;

/// A Janus request as [`RoomOutput::SendSfu`] carries it. In the mesh
/// build it is [`Off`], so the request types' drop glue (reachable from
/// every drop of a `RoomOutput`) is not in that wasm.
///
/// [`RoomOutput::SendSfu`]: crate::core::room::RoomOutput::SendSfu
#[cfg(feature = "sfu")]
pub type SfuRequest = rtcroom_proto::janus::Request;
/// See the `sfu` feature's [`SfuRequest`].
#[cfg(not(feature = "sfu"))]
pub type SfuRequest = Off<rtcroom_proto::janus::Request>;

/// `r` as an output carries it (never `None` where an SFU room runs: the
/// mesh build has none).
#[cfg(feature = "sfu")]
pub fn sfu_request(r: rtcroom_proto::janus::Request) -> Option<SfuRequest> {
    Some(r)
}
/// See the `sfu` feature's [`sfu_request`].
#[cfg(not(feature = "sfu"))]
pub fn sfu_request(_: rtcroom_proto::janus::Request) -> Option<SfuRequest> {
    None
}

/// A Janus frame as [`RoomInput::SfuFrame`] carries it: [`Off`] in the mesh
/// build (as [`SfuRequest`]), so the frame types' drop glue (reachable
/// from every drop of a `RoomInput`) is not in that wasm.
///
/// [`RoomInput::SfuFrame`]: crate::core::room::RoomInput::SfuFrame
#[cfg(feature = "sfu")]
pub type SfuIncoming = rtcroom_proto::janus::Incoming;
/// See the `sfu` feature's [`SfuIncoming`].
#[cfg(not(feature = "sfu"))]
pub type SfuIncoming = Off<rtcroom_proto::janus::Incoming>;

/// `m` as an input carries it (`None` only in the mesh build, which never
/// opens a Janus socket).
#[cfg(feature = "sfu")]
pub fn sfu_incoming(m: rtcroom_proto::janus::Incoming) -> Option<SfuIncoming> {
    Some(m)
}
/// See the `sfu` feature's [`sfu_incoming`].
#[cfg(not(feature = "sfu"))]
pub fn sfu_incoming(_: rtcroom_proto::janus::Incoming) -> Option<SfuIncoming> {
    None
}

/// The frame an input carries, for the SFU room.
#[cfg(feature = "sfu")]
pub fn incoming(m: SfuIncoming) -> rtcroom_proto::janus::Incoming {
    m
}
/// See the `sfu` feature's [`incoming`].
#[cfg(not(feature = "sfu"))]
pub fn incoming(m: SfuIncoming) -> rtcroom_proto::janus::Incoming {
    match m.0 {}
}

/// One layer of ours to restart with a key frame: the encoding `rid` of
/// the sender on transceiver `mid` (see `room::key_frames`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerRestart {
    pub mid: String,
    pub rid: &'static str,
}

/// [`LayerRestart`] as [`PcCommand::RestartLayer`] carries it: [`Off`] in the
/// mesh build (as [`SfuRequest`]), so the driver's code for it is not in
/// that wasm.
///
/// [`PcCommand::RestartLayer`]: crate::core::PcCommand::RestartLayer
#[cfg(feature = "sfu")]
pub type SfuLayerRestart = LayerRestart;
/// See the `sfu` feature's [`SfuLayerRestart`].
#[cfg(not(feature = "sfu"))]
pub type SfuLayerRestart = Off<LayerRestart>;

/// `l` as a command carries it (`None` only in the mesh build).
#[cfg(feature = "sfu")]
pub fn sfu_layer_restart(l: LayerRestart) -> Option<SfuLayerRestart> {
    Some(l)
}
/// See the `sfu` feature's [`sfu_layer_restart`].
#[cfg(not(feature = "sfu"))]
pub fn sfu_layer_restart(_: LayerRestart) -> Option<SfuLayerRestart> {
    None
}

/// A `T` that cannot exist (it holds an [`Infallible`]): derefs to `T` so
/// the code written for `T` type-checks, and the compiler knows it never runs.
///
/// [`Infallible`]: std::convert::Infallible
pub struct Off<T>(std::convert::Infallible, std::marker::PhantomData<T>);

impl<T> std::ops::Deref for Off<T> {
    type Target = T;
    fn deref(&self) -> &T {
        match self.0 {}
    }
}

impl<T> std::ops::DerefMut for Off<T> {
    fn deref_mut(&mut self) -> &mut T {
        match self.0 {}
    }
}

impl<T> std::fmt::Debug for Off<T> {
    fn fmt(&self, _: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {}
    }
}

impl<T> Clone for Off<T> {
    fn clone(&self) -> Self {
        match self.0 {}
    }
}

impl<T> PartialEq for Off<T> {
    fn eq(&self, _: &Self) -> bool {
        match self.0 {}
    }
}

impl<T> Eq for Off<T> {}

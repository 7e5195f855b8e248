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

/// A payload only an SFU room makes or reads: `T` itself with the `sfu`
/// feature, [`Off`] in the mesh build, so that its drop glue (reachable from
/// every drop of the input, output or command that carries it) and the
/// driver's code for it are not in the mesh wasm.
#[cfg(feature = "sfu")]
pub type SfuOnly<T> = T;
/// See the `sfu` feature's [`SfuOnly`].
#[cfg(not(feature = "sfu"))]
pub type SfuOnly<T> = Off<T>;

/// `t` as an input, output or command carries it (`None` only in the mesh
/// build, where no SFU room runs and no Janus socket opens).
#[cfg(feature = "sfu")]
pub fn sfu_only<T>(t: T) -> Option<SfuOnly<T>> {
    Some(t)
}
/// See the `sfu` feature's [`sfu_only`].
#[cfg(not(feature = "sfu"))]
pub fn sfu_only<T>(_: T) -> Option<SfuOnly<T>> {
    None
}

/// The payload itself, for the SFU room.
#[cfg(feature = "sfu")]
pub fn from_sfu_only<T>(t: SfuOnly<T>) -> T {
    t
}
/// See the `sfu` feature's [`from_sfu_only`].
#[cfg(not(feature = "sfu"))]
pub fn from_sfu_only<T>(t: SfuOnly<T>) -> T {
    match t.0 {}
}

/// A Janus request as [`RoomOutput::SendSfu`] carries it.
///
/// [`RoomOutput::SendSfu`]: crate::core::room::RoomOutput::SendSfu
pub type SfuRequest = SfuOnly<rtcroom_proto::janus::Request>;

/// A Janus frame as [`RoomInput::SfuFrame`] carries it.
///
/// [`RoomInput::SfuFrame`]: crate::core::room::RoomInput::SfuFrame
pub type SfuIncoming = SfuOnly<rtcroom_proto::janus::Incoming>;

/// One layer of ours to restart with a key frame: the encoding `rid` of
/// the sender on transceiver `mid` (see `room::key_frames`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerRestart {
    pub mid: String,
    pub rid: &'static str,
}

/// [`LayerRestart`] as [`PcCommand::RestartLayer`] carries it.
///
/// [`PcCommand::RestartLayer`]: crate::core::PcCommand::RestartLayer
pub type SfuLayerRestart = SfuOnly<LayerRestart>;

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

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

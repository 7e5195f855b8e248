//! A one-shot channel for the single-threaded driver (join waiter, sleep,
//! socket open): what `futures::channel::oneshot` does here, without its
//! `Arc` and atomics.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

struct Slot<T> {
    value: Option<T>,
    waker: Option<Waker>,
    sender_gone: bool,
}

pub struct Sender<T>(Rc<RefCell<Slot<T>>>);

/// Resolves with the value sent, or `Err(Canceled)` once the sender is
/// dropped without sending.
pub struct Receiver<T>(Rc<RefCell<Slot<T>>>);

#[derive(Debug)]
pub struct Canceled;

pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let slot = Rc::new(RefCell::new(Slot { value: None, waker: None, sender_gone: false }));
    (Sender(slot.clone()), Receiver(slot))
}

impl<T> Sender<T> {
    pub fn send(self, value: T) {
        if let Ok(mut slot) = self.0.try_borrow_mut() {
            slot.value = Some(value);
        }
        // Dropping `self` wakes the receiver.
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let waker = self.0.try_borrow_mut().ok().and_then(|mut slot| {
            slot.sender_gone = true;
            slot.waker.take()
        });
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, Canceled>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Ok(mut slot) = self.0.try_borrow_mut() else {
            return Poll::Ready(Err(Canceled));
        };
        if let Some(value) = slot.value.take() {
            return Poll::Ready(Ok(value));
        }
        if slot.sender_gone {
            return Poll::Ready(Err(Canceled));
        }
        slot.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}

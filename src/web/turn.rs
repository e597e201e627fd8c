//! Letting other connections have their turn while a large body is read.
//!
//! An actix worker runs its connections as tasks on one thread, and polls
//! the sockets (and timers) only between rounds of up to 61 task polls. A
//! task whose socket still has data wakes itself at once, so it is polled
//! again in the same round: two bodies arriving as fast as loopback allows
//! filled whole rounds with 128 KiB reads and their hashing, and every
//! other request waited tens of milliseconds for each of its steps. A body
//! therefore gives up its turn after every [`TURN`] bytes until the worker
//! has polled its sockets once more. `tokio::task::yield_now` alone is not
//! enough: it ends at the task's next poll, which actix's own wake-up
//! brings at once.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

/// How many body bytes a connection may take in before giving up its turn.
pub const TURN: usize = 64 * 1024;

/// Returns once the runtime has polled its I/O driver (at once outside a
/// runtime).
pub async fn after_sockets_polled() {
    let mut yielding = std::pin::pin!(tokio::task::yield_now());
    let mut woken: Option<Arc<Flag>> = None;
    std::future::poll_fn(|cx| match &woken {
        Some(flag) if flag.done.load(Ordering::Acquire) => Poll::Ready(()),
        Some(flag) => {
            flag.wake_this(cx.waker());
            Poll::Pending
        }
        None => {
            // yield_now defers its wake-up until after the driver is polled;
            // it lands on the flag, so no earlier poll can end the wait.
            let flag = Arc::new(Flag {
                done: AtomicBool::new(false),
                task: Mutex::new(cx.waker().clone()),
            });
            let waker = Waker::from(flag.clone());
            if yielding
                .as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_ready()
            {
                return Poll::Ready(());
            }
            woken = Some(flag);
            Poll::Pending
        }
    })
    .await
}

/// Set when the deferred wake-up comes; passes it on to the task that
/// polled last.
struct Flag {
    done: AtomicBool,
    task: Mutex<Waker>,
}

impl Flag {
    fn wake_this(&self, waker: &Waker) {
        let mut task = self.task.lock().unwrap_or_else(|e| e.into_inner());
        if !task.will_wake(waker) {
            task.clone_from(waker);
        }
    }
}

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.done.store(true, Ordering::Release);
        let task = self.task.lock().unwrap_or_else(|e| e.into_inner());
        task.wake_by_ref();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_poll_for_another_reason_does_not_end_the_wait() {
        let mut wait = Box::pin(after_sockets_polled());
        let waker = Waker::noop();
        let mut cx = Context::from_waker(waker);
        assert!(wait.as_mut().poll(&mut cx).is_pending());
        assert!(wait.as_mut().poll(&mut cx).is_pending());
        // The runtime's next round wakes it.
        wait.await;
    }
}

//! The process-wide budget of request-body bytes held at once.
//!
//! Every body `web` reads is held in memory until its signature is checked,
//! so the bytes of all bodies being read are what an unauthenticated flood
//! can make `web` spend. A body takes a [`Permit`] for its declared
//! `Content-Length` before a byte of it is read (a chunked body grows its
//! permit as it arrives); a request whose permit does not fit is refused,
//! and the bytes go back to the budget when the permit is dropped. The
//! budget lives in the server's shared state, so all workers draw on it.
//!
//! The last thirty-second of the budget is kept for bodies of at most
//! [`SMALL`]: large ones that pause may give back their share and take it
//! again (see `body`), and a few of them doing so could otherwise fill the
//! whole budget and leave a delivery of usual size (tens of KB) a 503.

use std::sync::atomic::{AtomicUsize, Ordering};

/// A permit up to this size may use the whole budget.
pub const SMALL: usize = 1 << 20;

pub struct Budget {
    limit: usize,
    taken: AtomicUsize,
}

/// Bytes of the budget held by one body; given back on drop.
pub struct Permit<'a> {
    budget: &'a Budget,
    bytes: usize,
}

impl Budget {
    pub fn new(limit: usize) -> Self {
        Budget {
            limit,
            taken: AtomicUsize::new(0),
        }
    }

    /// Takes `bytes` if they fit what is left, or nothing.
    pub fn try_take(&self, bytes: usize) -> Option<Permit<'_>> {
        // Lazily: a Permit built for nothing would give back on drop.
        self.take_more(bytes, bytes).then(|| Permit {
            budget: self,
            bytes,
        })
    }

    /// As [`Budget::try_take`], but never from the part kept for small
    /// bodies, whatever the size.
    pub fn try_take_outside_reserve(&self, bytes: usize) -> Option<Permit<'_>> {
        self.take_more(bytes, usize::MAX).then(|| Permit {
            budget: self,
            bytes,
        })
    }

    /// Bytes held right now, by all bodies.
    #[cfg(test)]
    pub fn taken(&self) -> usize {
        self.taken.load(Ordering::Relaxed)
    }

    /// Takes `bytes` more for a permit that will hold `permit` bytes.
    fn take_more(&self, bytes: usize, permit: usize) -> bool {
        let ceiling = if permit > SMALL {
            self.limit - self.limit / 32
        } else {
            self.limit
        };
        self.taken
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |taken| {
                taken.checked_add(bytes).filter(|&total| total <= ceiling)
            })
            .is_ok()
    }
}

impl Permit<'_> {
    /// Grows the permit by `bytes`; false (and unchanged) if they do not fit.
    pub fn grow(&mut self, bytes: usize) -> bool {
        let grown = self
            .budget
            .take_more(bytes, self.bytes.saturating_add(bytes));
        if grown {
            self.bytes += bytes;
        }
        grown
    }

    /// Gives back all but `bytes` of the permit.
    pub fn shrink_to(&mut self, bytes: usize) {
        if bytes < self.bytes {
            self.budget
                .taken
                .fetch_sub(self.bytes - bytes, Ordering::AcqRel);
            self.bytes = bytes;
        }
    }

    pub fn bytes(&self) -> usize {
        self.bytes
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        self.budget.taken.fetch_sub(self.bytes, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permits_fit_the_limit_and_give_back_on_drop() {
        let budget = Budget::new(8);
        let a = budget.try_take(4).unwrap();
        let mut b = budget.try_take(4).unwrap();
        assert!(budget.try_take(1).is_none());
        assert_eq!(budget.taken(), 8, "a refusal takes and gives back nothing");
        assert!(!b.grow(1));
        assert_eq!(b.bytes(), 4);
        drop(a);
        assert!(b.grow(3));
        assert_eq!(budget.taken(), 7);
        b.shrink_to(2);
        assert_eq!(budget.taken(), 2);
        b.shrink_to(5);
        assert_eq!(b.bytes(), 2, "shrinking never grows");
        drop(b);
        assert_eq!(budget.taken(), 0);
        assert!(budget.try_take(9).is_none());
        assert!(budget.try_take(usize::MAX).is_none());
    }

    #[test]
    fn large_permits_leave_the_last_thirty_second_to_small_ones() {
        let budget = Budget::new(64 * SMALL);
        let mut large = budget.try_take(2 * SMALL).unwrap();
        assert!(large.grow(60 * SMALL));
        assert!(!large.grow(1), "62 of 64 is as far as large ones go");
        assert!(budget.try_take(SMALL + 1).is_none());
        let small = budget.try_take(SMALL).unwrap();
        let mut growing = budget.try_take(SMALL / 2).unwrap();
        assert!(growing.grow(SMALL / 2), "still small");
        assert!(!growing.grow(1));
        drop((small, growing));
        assert_eq!(budget.taken(), 62 * SMALL);
    }
}

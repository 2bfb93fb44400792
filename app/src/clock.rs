//! The one source of time: stores and workers take `now` from an injected `Clock`.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

/// A future that ends when a clock reaches a time.
#[cfg(feature = "ssr")]
pub type Sleep<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + 'a>>;

pub trait Clock: Send + Sync + std::fmt::Debug + 'static {
    fn now(&self) -> DateTime<Utc>;

    /// Ends once `now() >= deadline`. Timers (escalation steps, retries) wait on this, so a
    /// test clock can fast-forward them.
    #[cfg(feature = "ssr")]
    fn sleep_until(&self, deadline: DateTime<Utc>) -> Sleep<'_> {
        let wait = (deadline - self.now()).to_std().unwrap_or_default();
        Box::pin(tokio::time::sleep(wait))
    }
}

/// Wall-clock time.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock tests set and advance by hand; clones share one time, and advancing it wakes
/// everything sleeping on it (`sleep_until`), so timers fire without real waiting.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<tokio::sync::watch::Sender<DateTime<Utc>>>);

#[cfg(feature = "ssr")]
impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> Self {
        Self(Arc::new(tokio::sync::watch::Sender::new(start)))
    }

    pub fn set(&self, t: DateTime<Utc>) {
        self.0.send_replace(t);
    }

    /// How many timers are waiting on this clock (tests: "the engine is asleep").
    pub fn sleepers(&self) -> usize {
        self.0.receiver_count()
    }

    pub fn advance(&self, by: Duration) {
        self.0.send_modify(|t| *t += by);
    }
}

#[cfg(feature = "ssr")]
impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.borrow()
    }

    fn sleep_until(&self, deadline: DateTime<Utc>) -> Sleep<'_> {
        let mut rx = self.0.subscribe();
        Box::pin(async move {
            // The sender lives as long as `self`, so `wait_for` only ends at the deadline.
            let _ = rx.wait_for(|now| *now >= deadline).await;
        })
    }
}

pub type SharedClock = Arc<dyn Clock>;

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_advances_for_all_clones() {
        let start = DateTime::parse_from_rfc3339("2026-03-08T06:30:00Z")
            .unwrap()
            .to_utc();
        let c = ManualClock::new(start);
        let shared: SharedClock = Arc::new(c.clone());
        c.advance(Duration::hours(5));
        assert_eq!(shared.now(), start + Duration::hours(5));
    }
}

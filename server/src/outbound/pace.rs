//! Per-destination pacing on this instance: at most `per_destination` deliveries to one
//! channel at once (so a slow or hung destination holds a few delivery slots, never all of
//! them), and a "not before" time a destination asked for (Discord's `X-RateLimit-Remaining:
//! 0` with `X-RateLimit-Reset-After`). A delivery that must wait goes back to the queue
//! without using an attempt.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use app::domain::ChannelId;
use chrono::{DateTime, Utc};

#[derive(Default)]
struct State {
    in_flight: usize,
    not_before: Option<DateTime<Utc>>,
}

#[derive(Clone)]
pub struct Pace {
    per_destination: usize,
    inner: Arc<Mutex<HashMap<ChannelId, State>>>,
}

impl std::fmt::Debug for Pace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pace")
            .field("per_destination", &self.per_destination)
            .finish_non_exhaustive()
    }
}

/// A delivery under way; dropping it frees its place.
pub struct Turn {
    pace: Pace,
    channel: ChannelId,
}

impl Drop for Turn {
    fn drop(&mut self) {
        if let Ok(mut map) = self.pace.inner.lock()
            && let Some(s) = map.get_mut(&self.channel)
        {
            s.in_flight = s.in_flight.saturating_sub(1);
            if s.in_flight == 0 && s.not_before.is_none() {
                map.remove(&self.channel);
            }
        }
    }
}

impl Pace {
    pub fn new(per_destination: usize) -> Pace {
        Pace {
            per_destination: per_destination.max(1),
            inner: Arc::default(),
        }
    }

    /// A turn for a delivery to `channel`, or the time to try again.
    pub fn turn(&self, channel: ChannelId, now: DateTime<Utc>) -> Result<Turn, DateTime<Utc>> {
        let Ok(mut map) = self.inner.lock() else {
            return Err(now + chrono::Duration::seconds(1));
        };
        let s = map.entry(channel).or_default();
        if let Some(at) = s.not_before {
            if at > now {
                return Err(at);
            }
            s.not_before = None;
        }
        if s.in_flight >= self.per_destination {
            return Err(now + chrono::Duration::seconds(1));
        }
        s.in_flight += 1;
        Ok(Turn {
            pace: self.clone(),
            channel,
        })
    }

    /// No delivery to `channel` before `at`.
    pub fn hold_off(&self, channel: ChannelId, at: DateTime<Utc>) {
        if let Ok(mut map) = self.inner.lock() {
            let s = map.entry(channel).or_default();
            s.not_before = Some(s.not_before.map_or(at, |t| t.max(at)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_destination_gets_its_share_of_turns_and_waits_when_asked() {
        let pace = Pace::new(2);
        let now = Utc::now();
        let (a, b) = (ChannelId::new(), ChannelId::new());
        let t1 = pace.turn(a, now).unwrap();
        let _t2 = pace.turn(a, now).unwrap();
        assert!(pace.turn(a, now).is_err(), "a third at once waits");
        let _other = pace
            .turn(b, now)
            .expect("another destination is not held up");
        drop(t1);
        let _t3 = pace.turn(a, now).expect("a place freed");
        let later = now + chrono::Duration::seconds(5);
        pace.hold_off(b, later);
        assert_eq!(pace.turn(b, now).err(), Some(later));
        assert!(pace.turn(b, later).is_ok());
    }
}

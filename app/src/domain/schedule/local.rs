//! Wall-clock times in a zone to instants: the one place DST gaps and folds are decided.

use crate::domain::timezone::{self, Tz};
use chrono::{DateTime, Duration, LocalResult, NaiveDateTime, TimeZone, Utc};

/// The instant of wall-clock `local` in `tz`. A fold (fall-back) takes the first occurrence;
/// a gap (spring-forward) takes the end of the gap, the first instant that exists after it.
pub fn resolve_local(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(a, b) => a.with_timezone(&Utc).min(b.with_timezone(&Utc)),
        LocalResult::None => gap_end(tz, local),
    }
}

fn offset_at(tz: Tz, t: DateTime<Utc>) -> Duration {
    Duration::seconds(i64::from(timezone::offset_at(tz, t).local_minus_utc()))
}

/// The transition instant ending the gap that `local` falls in. With the offsets before
/// (`o1`) and after (`o2`) the gap, the transition lies in `(local − o2, local − o1]`: a binary
/// search to the second finds the first instant with the later offset.
fn gap_end(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    let naive = local.and_utc();
    let o1 = offset_at(tz, naive - Duration::days(2));
    let o2 = offset_at(tz, naive + Duration::days(2));
    let (mut lo, mut hi) = (naive - o2, naive - o1);
    if lo >= hi {
        // Not a simple gap (should not happen with real zone data): the earlier reading.
        return hi;
    }
    // Invariant: the offset at `lo` is not yet the later one; at `hi` it is.
    while hi - lo > Duration::seconds(1) {
        let mid = lo + Duration::seconds((hi - lo).num_seconds() / 2);
        if offset_at(tz, mid) == o2 {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    hi
}

//! Incident analytics. The command center's overview (MTTA and MTTR over 7 and 30 days, the
//! daily series, the getting-started counts) is here; the analytics page's report is in
//! `report` (types and the filter), `agg` (every metric's one definition), `hist`
//! (percentiles beyond the live window), `facts` (reading incidents), `rollup` (the daily
//! rollup), `build` (live plus rollup into a report), `csv` (every table as CSV), `page`.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

pub mod agg;
pub mod api;
#[cfg(feature = "ssr")]
pub mod build;
pub mod csv;
#[cfg(feature = "ssr")]
pub mod export;
#[cfg(feature = "ssr")]
pub mod facts;
pub mod hist;
#[cfg(feature = "ssr")]
pub mod ops;
pub mod page;
pub mod report;
#[cfg(feature = "ssr")]
pub mod rollup;
#[cfg(feature = "ssr")]
pub mod store;

/// How the rollup keeps the noisiest alerts: by dedup key or by title (the CHECK on
/// `analytics_daily_noise.by_what` lists the same).
pub const NOISE_BY: [&str; 2] = ["KEY", "TITLE"];

/// One UTC day of incidents opened that day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct DayStat {
    pub day: NaiveDate,
    pub opened: i64,
    pub acknowledged: i64,
    pub resolved: i64,
    /// Mean seconds to acknowledge, of those acknowledged.
    pub mtta_secs: Option<f64>,
    /// Mean seconds to resolve, of those resolved.
    pub mttr_secs: Option<f64>,
}

/// Means over a window of days.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Means {
    pub opened: i64,
    pub mtta_secs: Option<f64>,
    pub mttr_secs: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Overview {
    pub at: DateTime<Utc>,
    pub last_7: Means,
    pub last_30: Means,
    /// The last 30 UTC days, oldest first, every day present (empty days have zeros).
    pub days: Vec<DayStat>,
    pub services: i64,
    pub integrations: i64,
    pub any_incident: bool,
}

/// The means of the last `n` days of `days` (weighted by each day's counts, so they equal
/// the means over all incidents of those days).
pub fn means(days: &[DayStat], n: usize) -> Means {
    let recent = &days[days.len().saturating_sub(n)..];
    let weighted = |count: fn(&DayStat) -> i64, value: fn(&DayStat) -> Option<f64>| {
        let (sum, total) = recent.iter().fold((0.0, 0i64), |(s, t), d| match value(d) {
            Some(v) => (s + v * count(d) as f64, t + count(d)),
            None => (s, t),
        });
        (total > 0).then(|| sum / total as f64)
    };
    Means {
        opened: recent.iter().map(|d| d.opened).sum(),
        mtta_secs: weighted(|d| d.acknowledged, |d| d.mtta_secs),
        mttr_secs: weighted(|d| d.resolved, |d| d.mttr_secs),
    }
}

/// Fills the days without incidents so a series has exactly `n` days ending at `last`.
pub fn fill_days(rows: Vec<DayStat>, last: NaiveDate, n: u32) -> Vec<DayStat> {
    let mut rows = rows.into_iter().peekable();
    let first = last - chrono::Days::new(u64::from(n.saturating_sub(1)));
    first
        .iter_days()
        .take(n as usize)
        .map(|day| {
            while rows.peek().is_some_and(|r| r.day < day) {
                rows.next();
            }
            match rows.peek() {
                Some(r) if r.day == day => rows.next().unwrap_or_else(|| empty(day)),
                _ => empty(day),
            }
        })
        .collect()
}

fn empty(day: NaiveDate) -> DayStat {
    DayStat {
        day,
        opened: 0,
        acknowledged: 0,
        resolved: 0,
        mtta_secs: None,
        mttr_secs: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32, acked: i64, mtta: Option<f64>) -> DayStat {
        DayStat {
            day: NaiveDate::from_ymd_opt(2026, 3, d).unwrap(),
            opened: acked + 1,
            acknowledged: acked,
            resolved: 0,
            mtta_secs: mtta,
            mttr_secs: None,
        }
    }

    #[test]
    fn means_weigh_each_day_by_its_count_and_fill_keeps_every_day() {
        let last = NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
        let days = fill_days(
            vec![
                day(2, 5, Some(999.0)),
                day(8, 1, Some(60.0)),
                day(10, 3, Some(20.0)),
            ],
            last,
            7,
        );
        assert_eq!(days.len(), 7);
        assert_eq!(days[0].day, NaiveDate::from_ymd_opt(2026, 3, 4).unwrap());
        assert_eq!(days[6].day, last);
        assert_eq!(days[4].acknowledged, 1);
        assert_eq!(days[1].opened, 0);
        // (1 × 60 + 3 × 20) / 4 = 30; day 2 is outside the window.
        let m = means(&days, 7);
        assert_eq!(m.mtta_secs, Some(30.0));
        assert_eq!(m.opened, 2 + 4);
        assert_eq!(m.mttr_secs, None);
        assert_eq!(means(&days, 1).mtta_secs, Some(20.0));
    }
}

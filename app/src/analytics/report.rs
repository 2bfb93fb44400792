//! What the analytics page and API answer: the filter (checked, naming the field), the
//! window it means, and the report: the summary against the previous period, breakdowns by
//! service, urgency, priority and hour of day, a daily series, and the noisiest alerts.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::agg::Summary;
use crate::domain::{ServiceId, TeamId, Urgency, UserId};
use crate::error::AppError;
use crate::incidents::PRIORITIES;

/// The longest window: a year (PagerDuty's analytics allows the same).
pub const MAX_DAYS: i64 = 366;
pub const DEFAULT_DAYS: i64 = 30;
/// Rows in each noisiest-alerts table.
pub const NOISY_ROWS: usize = 10;

/// The analytics filter. The window is the last `days` UTC days (today included), or the UTC
/// days `from`–`to` inclusive when both are given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnalyticsFilter {
    #[serde(default)]
    pub days: Option<i64>,
    #[serde(default)]
    pub from: Option<NaiveDate>,
    #[serde(default)]
    pub to: Option<NaiveDate>,
    #[serde(default)]
    pub service_id: Option<ServiceId>,
    #[serde(default)]
    pub team_id: Option<TeamId>,
    #[serde(default)]
    pub urgency: Option<Urgency>,
    #[serde(default)]
    pub priority: Option<String>,
    /// Incidents this person was paged for or acted on.
    #[serde(default)]
    pub responder: Option<UserId>,
}

/// A checked filter's time span: `[start, end)`, and the previous period of the same length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub previous_start: DateTime<Utc>,
}

/// The start of UTC day `d`.
pub fn midnight(d: NaiveDate) -> DateTime<Utc> {
    d.and_time(chrono::NaiveTime::MIN).and_utc()
}

impl AnalyticsFilter {
    /// The window at `now`; errors name the field.
    pub fn window(&self, now: DateTime<Utc>) -> Result<Window, AppError> {
        let today = now.date_naive();
        let (first, end) = match (self.from, self.to) {
            (Some(from), Some(to)) => {
                if from > to {
                    return Err(AppError::invalid(
                        "from",
                        "must be on or before the end date",
                    ));
                }
                if from > today {
                    return Err(AppError::invalid("from", "must not be in the future"));
                }
                if (to - from).num_days() + 1 > MAX_DAYS {
                    return Err(AppError::invalid(
                        "from",
                        format!("the window can be at most {MAX_DAYS} days"),
                    ));
                }
                let end = midnight(to + Duration::days(1)).min(now);
                (from, end)
            }
            (Some(_), None) => {
                return Err(AppError::invalid("to", "is required with a start date"));
            }
            (None, Some(_)) => {
                return Err(AppError::invalid("from", "is required with an end date"));
            }
            (None, None) => {
                let days = self.days.unwrap_or(DEFAULT_DAYS);
                if !(1..=MAX_DAYS).contains(&days) {
                    return Err(AppError::invalid(
                        "days",
                        format!("must be between 1 and {MAX_DAYS}"),
                    ));
                }
                (today - Duration::days(days - 1), now)
            }
        };
        if let Some(p) = &self.priority
            && !PRIORITIES.contains(&p.as_str())
        {
            return Err(AppError::invalid(
                "priority",
                "must be one of P1, P2, P3, P4, P5",
            ));
        }
        let start = midnight(first);
        // Whole days, a partial today counting as one.
        let days = ((end - start).num_seconds().max(0) + 86_399) / 86_400;
        Ok(Window {
            start,
            end,
            previous_start: start - Duration::days(days.min(MAX_DAYS)),
        })
    }
}

/// One row of a breakdown (by service, urgency or priority).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupRow {
    pub label: String,
    pub summary: Summary,
}

/// One UTC day of the window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DayRow {
    pub day: NaiveDate,
    pub opened: i64,
    pub mtta_secs: Option<f64>,
    pub mttr_secs: Option<f64>,
}

/// One of the noisiest alerts: a dedup key (or a title) and what it caused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Noisy {
    pub label: String,
    pub title: String,
    pub service: String,
    pub incidents: i64,
    pub alerts: i64,
    pub flapping: i64,
    /// Resolved within 2 minutes without an acknowledgement.
    pub quick_resolved: i64,
}

/// The report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub previous_start: DateTime<Utc>,
    pub summary: Summary,
    /// The same figures for the period of the same length before.
    pub previous: Summary,
    pub by_service: Vec<GroupRow>,
    pub by_urgency: Vec<GroupRow>,
    pub by_priority: Vec<GroupRow>,
    /// Incidents opened in each hour of the day, in `zone` (24 entries).
    pub by_hour: Vec<i64>,
    pub zone: String,
    pub days: Vec<DayRow>,
    pub noisy_keys: Vec<Noisy>,
    pub noisy_titles: Vec<Noisy>,
    /// Percentiles exact (every incident read live) or estimated from the rollup's histograms.
    pub exact_percentiles: bool,
    /// Days of the window read live from incidents, and days read from the rollup.
    pub live_days: i64,
    pub rolled_days: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(r: Result<Window, AppError>) -> String {
        match r {
            Err(AppError::Invalid { field, .. }) => field,
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    #[test]
    fn windows_are_whole_utc_days_and_bad_filters_name_their_field() {
        let now: DateTime<Utc> = "2026-03-08T06:30:00Z".parse().unwrap();
        let w = AnalyticsFilter {
            days: Some(7),
            ..Default::default()
        }
        .window(now)
        .unwrap();
        assert_eq!(
            w.start,
            "2026-03-02T00:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert_eq!(w.end, now);
        assert_eq!(
            w.previous_start,
            "2026-02-23T00:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        let d = |s: &str| Some(s.parse::<NaiveDate>().unwrap());
        let f = AnalyticsFilter {
            from: d("2026-03-01"),
            to: d("2026-03-01"),
            ..Default::default()
        };
        let w = f.window(now).unwrap();
        assert_eq!(
            w.end,
            "2026-03-02T00:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert_eq!(
            w.previous_start,
            "2026-02-28T00:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert_eq!(
            field(
                AnalyticsFilter {
                    days: Some(0),
                    ..Default::default()
                }
                .window(now)
            ),
            "days"
        );
        assert_eq!(
            field(
                AnalyticsFilter {
                    days: Some(367),
                    ..Default::default()
                }
                .window(now)
            ),
            "days"
        );
        let back = AnalyticsFilter {
            from: d("2026-03-05"),
            to: d("2026-03-01"),
            ..Default::default()
        };
        assert_eq!(field(back.window(now)), "from");
        assert_eq!(
            field(
                AnalyticsFilter {
                    from: d("2026-03-05"),
                    ..Default::default()
                }
                .window(now)
            ),
            "to"
        );
        let p = AnalyticsFilter {
            priority: Some("P0".into()),
            ..Default::default()
        };
        assert_eq!(field(p.window(now)), "priority");
    }
}

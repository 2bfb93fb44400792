//! SLAs: acknowledge and resolve targets per service, optionally for one urgency or one
//! priority (the most specific applies), a warning N minutes before an acknowledge target is
//! missed, and the breach state of an incident. Snoozed time does not count. SQL is `store`,
//! who may change targets `ops`, server functions `api`, the service page's card `card`, the
//! warning job's work `warning`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::Urgency;
use crate::error::AppError;
use crate::incidents::PRIORITIES;

pub mod api;
pub mod card;
#[cfg(feature = "ssr")]
pub mod ops;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod warning;

/// The longest acknowledge target (30 days) and resolve target (a year), in minutes; the
/// table's CHECKs say the same.
pub const ACK_MAX: i32 = 43_200;
pub const RESOLVE_MAX: i32 = 525_600;
/// Most targets per service (one per scope: the service, 3 urgencies, 5 priorities).
pub const TARGETS_MAX: usize = 9;

/// One target. `urgency` or `priority` (not both) narrows it; neither: the service's own.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaTarget {
    pub urgency: Option<Urgency>,
    pub priority: Option<String>,
    pub ack_minutes: Option<i32>,
    pub resolve_minutes: Option<i32>,
    /// Warn the people holding the incident this many minutes before the acknowledge target.
    pub warn_minutes: Option<i32>,
}

impl SlaTarget {
    /// Which incidents it covers, in words.
    pub fn scope(&self) -> String {
        match (&self.urgency, &self.priority) {
            (Some(u), _) => format!("{} urgency", u.as_str().to_lowercase()),
            (_, Some(p)) => format!("priority {p}"),
            _ => "every incident".into(),
        }
    }

    /// Checked: each number in range, the warning before the ack target, one scope. Errors
    /// name the field as `targets[i].field`.
    pub fn checked(&self, i: usize) -> Result<SlaTarget, AppError> {
        let field = |f: &str| format!("targets[{i}].{f}");
        let minutes = |f: &str, v: Option<i32>, max: i32| match v {
            Some(m) if !(1..=max).contains(&m) => Err(AppError::invalid(
                field(f),
                format!("must be between 1 and {max} minutes"),
            )),
            _ => Ok(v),
        };
        let ack = minutes("ack_minutes", self.ack_minutes, ACK_MAX)?;
        let resolve = minutes("resolve_minutes", self.resolve_minutes, RESOLVE_MAX)?;
        if ack.is_none() && resolve.is_none() {
            return Err(AppError::invalid(
                field("ack_minutes"),
                "needs an acknowledge or a resolve target",
            ));
        }
        let warn = match (self.warn_minutes, ack) {
            (None, _) => None,
            (Some(_), None) => {
                return Err(AppError::invalid(
                    field("warn_minutes"),
                    "needs an acknowledge target to warn before",
                ));
            }
            (Some(w), Some(a)) if w < 1 || w >= a => {
                return Err(AppError::invalid(
                    field("warn_minutes"),
                    format!(
                        "must be between 1 and {} minutes (before the target)",
                        a - 1
                    ),
                ));
            }
            (Some(w), Some(_)) => Some(w),
        };
        let priority = match self.priority.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(p) if PRIORITIES.contains(&p) => Some(p.to_owned()),
            Some(_) => {
                return Err(AppError::invalid(
                    field("priority"),
                    "must be one of P1, P2, P3, P4, P5",
                ));
            }
        };
        if self.urgency.is_some() && priority.is_some() {
            return Err(AppError::invalid(
                field("priority"),
                "a target is for one urgency or one priority, not both",
            ));
        }
        Ok(SlaTarget {
            urgency: self.urgency,
            priority,
            ack_minutes: ack,
            resolve_minutes: resolve,
            warn_minutes: warn,
        })
    }
}

/// Checks a service's whole list: each target, and one target per scope.
pub fn checked_all(targets: &[SlaTarget]) -> Result<Vec<SlaTarget>, AppError> {
    if targets.len() > TARGETS_MAX {
        return Err(AppError::invalid(
            "targets",
            format!("at most {TARGETS_MAX} targets (one per scope)"),
        ));
    }
    let mut out: Vec<SlaTarget> = Vec::with_capacity(targets.len());
    for (i, t) in targets.iter().enumerate() {
        let t = t.checked(i)?;
        if out
            .iter()
            .any(|o| o.urgency == t.urgency && o.priority == t.priority)
        {
            return Err(AppError::invalid(
                format!("targets[{i}].urgency"),
                format!("a second target for {}", t.scope()),
            ));
        }
        out.push(t);
    }
    Ok(out)
}

/// Where an incident stands against its targets (seconds exclude snoozed time).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaState {
    pub ack_due_at: Option<DateTime<Utc>>,
    pub resolve_due_at: Option<DateTime<Utc>>,
    pub ack_breached: bool,
    pub resolve_breached: bool,
    /// The next target still to meet (acknowledge, then resolve); `None` when both are met.
    pub next_due_at: Option<DateTime<Utc>>,
    /// Not breached yet, but inside the acknowledge target's warning window (the last N
    /// minutes before it) and still unacknowledged.
    #[serde(default)]
    pub at_risk: bool,
}

/// How a target came out: `Some(true)` missed, `Some(false)` met, `None` not yet known (or
/// no target). `done` is when it was met (acknowledged or resolved); a target still open at
/// `now` after its due time is missed.
pub fn outcome(
    due: Option<DateTime<Utc>>,
    done: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<bool> {
    let due = due?;
    match done {
        Some(at) => Some(at > due),
        None => (now > due).then_some(true),
    }
}

impl SlaState {
    pub fn breached(&self) -> bool {
        self.ack_breached || self.resolve_breached
    }

    /// The one reading of an incident's SLA columns (`sla_state_columns!` and the incident's
    /// first acknowledgement, resolve time and warning minutes) at `now`; `None` when no
    /// target applies.
    pub fn read(cols: SlaColumns, now: DateTime<Utc>) -> Option<SlaState> {
        let SlaColumns {
            has_target,
            acked,
            resolved,
            ack_due,
            resolve_due,
            warn_minutes,
        } = cols;
        if !has_target {
            return None;
        }
        let late = |due, done| outcome(due, done, now) == Some(true);
        // Resolved before the ack target without an acknowledgement: not an ack breach.
        let ack_breached = late(ack_due, acked.or(resolved));
        let resolve_breached = late(resolve_due, resolved);
        let at_risk = !ack_breached
            && !resolve_breached
            && acked.is_none()
            && resolved.is_none()
            && matches!((ack_due, warn_minutes), (Some(due), Some(w))
                if now >= due - chrono::Duration::minutes(i64::from(w)));
        Some(SlaState {
            ack_due_at: ack_due,
            resolve_due_at: resolve_due,
            ack_breached,
            resolve_breached,
            next_due_at: match (acked, resolved) {
                (_, Some(_)) => None,
                (None, None) => ack_due.or(resolve_due),
                (Some(_), None) => resolve_due,
            },
            at_risk,
        })
    }
}

/// What a query selects for [`SlaState::read`] (see `sla_summary_columns!`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct SlaColumns {
    #[cfg_attr(feature = "ssr", sqlx(rename = "sla_has_target"))]
    pub has_target: bool,
    #[cfg_attr(feature = "ssr", sqlx(rename = "sla_acked_at"))]
    pub acked: Option<DateTime<Utc>>,
    #[cfg_attr(feature = "ssr", sqlx(rename = "sla_resolved_at"))]
    pub resolved: Option<DateTime<Utc>>,
    #[cfg_attr(feature = "ssr", sqlx(rename = "ack_due_at"))]
    pub ack_due: Option<DateTime<Utc>>,
    #[cfg_attr(feature = "ssr", sqlx(rename = "resolve_due_at"))]
    pub resolve_due: Option<DateTime<Utc>>,
    #[cfg_attr(feature = "ssr", sqlx(rename = "sla_warn_minutes"))]
    pub warn_minutes: Option<i32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(ack: Option<i32>, resolve: Option<i32>, warn: Option<i32>) -> SlaTarget {
        SlaTarget {
            ack_minutes: ack,
            resolve_minutes: resolve,
            warn_minutes: warn,
            ..Default::default()
        }
    }

    fn field(r: Result<Vec<SlaTarget>, AppError>) -> String {
        match r {
            Err(AppError::Invalid { field, .. }) => field,
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    #[test]
    fn checks_name_the_field_and_one_target_per_scope() {
        assert!(checked_all(&[t(Some(15), Some(120), Some(5))]).is_ok());
        assert_eq!(
            field(checked_all(&[t(None, None, None)])),
            "targets[0].ack_minutes"
        );
        assert_eq!(
            field(checked_all(&[t(Some(0), None, None)])),
            "targets[0].ack_minutes"
        );
        assert_eq!(
            field(checked_all(&[t(Some(10), None, Some(10))])),
            "targets[0].warn_minutes"
        );
        assert_eq!(
            field(checked_all(&[t(None, Some(60), Some(5))])),
            "targets[0].warn_minutes"
        );
        let mut p = t(Some(5), None, None);
        p.priority = Some("P9".into());
        assert_eq!(field(checked_all(&[p])), "targets[0].priority");
        assert_eq!(
            field(checked_all(&[
                t(Some(5), None, None),
                t(Some(9), None, None)
            ])),
            "targets[1].urgency"
        );
        let mut both = t(Some(5), None, None);
        both.priority = Some("P1".into());
        both.urgency = Some(Urgency::High);
        assert_eq!(field(checked_all(&[both])), "targets[0].priority");
    }
}

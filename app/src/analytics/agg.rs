//! The one definition of every metric: per-incident facts (`Fact`) are added up into sums
//! (`Agg`), the same way for the live path (facts read from incidents) and the rollup (sums
//! stored per day, service, urgency and priority), and sums become figures (`Summary`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::hist::{Hist, quantile_exact};
use crate::domain::{ServiceId, Urgency};

/// "Resolved quickly": within this many seconds, without an acknowledgement.
pub const QUICK_SECS: f64 = 120.0;

/// What analytics needs of one incident.
#[derive(Debug, Clone, PartialEq)]
pub struct Fact {
    pub service_id: ServiceId,
    pub urgency: Urgency,
    /// `""`: no priority.
    pub priority: String,
    pub created_at: DateTime<Utc>,
    pub dedup_key: String,
    pub title: String,
    /// Created → first acknowledgement (kept across a reopen).
    pub ack_secs: Option<f64>,
    /// Created → resolved, for resolved incidents.
    pub resolve_secs: Option<f64>,
    /// Reached a second step, or a second pass of the policy.
    pub escalated: bool,
    /// Resolved, then opened again.
    pub reopened: bool,
    /// Resolved by its monitoring tool (or the engine), not a person.
    pub auto_resolved: bool,
    pub flapping: bool,
    pub alerts: i64,
    /// Against its SLA targets: `None` when no target applies or it cannot be told yet.
    pub ack_breached: Option<bool>,
    pub resolve_breached: Option<bool>,
}

impl Fact {
    pub fn quick(&self) -> bool {
        self.ack_secs.is_none() && self.resolve_secs.is_some_and(|s| s < QUICK_SECS)
    }
}

/// Sums over incidents. `hours` counts them by the UTC hour they opened in.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Agg {
    pub opened: i64,
    pub acknowledged: i64,
    pub resolved: i64,
    pub ack_secs: f64,
    pub resolve_secs: f64,
    pub escalated: i64,
    pub reopened: i64,
    pub auto_resolved: i64,
    pub quick_resolved: i64,
    pub flapping: i64,
    pub alerts: i64,
    pub ack_breached: i64,
    pub ack_measured: i64,
    pub resolve_breached: i64,
    pub resolve_measured: i64,
    pub ack_hist: Hist,
    pub resolve_hist: Hist,
    pub hours: [i64; 24],
}

impl Agg {
    pub fn add(&mut self, f: &Fact) {
        use chrono::Timelike;
        self.opened += 1;
        if let Some(s) = f.ack_secs {
            self.acknowledged += 1;
            self.ack_secs += s;
            self.ack_hist.add(s);
        }
        if let Some(s) = f.resolve_secs {
            self.resolved += 1;
            self.resolve_secs += s;
            self.resolve_hist.add(s);
        }
        self.escalated += i64::from(f.escalated);
        self.reopened += i64::from(f.reopened);
        self.auto_resolved += i64::from(f.auto_resolved);
        self.quick_resolved += i64::from(f.quick());
        self.flapping += i64::from(f.flapping);
        self.alerts += f.alerts;
        if let Some(b) = f.ack_breached {
            self.ack_measured += 1;
            self.ack_breached += i64::from(b);
        }
        if let Some(b) = f.resolve_breached {
            self.resolve_measured += 1;
            self.resolve_breached += i64::from(b);
        }
        self.hours[f.created_at.hour() as usize] += 1;
    }

    pub fn merge(&mut self, o: &Agg) {
        self.opened += o.opened;
        self.acknowledged += o.acknowledged;
        self.resolved += o.resolved;
        self.ack_secs += o.ack_secs;
        self.resolve_secs += o.resolve_secs;
        self.escalated += o.escalated;
        self.reopened += o.reopened;
        self.auto_resolved += o.auto_resolved;
        self.quick_resolved += o.quick_resolved;
        self.flapping += o.flapping;
        self.alerts += o.alerts;
        self.ack_breached += o.ack_breached;
        self.ack_measured += o.ack_measured;
        self.resolve_breached += o.resolve_breached;
        self.resolve_measured += o.resolve_measured;
        self.ack_hist.merge(&o.ack_hist.0);
        self.resolve_hist.merge(&o.resolve_hist.0);
        for (a, b) in self.hours.iter_mut().zip(o.hours) {
            *a += b;
        }
    }
}

/// Mean and percentiles of a duration, in seconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Stat {
    pub mean: Option<f64>,
    pub p50: Option<f64>,
    pub p90: Option<f64>,
}

/// The figures of a set of incidents.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub opened: i64,
    pub acknowledged: i64,
    pub resolved: i64,
    pub mtta: Stat,
    pub mttr: Stat,
    /// Share of incidents that reached a second step (or pass).
    pub escalation_rate: Option<f64>,
    /// Share of incidents resolved and opened again.
    pub reopen_rate: Option<f64>,
    /// Share of resolved incidents resolved by their monitoring tool, not a person.
    pub auto_resolve_rate: Option<f64>,
    pub alerts_per_incident: Option<f64>,
    pub quick_resolved: i64,
    pub flapping: i64,
    /// Share of incidents measured against an acknowledge (resolve) target that met it.
    pub ack_compliance: Option<f64>,
    pub resolve_compliance: Option<f64>,
    pub ack_breached: i64,
    pub resolve_breached: i64,
}

fn ratio(a: i64, b: i64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

/// Raw durations, when every incident of a summary was read live: percentiles are then
/// exact (`percentile_cont`), else estimated from the histograms.
#[derive(Debug, Clone, Default)]
pub struct Exact {
    pub ack: Vec<f64>,
    pub resolve: Vec<f64>,
}

impl Summary {
    pub fn of(a: &Agg, exact: Option<&mut Exact>) -> Summary {
        let stat = |sum: f64, n: i64, hist: &Hist, raw: Option<&mut Vec<f64>>| {
            let (p50, p90) = match raw {
                Some(v) => (quantile_exact(v, 0.5), quantile_exact(v, 0.9)),
                None => (hist.quantile(0.5), hist.quantile(0.9)),
            };
            Stat {
                mean: (n > 0).then(|| sum / n as f64),
                p50,
                p90,
            }
        };
        let (ack_raw, res_raw) = match exact {
            Some(e) => (Some(&mut e.ack), Some(&mut e.resolve)),
            None => (None, None),
        };
        Summary {
            opened: a.opened,
            acknowledged: a.acknowledged,
            resolved: a.resolved,
            mtta: stat(a.ack_secs, a.acknowledged, &a.ack_hist, ack_raw),
            mttr: stat(a.resolve_secs, a.resolved, &a.resolve_hist, res_raw),
            escalation_rate: ratio(a.escalated, a.opened),
            reopen_rate: ratio(a.reopened, a.opened),
            auto_resolve_rate: ratio(a.auto_resolved, a.resolved),
            alerts_per_incident: ratio(a.alerts, a.opened),
            quick_resolved: a.quick_resolved,
            flapping: a.flapping,
            ack_compliance: ratio(a.ack_measured - a.ack_breached, a.ack_measured),
            resolve_compliance: ratio(a.resolve_measured - a.resolve_breached, a.resolve_measured),
            ack_breached: a.ack_breached,
            resolve_breached: a.resolve_breached,
        }
    }
}

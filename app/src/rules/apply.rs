//! Event rules at ingest, inside the ingest transaction: the rule sets this transaction sees,
//! evaluated for each event of a batch → dropped (counted), or kept with its (maybe routed)
//! target, (maybe re-keyed) event and what the incident SQL must do besides.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::eval::{Compiled, Matched, cached, global_stage, service_stage};
use super::parse::parse_rules;
use crate::domain::ServiceId;
use crate::error::AppError;
use crate::incidents::InboundEvent;
use crate::incidents::store::IngestTarget;

/// What rules add to an event that is kept.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Treatment {
    pub suppress: bool,
    pub urgency: Option<crate::domain::Urgency>,
    pub priority: Option<String>,
    pub notes: Vec<String>,
    /// "Global rule 1 “Key by alert”" …, for the timeline.
    pub rules: Vec<String>,
    /// The maintenance window holding the event's service (when no rule suppressed it): the
    /// new incident is SUPPRESSED and released when the window ends.
    pub maintenance: Option<(crate::domain::MaintenanceId, String)>,
    /// The group key a trigger was grouped by (`grouping::regroup`): a new incident keeps it.
    pub group: Option<String>,
}

impl Treatment {
    /// The incident's urgency: the rule's, else the service's rule for the event's severity.
    pub fn urgency(&self, target: &IngestTarget, ev: &InboundEvent) -> crate::domain::Urgency {
        self.urgency
            .unwrap_or_else(|| target.urgency_rule.urgency(ev.severity))
    }

    /// Whether a new incident is created SUPPRESSED (by a rule, or a maintenance window).
    pub fn suppressed(&self) -> bool {
        self.suppress || self.maintenance.is_some()
    }

    /// What the incident SQL adds to the timeline and the row (`{"rules": […], "notes": […],
    /// "maintenance": {"id", "name"}, "group": "…"}`), or `None` when no rule, window or
    /// grouping applied.
    pub fn extras(&self) -> Option<serde_json::Value> {
        if self.rules.is_empty() && self.maintenance.is_none() && self.group.is_none() {
            return None;
        }
        let mut v = serde_json::json!({"rules": self.rules, "notes": self.notes});
        if let Some((id, name)) = &self.maintenance {
            v["maintenance"] = serde_json::json!({"id": id, "name": name});
        }
        if let Some(group) = &self.group {
            v["group"] = serde_json::json!(group);
        }
        Some(v)
    }
}

/// One event after the rules (borrowed as it came unless a rule changed it). A dropped event
/// keeps the target it was dropped on, for the count.
#[derive(Debug, Clone)]
pub struct Decision<'a> {
    pub dropped: bool,
    /// Taken in by alert grouping without changing the incident (a resolve of one of a
    /// group's alerts while others still fire): the incident it went to.
    pub absorbed: Option<crate::domain::IncidentId>,
    pub target: Cow<'a, IngestTarget>,
    pub event: Cow<'a, InboundEvent>,
    pub treat: Treatment,
}

pub fn describe(m: &Matched) -> String {
    let scope = if m.global { "Global rule" } else { "Rule" };
    format!("{scope} {} “{}”", m.position, m.name)
}

fn compile(set: &super::store::StoredSet) -> Result<Arc<Compiled>, AppError> {
    cached(set.id, set.version, || {
        parse_rules("rules", &set.rules, set.service_id.is_none()).map_err(|e| AppError::Internal {
            message: format!(
                "database column event_rule_sets.rules holds rules that no longer parse: {e}"
            ),
        })
    })
}

/// The rules' decision for every item, in item order.
pub async fn decide<'a>(
    tx: &mut PgConnection,
    items: &[(&'a IngestTarget, &'a InboundEvent)],
    now: DateTime<Utc>,
) -> Result<Vec<Decision<'a>>, AppError> {
    let mut services: Vec<ServiceId> = items.iter().map(|(t, _)| t.service_id).collect();
    services.sort_unstable();
    services.dedup();
    let stored = super::store::sets_for(tx, &services).await?;
    let mut held: HashMap<ServiceId, (crate::domain::MaintenanceId, String)> =
        crate::maintenance::store::holding(tx, &services, now)
            .await?
            .into_iter()
            .map(|(s, w)| (s, (w.id, w.name)))
            .collect();
    let mut checked: Vec<ServiceId> = services.clone();
    if held.is_empty()
        && stored
            .iter()
            .all(|s| s.rules.as_array().is_none_or(Vec::is_empty))
    {
        return Ok(items
            .iter()
            .map(|(t, ev)| Decision {
                dropped: false,
                absorbed: None,
                target: Cow::Borrowed(*t),
                event: Cow::Borrowed(*ev),
                treat: Treatment::default(),
            })
            .collect());
    }
    let empty = Arc::new(Compiled::new(Vec::new())?);
    let mut global = empty.clone();
    let mut by_service: HashMap<ServiceId, Arc<Compiled>> = HashMap::new();
    for set in &stored {
        match set.service_id {
            None => global = compile(set)?,
            Some(s) => {
                by_service.insert(s, compile(set)?);
            }
        }
    }
    // Where routed events go, read once per batch.
    let mut routes: HashMap<ServiceId, Option<crate::services::UrgencyRule>> = HashMap::new();
    let mut out = Vec::with_capacity(items.len());
    for &(target, ev) in items {
        let mut outcome = global_stage(&global, ev, now);
        let mut target = Cow::Borrowed(target);
        if let Some(to) = outcome.route_to.filter(|to| *to != target.service_id) {
            let rule = match routes.get(&to) {
                Some(r) => *r,
                None => {
                    let r = super::store::route_target(tx, to).await?;
                    routes.insert(to, r);
                    r
                }
            };
            match rule {
                Some(rule) => {
                    if let std::collections::hash_map::Entry::Vacant(slot) = by_service.entry(to) {
                        let sets = super::store::sets_for(tx, &[to]).await?;
                        slot.insert(match sets.iter().find(|s| s.service_id == Some(to)) {
                            Some(s) => compile(s)?,
                            None => empty.clone(),
                        });
                    }
                    target = Cow::Owned(IngestTarget {
                        service_id: to,
                        integration_id: target.integration_id,
                        urgency_rule: rule,
                    });
                }
                None => {
                    tracing::warn!(service = %to, "an event rule routes to a service that no longer exists; the event stays")
                }
            }
        }
        let service = by_service.get(&target.service_id).unwrap_or(&empty);
        service_stage(&mut outcome, service, ev, now);
        if outcome.drop {
            out.push(Decision {
                dropped: true,
                absorbed: None,
                target,
                event: Cow::Borrowed(ev),
                treat: Treatment::default(),
            });
            continue;
        }
        if !checked.contains(&target.service_id) {
            // Routed to a service outside the batch: is a window holding it?
            checked.push(target.service_id);
            for (s, w) in crate::maintenance::store::holding(tx, &[target.service_id], now).await? {
                held.insert(s, (w.id, w.name));
            }
        }
        let maintenance = match outcome.suppress {
            true => None,
            false => held.get(&target.service_id).cloned(),
        };
        let event = match outcome.dedup_key.take() {
            Some(key) => Cow::Owned(InboundEvent {
                dedup_key: Some(key),
                ..ev.clone()
            }),
            None => Cow::Borrowed(ev),
        };
        out.push(Decision {
            dropped: false,
            absorbed: None,
            target,
            event,
            treat: Treatment {
                suppress: outcome.suppress,
                urgency: outcome.urgency,
                priority: outcome.priority,
                notes: outcome.notes,
                rules: outcome.matched.iter().map(describe).collect(),
                maintenance,
                group: None,
            },
        });
    }
    Ok(out)
}

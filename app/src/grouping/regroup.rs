//! Alert grouping at ingest, inside the ingest transaction, after the event rules: a trigger
//! on a grouping service whose own dedup key has no open incident takes the key of the open
//! incident of its group (opened within the window), or a new key shared by the batch's
//! events of that group. Its own key is remembered, so its monitor's acknowledge reaches the
//! group incident, and its resolve counts down the group's firing alerts: the incident
//! resolves with the last.

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::{DateTime, TimeDelta, Utc};
use sqlx::PgConnection;

use super::store::{self, Probe};
use crate::domain::{IncidentId, ServiceId};
use crate::error::AppError;
use crate::incidents::{EventAction, InboundEvent};
use crate::rules::apply::Decision;

/// The longest group key kept (longer renders are cut at a character boundary).
const GROUP_KEY_MAX: usize = 1000;

fn cut(mut s: String) -> String {
    if s.len() > GROUP_KEY_MAX {
        let mut end = GROUP_KEY_MAX;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
    s
}

fn rekey(d: &mut Decision<'_>, key: &str) {
    let ev = InboundEvent {
        dedup_key: Some(key.to_owned()),
        ..d.event.as_ref().clone()
    };
    d.event = Cow::Owned(ev);
}

/// Rewrites the dedup keys of `decisions` that grouping places (see the module), in place.
pub async fn regroup(
    tx: &mut PgConnection,
    decisions: &mut [Decision<'_>],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let mut services: Vec<ServiceId> = decisions
        .iter()
        .filter(|d| !d.dropped)
        .map(|d| d.target.service_id)
        .collect();
    services.sort_unstable();
    services.dedup();
    let config: HashMap<ServiceId, (String, i32)> = store::grouping_of(tx, &services)
        .await?
        .into_iter()
        .map(|(s, t, w)| (s, (t, w)))
        .collect();
    if config.is_empty() {
        return Ok(());
    }
    // (decision, group key, own key, oldest a group incident may be) for each grouped event.
    let mut grouped: Vec<(usize, String, Option<String>, DateTime<Utc>)> = Vec::new();
    for (i, d) in decisions.iter().enumerate() {
        if d.dropped {
            continue;
        }
        let Some((template, window)) = config.get(&d.target.service_id) else {
            continue;
        };
        let group = match crate::rules::field::render_found(template, &d.event) {
            Some(g) => cut(g),
            // An acknowledge or resolve may carry only its key (Events v2 does): it finds its
            // group incident by that key.
            None if d.event.action != EventAction::Trigger && d.event.dedup_key.is_some() => {
                String::new()
            }
            None => continue,
        };
        let since = now - TimeDelta::minutes(i64::from(*window));
        grouped.push((i, group, d.event.dedup_key.clone(), since));
    }
    if grouped.is_empty() {
        return Ok(());
    }
    let probes: Vec<Probe<'_>> = grouped
        .iter()
        .map(|(i, g, k, since)| Probe {
            service: decisions[*i].target.service_id,
            group: g,
            key: k.as_deref(),
            since: *since,
        })
        .collect();
    let found = store::place(tx, &probes).await?;
    drop(probes);
    // A group opened by this batch: its new key, shared by the batch's later events.
    let mut opened: HashMap<(ServiceId, &str), String> = HashMap::new();
    let mut members: Vec<(ServiceId, String, String)> = Vec::new();
    let mut absorbed: Vec<(IncidentId, String, i64)> = Vec::new();
    for ((i, group, own_key, _), (own, open_group, member_of)) in grouped.iter().zip(found) {
        if own.is_some() {
            // Its own key's open incident takes it, as without grouping.
            continue;
        }
        let d = &mut decisions[*i];
        let service = d.target.service_id;
        match d.event.action {
            EventAction::Trigger => {
                // An alert already in an open group stays there; else the group's newest
                // incident within the window; else a new one.
                let key = match member_of.or(open_group) {
                    Some((_, key)) => key,
                    None => opened
                        .entry((service, group.as_str()))
                        .or_insert_with(|| format!("grp-{}", uuid::Uuid::new_v4().simple()))
                        .clone(),
                };
                if let Some(own_key) = own_key {
                    members.push((service, own_key.clone(), key.clone()));
                }
                rekey(d, &key);
                d.treat.group = Some(group.clone());
            }
            EventAction::Acknowledge => {
                if let Some((_, key)) = member_of {
                    rekey(d, &key);
                }
            }
            EventAction::Resolve => {
                let (Some((incident, key)), Some(own_key)) = (member_of, own_key) else {
                    continue;
                };
                let firing = store::resolve_member(tx, service, own_key, &key, now).await?;
                if firing > 0 {
                    d.absorbed = Some(incident);
                    absorbed.push((incident, own_key.clone(), firing));
                } else {
                    rekey(d, &key);
                }
            }
        }
    }
    let members: Vec<(ServiceId, &str, &str)> = members
        .iter()
        .map(|(s, k, g)| (*s, k.as_str(), g.as_str()))
        .collect();
    store::remember(tx, &members, now).await?;
    note_absorbed(tx, &absorbed, now).await
}

/// Timeline notes for resolves taken in while other alerts of the group still fire.
async fn note_absorbed(
    tx: &mut PgConnection,
    absorbed: &[(IncidentId, String, i64)],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if absorbed.is_empty() {
        return Ok(());
    }
    let ids: Vec<IncidentId> = absorbed.iter().map(|a| a.0).collect();
    let notes: Vec<String> = absorbed
        .iter()
        .map(|(_, key, firing)| {
            format!("Alert {key} resolved; {firing} alert(s) of this group still firing")
        })
        .collect();
    sqlx::query(
        "INSERT INTO incident_timeline (incident_id, at, kind, details)
         SELECT u.id, $2, 'NOTE', jsonb_build_object('note', u.note, 'by', 'alert grouping')
         FROM unnest($1::uuid[], $3::text[]) AS u(id, note)",
    )
    .bind(&ids)
    .bind(now)
    .bind(&notes)
    .execute(&mut *tx)
    .await?;
    crate::incidents::notify::notify(tx, &ids).await
}

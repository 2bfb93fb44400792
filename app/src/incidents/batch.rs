//! Set-based ingestion of a batch inside one transaction. Events are split into rounds: round
//! r holds the r-th event of every (service, dedup key) in the batch, so keys are distinct
//! within a round and each key's events keep their order across rounds. All triggers of a
//! round go to Postgres as one statement over arrays; acknowledges and resolves (rare) run
//! one by one. A batch of N mostly-trigger events costs a handful of round trips, not N.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::early_resolve_window;
use super::store::{IngestTarget, Ingested, ingest};
use super::{EventAction, InboundEvent};
use crate::domain::{IncidentId, IntegrationId, ServiceId};
use crate::error::AppError;
use crate::rules::apply::Treatment;

/// Applies `items` in order per dedup key, after the event rules (`rules::apply`) and alert
/// grouping (`grouping::regroup`): dropped events are counted and touch no incident. Returns
/// one result per item, in item order.
pub async fn ingest_batch(
    tx: &mut PgConnection,
    items: &[(&IngestTarget, &InboundEvent)],
    now: DateTime<Utc>,
) -> Result<Vec<Ingested>, AppError> {
    let mut decisions = crate::rules::apply::decide(tx, items, now).await?;
    crate::grouping::regroup::regroup(tx, &mut decisions, now).await?;
    let mut drops = Vec::new();
    let mut kept = Vec::with_capacity(items.len());
    let mut treats = Vec::with_capacity(items.len());
    for d in &decisions {
        if d.absorbed.is_some() {
            continue;
        }
        if d.dropped {
            drops.push((d.target.service_id, d.event.summary.as_str()));
        } else {
            kept.push((d.target.as_ref(), d.event.as_ref()));
            treats.push(&d.treat);
        }
    }
    crate::rules::store::record_drops(tx, &drops, now).await?;
    let mut applied = apply_kept(tx, &kept, &treats, now).await?.into_iter();
    decisions
        .iter()
        .map(|d| {
            if let Some(incident) = d.absorbed {
                Ok(Ingested {
                    dedup_key: d.event.dedup_key.clone().unwrap_or_default(),
                    incident: Some(incident),
                })
            } else if d.dropped {
                Ok(Ingested {
                    dedup_key: d
                        .event
                        .dedup_key
                        .clone()
                        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string()),
                    incident: None,
                })
            } else {
                applied.next().ok_or_else(|| AppError::Internal {
                    message: "an event of the batch was not applied".into(),
                })
            }
        })
        .collect()
}

/// The events the rules kept, with what the rules add to each (`treats`, by position).
async fn apply_kept(
    tx: &mut PgConnection,
    items: &[(&IngestTarget, &InboundEvent)],
    treats: &[&Treatment],
    now: DateTime<Utc>,
) -> Result<Vec<Ingested>, AppError> {
    // Generated keys first, so a trigger without one is its own key.
    let keys: Vec<String> = items
        .iter()
        .map(|(_, ev)| {
            ev.dedup_key
                .clone()
                .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string())
        })
        .collect();
    let mut seen: HashMap<(ServiceId, &str), usize> = HashMap::with_capacity(items.len());
    let mut rounds: Vec<Vec<usize>> = Vec::new();
    for (i, (t, _)) in items.iter().enumerate() {
        let n = seen.entry((t.service_id, keys[i].as_str())).or_insert(0);
        if rounds.len() <= *n {
            rounds.push(Vec::new());
        }
        rounds[*n].push(i);
        *n += 1;
    }
    let mut out: Vec<Option<Ingested>> = vec![None; items.len()];
    for round in rounds {
        let (triggers, others): (Vec<usize>, Vec<usize>) = round
            .into_iter()
            .partition(|&i| items[i].1.action == EventAction::Trigger);
        let hits = trigger_many(tx, items, treats, &keys, &triggers, now).await?;
        for (i, hit) in triggers.iter().zip(hits) {
            let incident = match hit {
                Some(id) => id,
                // Yielded to a concurrent insert on another instance: the one-by-one path
                // appends to that incident.
                None => match ingest(
                    tx,
                    items[*i].0,
                    &with_key(items[*i].1, &keys[*i]),
                    treats[*i],
                    now,
                )
                .await?
                .incident
                {
                    Some(id) => id,
                    None => continue,
                },
            };
            out[*i] = Some(Ingested {
                dedup_key: keys[*i].clone(),
                incident: Some(incident),
            });
        }
        for i in others {
            let ev = with_key(items[i].1, &keys[i]);
            out[i] = Some(ingest(tx, items[i].0, &ev, treats[i], now).await?);
        }
    }
    out.into_iter()
        .map(|r| {
            r.ok_or_else(|| AppError::Internal {
                message: "an event of the batch was not applied".into(),
            })
        })
        .collect()
}

fn with_key(ev: &InboundEvent, key: &str) -> InboundEvent {
    InboundEvent {
        dedup_key: Some(key.to_owned()),
        ..ev.clone()
    }
}

/// One statement for many triggers with distinct keys: append to open incidents, open the
/// rest (already resolved when a resolve arrived first), alerts and timeline entries, and the
/// first steps of the incidents it opened (`first_steps_cte!`). Returns
/// the incident per trigger, `None` where a concurrent insert elsewhere won the race.
async fn trigger_many(
    tx: &mut PgConnection,
    items: &[(&IngestTarget, &InboundEvent)],
    treats: &[&Treatment],
    keys: &[String],
    which: &[usize],
    now: DateTime<Utc>,
) -> Result<Vec<Option<IncidentId>>, AppError> {
    match which {
        [] => return Ok(Vec::new()),
        // A lone trigger takes the cheaper single-row statement.
        [i] => {
            let ev = with_key(items[*i].1, &keys[*i]);
            return Ok(vec![
                ingest(tx, items[*i].0, &ev, treats[*i], now)
                    .await?
                    .incident,
            ]);
        }
        _ => {}
    }
    let n = which.len();
    let (mut new_ids, mut services, mut dedup, mut titles, mut urgencies) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let (mut integrations, mut severities, mut sources, mut payloads) = (
        Vec::<Option<IntegrationId>>::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let (mut suppressed, mut priorities, mut extras) = (
        Vec::with_capacity(n),
        Vec::<Option<&str>>::with_capacity(n),
        Vec::<Option<serde_json::Value>>::with_capacity(n),
    );
    for &i in which {
        let (t, ev) = items[i];
        new_ids.push(IncidentId::new());
        services.push(t.service_id);
        dedup.push(keys[i].as_str());
        titles.push(ev.summary.as_str());
        let treat = treats[i];
        urgencies.push(treat.urgency(t, ev).as_str());
        suppressed.push(treat.suppressed());
        priorities.push(treat.priority.as_deref());
        extras.push(treat.extras());
        integrations.push(t.integration_id);
        severities.push(ev.severity.as_str());
        sources.push(ev.source.as_str());
        payloads.push(&ev.payload);
    }
    let rows: Vec<(i64, IncidentId)> = sqlx::query_as(concat!(
        "WITH ev AS (
            SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[],
                                 $6::uuid[], $7::text[], $8::text[], $9::jsonb[],
                                 $14::bool[], $15::text[], $16::jsonb[])
                   WITH ORDINALITY AS e(new_id, service_id, dedup_key, title, urgency,
                                        integration_id, severity, source, payload,
                                        suppressed, priority, extras, ord)),
         upd AS (
            UPDATE incidents i SET alert_count = i.alert_count + 1, updated_at = $10
            FROM ev WHERE i.service_id = ev.service_id AND i.dedup_key = ev.dedup_key
                      AND i.status <> 'RESOLVED'
            RETURNING i.id, ev.ord),
         fresh AS (SELECT ev.* FROM ev WHERE NOT EXISTS (SELECT 1 FROM upd WHERE upd.ord = ev.ord)),
         er AS (
            DELETE FROM early_resolves r USING fresh
            WHERE r.service_id = fresh.service_id AND r.dedup_key = fresh.dedup_key
            RETURNING r.service_id, r.dedup_key, r.received_at),
         ins AS (
            INSERT INTO incidents (id, service_id, dedup_key, title, status, urgency, priority,
                                   alert_count, created_at, updated_at, resolved_at,
                                   maintenance_window_id, group_key)
            SELECT f.new_id, f.service_id, f.dedup_key, f.title,
                   CASE WHEN er.received_at >= $11 THEN 'RESOLVED'
                        WHEN f.suppressed THEN 'SUPPRESSED' ELSE 'OPEN' END,
                   f.urgency, f.priority, 1, $10, $10,
                   CASE WHEN er.received_at >= $11 THEN $10::timestamptz END,
                   (f.extras->'maintenance'->>'id')::uuid, f.extras->>'group'
            FROM fresh f LEFT JOIN er ON er.service_id = f.service_id AND er.dedup_key = f.dedup_key
            ON CONFLICT (service_id, dedup_key) WHERE status <> 'RESOLVED' DO NOTHING
            RETURNING id, status),
         hit AS (
            SELECT upd.id, upd.ord, false AS created, 'OPEN' AS status FROM upd
            UNION ALL
            SELECT ins.id, f.ord, true, ins.status FROM ins JOIN fresh f ON f.new_id = ins.id),
         a AS (
            INSERT INTO alerts (incident_id, integration_id, summary, severity, source, payload, received_at)
            SELECT hit.id, ev.integration_id, ev.title, ev.severity, ev.source, ev.payload, $10
            FROM hit JOIN ev ON ev.ord = hit.ord),
         t AS (
            INSERT INTO incident_timeline (incident_id, at, kind, details)
            SELECT hit.id, $10, CASE WHEN hit.created THEN 'TRIGGERED' ELSE 'ALERT_APPENDED' END,
                   jsonb_build_object('summary', ev.title, 'severity', ev.severity)
                     || COALESCE(ev.extras - 'notes', '{}')
            FROM hit JOIN ev ON ev.ord = hit.ord
            UNION ALL
            SELECT hit.id, $10, 'NOTE', jsonb_build_object('note', n.note, 'by', 'event rule')
            FROM hit JOIN ev ON ev.ord = hit.ord,
                 jsonb_array_elements_text(COALESCE(ev.extras->'notes', '[]')) AS n(note)
            UNION ALL
            SELECT hit.id, $10, 'RESOLVED', jsonb_build_object('reason', 'resolve arrived before the trigger')
            FROM hit WHERE hit.status = 'RESOLVED'),
         new_open AS (
            SELECT hit.id, ev.service_id, ev.urgency, ev.priority, $10::timestamptz AS created_at
            FROM hit JOIN ev ON ev.ord = hit.ord
            WHERE hit.created AND hit.status = 'OPEN'), ",
        crate::first_steps_cte!("new_open", "$12", "$10", "$13"),
        " SELECT ord, id FROM hit, (SELECT count(*) FROM first_steps_woken) woken"
    ))
    .bind(&new_ids)
    .bind(&services)
    .bind(&dedup)
    .bind(&titles)
    .bind(&urgencies)
    .bind(&integrations)
    .bind(&severities)
    .bind(&sources)
    .bind(&payloads)
    .bind(now)
    .bind(now - early_resolve_window())
    .bind(crate::lifecycle::effects::first_step_payload()?)
    .bind(crate::jobs::store::CHANNEL)
    .bind(&suppressed)
    .bind(&priorities)
    .bind(&extras)
    .fetch_all(&mut *tx)
    .await?;
    let mut out = vec![None; n];
    for (ord, id) in rows {
        if let Some(slot) = usize::try_from(ord - 1).ok().and_then(|i| out.get_mut(i)) {
            *slot = Some(id);
        }
    }
    Ok(out)
}

//! Merging incidents, and "escalate now". A merge moves the sources' alerts and notes into the
//! target, resolves each source through the lifecycle (its waiting steps and pages stop) with
//! a link to the target, and writes MERGED on every timeline, in one transaction. Escalate
//! now runs the next step of an open or acknowledged incident at once (`lifecycle::escalate`).

use serde_json::json;

use crate::auth::caller::Caller;
use crate::domain::{IncidentId, Status, Transition};
use crate::error::AppError;
use crate::lifecycle::escalate::EscalateNow;
use crate::state::AppState;

/// At most this many incidents merge at once.
pub const MERGE_MAX: usize = 50;

/// Runs the incident's next escalation step now.
pub async fn escalate(state: &AppState, caller: &Caller, id: IncidentId) -> Result<(), AppError> {
    super::ops::may_act(state, caller, &[id]).await?;
    match crate::lifecycle::escalate::escalate_now(
        &state.pool,
        id,
        caller.user.id,
        state.clock.now(),
    )
    .await? {
        EscalateNow::Moved => Ok(()),
        EscalateNow::NotOpen => Err(AppError::Conflict {
            message: "only an open or acknowledged incident escalates; this one is snoozed, suppressed or resolved".into(),
        }),
        EscalateNow::NoNextStep => Err(AppError::Conflict {
            message: "the escalation policy has no further step to run".into(),
        }),
    }
}

/// The ids of incidents by number (`#12` or `12`), naming `field[i]` for one that is not.
async fn by_numbers(state: &AppState, numbers: &[i64]) -> Result<Vec<IncidentId>, AppError> {
    let mut ids = Vec::with_capacity(numbers.len());
    for (i, n) in numbers.iter().enumerate() {
        let id: Option<IncidentId> =
            sqlx::query_scalar("SELECT id FROM incidents WHERE number = $1")
                .bind(n)
                .fetch_optional(&state.pool)
                .await?;
        ids.push(id.ok_or_else(|| {
            AppError::invalid(
                format!("source_numbers[{i}]"),
                format!("there is no incident #{n}"),
            )
        })?);
    }
    Ok(ids)
}

/// Merges `sources` (ids, or numbers) into `target` → how many were merged.
pub async fn merge(
    state: &AppState,
    caller: &Caller,
    target: IncidentId,
    source_ids: &[IncidentId],
    source_numbers: &[i64],
) -> Result<usize, AppError> {
    let mut sources: Vec<IncidentId> = source_ids.to_vec();
    sources.extend(by_numbers(state, source_numbers).await?);
    sources.sort_unstable();
    sources.dedup();
    if sources.is_empty() || sources.len() > MERGE_MAX {
        return Err(AppError::invalid(
            "source_ids",
            format!("give 1 to {MERGE_MAX} incidents to merge"),
        ));
    }
    if sources.contains(&target) {
        return Err(AppError::invalid(
            "source_ids",
            "an incident cannot be merged into itself",
        ));
    }
    let mut all = sources.clone();
    all.push(target);
    super::ops::may_act(state, caller, &all).await?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    // Lock every row in id order: two merges over the same incidents cannot deadlock.
    all.sort_unstable();
    let rows: Vec<(IncidentId, i64, String)> = sqlx::query_as(
        "SELECT id, number, status FROM incidents WHERE id = ANY($1) ORDER BY id FOR UPDATE",
    )
    .bind(&all)
    .fetch_all(&mut *tx)
    .await?;
    if rows.len() != all.len() {
        return Err(AppError::NotFound {
            what: "incident".into(),
        });
    }
    let number = |id: IncidentId| rows.iter().find(|r| r.0 == id).map_or(0, |r| r.1);
    let target_status = rows
        .iter()
        .find(|r| r.0 == target)
        .map(|r| AppError::column("incidents.status", &r.2, Status::parse(&r.2)))
        .transpose()?;
    if target_status == Some(Status::Resolved) {
        return Err(AppError::Conflict {
            message: "the incident to merge into is resolved; reopen it first".into(),
        });
    }
    let moved: i64 = sqlx::query_scalar(
        "WITH a AS (UPDATE alerts SET incident_id = $1 WHERE incident_id = ANY($2) RETURNING 1),
              n AS (UPDATE incident_timeline t SET incident_id = $1,
                           details = t.details || jsonb_build_object('merged_from', i.number)
                    FROM incidents i
                    WHERE t.incident_id = ANY($2) AND t.kind = 'NOTE' AND i.id = t.incident_id
                    RETURNING 1),
              c AS (UPDATE incidents SET alert_count = alert_count + (SELECT count(*) FROM a),
                           updated_at = $3
                    WHERE id = $1 RETURNING 1)
         SELECT (SELECT count(*) FROM a) + 0 * (SELECT count(*) FROM n) + 0 * (SELECT count(*) FROM c)",
    )
    .bind(target)
    .bind(&sources)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    let numbers: Vec<i64> = sources.iter().map(|s| number(*s)).collect();
    for s in &sources {
        crate::lifecycle::transition::in_tx(
            &mut tx,
            *s,
            Transition::Resolve,
            caller.user.id,
            json!({"merged_into": target, "number": number(target)}),
            now,
        )
        .await?;
    }
    sqlx::query(
        "WITH m AS (UPDATE incidents SET merged_into = $1 WHERE id = ANY($2) RETURNING id, number)
         INSERT INTO incident_timeline (incident_id, at, kind, actor_user_id, details)
         SELECT id, $3, 'MERGED', $4, jsonb_build_object('into', $1::uuid, 'number', $5::bigint) FROM m
         UNION ALL
         SELECT $1, $3, 'MERGED', $4, jsonb_build_object('merged', $6::bigint[], 'alerts', $7::bigint)",
    )
    .bind(target)
    .bind(&sources)
    .bind(now)
    .bind(caller.user.id)
    .bind(number(target))
    .bind(&numbers)
    .bind(moved)
    .execute(&mut *tx)
    .await?;
    caller
        .audit(
            &mut *tx,
            now,
            "incident.merge",
            &format!("#{}", number(target)),
            json!({"into": target, "merged": sources, "alerts_moved": moved}),
        )
        .await?;
    super::notify::notify(&mut tx, &all).await?;
    tx.commit().await?;
    Ok(sources.len())
}

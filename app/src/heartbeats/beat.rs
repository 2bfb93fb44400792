//! The two moments a monitor changes: a signal on its URL (ping, start, fail) and a deadline
//! (its HEARTBEAT_CHECK job). Each is one transaction: the monitor's row, its next check job,
//! and the incident, opened or resolved through the ingest path (`ingest_batch`, so event rules
//! apply) under the dedup key `heartbeat/<monitor id>`, with the live notifications any event
//! sends. A resolve is sent only when the monitor was DOWN, and one that finds no open
//! incident is not kept as an early resolve, so the next failure always pages.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::store::{self, Touched};
use super::{HeartbeatJob, HeartbeatState, PingKind};
use crate::db::Db;
use crate::domain::Severity;
use crate::error::AppError;
use crate::incidents::batch::ingest_batch;
use crate::incidents::notify::notify_ingest;
use crate::incidents::store::IngestTarget;
use crate::incidents::{EventAction, EventDigest, InboundEvent};

/// The dedup key of a monitor's incidents.
pub fn dedup_key(m: &Touched) -> String {
    format!("heartbeat/{}", m.id)
}

/// Applies a signal for `token` → the monitor's state after it, or `None` when no monitor has
/// this token (then nothing is written).
pub async fn signal(
    pool: &Db,
    token: &str,
    kind: PingKind,
    now: DateTime<Utc>,
) -> Result<Option<HeartbeatState>, AppError> {
    let hash = store::token_hash(token);
    let mut tx = pool.begin().await?;
    let touched = match kind {
        PingKind::Ping => store::ping(&mut tx, &hash, now).await?,
        PingKind::Start => store::start(&mut tx, &hash, now).await?,
        PingKind::Fail => store::fail(&mut tx, &hash, now).await?,
    };
    let Some(m) = touched else {
        return Ok(None);
    };
    match kind {
        PingKind::Ping => {
            let deadline = m.deadline.ok_or_else(|| no_deadline(&m))?;
            let earlier = m.old_deadline.is_none_or(|old| deadline < old);
            store::schedule(&mut tx, &m, deadline, earlier, now).await?;
            if m.was()? == HeartbeatState::Down {
                let summary = format!("Heartbeat “{}” pinged again", m.name);
                raise(&mut tx, &m, EventAction::Resolve, summary, "ping", now).await?;
            }
        }
        PingKind::Start => {}
        PingKind::Fail => {
            store::unschedule(&mut tx, &m, now).await?;
            let summary = format!("Heartbeat “{}” reported a failure", m.name);
            raise(&mut tx, &m, EventAction::Trigger, summary, "fail", now).await?;
        }
    }
    tx.commit().await?;
    tracing::debug!(monitor = %m.id, ?kind, state = %m.state, "heartbeat signal");
    Ok(Some(m.state()?))
}

/// A check job's deadline has come (in the job's transaction) → the state it moved the
/// monitor to: LATE (and the check for DOWN scheduled) or DOWN (and an incident opened).
/// `None`: the deadline is stale (a ping moved it, or this check already ran); nothing changed.
pub async fn deadline(
    tx: &mut PgConnection,
    job: HeartbeatJob,
    now: DateTime<Utc>,
) -> Result<Option<HeartbeatState>, AppError> {
    let Some(m) = store::lapse(tx, job.monitor, job.deadline, now).await? else {
        return Ok(None);
    };
    let state = m.state()?;
    match state {
        HeartbeatState::Late => {
            let down_at = m.deadline.ok_or_else(|| no_deadline(&m))?;
            store::schedule(tx, &m, down_at, true, now).await?;
        }
        HeartbeatState::Down => {
            let silent = m
                .last_ping_at
                .map(|at| crate::components::time::duration_text(now - at))
                .unwrap_or_else(|| "ever".into());
            let summary = format!(
                "Heartbeat “{}” missed its deadline: no ping for {silent}",
                m.name
            );
            raise(tx, &m, EventAction::Trigger, summary, "missed", now).await?;
        }
        HeartbeatState::New | HeartbeatState::Up => {
            return Err(AppError::Internal {
                message: format!("heartbeat {} lapsed to {}", m.id, m.state),
            });
        }
    }
    tracing::info!(monitor = %m.id, name = %m.name, state = state.as_str(), "heartbeat deadline passed");
    Ok(Some(state))
}

fn no_deadline(m: &Touched) -> AppError {
    AppError::Internal {
        message: format!("heartbeat {} is {} without a deadline", m.id, m.state),
    }
}

/// Opens (trigger) or resolves the monitor's incident through the ingest path, and notifies
/// live views and the event log, in the caller's transaction.
async fn raise(
    tx: &mut PgConnection,
    m: &Touched,
    action: EventAction,
    summary: String,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let target = IngestTarget {
        service_id: m.service_id,
        integration_id: None,
        urgency_rule: m.urgency_rule()?,
    };
    let event = InboundEvent {
        action,
        dedup_key: Some(dedup_key(m)),
        summary,
        source: "heartbeat".into(),
        severity: match action {
            EventAction::Trigger => Severity::Critical,
            EventAction::Acknowledge | EventAction::Resolve => Severity::Info,
        },
        payload: serde_json::json!({
            "heartbeat_id": m.id,
            "name": m.name,
            "reason": reason,
            "last_ping_at": m.last_ping_at,
            "period_secs": m.period_secs,
            "grace_secs": m.grace_secs,
        }),
    };
    let results = ingest_batch(tx, &[(&target, &event)], now).await?;
    if action == EventAction::Resolve {
        // No open incident (resolved by hand, or dropped by a rule): nothing to remember.
        for r in results.iter().filter(|r| r.incident.is_none()) {
            store::forget_early_resolve(tx, &r.dedup_key, now).await?;
        }
    }
    let touched: Vec<_> = results.iter().filter_map(|r| r.incident).collect();
    let digests: Vec<EventDigest> = results
        .iter()
        .map(|r| EventDigest {
            at: now,
            service_id: target.service_id,
            action: event.action,
            dedup_key: r.dedup_key.clone(),
            summary: event.summary.chars().take(200).collect(),
            severity: event.severity,
            source: event.source.clone(),
            incident_id: r.incident,
        })
        .collect();
    notify_ingest(tx, &touched, &digests).await
}

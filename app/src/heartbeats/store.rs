//! All SQL of heartbeat monitors: create, list, delete and new tokens; the ping, start and
//! fail writes (by token hash); the guarded state change at a deadline; and the one waiting
//! HEARTBEAT_CHECK job per monitor.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

use super::{Heartbeat, HeartbeatJob, HeartbeatState};
use crate::db::Db;
use crate::domain::{HeartbeatId, ServiceId, TeamId};
use crate::error::AppError;
use crate::jobs::JobKind;
use crate::services::UrgencyRule;

/// A fresh token (32 lowercase letters and digits, like a routing key).
pub fn generate_token() -> String {
    crate::services::store::generate_routing_key()
}

/// What is stored of a token: its SHA-256.
pub fn token_hash(token: &str) -> Vec<u8> {
    crate::services::store::key_hash(token)
}

/// How many of a token's characters the list shows.
const PREFIX: usize = 6;

macro_rules! columns {
    () => {
        "h.id, h.service_id, s.name AS service_name, s.team_id, h.name, h.token_prefix,
         h.period_secs, h.grace_secs, h.state, h.last_ping_at, h.last_start_at, h.deadline,
         h.created_at"
    };
}

#[derive(sqlx::FromRow)]
struct Row {
    id: HeartbeatId,
    service_id: ServiceId,
    service_name: String,
    team_id: Option<TeamId>,
    name: String,
    token_prefix: String,
    period_secs: i32,
    grace_secs: i32,
    state: String,
    last_ping_at: Option<DateTime<Utc>>,
    last_start_at: Option<DateTime<Utc>>,
    deadline: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

fn parse_state(raw: &str) -> Result<HeartbeatState, AppError> {
    AppError::column("heartbeat_monitors.state", raw, HeartbeatState::parse(raw))
}

impl TryFrom<Row> for Heartbeat {
    type Error = AppError;

    fn try_from(r: Row) -> Result<Self, AppError> {
        Ok(Heartbeat {
            state: parse_state(&r.state)?,
            id: r.id,
            service_id: r.service_id,
            service_name: r.service_name,
            team_id: r.team_id,
            name: r.name,
            token_prefix: r.token_prefix,
            period_secs: r.period_secs,
            grace_secs: r.grace_secs,
            last_ping_at: r.last_ping_at,
            last_start_at: r.last_start_at,
            deadline: r.deadline,
            created_at: r.created_at,
        })
    }
}

/// Every monitor with its service, by service then name.
pub async fn list(db: &Db) -> Result<Vec<Heartbeat>, AppError> {
    let rows: Vec<Row> = sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM heartbeat_monitors h JOIN services s ON s.id = h.service_id
         ORDER BY s.name, h.name, h.id"
    ))
    .fetch_all(db)
    .await?;
    rows.into_iter().map(Heartbeat::try_from).collect()
}

pub async fn get<'e>(db: impl PgExecutor<'e>, id: HeartbeatId) -> Result<Heartbeat, AppError> {
    let row: Option<Row> = sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM heartbeat_monitors h JOIN services s ON s.id = h.service_id WHERE h.id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await?;
    row.ok_or_else(not_found)?.try_into()
}

pub fn not_found() -> AppError {
    AppError::NotFound {
        what: "heartbeat monitor".into(),
    }
}

/// The service a monitor belongs to, or `None` when there is no such monitor.
pub async fn service_of(db: &Db, id: HeartbeatId) -> Result<Option<ServiceId>, AppError> {
    Ok(
        sqlx::query_scalar("SELECT service_id FROM heartbeat_monitors WHERE id = $1")
            .bind(id)
            .fetch_optional(db)
            .await?,
    )
}

/// A NEW monitor with `token`.
pub async fn insert(
    conn: &mut PgConnection,
    service: ServiceId,
    name: &str,
    (period_secs, grace_secs): (i32, i32),
    token: &str,
    now: DateTime<Utc>,
) -> Result<HeartbeatId, AppError> {
    let id = HeartbeatId::new();
    sqlx::query(
        "INSERT INTO heartbeat_monitors (id, service_id, name, token_hash, token_prefix,
                                         period_secs, grace_secs, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
    )
    .bind(id)
    .bind(service)
    .bind(name)
    .bind(token_hash(token))
    .bind(&token[..PREFIX.min(token.len())])
    .bind(period_secs)
    .bind(grace_secs)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// Replaces the token: the old one stops working at once.
pub async fn set_token(
    conn: &mut PgConnection,
    id: HeartbeatId,
    token: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let done = sqlx::query(
        "UPDATE heartbeat_monitors SET token_hash = $2, token_prefix = $3, updated_at = $4 WHERE id = $1",
    )
    .bind(id)
    .bind(token_hash(token))
    .bind(&token[..PREFIX.min(token.len())])
    .bind(now)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(not_found());
    }
    Ok(())
}

/// Deletes the monitor and cancels its waiting check → its name.
pub async fn delete(
    conn: &mut PgConnection,
    id: HeartbeatId,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    let name: Option<String> = sqlx::query_scalar(
        "WITH d AS (DELETE FROM heartbeat_monitors WHERE id = $1 RETURNING name, check_job_id),
              c AS (UPDATE jobs SET status = 'CANCELLED', updated_at = $2
                    WHERE id = (SELECT check_job_id FROM d) AND kind = 'HEARTBEAT_CHECK'
                      AND status = 'PENDING')
         SELECT name FROM d",
    )
    .bind(id)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    name.ok_or_else(not_found)
}

/// A monitor a signal or a deadline touched, with what ingestion needs to know.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Touched {
    pub id: HeartbeatId,
    pub service_id: ServiceId,
    pub urgency_rule: String,
    pub name: String,
    pub period_secs: i32,
    pub grace_secs: i32,
    /// The state before the change.
    pub was: String,
    /// The state after it.
    pub state: String,
    pub last_ping_at: Option<DateTime<Utc>>,
    /// The deadline before the change (the waiting job's `run_at`) and after it.
    pub old_deadline: Option<DateTime<Utc>>,
    pub deadline: Option<DateTime<Utc>>,
    pub check_job_id: Option<i64>,
}

impl Touched {
    pub fn was(&self) -> Result<HeartbeatState, AppError> {
        parse_state(&self.was)
    }

    pub fn state(&self) -> Result<HeartbeatState, AppError> {
        parse_state(&self.state)
    }

    pub fn urgency_rule(&self) -> Result<UrgencyRule, AppError> {
        AppError::column(
            "services.urgency_rule",
            &self.urgency_rule,
            UrgencyRule::parse(&self.urgency_rule),
        )
    }
}

/// What `signal` writes, and the columns every signal returns. `$1` is the token hash, `$2` now.
macro_rules! signal_sql {
    ($set:literal) => {
        concat!(
            "WITH m AS (
                SELECT id, state, deadline FROM heartbeat_monitors WHERE token_hash = $1 FOR UPDATE)
             UPDATE heartbeat_monitors h SET ",
            $set,
            ", updated_at = $2
             FROM m, services s
             WHERE h.id = m.id AND s.id = h.service_id
             RETURNING h.id, h.service_id, s.urgency_rule, h.name, h.period_secs, h.grace_secs,
                       m.state AS was, h.state, h.last_ping_at, m.deadline AS old_deadline,
                       h.deadline, h.check_job_id"
        )
    };
}

/// A ping: UP, the deadline a period from now. `None`: no monitor has this token.
pub async fn ping(
    conn: &mut PgConnection,
    hash: &[u8],
    now: DateTime<Utc>,
) -> Result<Option<Touched>, AppError> {
    Ok(sqlx::query_as(signal_sql!(
        "state = 'UP', last_ping_at = $2, deadline = $2 + make_interval(secs => h.period_secs)"
    ))
    .bind(hash)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?)
}

/// A start: recorded, nothing else changes.
pub async fn start(
    conn: &mut PgConnection,
    hash: &[u8],
    now: DateTime<Utc>,
) -> Result<Option<Touched>, AppError> {
    Ok(sqlx::query_as(signal_sql!("last_start_at = $2"))
        .bind(hash)
        .bind(now)
        .fetch_optional(&mut *conn)
        .await?)
}

/// A failure: DOWN at once, no deadline until the next ping.
pub async fn fail(
    conn: &mut PgConnection,
    hash: &[u8],
    now: DateTime<Utc>,
) -> Result<Option<Touched>, AppError> {
    Ok(
        sqlx::query_as(signal_sql!("state = 'DOWN', deadline = NULL"))
            .bind(hash)
            .bind(now)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// The deadline `deadline` has come: UP turns LATE (the next deadline `grace` later), LATE
/// turns DOWN (none). Only when `deadline` is still the monitor's deadline and has passed, so
/// a stale check, a second run of one, or a check racing a ping changes nothing (`None`).
pub async fn lapse(
    conn: &mut PgConnection,
    id: HeartbeatId,
    deadline: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Option<Touched>, AppError> {
    Ok(sqlx::query_as(
        "WITH m AS (
            SELECT id, state, deadline FROM heartbeat_monitors
            WHERE id = $1 AND deadline = $2 AND deadline <= $3 AND state IN ('UP', 'LATE')
            FOR UPDATE)
         UPDATE heartbeat_monitors h SET
            state = CASE m.state WHEN 'UP' THEN 'LATE' ELSE 'DOWN' END,
            deadline = CASE m.state WHEN 'UP' THEN h.deadline + make_interval(secs => h.grace_secs) END,
            updated_at = $3
         FROM m, services s
         WHERE h.id = m.id AND s.id = h.service_id AND h.deadline = $2
         RETURNING h.id, h.service_id, s.urgency_rule, h.name, h.period_secs, h.grace_secs,
                   m.state AS was, h.state, h.last_ping_at, m.deadline AS old_deadline,
                   h.deadline, h.check_job_id",
    )
    .bind(id)
    .bind(deadline)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?)
}

/// Makes the monitor's one HEARTBEAT_CHECK job wait for `deadline`: its waiting job is moved
/// there, or (when it has none waiting: it ran, or is running) a new one is added. Workers are
/// woken when the job is new or earlier than before (`earlier`), else they already wake in time.
pub async fn schedule(
    conn: &mut PgConnection,
    m: &Touched,
    deadline: DateTime<Utc>,
    earlier: bool,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let payload = serde_json::to_value(HeartbeatJob {
        monitor: m.id,
        deadline,
    })
    .map_err(|e| AppError::Internal {
        message: format!("encode heartbeat job: {e}"),
    })?;
    sqlx::query(
        "WITH moved AS (
            UPDATE jobs SET run_at = $3, payload = $4, updated_at = $5
            WHERE id = $2 AND kind = $6 AND status = 'PENDING' RETURNING id),
         fresh AS (
            INSERT INTO jobs (kind, payload, run_at, created_at, updated_at)
            SELECT $6, $4, $3, $5, $5 WHERE NOT EXISTS (SELECT 1 FROM moved) RETURNING id),
         kept AS (
            UPDATE heartbeat_monitors SET check_job_id = COALESCE((SELECT id FROM fresh), $2)
            WHERE id = $1)
         SELECT pg_notify($7, '') WHERE $8 OR EXISTS (SELECT 1 FROM fresh)",
    )
    .bind(m.id)
    .bind(m.check_job_id)
    .bind(deadline)
    .bind(payload)
    .bind(now)
    .bind(JobKind::HeartbeatCheck.as_str())
    .bind(crate::jobs::store::CHANNEL)
    .bind(earlier)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Cancels the monitor's waiting check (it has no deadline now).
pub async fn unschedule(
    conn: &mut PgConnection,
    m: &Touched,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE jobs SET status = 'CANCELLED', updated_at = $3
         WHERE id = $1 AND kind = $2 AND status = 'PENDING'",
    )
    .bind(m.check_job_id)
    .bind(JobKind::HeartbeatCheck.as_str())
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Forgets the resolve ingestion just kept as having come early (it touched no incident): a
/// monitor's resolve only ever means "the open incident", so its next failure must page.
pub async fn forget_early_resolve(
    conn: &mut PgConnection,
    dedup_key: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    sqlx::query("DELETE FROM early_resolves WHERE dedup_key = $1 AND received_at = $2")
        .bind(dedup_key)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

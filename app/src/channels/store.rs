//! All SQL for service channels and their delivery log. (The fan-out of incident events into
//! delivery jobs is the `channel_fanout` trigger, in the migration.)

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

use super::{ChannelEvent, ChannelKind, Delivery, DeliveryPage, DeliveryStatus};
use crate::db::Db;
use crate::domain::{ChannelId, IncidentId, ServiceId};
use crate::error::AppError;

/// A channel as stored, with its target unmasked and its secret still sealed.
#[derive(Debug, Clone)]
pub struct Stored {
    pub id: ChannelId,
    pub service_id: Option<ServiceId>,
    pub kind: ChannelKind,
    pub target: String,
    pub events: Vec<ChannelEvent>,
    pub sealed_secret: Option<String>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct ChannelRow {
    id: ChannelId,
    service_id: Option<ServiceId>,
    kind: String,
    target: String,
    events: Vec<String>,
    secret: Option<String>,
    enabled: bool,
    disabled_reason: Option<String>,
    created_at: DateTime<Utc>,
}

impl TryFrom<ChannelRow> for Stored {
    type Error = AppError;

    fn try_from(r: ChannelRow) -> Result<Stored, AppError> {
        let events = r
            .events
            .iter()
            .map(|e| AppError::column("service_channels.events", e, ChannelEvent::parse(e)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Stored {
            id: r.id,
            service_id: r.service_id,
            kind: AppError::column(
                "service_channels.kind",
                &r.kind,
                ChannelKind::parse(&r.kind),
            )?,
            target: r.target,
            events,
            sealed_secret: r.secret,
            enabled: r.enabled,
            disabled_reason: r.disabled_reason,
            created_at: r.created_at,
        })
    }
}

macro_rules! channel_columns {
    () => {
        "id, service_id, kind, target, events, secret, enabled, disabled_reason, created_at"
    };
}

fn event_names(events: &[ChannelEvent]) -> Vec<&'static str> {
    events.iter().map(|e| e.as_str()).collect()
}

/// One channel, or NotFound.
pub async fn get<'e>(db: impl PgExecutor<'e>, id: ChannelId) -> Result<Stored, AppError> {
    let row: Option<ChannelRow> = sqlx::query_as(concat!(
        "SELECT ",
        channel_columns!(),
        " FROM service_channels WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await?;
    row.ok_or_else(|| AppError::NotFound {
        what: "channel".into(),
    })?
    .try_into()
}

pub struct NewChannel<'a> {
    pub service_id: Option<ServiceId>,
    pub kind: ChannelKind,
    pub target: &'a str,
    pub events: &'a [ChannelEvent],
    pub sealed_secret: Option<String>,
}

pub async fn insert(
    tx: &mut PgConnection,
    c: NewChannel<'_>,
    now: DateTime<Utc>,
) -> Result<ChannelId, AppError> {
    let id = ChannelId::new();
    sqlx::query(
        "INSERT INTO service_channels (id, service_id, kind, target, events, secret, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(id)
    .bind(c.service_id)
    .bind(c.kind.as_str())
    .bind(c.target)
    .bind(event_names(c.events))
    .bind(c.sealed_secret)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(id)
}

/// Changes the events and whether the channel is on (turning it on clears the reason it was
/// turned off).
pub async fn update<'e>(
    db: impl PgExecutor<'e>,
    id: ChannelId,
    events: &[ChannelEvent],
    enabled: bool,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let done = sqlx::query(
        "UPDATE service_channels SET events = $2, enabled = $3,
                disabled_reason = CASE WHEN $3 THEN NULL ELSE disabled_reason END, updated_at = $4
         WHERE id = $1",
    )
    .bind(id)
    .bind(event_names(events))
    .bind(enabled)
    .bind(now)
    .execute(db)
    .await?;
    crate::error::found(done, "channel")
}

pub async fn set_secret<'e>(
    db: impl PgExecutor<'e>,
    id: ChannelId,
    sealed: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let done =
        sqlx::query("UPDATE service_channels SET secret = $2, updated_at = $3 WHERE id = $1")
            .bind(id)
            .bind(sealed)
            .bind(now)
            .execute(db)
            .await?;
    crate::error::found(done, "channel")
}

/// Turns a channel off because its destination is gone (410, 404), saying why.
pub async fn disable<'e>(
    db: impl PgExecutor<'e>,
    id: ChannelId,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE service_channels SET enabled = false, disabled_reason = $2, updated_at = $3 WHERE id = $1",
    )
    .bind(id)
    .bind(reason)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn remove<'e>(db: impl PgExecutor<'e>, id: ChannelId) -> Result<(), AppError> {
    let done = sqlx::query("DELETE FROM service_channels WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    crate::error::found(done, "channel")
}

#[derive(sqlx::FromRow)]
struct DeliveryRow {
    id: i64,
    event_id: String,
    event: String,
    incident_id: Option<IncidentId>,
    attempt: i32,
    status: String,
    http_status: Option<i32>,
    latency_ms: Option<i32>,
    detail: String,
    at: DateTime<Utc>,
}

impl TryFrom<DeliveryRow> for Delivery {
    type Error = AppError;

    fn try_from(r: DeliveryRow) -> Result<Delivery, AppError> {
        Ok(Delivery {
            status: AppError::column(
                "channel_deliveries.status",
                &r.status,
                DeliveryStatus::parse(&r.status),
            )?,
            id: r.id,
            event_id: r.event_id,
            event: r.event,
            incident_id: r.incident_id,
            attempt: r.attempt,
            http_status: r.http_status,
            latency_ms: r.latency_ms,
            detail: r.detail,
            at: r.at,
        })
    }
}

macro_rules! delivery_columns {
    () => {
        "id, event_id, event, incident_id, attempt, status, http_status, latency_ms, detail, at"
    };
}

/// The channels of a service (and, with `global`, the webhooks of every service), each with
/// its last delivery, oldest first.
pub async fn list(
    pool: &Db,
    service: Option<ServiceId>,
) -> Result<Vec<(Stored, Option<Delivery>)>, AppError> {
    let rows: Vec<ChannelRow> = sqlx::query_as(concat!(
        "SELECT ",
        channel_columns!(),
        " FROM service_channels WHERE service_id IS NOT DISTINCT FROM $1 ORDER BY created_at, id"
    ))
    .bind(service)
    .fetch_all(pool)
    .await?;
    let channels: Vec<Stored> = rows
        .into_iter()
        .map(TryInto::try_into)
        .collect::<Result<_, _>>()?;
    let ids: Vec<ChannelId> = channels.iter().map(|c| c.id).collect();
    let mut last: HashMap<ChannelId, DeliveryRow> = sqlx::query_as::<_, LastRow>(concat!(
        "SELECT DISTINCT ON (channel_id) channel_id, ",
        delivery_columns!(),
        " FROM channel_deliveries WHERE channel_id = ANY($1) ORDER BY channel_id, id DESC"
    ))
    .bind(&ids)
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| (r.channel_id, r.row))
    .collect();
    channels
        .into_iter()
        .map(|c| {
            let delivery = last.remove(&c.id).map(TryInto::try_into).transpose()?;
            Ok((c, delivery))
        })
        .collect()
}

#[derive(sqlx::FromRow)]
struct LastRow {
    channel_id: ChannelId,
    #[sqlx(flatten)]
    row: DeliveryRow,
}

/// A page of one channel's delivery log, newest first.
pub async fn deliveries(
    pool: &Db,
    channel: ChannelId,
    before: Option<i64>,
    limit: i64,
) -> Result<DeliveryPage, AppError> {
    let rows: Vec<DeliveryRow> = sqlx::query_as(concat!(
        "SELECT ",
        delivery_columns!(),
        " FROM channel_deliveries
         WHERE channel_id = $1 AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $3"
    ))
    .bind(channel)
    .bind(before)
    .bind(limit + 1)
    .fetch_all(pool)
    .await?;
    let (rows, next_before) = crate::sql::keyset_page(rows, limit, |r| r.id);
    let deliveries: Vec<Delivery> = rows
        .into_iter()
        .map(TryInto::try_into)
        .collect::<Result<_, _>>()?;
    Ok(DeliveryPage {
        deliveries,
        next_before,
    })
}

/// One attempt, as the log keeps it.
pub struct Attempt<'a> {
    pub channel: ChannelId,
    pub event_id: &'a str,
    pub event: &'a str,
    pub incident: Option<IncidentId>,
    pub attempt: i32,
    pub status: DeliveryStatus,
    pub http_status: Option<i32>,
    pub latency_ms: Option<i32>,
    pub detail: &'a str,
    pub at: DateTime<Utc>,
}

pub async fn record<'e>(db: impl PgExecutor<'e>, a: Attempt<'_>) -> Result<(), AppError> {
    let detail: String = a.detail.chars().take(super::DETAIL_MAX).collect();
    sqlx::query(
        "INSERT INTO channel_deliveries
            (channel_id, event_id, event, incident_id, attempt, status, http_status, latency_ms, detail, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(a.channel)
    .bind(a.event_id)
    .bind(a.event)
    .bind(a.incident)
    .bind(a.attempt)
    .bind(a.status.as_str())
    .bind(a.http_status)
    .bind(a.latency_ms)
    .bind(detail)
    .bind(a.at)
    .execute(db)
    .await?;
    Ok(())
}

/// The body of a logged delivery's job, to send it again (a redelivery keeps its event id).
pub async fn delivery_payload<'e>(
    db: impl PgExecutor<'e>,
    channel: ChannelId,
    delivery: i64,
) -> Result<(Option<IncidentId>, serde_json::Value), AppError> {
    let row: Option<(Option<IncidentId>, serde_json::Value)> = sqlx::query_as(
        "SELECT j.incident_id, j.payload FROM channel_deliveries d
         JOIN jobs j ON j.kind = 'CHANNEL_DELIVERY' AND j.payload->>'event_id' = d.event_id
                    AND j.payload->>'channel_id' = d.channel_id::text
         WHERE d.id = $1 AND d.channel_id = $2
         ORDER BY j.id DESC LIMIT 1",
    )
    .bind(delivery)
    .bind(channel)
    .fetch_optional(db)
    .await?;
    row.ok_or_else(|| AppError::NotFound {
        what: "delivery".into(),
    })
}

/// A service's name, and a user's name and email, as they are now (for a message's text).
pub async fn names(
    pool: &Db,
    service: ServiceId,
    actor: Option<crate::domain::UserId>,
) -> Result<(Option<String>, Option<(String, String)>), AppError> {
    let row: (Option<String>, Option<String>, Option<String>) = sqlx::query_as(
        "SELECT (SELECT name FROM services WHERE id = $1),
                (SELECT name FROM users WHERE id = $2), (SELECT email FROM users WHERE id = $2)",
    )
    .bind(service)
    .bind(actor)
    .fetch_one(pool)
    .await?;
    Ok((row.0, row.1.zip(row.2)))
}

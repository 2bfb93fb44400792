//! All SQL for services and integrations, and routing-key generation and lookup.

use crate::db::Db;
use chrono::{DateTime, Utc};
use rand::RngCore;
use sqlx::PgExecutor;

use super::{Integration, IntegrationKind, IntegrationWithKey, Service, UrgencyRule};
use crate::domain::{IntegrationId, ServiceId, TeamId};
use crate::error::AppError;

/// A fresh 32-character routing key (lowercase letters and digits, like PagerDuty's).
pub fn generate_routing_key() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect()
}

pub fn key_hash(key: &str) -> Vec<u8> {
    crate::auth::session::token_hash(key)
}

#[derive(sqlx::FromRow)]
struct ServiceRow {
    id: ServiceId,
    name: String,
    description: String,
    team_id: Option<TeamId>,
    team_name: Option<String>,
    urgency_rule: String,
    ack_timeout_secs: Option<i32>,
    escalation_policy_id: Option<crate::domain::PolicyId>,
    escalation_policy_name: Option<String>,
    open_incidents: i64,
    created_at: DateTime<Utc>,
}

impl TryFrom<ServiceRow> for Service {
    type Error = AppError;

    fn try_from(r: ServiceRow) -> Result<Self, AppError> {
        Ok(Service {
            id: r.id,
            name: r.name,
            description: r.description,
            team_id: r.team_id,
            team_name: r.team_name,
            urgency_rule: AppError::column(
                "services.urgency_rule",
                &r.urgency_rule,
                UrgencyRule::parse(&r.urgency_rule),
            )?,
            ack_timeout_secs: r.ack_timeout_secs,
            escalation_policy_id: r.escalation_policy_id,
            escalation_policy_name: r.escalation_policy_name,
            open_incidents: r.open_incidents,
            created_at: r.created_at,
        })
    }
}

macro_rules! service_select {
    () => {
        "SELECT s.id, s.name, s.description, s.team_id, t.name AS team_name, s.urgency_rule,
                s.ack_timeout_secs, s.escalation_policy_id, p.name AS escalation_policy_name, s.created_at,
                (SELECT count(*) FROM incidents i WHERE i.service_id = s.id AND i.status <> 'RESOLVED') AS open_incidents
         FROM services s LEFT JOIN teams t ON t.id = s.team_id
         LEFT JOIN escalation_policies p ON p.id = s.escalation_policy_id"
    };
}

pub async fn list(pool: &Db) -> Result<Vec<Service>, AppError> {
    let rows: Vec<ServiceRow> = sqlx::query_as(concat!(
        service_select!(),
        " ORDER BY lower(s.name), s.id LIMIT 2000"
    ))
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(TryInto::try_into).collect()
}

pub async fn get<'e>(db: impl PgExecutor<'e>, id: ServiceId) -> Result<Service, AppError> {
    let row: Option<ServiceRow> = sqlx::query_as(concat!(service_select!(), " WHERE s.id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await?;
    row.ok_or_else(|| AppError::NotFound {
        what: "service".into(),
    })?
    .try_into()
}

/// Validated service fields.
pub struct ServiceFields {
    pub name: String,
    pub description: String,
    pub team_id: Option<TeamId>,
    pub urgency_rule: UrgencyRule,
    pub ack_timeout_secs: Option<i32>,
    pub escalation_policy_id: Option<crate::domain::PolicyId>,
}

pub async fn create<'e>(
    db: impl PgExecutor<'e>,
    f: &ServiceFields,
    now: DateTime<Utc>,
) -> Result<ServiceId, AppError> {
    let id = ServiceId::new();
    sqlx::query(
        "INSERT INTO services (id, name, description, team_id, urgency_rule, ack_timeout_secs,
                               escalation_policy_id, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $8, $7, $7)",
    )
    .bind(id)
    .bind(&f.name)
    .bind(&f.description)
    .bind(f.team_id)
    .bind(f.urgency_rule.as_str())
    .bind(f.ack_timeout_secs)
    .bind(now)
    .bind(f.escalation_policy_id)
    .execute(db)
    .await?;
    Ok(id)
}

pub async fn update<'e>(
    db: impl PgExecutor<'e>,
    id: ServiceId,
    f: &ServiceFields,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let done = sqlx::query(
        "UPDATE services SET name = $2, description = $3, team_id = $4, urgency_rule = $5,
                ack_timeout_secs = $6, updated_at = $7, escalation_policy_id = $8 WHERE id = $1",
    )
    .bind(id)
    .bind(&f.name)
    .bind(&f.description)
    .bind(f.team_id)
    .bind(f.urgency_rule.as_str())
    .bind(f.ack_timeout_secs)
    .bind(now)
    .bind(f.escalation_policy_id)
    .execute(db)
    .await?;
    crate::error::found(done, "service")
}

/// Deletes a service, and with it its integrations and its resolved incidents; `Conflict`
/// while it has unresolved incidents. Locks the service first, so no incident opens on it
/// meanwhile. → its name.
pub async fn delete(conn: &mut sqlx::PgConnection, id: ServiceId) -> Result<String, AppError> {
    let name: Option<String> =
        sqlx::query_scalar("SELECT name FROM services WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    let name = name.ok_or_else(|| AppError::NotFound {
        what: "service".into(),
    })?;
    let open: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM incidents WHERE service_id = $1 AND status <> 'RESOLVED'",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    if open > 0 {
        return Err(AppError::conflict(format!(
            "the service has {open} unresolved incident(s); resolve them first"
        )));
    }
    sqlx::query("DELETE FROM services WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(name)
}

#[derive(sqlx::FromRow)]
struct IntegrationRow {
    id: IntegrationId,
    service_id: ServiceId,
    kind: String,
    name: String,
    key_prefix: String,
    enabled: bool,
    rate_limit_per_min: i32,
    created_at: DateTime<Utc>,
}

impl TryFrom<IntegrationRow> for Integration {
    type Error = AppError;

    fn try_from(r: IntegrationRow) -> Result<Self, AppError> {
        Ok(Integration {
            id: r.id,
            service_id: r.service_id,
            kind: AppError::column(
                "integrations.kind",
                &r.kind,
                IntegrationKind::parse(&r.kind),
            )?,
            name: r.name,
            key_prefix: r.key_prefix,
            enabled: r.enabled,
            rate_limit_per_min: r.rate_limit_per_min,
            created_at: r.created_at,
        })
    }
}

macro_rules! integration_columns {
    () => {
        "id, service_id, kind, name, key_prefix, enabled, rate_limit_per_min, created_at"
    };
}

pub async fn integrations(pool: &Db, service: ServiceId) -> Result<Vec<Integration>, AppError> {
    let rows: Vec<IntegrationRow> = sqlx::query_as(concat!(
        "SELECT ",
        integration_columns!(),
        " FROM integrations WHERE service_id = $1 ORDER BY created_at, id"
    ))
    .bind(service)
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(TryInto::try_into).collect()
}

/// One integration of the service; `NotFound` when the service has no such integration.
pub async fn integration(
    pool: &Db,
    service: ServiceId,
    id: IntegrationId,
) -> Result<Integration, AppError> {
    let row: Option<IntegrationRow> = sqlx::query_as(concat!(
        "SELECT ",
        integration_columns!(),
        " FROM integrations WHERE id = $1 AND service_id = $2"
    ))
    .bind(id)
    .bind(service)
    .fetch_optional(pool)
    .await?;
    row.ok_or_else(|| AppError::NotFound {
        what: "integration".into(),
    })?
    .try_into()
}

/// Deletes one integration of the service (its routing key stops working) → its name.
pub async fn delete_integration<'e>(
    db: impl PgExecutor<'e>,
    service: ServiceId,
    id: IntegrationId,
) -> Result<String, AppError> {
    let name: Option<String> = sqlx::query_scalar(
        "DELETE FROM integrations WHERE id = $1 AND service_id = $2 RETURNING name",
    )
    .bind(id)
    .bind(service)
    .fetch_optional(db)
    .await?;
    name.ok_or_else(|| AppError::NotFound {
        what: "integration".into(),
    })
}

pub async fn create_integration<'e>(
    db: impl PgExecutor<'e>,
    service: ServiceId,
    kind: IntegrationKind,
    name: &str,
    rate_limit_per_min: i32,
    now: DateTime<Utc>,
) -> Result<IntegrationWithKey, AppError> {
    let key = generate_routing_key();
    let row: IntegrationRow = sqlx::query_as(concat!(
        "INSERT INTO integrations (id, service_id, kind, name, key_hash, key_prefix, rate_limit_per_min, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING ",
        integration_columns!()
    ))
    .bind(IntegrationId::new())
    .bind(service)
    .bind(kind.as_str())
    .bind(name)
    .bind(key_hash(&key))
    .bind(&key[..6])
    .bind(rate_limit_per_min)
    .bind(now)
    .fetch_one(db)
    .await?;
    Ok(IntegrationWithKey {
        integration: row.try_into()?,
        routing_key: key,
    })
}

/// Replaces the routing key: the old one stops working at once.
pub async fn rotate_key<'e>(
    db: impl PgExecutor<'e>,
    id: IntegrationId,
    now: DateTime<Utc>,
) -> Result<IntegrationWithKey, AppError> {
    let key = generate_routing_key();
    let row: Option<IntegrationRow> = sqlx::query_as(concat!(
        "UPDATE integrations SET key_hash = $2, key_prefix = $3, updated_at = $4 WHERE id = $1 RETURNING ",
        integration_columns!()
    ))
    .bind(id)
    .bind(key_hash(&key))
    .bind(&key[..6])
    .bind(now)
    .fetch_optional(db)
    .await?;
    let row = row.ok_or_else(|| AppError::NotFound {
        what: "integration".into(),
    })?;
    Ok(IntegrationWithKey {
        integration: row.try_into()?,
        routing_key: key,
    })
}

pub async fn set_integration<'e>(
    db: impl PgExecutor<'e>,
    id: IntegrationId,
    enabled: bool,
    rate_limit_per_min: i32,
    now: DateTime<Utc>,
) -> Result<Integration, AppError> {
    let row: Option<IntegrationRow> = sqlx::query_as(concat!(
        "UPDATE integrations SET enabled = $2, rate_limit_per_min = $3, updated_at = $4 WHERE id = $1 RETURNING ",
        integration_columns!()
    ))
    .bind(id)
    .bind(enabled)
    .bind(rate_limit_per_min)
    .bind(now)
    .fetch_optional(db)
    .await?;
    row.ok_or_else(|| AppError::NotFound {
        what: "integration".into(),
    })?
    .try_into()
}

/// What ingestion needs to know about a routing key.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RouteTarget {
    pub integration_id: IntegrationId,
    pub service_id: ServiceId,
    pub kind: String,
    pub enabled: bool,
    pub rate_limit_per_min: i32,
    pub urgency_rule: String,
}

/// Known routing keys, cached for `ROUTE_TTL` so an event costs no lookup query. Changes
/// made through this process clear the cache at once (`forget_routes`); other instances see
/// a disabled or rotated key within the TTL.
static ROUTES: std::sync::LazyLock<std::sync::Mutex<RouteCache>> =
    std::sync::LazyLock::new(Default::default);

/// Routing-key hash → (target, when it was read).
type RouteCache = std::collections::HashMap<Vec<u8>, (RouteTarget, std::time::Instant)>;

/// How long a cached routing key is trusted.
pub const ROUTE_TTL: std::time::Duration = std::time::Duration::from_secs(5);

/// Drops every cached routing key (after any integration or service change).
pub fn forget_routes() {
    ROUTES.lock().unwrap_or_else(|p| p.into_inner()).clear();
}

/// The integration and service a routing key belongs to: from the cache, else one indexed read.
pub async fn route(pool: &Db, routing_key: &str) -> Result<Option<RouteTarget>, AppError> {
    let hash = key_hash(routing_key);
    if let Some((t, at)) = ROUTES.lock().unwrap_or_else(|p| p.into_inner()).get(&hash)
        && at.elapsed() < ROUTE_TTL
    {
        return Ok(Some(t.clone()));
    }
    let found: Option<RouteTarget> = sqlx::query_as(
        "SELECT i.id AS integration_id, i.service_id, i.kind, i.enabled, i.rate_limit_per_min, s.urgency_rule
         FROM integrations i JOIN services s ON s.id = i.service_id WHERE i.key_hash = $1",
    )
    .bind(&hash)
    .fetch_optional(pool)
    .await?;
    if let Some(t) = &found {
        let mut routes = ROUTES.lock().unwrap_or_else(|p| p.into_inner());
        if routes.len() >= 10_000 {
            routes.clear();
        }
        routes.insert(hash, (t.clone(), std::time::Instant::now()));
    }
    Ok(found)
}

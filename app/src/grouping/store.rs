//! All SQL for noise settings (`service_noise`) and grouped alerts' own keys
//! (`grouped_alert_keys`: which open group incident an alert's dedup key went into, so its
//! monitor's acknowledge and resolve find it).

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

use super::NoiseSettings;
use crate::domain::{IncidentId, ServiceId};
use crate::error::AppError;

type Row = (Option<String>, Option<i32>, Option<i32>, Option<i32>);

fn settings(r: Row) -> NoiseSettings {
    NoiseSettings {
        group_template: r.0,
        group_window_minutes: r.1,
        flap_count: r.2,
        flap_window_minutes: r.3,
    }
}

/// A service's settings (all off when it has none saved).
pub async fn get<'e>(
    db: impl PgExecutor<'e>,
    service: ServiceId,
) -> Result<NoiseSettings, AppError> {
    let row: Option<Row> = sqlx::query_as(
        "SELECT group_template, group_window_minutes, flap_count, flap_window_minutes
         FROM service_noise WHERE service_id = $1",
    )
    .bind(service)
    .fetch_optional(db)
    .await?;
    Ok(row.map(settings).unwrap_or_default())
}

/// Replaces a service's settings (checked by the caller).
pub async fn save(
    tx: &mut PgConnection,
    service: ServiceId,
    s: &NoiseSettings,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO service_noise (service_id, group_template, group_window_minutes, flap_count,
                                    flap_window_minutes, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (service_id) DO UPDATE SET group_template = EXCLUDED.group_template,
             group_window_minutes = EXCLUDED.group_window_minutes, flap_count = EXCLUDED.flap_count,
             flap_window_minutes = EXCLUDED.flap_window_minutes, updated_at = EXCLUDED.updated_at",
    )
    .bind(service)
    .bind(&s.group_template)
    .bind(s.group_window_minutes)
    .bind(s.flap_count)
    .bind(s.flap_window_minutes)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The grouping template and window (minutes) of those of `services` that group.
pub async fn grouping_of(
    tx: &mut PgConnection,
    services: &[ServiceId],
) -> Result<Vec<(ServiceId, String, i32)>, AppError> {
    Ok(sqlx::query_as(
        "SELECT service_id, group_template, group_window_minutes FROM service_noise
         WHERE service_id = ANY($1) AND group_template IS NOT NULL AND group_window_minutes IS NOT NULL",
    )
    .bind(services)
    .fetch_all(&mut *tx)
    .await?)
}

/// One grouped event to place: its service, group key, own dedup key, and the oldest an open
/// group incident may be to take it.
pub struct Probe<'a> {
    pub service: ServiceId,
    pub group: &'a str,
    pub key: Option<&'a str>,
    pub since: DateTime<Utc>,
}

/// Where each probe stands, in probe order: (the open incident its own key names, the newest
/// open incident of its group opened since `since`, the open group incident its own key went
/// into earlier), each as (incident, its dedup key).
pub type Found = (
    Option<(IncidentId, String)>,
    Option<(IncidentId, String)>,
    Option<(IncidentId, String)>,
);

/// Serialises grouping per (service, group) across instances until this transaction ends,
/// then looks every probe up: one statement for the locks, one for the lookups.
pub async fn place(tx: &mut PgConnection, probes: &[Probe<'_>]) -> Result<Vec<Found>, AppError> {
    let services: Vec<ServiceId> = probes.iter().map(|p| p.service).collect();
    let groups: Vec<&str> = probes.iter().map(|p| p.group).collect();
    let keys: Vec<Option<&str>> = probes.iter().map(|p| p.key).collect();
    let since: Vec<DateTime<Utc>> = probes.iter().map(|p| p.since).collect();
    // In one order everywhere, so two batches cannot wait on each other's locks.
    sqlx::query(
        "SELECT pg_advisory_xact_lock(hashtextextended(x.s::text || '/' || x.g, 21))
         FROM (SELECT DISTINCT s, g FROM unnest($1::uuid[], $2::text[]) AS u(s, g) ORDER BY s, g) x",
    )
    .bind(&services)
    .bind(&groups)
    .execute(&mut *tx)
    .await?;
    type Out = (
        i64,
        Option<IncidentId>,
        Option<String>,
        Option<IncidentId>,
        Option<String>,
        Option<IncidentId>,
        Option<String>,
    );
    let rows: Vec<Out> = sqlx::query_as(
        "SELECT u.ord, own.id, own.dedup_key, grp.id, grp.dedup_key, mem.id, mem.dedup_key
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[])
              WITH ORDINALITY AS u(s, g, k, since, ord)
         LEFT JOIN LATERAL (
             SELECT i.id, i.dedup_key FROM incidents i
             WHERE i.service_id = u.s AND i.dedup_key = u.k AND i.status <> 'RESOLVED') own ON true
         LEFT JOIN LATERAL (
             SELECT i.id, i.dedup_key FROM incidents i
             WHERE i.service_id = u.s AND i.group_key = u.g AND i.status <> 'RESOLVED'
               AND i.created_at >= u.since
             ORDER BY i.created_at DESC LIMIT 1) grp ON true
         LEFT JOIN LATERAL (
             SELECT i.id, i.dedup_key FROM grouped_alert_keys m
             JOIN incidents i ON i.service_id = m.service_id AND i.dedup_key = m.group_dedup_key
                             AND i.status <> 'RESOLVED'
             WHERE m.service_id = u.s AND m.dedup_key = u.k) mem ON true
         ORDER BY u.ord",
    )
    .bind(&services)
    .bind(&groups)
    .bind(&keys)
    .bind(&since)
    .fetch_all(&mut *tx)
    .await?;
    let pair = |id: Option<IncidentId>, key: Option<String>| id.zip(key);
    Ok(rows
        .into_iter()
        .map(|(_, a, ak, b, bk, c, ck)| (pair(a, ak), pair(b, bk), pair(c, ck)))
        .collect())
}

/// Remembers that alerts with these own keys went into the group incidents with these keys
/// (still firing): (service, own key, group incident's key).
pub async fn remember(
    tx: &mut PgConnection,
    members: &[(ServiceId, &str, &str)],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if members.is_empty() {
        return Ok(());
    }
    let (s, k, g): (Vec<ServiceId>, Vec<&str>, Vec<&str>) = members.iter().copied().fold(
        (Vec::new(), Vec::new(), Vec::new()),
        |(mut s, mut k, mut g), (a, b, c)| {
            s.push(a);
            k.push(b);
            g.push(c);
            (s, k, g)
        },
    );
    sqlx::query(
        "INSERT INTO grouped_alert_keys (service_id, dedup_key, group_dedup_key, resolved_at, updated_at)
         SELECT DISTINCT ON (s, k) s, k, g, NULL::timestamptz, $4
         FROM unnest($1::uuid[], $2::text[], $3::text[]) WITH ORDINALITY AS u(s, k, g, ord)
         ORDER BY s, k, ord DESC
         ON CONFLICT (service_id, dedup_key) DO UPDATE
         SET group_dedup_key = EXCLUDED.group_dedup_key, resolved_at = NULL, updated_at = EXCLUDED.updated_at",
    )
    .bind(&s)
    .bind(&k)
    .bind(&g)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Marks one member alert resolved → how many of its group's alerts still fire. When none
/// do, the group's rows are removed (the incident is about to resolve).
pub async fn resolve_member(
    tx: &mut PgConnection,
    service: ServiceId,
    key: &str,
    group_key: &str,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    let firing: i64 = sqlx::query_scalar(
        "WITH done AS (
            UPDATE grouped_alert_keys SET resolved_at = $4, updated_at = $4
            WHERE service_id = $1 AND dedup_key = $2 AND group_dedup_key = $3 RETURNING dedup_key)
         SELECT count(*) FROM grouped_alert_keys g
         WHERE g.service_id = $1 AND g.group_dedup_key = $3 AND g.resolved_at IS NULL
           AND g.dedup_key NOT IN (SELECT dedup_key FROM done)",
    )
    .bind(service)
    .bind(key)
    .bind(group_key)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    if firing == 0 {
        sqlx::query(
            "DELETE FROM grouped_alert_keys WHERE service_id = $1 AND group_dedup_key = $2",
        )
        .bind(service)
        .bind(group_key)
        .execute(&mut *tx)
        .await?;
    }
    Ok(firing)
}

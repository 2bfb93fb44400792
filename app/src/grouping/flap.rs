//! The flap guard, at ingest: a resolve for an incident whose key (or group) opened
//! `flap_count` incidents within `flap_window_minutes` is held. The incident stays open and is
//! marked flapping, so the alert's next trigger joins it instead of opening (and paging)
//! again; a person resolves it. Once flapping, every later resolve is held too.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::domain::{IncidentId, ServiceId};
use crate::error::AppError;

/// Holds the resolve for `(service, key)` if the incident it names flaps → that incident.
/// `None`: no open incident, no flap guard on the service, or not flapping (resolve it).
pub async fn held(
    tx: &mut PgConnection,
    service: ServiceId,
    key: &str,
    now: DateTime<Utc>,
) -> Result<Option<IncidentId>, AppError> {
    // One round trip when the service has no flap guard (the common case).
    let row: Option<(IncidentId, bool, i64, i32, i32)> = sqlx::query_as(
        "WITH cfg AS (
            SELECT flap_count, flap_window_minutes FROM service_noise
            WHERE service_id = $1 AND flap_count IS NOT NULL AND flap_window_minutes IS NOT NULL),
         cur AS (
            SELECT i.id, i.flapping, i.group_key FROM incidents i, cfg
            WHERE i.service_id = $1 AND i.dedup_key = $2 AND i.status <> 'RESOLVED')
         SELECT cur.id, cur.flapping,
                (SELECT count(*) FROM incidents i
                 WHERE i.service_id = $1
                   AND (i.dedup_key = $2 OR (cur.group_key IS NOT NULL AND i.group_key = cur.group_key))
                   AND i.created_at >= $3 - make_interval(mins => cfg.flap_window_minutes)),
                cfg.flap_count, cfg.flap_window_minutes
         FROM cur, cfg",
    )
    .bind(service)
    .bind(key)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((incident, flapping, opened, count, minutes)) = row else {
        return Ok(None);
    };
    if !flapping && opened < i64::from(count) {
        return Ok(None);
    }
    let message = if flapping {
        "Resolve held: the alert is flapping; resolve the incident by hand when it is stable"
            .to_owned()
    } else {
        format!(
            "Flapping: opened {opened} times within {minutes} minutes; the resolve is held and \
             the incident stays open, so re-triggers join it instead of paging again"
        )
    };
    sqlx::query(
        "WITH f AS (UPDATE incidents SET flapping = true, updated_at = $2 WHERE id = $1 RETURNING id)
         INSERT INTO incident_timeline (incident_id, at, kind, details)
         SELECT id, $2, 'FLAPPING', jsonb_build_object('message', $3::text, 'opened', $4::bigint,
                                                      'minutes', $5::int)
         FROM f",
    )
    .bind(incident)
    .bind(now)
    .bind(&message)
    .bind(opened)
    .bind(minutes)
    .execute(&mut *tx)
    .await?;
    crate::incidents::notify::notify(tx, &[incident]).await?;
    Ok(Some(incident))
}

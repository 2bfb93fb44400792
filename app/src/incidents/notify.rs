//! The live-change NOTIFYs: which incidents changed, and the event log's digests. A leaf:
//! it writes in the caller's transaction and calls nothing of the lifecycle.

use sqlx::PgConnection;

use crate::domain::IncidentId;
use crate::error::AppError;

/// The NOTIFY channel live views listen on; the payload is a JSON array of incident ids.
pub const CHANNEL: &str = "opsknight_incidents";
/// One NOTIFY for a set of changed incidents (a whole ingest batch shares one).
pub async fn notify(tx: &mut PgConnection, ids: &[IncidentId]) -> Result<(), AppError> {
    if ids.is_empty() {
        return Ok(());
    }
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(incidents_payload(ids))
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// The NOTIFY channel of the live event log; the payload is a JSON array of
/// [`super::EventDigest`].
pub const EVENTS_CHANNEL: &str = "opsknight_events";

/// NOTIFY payloads must stay under 8000 bytes.
const NOTIFY_MAX: usize = 7000;

/// An ingest batch's notifications in one statement: the incidents it touched, and the event
/// log's digests (split across as many payloads as their size needs).
pub async fn notify_ingest(
    tx: &mut PgConnection,
    ids: &[IncidentId],
    events: &[super::EventDigest],
) -> Result<(), AppError> {
    let mut chunks: Vec<String> = Vec::new();
    let mut current = String::from("[");
    for e in events {
        let Ok(json) = serde_json::to_string(e) else {
            continue;
        };
        if current.len() + json.len() + 2 > NOTIFY_MAX && current.len() > 1 {
            current.push(']');
            chunks.push(std::mem::replace(&mut current, String::from("[")));
        }
        if current.len() > 1 {
            current.push(',');
        }
        current.push_str(&json);
    }
    if current.len() > 1 {
        current.push(']');
        chunks.push(current);
    }
    let incidents = (!ids.is_empty()).then(|| incidents_payload(ids));
    // The usual case, one small batch: a single NOTIFY carries both, `{"ids":…,"events":…}`
    // (each NOTIFY in a transaction costs at commit; a second one cost a third of the
    // single-client ingest rate).
    if let ([events], Some(ids_json)) = (chunks.as_slice(), incidents.as_deref())
        && ids_json.len() + events.len() + 32 < NOTIFY_MAX
    {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(format!(r#"{{"ids":{ids_json},"events":{events}}}"#))
            .execute(&mut *tx)
            .await?;
        return Ok(());
    }
    sqlx::query(
        "SELECT (SELECT count(*) FROM (SELECT pg_notify($1, $2) WHERE $2 IS NOT NULL) a),
                (SELECT count(*) FROM (SELECT pg_notify($3, c) FROM unnest($4::text[]) c) b)",
    )
    .bind(CHANNEL)
    .bind(incidents)
    .bind(EVENTS_CHANNEL)
    .bind(&chunks)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// At most 150 ids (NOTIFY's payload limit), else `"many"`.
fn incidents_payload(ids: &[IncidentId]) -> String {
    if ids.len() <= 150 {
        serde_json::to_string(ids).unwrap_or_default()
    } else {
        "\"many\"".to_owned()
    }
}

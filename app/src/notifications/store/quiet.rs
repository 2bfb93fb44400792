//! Quiet hours: a person in their quiet hours is paged for a LOW-urgency incident only when
//! the quiet hours end (on their zone's wall clock); MEDIUM and HIGH urgency page at once.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::PageKey;
use crate::domain::{IncidentId, Urgency, UserId};
use crate::error::AppError;

/// A page that waits: `user`'s pages for `incident` start at `until` instead of now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quiet {
    pub incident: IncidentId,
    pub user: UserId,
    pub name: String,
    pub until: DateTime<Utc>,
    /// `until` on the person's wall clock: "07:00 Europe/Berlin".
    pub local: String,
}

/// The (incident, user) pairs of `keys` × `users` whose pages wait for quiet hours at `now`.
pub async fn waits(
    tx: &mut PgConnection,
    keys: &[PageKey],
    users: &[UserId],
    now: DateTime<Utc>,
) -> Result<Vec<Quiet>, AppError> {
    let incidents: Vec<IncidentId> = keys.iter().map(|k| k.incident).collect();
    let low: Vec<IncidentId> =
        sqlx::query_scalar("SELECT id FROM incidents WHERE id = ANY($1) AND urgency = $2")
            .bind(&incidents)
            .bind(Urgency::Low.as_str())
            .fetch_all(&mut *tx)
            .await?;
    if low.is_empty() {
        return Ok(Vec::new());
    }
    let hours = crate::profile::hours::store::read(tx, users).await?;
    let mut out = Vec::new();
    for h in hours {
        let Some((window, _)) = h.quiet.as_ref().filter(|(w, _)| w.contains(now)) else {
            continue;
        };
        let Some(until) = window.occurrence_end(now) else {
            // Quiet all week long cannot be saved; page rather than wait for ever.
            tracing::warn!(user = %h.id, "quiet hours without an end: paging now");
            continue;
        };
        let local = crate::domain::timezone::lookup(&h.zone).map_or_else(
            || format!("{} UTC", until.format("%H:%M")),
            |tz| format!("{} {}", until.with_timezone(&tz).format("%H:%M"), h.zone),
        );
        out.extend(low.iter().map(|&incident| Quiet {
            incident,
            user: h.id,
            name: h.name.clone(),
            until,
            local: local.clone(),
        }));
    }
    Ok(out)
}

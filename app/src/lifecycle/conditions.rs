//! Which due steps their conditions skip (`domain::conditions` says what they mean): a step
//! outside its weekly window is skipped for every incident of the batch; "outside working
//! hours" is decided per incident, on the people holding it (`incidents.paged_user_ids`, those
//! an earlier step paged), or if nobody does yet on the step's own people, read in one query.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::steps::DueStep;
use crate::domain::conditions::{StepConditions, all_outside};
use crate::domain::{IncidentId, UserId};
use crate::error::AppError;
use crate::policies::PagedUser;

/// The steps of `members` (indexes into `due`) that their conditions skip at `now`, each with
/// the reason the timeline gives.
pub async fn skipped(
    tx: &mut PgConnection,
    conditions: Option<&StepConditions>,
    members: &[usize],
    due: &[DueStep],
    people: &[PagedUser],
    now: DateTime<Utc>,
) -> Result<Vec<(usize, String)>, AppError> {
    let Some(conditions) = conditions.filter(|c| !c.is_empty()) else {
        return Ok(Vec::new());
    };
    let compiled = conditions
        .compile("conditions")
        .map_err(|e| AppError::Internal {
            message: format!("database column escalation_steps.conditions: {e}"),
        })?;
    if let Some(why) = compiled.outside_window(now) {
        return Ok(members.iter().map(|&i| (i, why.clone())).collect());
    }
    if !compiled.outside_working_hours {
        return Ok(Vec::new());
    }
    let incidents: Vec<IncidentId> = members.iter().map(|&i| due[i].incident).collect();
    let held: HashMap<IncidentId, Vec<UserId>> =
        sqlx::query_as("SELECT id, paged_user_ids FROM incidents WHERE id = ANY($1)")
            .bind(&incidents)
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .collect();
    let own: Vec<UserId> = people.iter().map(|p| p.id).collect();
    let mut everyone: Vec<UserId> = held.values().flatten().copied().collect();
    everyone.extend(&own);
    everyone.sort_unstable();
    everyone.dedup();
    let hours = crate::profile::hours::store::read(tx, &everyone).await?;
    let mut out = Vec::new();
    for &i in members {
        let holders = held
            .get(&due[i].incident)
            .filter(|h| !h.is_empty())
            .unwrap_or(&own);
        let theirs: Vec<_> = hours.iter().filter(|h| holders.contains(&h.id)).collect();
        let windows: Vec<_> = theirs
            .iter()
            .map(|h| h.working.as_ref().map(|w| w.0.clone()))
            .collect();
        if all_outside(&windows, now) {
            continue;
        }
        let working: Vec<&str> = theirs
            .iter()
            .filter(|h| h.working.as_ref().is_some_and(|w| w.0.contains(now)))
            .map(|h| h.name.as_str())
            .collect();
        out.push((
            i,
            format!(
                "skipped: within the working hours of {}",
                working.join(", ")
            ),
        ));
    }
    Ok(out)
}

//! Escalation steps run set-based: a batch of due steps in one transaction, with a handful of
//! statements whatever its size. The rows of the batch's incidents are locked (in id order, so
//! batches cannot deadlock), each step is fenced by its generation, the people of each
//! distinct (policy, step) are resolved once, and the pages, timeline entries and next steps
//! are written with one statement each. A batch of one is the single-job path. A step whose
//! conditions do not hold (`conditions`) is skipped with a timeline entry, and the next step
//! is due at once.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Utc};
use sqlx::PgConnection;

use super::step::StepOutcome;
use crate::domain::escalation::{Position, next_position};
use crate::domain::{IncidentId, PolicyId, Status, UserId};
use crate::error::AppError;
use crate::incidents::notify::notify;
use crate::jobs::{EscalationJob, JobKind};
use crate::notifications::store::{PageKey, Paged};
use crate::policies::PagedUser;
use crate::policies::store::StepPlan;

/// One due escalation step: the incident, the generation the job belongs to, and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueStep {
    pub incident: IncidentId,
    pub generation: i64,
    pub at: Position,
}

/// What the batch writes besides pages: timeline entries (the incidents they name are the
/// ones live views hear of) and next steps.
#[derive(Default)]
struct Writes {
    timeline: Vec<(IncidentId, serde_json::Value)>,
    next: Vec<(IncidentId, serde_json::Value, DateTime<Utc>)>,
}

impl Writes {
    fn entry(&mut self, incident: IncidentId, details: serde_json::Value) {
        self.timeline.push((incident, details));
    }
}

/// How a batch takes its incidents' row locks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locking {
    /// Wait for each row (one job: a single lock cannot close a cycle).
    Wait,
    /// Skip rows another transaction holds; their steps come back [`StepOutcome::Busy`]. A
    /// batch locking many rows while waiting could deadlock with an ingest batch appending
    /// alerts to several of the same incidents.
    SkipLocked,
}

/// Runs `due` in the caller's transaction; one outcome per step, in order.
pub async fn run_steps(
    tx: &mut PgConnection,
    due: &[DueStep],
    locking: Locking,
    now: DateTime<Utc>,
) -> Result<Vec<StepOutcome>, AppError> {
    let mut outcomes = vec![StepOutcome::Stale; due.len()];
    if due.is_empty() {
        return Ok(outcomes);
    }
    let ids: Vec<IncidentId> = due.iter().map(|d| d.incident).collect();
    // The row locks order these steps after any acknowledge that committed before them.
    let rows: Vec<(IncidentId, String, i64, Option<PolicyId>)> = sqlx::query_as(match locking {
        Locking::Wait => {
            "SELECT i.id, i.status, i.generation, s.escalation_policy_id
             FROM incidents i JOIN services s ON s.id = i.service_id
             WHERE i.id = ANY($1) ORDER BY i.id FOR UPDATE OF i"
        }
        Locking::SkipLocked => {
            "SELECT i.id, i.status, i.generation, s.escalation_policy_id
             FROM incidents i JOIN services s ON s.id = i.service_id
             WHERE i.id = ANY($1) ORDER BY i.id FOR UPDATE OF i SKIP LOCKED"
        }
    })
    .bind(&ids)
    .fetch_all(&mut *tx)
    .await?;
    if locking == Locking::SkipLocked {
        // A row not returned is held by another transaction (or gone): its job runs alone.
        for (i, d) in due.iter().enumerate() {
            if !rows.iter().any(|r| r.0 == d.incident) {
                outcomes[i] = StepOutcome::Busy;
            }
        }
    }
    // Only steps of an OPEN incident's current generation run; the rest are stale.
    let live: HashMap<(IncidentId, i64), Option<PolicyId>> = rows
        .into_iter()
        .filter(|(_, status, _, _)| status == Status::Open.as_str())
        .map(|(id, _, generation, policy)| ((id, generation), policy))
        .collect();
    let mut writes = Writes::default();
    // Steps of the same policy and position page the same people: resolve them once.
    let mut groups: BTreeMap<(PolicyId, i32), Vec<usize>> = BTreeMap::new();
    for (i, d) in due.iter().enumerate() {
        match live.get(&(d.incident, d.generation)) {
            None => {}
            Some(Some(policy)) => groups.entry((*policy, d.at.step)).or_default().push(i),
            Some(None) => {
                outcomes[i] = StepOutcome::NoPolicy;
                if d.at.step == 0 && d.at.loop_no == 0 {
                    writes.entry(d.incident, serde_json::json!({
                        "nobody": true, "message": "the service has no escalation policy: nobody was paged"}));
                }
            }
        }
    }
    for ((policy, step), members) in groups {
        run_group(
            tx,
            policy,
            step,
            &members,
            due,
            &mut outcomes,
            &mut writes,
            now,
        )
        .await?;
    }
    write(tx, &writes, now).await?;
    Ok(outcomes)
}

/// The steps `members` of `due`, all at `step` of `policy`.
#[allow(clippy::too_many_arguments)]
async fn run_group(
    tx: &mut PgConnection,
    policy: PolicyId,
    step: i32,
    members: &[usize],
    due: &[DueStep],
    outcomes: &mut [StepOutcome],
    writes: &mut Writes,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let Some(plan) = crate::policies::store::step_plan(&mut *tx, policy, step).await? else {
        for &i in members {
            outcomes[i] = StepOutcome::Nobody;
            writes.entry(
                due[i].incident,
                serde_json::json!({
                "nobody": true, "step": step + 1,
                "message": "the policy has no such step any more: escalation ended"}),
            );
        }
        return Ok(());
    };
    let people =
        crate::policies::store::step_users(&mut *tx, policy, step, &plan.schedules, now).await?;
    // Steps whose conditions do not hold are skipped, and the next one is due at once.
    let skipped =
        super::conditions::skipped(tx, plan.conditions.as_ref(), members, due, &people, now)
            .await?;
    for (i, why) in &skipped {
        outcomes[*i] = StepOutcome::Skipped;
        writes.entry(
            due[*i].incident,
            serde_json::json!({
            "skipped": true, "step": step + 1, "pass": due[*i].at.loop_no + 1, "message": why}),
        );
    }
    let running: Vec<usize> = members
        .iter()
        .copied()
        .filter(|i| !skipped.iter().any(|(s, _)| s == i))
        .collect();
    if people.is_empty() {
        for &i in &running {
            outcomes[i] = StepOutcome::Nobody;
            writes.entry(
                due[i].incident,
                serde_json::json!({
                "nobody": true, "step": step + 1, "pass": due[i].at.loop_no + 1,
                "message": "no one to page at this step; moving on"}),
            );
        }
    } else if !running.is_empty() {
        page(
            tx, &plan, step, &running, due, &people, outcomes, writes, now,
        )
        .await?;
    }
    for &i in members {
        let Some(next) = next_position(due[i].at, plan.steps, plan.repeat_count) else {
            continue;
        };
        let job = EscalationJob::Step {
            generation: due[i].generation,
            step: next.step,
            loop_no: next.loop_no,
        };
        let payload = serde_json::to_value(job).map_err(|e| AppError::Internal {
            message: format!("next step payload: {e}"),
        })?;
        let run_at = if skipped.iter().any(|(s, _)| *s == i) {
            now
        } else {
            now + Duration::minutes(i64::from(plan.delay_minutes))
        };
        writes.next.push((due[i].incident, payload, run_at));
    }
    Ok(())
}

/// Pages `people` for the steps `members` of `due` (all at `step` of the plan's policy), and
/// makes them hold those incidents.
#[allow(clippy::too_many_arguments)]
async fn page(
    tx: &mut PgConnection,
    plan: &StepPlan,
    step: i32,
    members: &[usize],
    due: &[DueStep],
    people: &[PagedUser],
    outcomes: &mut [StepOutcome],
    writes: &mut Writes,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let users: Vec<UserId> = people.iter().map(|p| p.id).collect();
    let keys: Vec<PageKey> = members
        .iter()
        .map(|&i| PageKey {
            incident: due[i].incident,
            generation: due[i].generation,
            step,
            loop_no: due[i].at.loop_no,
        })
        .collect();
    let Paged {
        unreachable,
        waiting,
    } = crate::notifications::store::page_users(tx, &keys, &users, &plan.channels, now).await?;
    let (reached, missing): (Vec<_>, Vec<_>) =
        people.iter().partition(|p| !unreachable.contains(&p.id));
    let reached_ids: Vec<UserId> = reached.iter().map(|p| p.id).collect();
    let paged: Vec<&str> = reached.iter().map(|p| p.name.as_str()).collect();
    let missing: Vec<&str> = missing.iter().map(|p| p.name.as_str()).collect();
    // The people paged now hold the incident, unless someone assigned it by hand.
    let incidents: Vec<IncidentId> = keys.iter().map(|k| k.incident).collect();
    let held: Vec<(IncidentId, bool)> = sqlx::query_as(
        "UPDATE incidents SET paged_user_ids = $2 WHERE id = ANY($1) AND cardinality($2::uuid[]) > 0
         RETURNING id, assignee_user_id IS NULL AND assignee_team_id IS NULL",
    )
    .bind(&incidents)
    .bind(&reached_ids)
    .fetch_all(&mut *tx)
    .await?;
    for &i in members {
        outcomes[i] = StepOutcome::Paged {
            users: users.clone(),
            unreachable: unreachable.clone(),
        };
        let mut details = serde_json::json!({
            "step": step + 1, "pass": due[i].at.loop_no + 1, "paged": paged, "no_contact_method": missing});
        if held.contains(&(due[i].incident, true)) {
            details["held_by"] = serde_json::json!(paged);
        }
        let quiet: Vec<String> = waiting
            .iter()
            .filter(|q| q.incident == due[i].incident)
            .map(|q| format!("{} until {}", q.name, q.local))
            .collect();
        if !quiet.is_empty() {
            details["quiet_hours"] = serde_json::json!(quiet);
        }
        writes.entry(due[i].incident, details);
    }
    Ok(())
}

/// The batch's timeline entries, next steps and live notification: one statement each.
async fn write(tx: &mut PgConnection, w: &Writes, now: DateTime<Utc>) -> Result<(), AppError> {
    let (incidents, details): (Vec<IncidentId>, Vec<&serde_json::Value>) =
        w.timeline.iter().map(|(i, d)| (*i, d)).unzip();
    if !incidents.is_empty() {
        sqlx::query(
            "INSERT INTO incident_timeline (incident_id, at, kind, details)
             SELECT u.incident_id, $2, 'ESCALATED', u.details
             FROM unnest($1::uuid[], $3::jsonb[]) WITH ORDINALITY AS u(incident_id, details, ord)
             ORDER BY u.ord",
        )
        .bind(&incidents)
        .bind(now)
        .bind(&details)
        .execute(&mut *tx)
        .await?;
    }
    crate::jobs::store::enqueue_many(tx, JobKind::Escalation, &w.next, now).await?;
    notify(tx, &incidents).await
}

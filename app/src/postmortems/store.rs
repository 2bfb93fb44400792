//! The SQL of one postmortem: create (one per incident), read whole, and the writes
//! (sections and timeline, status, action items). The lists are `listing.rs`.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, PgExecutor};

use super::{ActionItem, ActionKind, ActionStatus, PmStatus, Postmortem, Sections, TimelineRow};
use crate::domain::{ActionItemId, IncidentId, PostmortemId, ServiceId, TeamId, UserId};
use crate::error::AppError;

/// The incident a postmortem is about, as the rules need it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IncidentFacts {
    pub id: IncidentId,
    pub number: i64,
    pub title: String,
    pub status: String,
    pub urgency: String,
    pub service_id: ServiceId,
    pub service_name: String,
    pub team_id: Option<TeamId>,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// The number of the incident it was merged into, if it was.
    pub merged_into: Option<i64>,
}

pub async fn incident<'e>(
    db: impl PgExecutor<'e>,
    id: IncidentId,
) -> Result<IncidentFacts, AppError> {
    let row: Option<IncidentFacts> = sqlx::query_as(
        "SELECT i.id, i.number, i.title, i.status, i.urgency, i.service_id, s.name AS service_name,
                s.team_id, i.created_at, i.resolved_at, m.number AS merged_into
         FROM incidents i JOIN services s ON s.id = i.service_id
         LEFT JOIN incidents m ON m.id = i.merged_into
         WHERE i.id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await?;
    row.ok_or_else(|| AppError::NotFound {
        what: "incident".into(),
    })
}

/// The numbers of the incidents merged into `id`.
pub async fn merged_numbers<'e>(
    db: impl PgExecutor<'e>,
    id: IncidentId,
) -> Result<Vec<i64>, AppError> {
    Ok(
        sqlx::query_scalar("SELECT number FROM incidents WHERE merged_into = $1 ORDER BY number")
            .bind(id)
            .fetch_all(db)
            .await?,
    )
}

/// The postmortem of an incident, if it has one.
pub async fn of_incident<'e>(
    db: impl PgExecutor<'e>,
    incident: IncidentId,
) -> Result<Option<PostmortemId>, AppError> {
    Ok(
        sqlx::query_scalar("SELECT id FROM postmortems WHERE incident_id = $1")
            .bind(incident)
            .fetch_optional(db)
            .await?,
    )
}

fn encode_timeline(rows: &[TimelineRow]) -> Result<serde_json::Value, AppError> {
    serde_json::to_value(rows).map_err(|e| AppError::Internal {
        message: format!("encode postmortem timeline: {e}"),
    })
}

/// Creates a DRAFT for `incident` → its id, or `None` when the incident has one already.
#[allow(clippy::too_many_arguments)]
pub async fn create(
    tx: &mut PgConnection,
    incident: IncidentId,
    title: &str,
    authors: &str,
    summary: &str,
    timeline: &[TimelineRow],
    by: UserId,
    now: DateTime<Utc>,
) -> Result<Option<PostmortemId>, AppError> {
    let id = PostmortemId::new();
    let done = sqlx::query(
        "INSERT INTO postmortems (id, incident_id, title, status, authors, summary, timeline,
                                  created_by, created_at, updated_at)
         VALUES ($1, $2, $3, 'DRAFT', $4, $5, $6, $7, $8, $8)
         ON CONFLICT (incident_id) DO NOTHING",
    )
    .bind(id)
    .bind(incident)
    .bind(title)
    .bind(authors)
    .bind(summary)
    .bind(encode_timeline(timeline)?)
    .bind(by)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok((done.rows_affected() == 1).then_some(id))
}

/// A postmortem's own columns, and its incident's, as read.
#[derive(sqlx::FromRow)]
struct Head {
    id: PostmortemId,
    incident_id: IncidentId,
    incident_number: i64,
    incident_title: String,
    service_id: ServiceId,
    service_name: String,
    team_id: Option<TeamId>,
    team_name: Option<String>,
    title: String,
    authors: String,
    status: String,
    #[sqlx(flatten)]
    sections: Sections,
    timeline: serde_json::Value,
    created_by: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    published_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct ActionRow {
    id: ActionItemId,
    title: String,
    kind: String,
    owner_user_id: Option<UserId>,
    owner: Option<String>,
    due_on: Option<NaiveDate>,
    status: String,
    bug: String,
}

/// A postmortem, whole; `today` decides which action items are overdue.
pub async fn get(
    db: &crate::db::Db,
    id: PostmortemId,
    today: NaiveDate,
) -> Result<Postmortem, AppError> {
    let head: Option<Head> = sqlx::query_as(
        "SELECT p.id, p.incident_id, i.number AS incident_number, i.title AS incident_title,
                i.service_id, s.name AS service_name, s.team_id, t.name AS team_name,
                p.title, p.authors, p.status, p.summary, p.impact, p.root_causes, p.trigger,
                p.resolution, p.detection, p.went_well, p.went_wrong, p.got_lucky, p.timeline,
                u.name AS created_by, p.created_at, p.updated_at, p.published_at
         FROM postmortems p JOIN incidents i ON i.id = p.incident_id
         JOIN services s ON s.id = i.service_id LEFT JOIN teams t ON t.id = s.team_id
         LEFT JOIN users u ON u.id = p.created_by
         WHERE p.id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await?;
    let h = head.ok_or_else(|| AppError::NotFound {
        what: "postmortem".into(),
    })?;
    let rows: Vec<ActionRow> = sqlx::query_as(
        "SELECT a.id, a.title, a.kind, a.owner_user_id, u.name AS owner, a.due_on, a.status, a.bug
         FROM postmortem_actions a LEFT JOIN users u ON u.id = a.owner_user_id
         WHERE a.postmortem_id = $1 ORDER BY a.seq",
    )
    .bind(id)
    .fetch_all(db)
    .await?;
    let actions = rows
        .into_iter()
        .map(|r| {
            let status = AppError::column(
                "postmortem_actions.status",
                &r.status,
                ActionStatus::parse(&r.status),
            )?;
            Ok(ActionItem {
                id: r.id,
                kind: AppError::column(
                    "postmortem_actions.kind",
                    &r.kind,
                    ActionKind::parse(&r.kind),
                )?,
                title: r.title,
                owner_user_id: r.owner_user_id,
                owner: r.owner,
                overdue: status != ActionStatus::Done && r.due_on.is_some_and(|d| d < today),
                due_on: r.due_on,
                status,
                bug: r.bug,
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    let timeline: Vec<TimelineRow> =
        serde_json::from_value(h.timeline.clone()).map_err(|_| AppError::Internal {
            message: format!(
                "database column postmortems.timeline holds {}, which is not a timeline",
                h.timeline
            ),
        })?;
    Ok(Postmortem {
        id: h.id,
        incident_id: h.incident_id,
        incident_number: h.incident_number,
        incident_title: h.incident_title,
        service_id: h.service_id,
        service_name: h.service_name,
        team_id: h.team_id,
        team_name: h.team_name,
        merged: merged_numbers(db, h.incident_id).await?,
        title: h.title,
        authors: h.authors,
        status: AppError::column("postmortems.status", &h.status, PmStatus::parse(&h.status))?,
        sections: h.sections,
        timeline,
        actions,
        created_by: h.created_by,
        created_at: h.created_at,
        updated_at: h.updated_at,
        published_at: h.published_at,
    })
}

/// A postmortem's status and its service, the row locked for the write that follows.
pub async fn lock(tx: &mut PgConnection, id: PostmortemId) -> Result<(PmStatus, String), AppError> {
    let row: Option<(String, String)> =
        sqlx::query_as("SELECT status, title FROM postmortems WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    let (status, title) = row.ok_or_else(|| AppError::NotFound {
        what: "postmortem".into(),
    })?;
    Ok((
        AppError::column("postmortems.status", &status, PmStatus::parse(&status))?,
        title,
    ))
}

/// The service (and its team) of a postmortem's incident.
pub async fn service_of<'e>(
    db: impl PgExecutor<'e>,
    id: PostmortemId,
) -> Result<(ServiceId, Option<TeamId>), AppError> {
    let row: Option<(ServiceId, Option<TeamId>)> = sqlx::query_as(
        "SELECT s.id, s.team_id FROM postmortems p JOIN incidents i ON i.id = p.incident_id
         JOIN services s ON s.id = i.service_id WHERE p.id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await?;
    row.ok_or_else(|| AppError::NotFound {
        what: "postmortem".into(),
    })
}

/// Replaces the title, authors, sections and timeline.
pub async fn update(
    tx: &mut PgConnection,
    id: PostmortemId,
    title: &str,
    authors: &str,
    s: &Sections,
    timeline: &[TimelineRow],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE postmortems SET title = $2, authors = $3, summary = $4, impact = $5,
                root_causes = $6, trigger = $7, resolution = $8, detection = $9, went_well = $10,
                went_wrong = $11, got_lucky = $12, timeline = $13, updated_at = $14
         WHERE id = $1",
    )
    .bind(id)
    .bind(title)
    .bind(authors)
    .bind(&s.summary)
    .bind(&s.impact)
    .bind(&s.root_causes)
    .bind(&s.trigger)
    .bind(&s.resolution)
    .bind(&s.detection)
    .bind(&s.went_well)
    .bind(&s.went_wrong)
    .bind(&s.got_lucky)
    .bind(encode_timeline(timeline)?)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Sets the status; `published_at` is set on publishing and cleared on leaving PUBLISHED.
pub async fn set_status(
    tx: &mut PgConnection,
    id: PostmortemId,
    status: PmStatus,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE postmortems SET status = $2, updated_at = $3,
                published_at = CASE WHEN $2 = 'PUBLISHED' THEN $3 END
         WHERE id = $1",
    )
    .bind(id)
    .bind(status.as_str())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// An action item's checked fields.
#[derive(Debug, Clone)]
pub struct ActionFields {
    pub title: String,
    pub kind: ActionKind,
    pub owner_user_id: Option<UserId>,
    pub due_on: Option<NaiveDate>,
    pub status: ActionStatus,
    pub bug: String,
}

/// Adds an action item (`id` None) or changes one of this postmortem's (false: no such item).
pub async fn save_action(
    tx: &mut PgConnection,
    postmortem: PostmortemId,
    id: Option<ActionItemId>,
    a: &ActionFields,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let done = match id {
        None => sqlx::query(
            "INSERT INTO postmortem_actions (id, postmortem_id, title, kind, owner_user_id,
                                                 due_on, status, bug, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
        )
        .bind(ActionItemId::new()),
        Some(id) => sqlx::query(
            "UPDATE postmortem_actions SET title = $3, kind = $4, owner_user_id = $5, due_on = $6,
                    status = $7, bug = $8, updated_at = $9
             WHERE id = $1 AND postmortem_id = $2",
        )
        .bind(id),
    }
    .bind(postmortem)
    .bind(&a.title)
    .bind(a.kind.as_str())
    .bind(a.owner_user_id)
    .bind(a.due_on)
    .bind(a.status.as_str())
    .bind(&a.bug)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes one of this postmortem's action items (false: no such item).
pub async fn delete_action(
    tx: &mut PgConnection,
    postmortem: PostmortemId,
    id: ActionItemId,
) -> Result<bool, AppError> {
    Ok(
        sqlx::query("DELETE FROM postmortem_actions WHERE id = $1 AND postmortem_id = $2")
            .bind(id)
            .bind(postmortem)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            == 1,
    )
}

pub async fn count_actions(
    tx: &mut PgConnection,
    postmortem: PostmortemId,
) -> Result<i64, AppError> {
    Ok(
        sqlx::query_scalar("SELECT count(*) FROM postmortem_actions WHERE postmortem_id = $1")
            .bind(postmortem)
            .fetch_one(&mut *tx)
            .await?,
    )
}

//! Every postmortem operation, once. Reading: any role (incidents:read for keys), postmortems
//! of services the caller may see. Writing: whoever may change the incident's service (a
//! RESPONDER; for a team's service its OWNER/ADMIN members and workspace ADMINs: the team
//! rule of `teams::perm`), with per-field checks. A PUBLISHED postmortem's text is read-only;
//! a workspace ADMIN may move it back to IN_REVIEW. Action items stay editable after
//! publishing (their status is the follow-up work). Creating and status changes are audited.

use chrono::NaiveDate;
use serde_json::json;

use super::store::{self, IncidentFacts};
use super::{
    ActionInput, PmStatus, PostmortemEdit, PostmortemList, PostmortemView, SECTIONS, TeamOverdue,
};
use crate::auth::caller::Caller;
use crate::domain::{
    Access, ActionItemId, Area, IncidentId, PostmortemId, Role, ServiceId, Status,
};
use crate::error::AppError;
use crate::state::AppState;
use crate::teams::perm::{self, Edit, Object};

/// Today, as the overdue rule counts it (UTC).
fn today(state: &AppState) -> NaiveDate {
    state.clock.now().date_naive()
}

/// The postmortems (of one status, or all) and the overdue action items by team.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    status: Option<String>,
) -> Result<PostmortemList, AppError> {
    caller.check(Access::Read(Area::Incidents))?;
    let status = match status.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => Some(PmStatus::parse(raw).ok_or_else(|| {
            AppError::invalid(
                "status",
                format!(
                    "must be one of {}",
                    PmStatus::ALL.map(PmStatus::as_str).join(", ")
                ),
            )
        })?),
    };
    let sight = perm::sight(&state.pool, caller).await?;
    let postmortems = super::listing::list(&state.pool, status, sight.teams()).await?;
    let items = super::listing::overdue(&state.pool, today(state), sight.teams()).await?;
    let mut overdue: Vec<TeamOverdue> = Vec::new();
    for item in items {
        match overdue.iter_mut().find(|t| t.team_id == item.team_id) {
            Some(t) => t.items.push(item),
            None => overdue.push(TeamOverdue {
                team_id: item.team_id,
                team: item.team_name.clone().unwrap_or_else(|| "No team".into()),
                items: vec![item],
            }),
        }
    }
    overdue.sort_by_key(|t| (t.team_id.is_none(), t.team.to_lowercase()));
    Ok(PostmortemList {
        postmortems,
        overdue,
    })
}

/// Whether `caller` may change what belongs to a service owned by `team` (the answer
/// `perm::begin` gives, without a transaction, for the page's buttons).
async fn may_edit(
    state: &AppState,
    caller: &Caller,
    team: Option<crate::domain::TeamId>,
) -> Result<bool, AppError> {
    if caller.check(Access::Write(Area::Incidents)).is_err() {
        return Ok(false);
    }
    if perm::is_workspace_admin(caller) {
        return Ok(true);
    }
    Ok(match team {
        None => true,
        Some(t) => crate::teams::store::team_role_of(&state.pool, caller.user.id, t)
            .await?
            .is_some_and(crate::teams::TeamRole::manages),
    })
}

/// One postmortem with its sections rendered to sanitized HTML.
pub async fn get(
    state: &AppState,
    caller: &Caller,
    id: PostmortemId,
) -> Result<PostmortemView, AppError> {
    caller.check(Access::Read(Area::Incidents))?;
    let (_, team) = store::service_of(&state.pool, id).await?;
    perm::sight(&state.pool, caller)
        .await?
        .require(team, "postmortem")?;
    let postmortem = store::get(&state.pool, id, today(state)).await?;
    let html = SECTIONS
        .iter()
        .map(|(key, _)| {
            (
                (*key).to_owned(),
                super::render::to_html(postmortem.sections.get(key)),
            )
        })
        .collect();
    let can_edit = may_edit(state, caller, team).await?;
    Ok(PostmortemView {
        postmortem,
        html,
        can_edit,
        can_unpublish: can_edit && perm::is_workspace_admin(caller),
    })
}

/// The postmortem of an incident (or of the incident it was merged into), if there is one.
pub async fn of_incident(
    state: &AppState,
    caller: &Caller,
    incident: IncidentId,
) -> Result<Option<PostmortemId>, AppError> {
    caller.check(Access::Read(Area::Incidents))?;
    let merged_into: Option<Option<IncidentId>> =
        sqlx::query_scalar("SELECT merged_into FROM incidents WHERE id = $1")
            .bind(incident)
            .fetch_optional(&state.pool)
            .await?;
    let primary = match merged_into {
        None => {
            return Err(AppError::NotFound {
                what: "incident".into(),
            });
        }
        Some(into) => into.unwrap_or(incident),
    };
    store::of_incident(&state.pool, primary).await
}

/// Checks the caller may change what belongs to `service` → the write's transaction.
async fn begin(
    state: &AppState,
    caller: &Caller,
    service: ServiceId,
    action: &str,
) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, AppError> {
    caller.check(Access::Write(Area::Incidents))?;
    perm::begin(
        state,
        caller,
        Edit::change(Object::Service(service), action),
    )
    .await
}

/// Why `i` gets no postmortem, if it does not.
fn refuse(i: &IncidentFacts) -> Result<(), AppError> {
    if let Some(n) = i.merged_into {
        return Err(AppError::Conflict {
            message: format!(
                "incident #{} was merged into #{n}; write the postmortem for #{n}, which covers both",
                i.number
            ),
        });
    }
    if AppError::column("incidents.status", &i.status, Status::parse(&i.status))?
        != Status::Resolved
    {
        return Err(AppError::Conflict {
            message: format!(
                "incident #{} is not resolved; a postmortem is written once it is",
                i.number
            ),
        });
    }
    Ok(())
}

fn exists(number: i64) -> AppError {
    AppError::Conflict {
        message: format!("incident #{number} has a postmortem already; open it from the incident"),
    }
}

/// Drafts a postmortem for a resolved incident → its id.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    incident: IncidentId,
) -> Result<PostmortemId, AppError> {
    caller.check(Access::Write(Area::Incidents))?;
    let i = store::incident(&state.pool, incident).await?;
    refuse(&i)?;
    if store::of_incident(&state.pool, incident).await?.is_some() {
        return Err(exists(i.number));
    }
    let merged = store::merged_numbers(&state.pool, incident).await?;
    let entries = super::draft::entries(&state.pool, incident).await?;
    let timeline = super::draft::timeline(&entries, i.number);
    let summary = super::draft::summary(&i, &merged);
    let title: String = format!("#{} {}", i.number, i.title)
        .chars()
        .take(200)
        .collect();
    let mut tx = begin(state, caller, i.service_id, "postmortem.create").await?;
    let now = state.clock.now();
    // Read again under the service's lock: the incident may have been reopened meanwhile.
    refuse(&store::incident(&mut *tx, incident).await?)?;
    let id = store::create(
        &mut tx,
        incident,
        title.trim(),
        &caller.user.name,
        &summary,
        &timeline,
        caller.user.id,
        now,
    )
    .await?
    .ok_or_else(|| exists(i.number))?;
    caller
        .audit(
            &mut *tx,
            now,
            "postmortem.create",
            &title,
            json!({"postmortem_id": id, "incident_id": incident, "merged": merged,
                "timeline_rows": timeline.len()}),
        )
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// Saves the title, authors, sections and timeline (not while PUBLISHED).
pub async fn update(
    state: &AppState,
    caller: &Caller,
    id: PostmortemId,
    edit: &PostmortemEdit,
) -> Result<PostmortemView, AppError> {
    caller.check(Access::Write(Area::Incidents))?;
    let (title, authors, sections, timeline) = super::check::edit(edit)?;
    let (service, _) = store::service_of(&state.pool, id).await?;
    let mut tx = begin(state, caller, service, "postmortem.update").await?;
    let (status, _) = store::lock(&mut tx, id).await?;
    if status == PmStatus::Published {
        return Err(AppError::Conflict {
            message:
                "a published postmortem is read-only; a workspace ADMIN may move it back to review"
                    .into(),
        });
    }
    let now = state.clock.now();
    store::update(&mut tx, id, &title, &authors, &sections, &timeline, now).await?;
    tx.commit().await?;
    get(state, caller, id).await
}

/// Moves a postmortem to `status` (see `PmStatus::may_move_to`; back from PUBLISHED only for
/// a workspace ADMIN). The same status again changes nothing.
pub async fn set_status(
    state: &AppState,
    caller: &Caller,
    id: PostmortemId,
    status: &str,
) -> Result<PostmortemView, AppError> {
    caller.check(Access::Write(Area::Incidents))?;
    let to = PmStatus::parse(status).ok_or_else(|| {
        AppError::invalid(
            "status",
            format!(
                "must be one of {}",
                PmStatus::ALL.map(PmStatus::as_str).join(", ")
            ),
        )
    })?;
    let (service, _) = store::service_of(&state.pool, id).await?;
    let mut tx = begin(state, caller, service, "postmortem.status").await?;
    let (from, title) = store::lock(&mut tx, id).await?;
    if from != to {
        if !from.may_move_to(to) {
            return Err(AppError::Conflict {
                message: format!(
                    "a postmortem moves one step at a time: {} cannot go to {}",
                    from.as_str(),
                    to.as_str()
                ),
            });
        }
        if from == PmStatus::Published && caller.user.role != Role::Admin {
            return Err(AppError::forbidden(
                "only a workspace ADMIN may move a published postmortem back to review",
            ));
        }
        let now = state.clock.now();
        store::set_status(&mut tx, id, to, now).await?;
        caller
            .audit(
                &mut *tx,
                now,
                "postmortem.status",
                &title,
                json!({"postmortem_id": id, "from": from.as_str(), "to": to.as_str()}),
            )
            .await?;
    }
    tx.commit().await?;
    get(state, caller, id).await
}

/// Adds or changes an action item.
pub async fn save_action(
    state: &AppState,
    caller: &Caller,
    id: PostmortemId,
    input: &ActionInput,
) -> Result<PostmortemView, AppError> {
    caller.check(Access::Write(Area::Incidents))?;
    let fields = super::check::action(input)?;
    if let Some(owner) = fields.owner_user_id {
        let known: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE id = $1)")
            .bind(owner)
            .fetch_one(&state.pool)
            .await?;
        if !known {
            return Err(AppError::invalid("action.owner_user_id", "no such user"));
        }
    }
    let (service, _) = store::service_of(&state.pool, id).await?;
    let mut tx = begin(state, caller, service, "postmortem.action").await?;
    store::lock(&mut tx, id).await?;
    if input.id.is_none() && store::count_actions(&mut tx, id).await? >= super::ACTIONS_MAX {
        return Err(AppError::invalid(
            "action",
            format!("at most {} action items per postmortem", super::ACTIONS_MAX),
        ));
    }
    if !store::save_action(&mut tx, id, input.id, &fields, state.clock.now()).await? {
        return Err(AppError::NotFound {
            what: "action item".into(),
        });
    }
    tx.commit().await?;
    get(state, caller, id).await
}

/// Deletes an action item.
pub async fn delete_action(
    state: &AppState,
    caller: &Caller,
    id: PostmortemId,
    action: ActionItemId,
) -> Result<PostmortemView, AppError> {
    caller.check(Access::Write(Area::Incidents))?;
    let (service, _) = store::service_of(&state.pool, id).await?;
    let mut tx = begin(state, caller, service, "postmortem.action").await?;
    store::lock(&mut tx, id).await?;
    if !store::delete_action(&mut tx, id, action).await? {
        return Err(AppError::NotFound {
            what: "action item".into(),
        });
    }
    tx.commit().await?;
    get(state, caller, id).await
}

/// Markdown rendered as the page shows it (the editor's preview).
pub fn preview(caller: &Caller, markdown: &str) -> Result<String, AppError> {
    caller.check(Access::Read(Area::Incidents))?;
    if markdown.chars().count() > super::SECTION_MAX {
        return Err(AppError::invalid(
            "markdown",
            format!("must be at most {} characters", super::SECTION_MAX),
        ));
    }
    Ok(super::render::to_html(markdown))
}

/// The postmortem as a Markdown document → (file name, document).
pub async fn export(
    state: &AppState,
    caller: &Caller,
    id: PostmortemId,
) -> Result<(String, String), AppError> {
    let view = get(state, caller, id).await?;
    let p = &view.postmortem;
    Ok((
        format!("postmortem-{}.md", p.incident_number),
        super::export::markdown(p),
    ))
}

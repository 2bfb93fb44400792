//! `/api/v1/teams` and their members: any caller reads; ADMIN creates and deletes teams; ADMIN
//! or the team's OWNER/ADMIN members (signed in, or with an `admin`-scoped key) change a team
//! (PATCH with `If-Match`) and its membership (PUT and DELETE of a member). Shells over
//! `app::teams::ops`.

use app::auth::caller::Caller;
use app::domain::{TeamId, UserId};
use app::error::AppError;
use app::state::AppState;
use app::teams::ops;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::fields::one;
use super::people::user_id;
use super::schema::ErrorBody;
use super::wire::{ApiResult, Json, check_if_match, created, etag, id, with_etag};

/// Adds this resource's routes (and their operations in the document).
pub fn register(router: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    router
        .routes(routes!(list, create))
        .routes(routes!(get, patch, delete))
        .routes(routes!(list_members))
        .routes(routes!(get_member, put_member, remove_member))
}

/// A team.
#[derive(Debug, Serialize, ToSchema)]
pub struct Team {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub member_count: i64,
    /// The lead's name, if the team has one.
    pub lead: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<app::teams::TeamSummary> for Team {
    fn from(t: app::teams::TeamSummary) -> Self {
        Team {
            id: t.id.0,
            name: t.name,
            description: t.description,
            member_count: t.member_count,
            lead: t.lead,
            created_at: t.created_at,
        }
    }
}

/// A member of a team.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamMember {
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
    /// The user's account role: ADMIN, RESPONDER or USER.
    pub user_role: String,
    /// The role in this team: OWNER, ADMIN or MEMBER.
    pub role: String,
    pub is_lead: bool,
}

impl From<app::teams::TeamMember> for TeamMember {
    fn from(m: app::teams::TeamMember) -> Self {
        TeamMember {
            user_id: m.user_id.0,
            name: m.name,
            email: m.email,
            user_role: m.user_role.as_str().into(),
            role: m.role.as_str().into(),
            is_lead: m.is_lead,
        }
    }
}

fn tagged<T: Serialize>(object: T) -> Response {
    with_etag(&etag(&object), axum::Json(object))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TeamList {
    /// Every team, by name.
    pub teams: Vec<Team>,
}

#[utoipa::path(get, path = "/api/v1/teams", tag = "teams",
    responses(
        (status = 200, description = "Every team, by name", body = TeamList),
        (status = 401, description = "No or a bad credential", body = ErrorBody),
        (status = 403, description = "The role or the key's scopes do not allow it", body = ErrorBody),
    ),
    security(("api_key" = []), ("session" = [])))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<axum::Json<TeamList>> {
    let teams = ops::list(&state, &caller).await?;
    Ok(axum::Json(TeamList {
        teams: teams.into_iter().map(Team::from).collect(),
    }))
}

#[utoipa::path(get, path = "/api/v1/teams/{id}", tag = "teams",
    params(("id" = Uuid, Path, description = "The team's id")),
    responses(
        (status = 200, description = "The team; `ETag` is its version", body = Team),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "No such team", body = ErrorBody),
    ),
    security(("api_key" = []), ("session" = [])))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> ApiResult<Response> {
    let detail = ops::get(&state, &caller, id(&raw, "team")?).await?;
    Ok(tagged(Team::from(detail.team)))
}

/// A new team.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTeam {
    /// 1 to 100 characters, unique.
    pub name: String,
    /// At most 1000 characters.
    #[serde(default)]
    pub description: String,
}

#[utoipa::path(post, path = "/api/v1/teams", tag = "teams", request_body = NewTeam,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeats with the same key get the first answer")),
    responses(
        (status = 201, description = "Created; `Location` names it", body = Team),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "The Idempotency-Key is still being answered", body = ErrorBody),
        (status = 422, description = "A bad field (a taken name), named in `field`", body = ErrorBody),
    ),
    security(("api_key" = ["admin"]), ("session" = [])))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(new): Json<NewTeam>,
) -> ApiResult<Response> {
    let team = ops::create(&state, &caller, &new.name, &new.description).await?;
    Ok(created(
        &format!("/api/v1/teams/{}", team.id),
        tagged(Team::from(team)),
    ))
}

/// The changes to make; absent fields are left alone.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamChange {
    pub name: Option<String>,
    pub description: Option<String>,
}

#[utoipa::path(patch, path = "/api/v1/teams/{id}", tag = "teams", request_body = TeamChange,
    params(("id" = Uuid, Path, description = "The team's id"),
           ("If-Match" = Option<String>, Header, description = "The ETag read; a changed team answers 412")),
    responses(
        (status = 200, description = "The team after the change", body = Team),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 412, description = "The team changed since the `If-Match` version", body = ErrorBody),
        (status = 422, description = "A bad field, named in `field`; nothing changed", body = ErrorBody),
    ),
    security(("api_key" = ["admin"]), ("session" = [])))]
pub async fn patch(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    headers: HeaderMap,
    Json(change): Json<TeamChange>,
) -> ApiResult<Response> {
    let team: TeamId = id(&raw, "team")?;
    ops::may_manage(&state, &caller, team).await?;
    let before = ops::get(&state, &caller, team).await?.team;
    let name = change.name.unwrap_or_else(|| before.name.clone());
    let description = change
        .description
        .unwrap_or_else(|| before.description.clone());
    check_if_match(&headers, &etag(&Team::from(before)))?;
    let after = ops::update(&state, &caller, team, &name, &description).await?;
    Ok(tagged(Team::from(after)))
}

#[utoipa::path(delete, path = "/api/v1/teams/{id}", tag = "teams",
    params(("id" = Uuid, Path, description = "The team's id")),
    responses(
        (status = 204, description = "Deleted; its services and incidents keep no team"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    ),
    security(("api_key" = ["admin"]), ("session" = [])))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> ApiResult<StatusCode> {
    ops::delete(&state, &caller, id(&raw, "team")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TeamMemberList {
    pub members: Vec<TeamMember>,
}

#[utoipa::path(get, path = "/api/v1/teams/{id}/members", tag = "teams",
    params(("id" = Uuid, Path, description = "The team's id")),
    responses(
        (status = 200, description = "The team's members", body = TeamMemberList),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    ),
    security(("api_key" = []), ("session" = [])))]
pub async fn list_members(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<TeamMemberList>> {
    let detail = ops::get(&state, &caller, id(&raw, "team")?).await?;
    Ok(axum::Json(TeamMemberList {
        members: detail.members.into_iter().map(TeamMember::from).collect(),
    }))
}

/// The team and user ids of a member path.
fn ids(raw: &(String, String), caller: &Caller) -> ApiResult<(TeamId, UserId)> {
    Ok((id(&raw.0, "team")?, user_id(&raw.1, caller)?))
}

#[utoipa::path(get, path = "/api/v1/teams/{id}/members/{user_id}", tag = "teams",
    params(("id" = Uuid, Path, description = "The team's id"),
           ("user_id" = String, Path, description = "The member's user id, or `me`")),
    responses(
        (status = 200, description = "The membership", body = TeamMember),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "No such team, or the user is not a member", body = ErrorBody),
    ),
    security(("api_key" = []), ("session" = [])))]
pub async fn get_member(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<(String, String)>,
) -> ApiResult<Response> {
    let (team, user) = ids(&raw, &caller)?;
    let detail = ops::get(&state, &caller, team).await?;
    let member = one(detail.members, "team member", |m| m.user_id == user)?;
    Ok(tagged(TeamMember::from(member)))
}

/// A membership, set whole.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Membership {
    /// OWNER, ADMIN or MEMBER. OWNER and ADMIN members manage the team.
    pub role: String,
    /// Making someone lead moves the lead flag to them. Default false.
    #[serde(default)]
    pub is_lead: bool,
}

#[utoipa::path(put, path = "/api/v1/teams/{id}/members/{user_id}", tag = "teams",
    request_body = Membership,
    params(("id" = Uuid, Path, description = "The team's id"),
           ("user_id" = String, Path, description = "The user's id, or `me`")),
    responses(
        (status = 200, description = "The membership, changed", body = TeamMember),
        (status = 201, description = "The user was added; `Location` names the membership", body = TeamMember),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "No such team or user", body = ErrorBody),
        (status = 422, description = "A bad field, named in `field`", body = ErrorBody),
    ),
    security(("api_key" = ["admin"]), ("session" = [])))]
pub async fn put_member(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<(String, String)>,
    Json(m): Json<Membership>,
) -> ApiResult<Response> {
    let (team, user) = ids(&raw, &caller)?;
    ops::may_manage(&state, &caller, team).await?;
    let before = ops::get(&state, &caller, team).await?;
    let existed = before.members.iter().any(|x| x.user_id == user);
    ops::set_member(&state, &caller, team, user, &m.role, m.is_lead)
        .await
        .map_err(|e| match e {
            AppError::Invalid { field, .. } if field == "user_id" => AppError::NotFound {
                what: "user".into(),
            },
            other => other,
        })?;
    let after = ops::get(&state, &caller, team).await?;
    let member = TeamMember::from(one(after.members, "team member", |x| x.user_id == user)?);
    if existed {
        Ok(tagged(member))
    } else {
        Ok(created(
            &format!("/api/v1/teams/{team}/members/{user}"),
            tagged(member),
        ))
    }
}

#[utoipa::path(delete, path = "/api/v1/teams/{id}/members/{user_id}", tag = "teams",
    params(("id" = Uuid, Path, description = "The team's id"),
           ("user_id" = String, Path, description = "The member's user id, or `me`")),
    responses(
        (status = 204, description = "Removed from the team"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "No such team, or the user is not a member", body = ErrorBody),
    ),
    security(("api_key" = ["admin"]), ("session" = [])))]
pub async fn remove_member(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let (team, user) = ids(&raw, &caller)?;
    ops::remove_member(&state, &caller, team, user).await?;
    Ok(StatusCode::NO_CONTENT)
}

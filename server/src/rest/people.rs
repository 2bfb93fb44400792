//! `/api/v1/users`: the directory (list, paged; get) for any caller, and for ADMIN: invite
//! (create), PATCH of role and status (with `If-Match`), and a password-reset link. A user's
//! contact methods and notification rules are in `contacts`, teams in `teams`. Shells over
//! `app::users::ops`.

use app::auth::caller::Caller;
use app::domain::UserId;
use app::error::AppError;
use app::state::AppState;
use app::users::ops;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::fields::rename;
use super::schema::ErrorBody;
use super::wire::{ApiResult, Json, Query, check_if_match, created, etag, id, with_etag};
use super::{contacts, teams};

/// Adds this resource's routes (and their operations in the document).
pub fn register(router: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    let router = router
        .routes(routes!(list, create))
        .routes(routes!(get, patch))
        .routes(routes!(reset_link));
    teams::register(contacts::register(router))
}

/// A user path id: a UUID, or `me` for the caller.
pub fn user_id(raw: &str, caller: &Caller) -> ApiResult<UserId> {
    if raw == "me" {
        return Ok(caller.user.id);
    }
    id(raw, "user")
}

/// A person with an account.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    /// ADMIN, RESPONDER or USER.
    pub role: String,
    /// INVITED, ACTIVE or DISABLED.
    pub status: String,
    /// An IANA zone, like `Europe/Berlin`.
    pub time_zone: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Only for a team's service account (the user its team's API keys act as): the team.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_team_id: Option<Uuid>,
    /// Only when the user was just invited: how the invite reaches them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invite: Option<InviteLink>,
}

impl From<app::users::UserSummary> for User {
    fn from(u: app::users::UserSummary) -> Self {
        User {
            id: u.id.0,
            email: u.email,
            name: u.name,
            role: u.role.as_str().into(),
            status: u.status.as_str().into(),
            time_zone: u.time_zone,
            created_at: u.created_at,
            service_team_id: u.service_team_id.map(|t| t.0),
            invite: None,
        }
    }
}

/// An invite or password-reset link: emailed when email is set up; otherwise (or when the
/// email could not be sent) `link` is given to pass on.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InviteLink {
    pub emailed: bool,
    pub link: Option<String>,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

impl From<&app::users::LinkIssued> for InviteLink {
    fn from(l: &app::users::LinkIssued) -> Self {
        InviteLink {
            emailed: l.emailed,
            link: l.link.clone(),
            expires_at: l.expires_at,
        }
    }
}

/// The user with its ETag (that of the user without `invite`).
fn tagged(user: User) -> Response {
    let tag = etag(&User {
        invite: None,
        ..user.clone()
    });
    with_etag(&tag, axum::Json(user))
}

/// One page of users, by name.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserList {
    pub users: Vec<User>,
    /// Users matching `q`, on all pages.
    pub total: i64,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// Words in the name or email.
    pub q: Option<String>,
    /// 1 to 200; default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(ListParams),
    responses(
        (status = 200, description = "A page of users, by name", body = UserList),
        (status = 401, description = "No or a bad credential", body = ErrorBody),
        (status = 403, description = "The role or the key's scopes do not allow it", body = ErrorBody),
        (status = 422, description = "A bad parameter, named in `field`", body = ErrorBody),
    ),
    security(("api_key" = []), ("session" = [])))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(p): Query<ListParams>,
) -> ApiResult<axum::Json<UserList>> {
    let page = match p.cursor.as_deref() {
        None => 1,
        Some(c) => c
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| AppError::invalid("cursor", "is not a cursor this API gave"))?,
    };
    let per_page = p.limit.unwrap_or(50);
    let q = p.q.unwrap_or_default();
    let found = ops::list(&state, &caller, &q, page, per_page)
        .await
        .map_err(|e| rename(e, &[("per_page", "limit"), ("query", "q")]))?;
    let more = found.page.saturating_mul(found.per_page) < found.total;
    Ok(axum::Json(UserList {
        users: found.users.into_iter().map(User::from).collect(),
        total: found.total,
        next_cursor: more.then(|| (found.page + 1).to_string()),
    }))
}

#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users",
    params(("id" = String, Path, description = "The user's id, or `me`")),
    responses(
        (status = 200, description = "The user; `ETag` is its version", body = User),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
    ),
    security(("api_key" = []), ("session" = [])))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> ApiResult<Response> {
    let user = ops::get(&state, &caller, user_id(&raw, &caller)?).await?;
    Ok(tagged(User::from(user)))
}

/// Someone to invite: they get a 7-day link to set a password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub email: String,
    /// 1 to 100 characters.
    pub name: String,
    /// ADMIN, RESPONDER or USER.
    pub role: String,
}

#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewUser,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeats with the same key get the first answer")),
    responses(
        (status = 201, description = "Invited (status INVITED); `Location` names the user; `invite` says how the link reaches them", body = User),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "The Idempotency-Key is still being answered", body = ErrorBody),
        (status = 422, description = "A bad field (a taken email), named in `field`", body = ErrorBody),
    ),
    security(("api_key" = ["admin"]), ("session" = [])))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(new): Json<NewUser>,
) -> ApiResult<Response> {
    let issued = ops::invite(&state, &caller, &new.email, &new.name, &new.role).await?;
    let link = InviteLink::from(&issued);
    let user = User {
        invite: Some(link),
        ..User::from(issued.user)
    };
    Ok(created(&format!("/api/v1/users/{}", user.id), tagged(user)))
}

/// The changes to make; absent fields are left alone. Both change together or neither does.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserChange {
    /// ADMIN, RESPONDER or USER. Signs the user out everywhere.
    pub role: Option<String>,
    /// ACTIVE or DISABLED. Disabling signs the user out and stops their API keys.
    pub status: Option<String>,
}

#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", request_body = UserChange,
    params(("id" = String, Path, description = "The user's id, or `me`"),
           ("If-Match" = Option<String>, Header, description = "The ETag read; a changed user answers 412")),
    responses(
        (status = 200, description = "The user after the change", body = User),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "It would leave no active admin", body = ErrorBody),
        (status = 412, description = "The user changed since the `If-Match` version", body = ErrorBody),
        (status = 422, description = "A bad field, named in `field`; nothing changed", body = ErrorBody),
    ),
    security(("api_key" = ["admin"]), ("session" = [])))]
pub async fn patch(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    headers: HeaderMap,
    Json(change): Json<UserChange>,
) -> ApiResult<Response> {
    let user = user_id(&raw, &caller)?;
    caller.check(app::domain::Access::Admin)?;
    let role = change.role.as_deref().map(ops::parse_role).transpose()?;
    let status = change
        .status
        .as_deref()
        .map(ops::parse_status)
        .transpose()?;
    let before = ops::get(&state, &caller, user).await?;
    check_if_match(&headers, &etag(&User::from(before)))?;
    let after = ops::update(&state, &caller, user, role, status).await?;
    Ok(tagged(User::from(after)))
}

#[utoipa::path(post, path = "/api/v1/users/{id}/reset-link", tag = "users",
    params(("id" = String, Path, description = "The user's id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Repeats with the same key get the first answer")),
    responses(
        (status = 200, description = "A 24-hour password-reset link (a fresh invite link for an INVITED user)", body = InviteLink),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "The user is disabled", body = ErrorBody),
        (status = 422, description = "A bad Idempotency-Key", body = ErrorBody),
    ),
    security(("api_key" = ["admin"]), ("session" = [])))]
pub async fn reset_link(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<InviteLink>> {
    let issued = ops::issue_reset_link(&state, &caller, user_id(&raw, &caller)?).await?;
    Ok(axum::Json(InviteLink::from(&issued)))
}

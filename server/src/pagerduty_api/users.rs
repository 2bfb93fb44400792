//! `/users`: list (`query` matches name and email, `team_ids[]`), show, `/users/me` (every
//! OpsKnight key belongs to a user), `/users/{id}/license`, and the writes Terraform makes:
//! POST invites, PUT changes the role, DELETE disables. Disabled users count as deleted: they
//! are not listed and reading one is 404. Roles: see `refs::pd_role`.

use std::collections::HashMap;

use app::auth::caller::Caller;
use app::domain::{TeamId, UserId};
use app::error::AppError;
use app::state::AppState;
use app::users::{UserStatus, UserSummary, ops};
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::contacts::refs_of;
use super::error::{Body, Id, Pd, PdError, PdResult, no_content};
use super::paging::Paging;
use super::query::Params;
use super::refs::{Kind, Urls, object, our_role, parse_id, pd_role};
use super::teams::memberships;

/// A user object with its teams, contact methods and rules (`include[]` makes the last two
/// full objects).
async fn user_json(
    state: &AppState,
    caller: &Caller,
    urls: &Urls,
    u: &UserSummary,
    teams: &HashMap<UserId, Vec<Value>>,
    include: (bool, bool),
) -> Value {
    let (methods, rules) = refs_of(state, caller, urls, u.id, include).await;
    object(
        urls.head(Kind::User, &u.id, &u.name),
        json!({
            "name": u.name,
            "email": u.email,
            "time_zone": u.time_zone,
            "color": "none",
            "role": pd_role(u.role),
            "avatar_url": Value::Null,
            "description": "",
            "invitation_sent": u.status == UserStatus::Invited,
            "job_title": "",
            "teams": teams.get(&u.id).cloned().unwrap_or_default(),
            "contact_methods": methods,
            "notification_rules": rules,
            "created_at": super::refs::ts(u.created_at),
        }),
    )
}

fn includes(q: &Params) -> (bool, bool) {
    let inc = q.many("include");
    (
        inc.contains(&"contact_methods"),
        inc.contains(&"notification_rules"),
    )
}

/// The user, unless disabled (404 either way).
async fn visible(state: &AppState, caller: &Caller, id: UserId) -> PdResult<UserSummary> {
    let u = ops::get(state, caller, id).await?;
    if u.status == UserStatus::Disabled {
        return Err(PdError::not_found("user"));
    }
    Ok(u)
}

/// `GET /users` → classic pages, by name.
pub async fn list(
    State(state): State<AppState>,
    Pd(caller): Pd,
    RawQuery(query): RawQuery,
) -> PdResult<Response> {
    let q = Params::parse(query.as_deref());
    let paging = Paging::parse(&q)?;
    let needle = q.one("query").unwrap_or_default();
    let team_filter = q.ids::<TeamId>("team_ids");
    let mut users = Vec::new();
    for page in 1.. {
        let got = ops::list(&state, &caller, needle, page, app::users::api::MAX_PER_PAGE).await?;
        let last =
            got.users.len() < usize::try_from(got.per_page).unwrap_or(0) || got.users.is_empty();
        users.extend(got.users);
        if last {
            break;
        }
    }
    users.retain(|u| u.status != UserStatus::Disabled);
    let urls = Urls::new(&state);
    let teams = memberships(&state, &caller, &urls).await?;
    if team_filter.given {
        users.retain(|u| {
            teams.get(&u.id).is_some_and(|ts| {
                ts.iter().any(|t| {
                    t["id"]
                        .as_str()
                        .is_some_and(|id| team_filter.ids.iter().any(|f| f.to_string() == id))
                })
            })
        });
    }
    let more = users.len() > paging.offset + paging.limit;
    let mut page = Vec::new();
    for u in users.iter().skip(paging.offset).take(paging.limit) {
        page.push(user_json(&state, &caller, &urls, u, &teams, includes(&q)).await);
    }
    Ok(axum::Json(paging.body("users", page, more, Some(users.len()))).into_response())
}

async fn show_user(
    state: &AppState,
    caller: &Caller,
    id: UserId,
    query: Option<&str>,
) -> PdResult<Response> {
    let u = visible(state, caller, id).await?;
    let urls = Urls::new(state);
    let teams = memberships(state, caller, &urls).await?;
    let q = Params::parse(query);
    let body = user_json(state, caller, &urls, &u, &teams, includes(&q)).await;
    Ok(axum::Json(json!({ "user": body })).into_response())
}

/// `GET /users/{id}` → `{user}`.
pub async fn show(
    State(state): State<AppState>,
    Pd(caller): Pd,
    Id(raw): Id,
    RawQuery(query): RawQuery,
) -> PdResult<Response> {
    show_user(&state, &caller, parse_id(&raw, "user")?, query.as_deref()).await
}

/// `GET /users/me` → `{user}`: the key's owner.
pub async fn me(
    State(state): State<AppState>,
    Pd(caller): Pd,
    RawQuery(query): RawQuery,
) -> PdResult<Response> {
    let id = caller.user.id;
    show_user(&state, &caller, id, query.as_deref()).await
}

/// `GET /users/{id}/license` → `{license}`: every OpsKnight user has the one license.
pub async fn license(
    State(state): State<AppState>,
    Pd(caller): Pd,
    Id(raw): Id,
) -> PdResult<Response> {
    visible(&state, &caller, parse_id(&raw, "user")?).await?;
    Ok(axum::Json(json!({"license": {
        "id": "OPSKNIGHT", "type": "license", "name": "OpsKnight", "summary": "OpsKnight",
        "description": "Every OpsKnight user",
        "valid_roles": ["admin", "user", "limited_user", "observer", "owner", "read_only_user"],
        "role_group": "FullUser", "current_value": Value::Null, "allocations_available": Value::Null,
        "self": Value::Null, "html_url": Value::Null,
    }}))
    .into_response())
}

#[derive(Debug, Deserialize)]
pub struct UserBody {
    user: UserFields,
}

#[derive(Debug, Deserialize)]
struct UserFields {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    role: Option<String>,
}

fn role_of(f: &UserFields) -> PdResult<Option<app::domain::Role>> {
    f.role
        .as_deref()
        .map(|r| {
            our_role(r)
                .ok_or_else(|| PdError::invalid(format!("role {r:?} is not one OpsKnight has")))
        })
        .transpose()
}

/// `POST /users` with `{user: {name, email, role?}}` (no `From` needed) → 201 `{user}`: an
/// invited user (the invite is emailed when SMTP is set up).
pub async fn create(
    State(state): State<AppState>,
    Pd(caller): Pd,
    Body(body): Body<UserBody>,
) -> PdResult<Response> {
    let f = body.user;
    let role = role_of(&f)?.unwrap_or(app::domain::Role::Responder);
    let (Some(name), Some(email)) = (f.name.as_deref(), f.email.as_deref()) else {
        return Err(PdError::invalid("user.name and user.email are required"));
    };
    let issued = match ops::invite(&state, &caller, email, name, role.as_str()).await {
        Err(AppError::Invalid { field, message })
            if field == "email" && message.contains("already exists") =>
        {
            return Err(PdError::invalid("Email has already been taken"));
        }
        other => other?,
    };
    let urls = Urls::new(&state);
    let body = user_json(
        &state,
        &caller,
        &urls,
        &issued.user,
        &HashMap::new(),
        (false, false),
    )
    .await;
    Ok((StatusCode::CREATED, axum::Json(json!({ "user": body }))).into_response())
}

/// `PUT /users/{id}` with `{user}`: the role changes; a different name or email is refused.
pub async fn update(
    State(state): State<AppState>,
    Pd(caller): Pd,
    Id(raw): Id,
    Body(body): Body<UserBody>,
) -> PdResult<Response> {
    let id: UserId = parse_id(&raw, "user")?;
    let current = visible(&state, &caller, id).await?;
    let f = body.user;
    if f.name.as_deref().is_some_and(|n| n.trim() != current.name)
        || f.email
            .as_deref()
            .is_some_and(|e| !e.trim().eq_ignore_ascii_case(&current.email))
    {
        return Err(PdError::invalid(
            "OpsKnight users change their own name; emails cannot be changed",
        ));
    }
    if let Some(role) = role_of(&f)?
        && role != current.role
    {
        ops::update(&state, &caller, id, Some(role), None).await?;
    }
    show_user(&state, &caller, id, None).await
}

/// `DELETE /users/{id}` → 204: the user is disabled (signed out, keys stop working).
pub async fn delete(
    State(state): State<AppState>,
    Pd(caller): Pd,
    Id(raw): Id,
) -> PdResult<Response> {
    let id: UserId = parse_id(&raw, "user")?;
    visible(&state, &caller, id).await?;
    ops::set_status(&state, &caller, id, UserStatus::Disabled).await?;
    Ok(no_content())
}

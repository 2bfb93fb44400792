//! `/teams`: list (`query`), show, members (`GET /teams/{id}/members`), and the writes
//! Terraform makes (POST, PUT, DELETE, `PUT`/`DELETE /teams/{id}/users/{uid}`). Team roles:
//! OWNER and ADMIN are `manager`, MEMBER is `responder`.

use std::collections::HashMap;

use app::auth::caller::Caller;
use app::domain::{TeamId, UserId};
use app::state::AppState;
use app::teams::{TeamRole, TeamSummary, ops};
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::{Body, Id, Ids, MaybeBody, Pd, PdError, PdResult, no_content};
use super::paging::Paging;
use super::query::Params;
use super::refs::{Kind, Urls, object, parse_id};

fn team_json(urls: &Urls, t: &TeamSummary) -> Value {
    object(
        urls.head(Kind::Team, &t.id, &t.name),
        json!({"name": t.name, "description": t.description, "default_role": "manager", "parent": Value::Null}),
    )
}

fn pd_team_role(r: TeamRole) -> &'static str {
    match r {
        TeamRole::Owner | TeamRole::Admin => "manager",
        TeamRole::Member => "responder",
    }
}

/// Every user's teams, as references (one read per team).
pub async fn memberships(
    state: &AppState,
    caller: &Caller,
    urls: &Urls,
) -> PdResult<HashMap<UserId, Vec<Value>>> {
    let mut out: HashMap<UserId, Vec<Value>> = HashMap::new();
    for t in ops::list(state, caller).await? {
        for m in ops::get(state, caller, t.id).await?.members {
            out.entry(m.user_id)
                .or_default()
                .push(urls.reference(Kind::Team, &t.id, &t.name));
        }
    }
    Ok(out)
}

/// `GET /teams`: by name; `query` matches the name.
pub async fn list(
    State(state): State<AppState>,
    Pd(caller): Pd,
    RawQuery(query): RawQuery,
) -> PdResult<Response> {
    let q = Params::parse(query.as_deref());
    let paging = Paging::parse(&q)?;
    let needle = q.one("query").unwrap_or_default().to_lowercase();
    let mut teams = ops::list(&state, &caller).await?;
    teams.retain(|t| t.name.to_lowercase().contains(&needle));
    teams.sort_by_key(|t| (t.name.to_lowercase(), t.id));
    let urls = Urls::new(&state);
    let all = teams.iter().map(|t| team_json(&urls, t)).collect();
    Ok(axum::Json(paging.answer("teams", all, true)).into_response())
}

/// `GET /teams/{id}` → `{team}`.
pub async fn show(
    State(state): State<AppState>,
    Pd(caller): Pd,
    Id(raw): Id,
) -> PdResult<Response> {
    let d = ops::get(&state, &caller, parse_id(&raw, "team")?).await?;
    let body = team_json(&Urls::new(&state), &d.team);
    Ok(axum::Json(json!({ "team": body })).into_response())
}

/// `GET /teams/{id}/members` → pages of `{members: [{user, role}]}`.
pub async fn members(
    State(state): State<AppState>,
    Pd(caller): Pd,
    Id(raw): Id,
    RawQuery(query): RawQuery,
) -> PdResult<Response> {
    let paging = Paging::parse(&Params::parse(query.as_deref()))?;
    let d = ops::get(&state, &caller, parse_id(&raw, "team")?).await?;
    let urls = Urls::new(&state);
    let all = d
        .members
        .iter()
        .map(|m| json!({"user": urls.reference(Kind::User, &m.user_id, &m.name), "role": pd_team_role(m.role)}))
        .collect();
    Ok(axum::Json(paging.answer("members", all, true)).into_response())
}

#[derive(Debug, Deserialize)]
pub struct TeamBody {
    team: TeamFields,
}

#[derive(Debug, Deserialize)]
struct TeamFields {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
}

/// `POST /teams` with `{team: {name, description}}` → 201 `{team}`.
pub async fn create(
    State(state): State<AppState>,
    Pd(caller): Pd,
    Body(body): Body<TeamBody>,
) -> PdResult<Response> {
    let name = body
        .team
        .name
        .ok_or_else(|| PdError::invalid("team.name is required"))?;
    let description = body.team.description.unwrap_or_default();
    let t = ops::create(&state, &caller, &name, &description).await?;
    let out = team_json(&Urls::new(&state), &t);
    Ok((StatusCode::CREATED, axum::Json(json!({ "team": out }))).into_response())
}

/// `PUT /teams/{id}` with `{team}` (absent fields unchanged) → `{team}`.
pub async fn update(
    State(state): State<AppState>,
    Pd(caller): Pd,
    Id(raw): Id,
    Body(body): Body<TeamBody>,
) -> PdResult<Response> {
    let id: TeamId = parse_id(&raw, "team")?;
    let current = ops::get(&state, &caller, id).await?.team;
    let name = body.team.name.unwrap_or(current.name);
    let description = body.team.description.unwrap_or(current.description);
    let t = ops::update(&state, &caller, id, &name, &description).await?;
    let out = team_json(&Urls::new(&state), &t);
    Ok(axum::Json(json!({ "team": out })).into_response())
}

/// `DELETE /teams/{id}` → 204.
pub async fn delete(
    State(state): State<AppState>,
    Pd(caller): Pd,
    Id(raw): Id,
) -> PdResult<Response> {
    ops::delete(&state, &caller, parse_id(&raw, "team")?).await?;
    Ok(no_content())
}

#[derive(Debug, Default, Deserialize)]
pub struct MemberBody {
    #[serde(default)]
    role: Option<String>,
}

/// `PUT /teams/{id}/users/{uid}` with optional `{role: manager|responder|observer}` → 204.
pub async fn put_member(
    State(state): State<AppState>,
    Pd(caller): Pd,
    Ids(tid, uid): Ids,
    MaybeBody(body): MaybeBody<MemberBody>,
) -> PdResult<Response> {
    let team: TeamId = parse_id(&tid, "team")?;
    let user: UserId = parse_id(&uid, "user")?;
    let role = match body.and_then(|b| b.role).as_deref() {
        Some("manager") => "ADMIN",
        None | Some("responder" | "observer") => "MEMBER",
        Some(other) => {
            return Err(PdError::invalid(format!(
                "role must be manager, responder or observer, not {other:?}"
            )));
        }
    };
    ops::set_member(&state, &caller, team, user, role, false).await?;
    Ok(no_content())
}

/// `DELETE /teams/{id}/users/{uid}` → 204.
pub async fn delete_member(
    State(state): State<AppState>,
    Pd(caller): Pd,
    Ids(tid, uid): Ids,
) -> PdResult<Response> {
    let team: TeamId = parse_id(&tid, "team")?;
    let user: UserId = parse_id(&uid, "user")?;
    ops::remove_member(&state, &caller, team, user).await?;
    Ok(no_content())
}

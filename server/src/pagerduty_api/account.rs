//! Account-wide lookups: `GET /priorities` (OpsKnight's P1–P5) and `GET /abilities[/{id}]`
//! (`/abilities/{id}` is 204 when the account has it, 402 when not).

use app::state::AppState;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::error::{Id, Pd, PdError, PdResult, code, no_content};
use super::incident_shape::priority;
use super::paging::Paging;
use super::query::Params;
use super::refs::Urls;

/// What this account can do, in PagerDuty's ability names.
pub const ABILITIES: [&str; 4] = ["teams", "urgencies", "read_only_users", "manage_schedules"];

/// `GET /priorities` → `{priorities}`, highest first.
pub async fn priorities(
    State(state): State<AppState>,
    Pd(_caller): Pd,
    RawQuery(query): RawQuery,
) -> PdResult<Response> {
    let paging = Paging::parse(&Params::parse(query.as_deref()))?;
    let urls = Urls::new(&state);
    let all = app::incidents::PRIORITIES
        .iter()
        .map(|p| priority(&urls, p))
        .collect();
    Ok(axum::Json(paging.answer("priorities", all, true)).into_response())
}

/// `GET /abilities` → `{abilities}`.
pub async fn abilities(Pd(_caller): Pd) -> PdResult<Response> {
    Ok(axum::Json(json!({ "abilities": ABILITIES })).into_response())
}

/// `GET /abilities/{id}` → 204, or 402 for an ability this account lacks.
pub async fn ability(Pd(_caller): Pd, Id(id): Id) -> PdResult<Response> {
    if ABILITIES.contains(&id.as_str()) {
        return Ok(no_content());
    }
    Err(PdError::new(
        StatusCode::PAYMENT_REQUIRED,
        code::MISSING_ABILITY,
        "Account does not have the ability",
        vec![format!("OpsKnight has no {id:?} ability")],
    ))
}

/// `GET /priorities/{id}` → `{priority}` (the id is the name, `P1`…`P5`).
pub async fn show_priority(
    State(state): State<AppState>,
    Pd(_caller): Pd,
    Id(id): Id,
) -> PdResult<Response> {
    if !app::incidents::PRIORITIES.contains(&id.as_str()) {
        return Err(PdError::not_found("priority"));
    }
    let body = priority(&Urls::new(&state), &id);
    Ok(axum::Json(json!({ "priority": body })).into_response())
}

//! A schedule's overrides: `GET /schedules/{id}/overrides?since&until` (both required;
//! unpaginated), `POST` with `{overrides: [...]}` → 201 and a bare array of
//! `{status, errors, override}`, and `DELETE /schedules/{id}/overrides/{oid}`.
//!
//! A PagerDuty override puts one user on call for its window in place of everyone else, which
//! is what an OpsKnight temporary schedule with one shift does: POST makes those. GET lists
//! them with OpsKnight's own ADD and REPLACE overrides; DELETE removes either kind.

use app::domain::schedule::{Temporary, TemporaryShift};
use app::domain::{ScheduleId, TemporaryId, UserId};
use app::schedules::ops;
use app::state::AppState;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::{Body, Id, Ids, Pd, PdError, PdResult, no_content};
use super::query::{Params, parse_time};
use super::refs::{Kind, Urls, parse_id, ref_id, ts};
use super::schedules::override_shifts;

/// `GET /schedules/{id}/overrides?since&until` → `{overrides}`.
pub async fn list(
    State(state): State<AppState>,
    Pd(caller): Pd,
    Id(raw): Id,
    RawQuery(query): RawQuery,
) -> PdResult<Response> {
    let id: ScheduleId = parse_id(&raw, "schedule")?;
    let q = Params::parse(query.as_deref());
    let (Some(since), Some(until)) = (q.time("since")?, q.time("until")?) else {
        return Err(PdError::invalid("since and until are required"));
    };
    let d = ops::get(&state, &caller, id, since, until).await?;
    let urls = Urls::new(&state);
    let overrides: Vec<Value> = override_shifts(&d, since, until)
        .into_iter()
        .map(|(oid, s)| {
            json!({
                "id": oid,
                "start": ts(s.start),
                "end": ts(s.end),
                "user": urls.reference(Kind::User, &s.user, &d.name_of(s.user)),
            })
        })
        .collect();
    Ok(axum::Json(json!({ "overrides": overrides })).into_response())
}

#[derive(Debug, Deserialize)]
pub struct NewOverrides {
    #[serde(default)]
    overrides: Option<Vec<Value>>,
    /// The older single form `{override: {...}}`, answered as `{override}`.
    #[serde(default, rename = "override")]
    single: Option<Value>,
}

/// One requested override: its shift, or why it is refused.
fn parse_one(v: &Value) -> Result<TemporaryShift, String> {
    let time = |key: &str| {
        v.get(key)
            .and_then(Value::as_str)
            .and_then(parse_time)
            .ok_or_else(|| format!("{key} must be an ISO 8601 date and time"))
    };
    let user: UserId = v
        .get("user")
        .and_then(ref_id)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| "user must be a user reference".to_owned())?;
    Ok(TemporaryShift {
        user,
        start: time("start")?,
        end: time("end")?,
    })
}

/// Creates one override → the per-item answer `{status, errors, override}`.
async fn create_one(
    state: &AppState,
    caller: &app::auth::caller::Caller,
    urls: &Urls,
    schedule: ScheduleId,
    v: &Value,
) -> PdResult<Value> {
    let shift = match parse_one(v) {
        Ok(s) => s,
        Err(e) => return Ok(json!({"status": 400, "errors": [e], "override": v})),
    };
    let user = match app::users::ops::get(state, caller, shift.user).await {
        Ok(u) => u,
        Err(app::error::AppError::NotFound { .. }) => {
            return Ok(json!({"status": 400, "errors": ["user not found"], "override": v}));
        }
        Err(e) => return Err(e.into()),
    };
    let temporary = Temporary {
        id: TemporaryId::new(),
        start: shift.start,
        end: shift.end,
        shifts: vec![shift],
    };
    match ops::save_temporary(state, caller, schedule, &temporary).await {
        Ok(()) => Ok(json!({
            "status": 201,
            "errors": [],
            "override": {
                "id": temporary.id.to_string(),
                "start": ts(shift.start),
                "end": ts(shift.end),
                "user": urls.reference(Kind::User, &user.id, &user.name),
            },
        })),
        Err(e @ (app::error::AppError::Invalid { .. } | app::error::AppError::Conflict { .. })) => {
            let errors = PdError::from(e).errors;
            Ok(json!({"status": 400, "errors": errors, "override": v}))
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /schedules/{id}/overrides` with `{overrides: [{start, end, user}]}` → 201
/// `[{status, errors, override}]`, one per override in order.
pub async fn create(
    State(state): State<AppState>,
    Pd(caller): Pd,
    Id(raw): Id,
    Body(body): Body<NewOverrides>,
) -> PdResult<Response> {
    let id: ScheduleId = parse_id(&raw, "schedule")?;
    // The schedule must exist (404) before per-item answers make sense.
    let now = state.clock.now();
    ops::get(&state, &caller, id, now, now + chrono::Duration::seconds(1)).await?;
    let urls = Urls::new(&state);
    if let Some(one) = &body.single {
        let answer = create_one(&state, &caller, &urls, id, one).await?;
        if answer["status"] != 201 {
            return Err(PdError::new(
                StatusCode::BAD_REQUEST,
                super::error::code::INVALID_INPUT,
                "Invalid Input Provided",
                serde_json::from_value(answer["errors"].clone()).unwrap_or_default(),
            ));
        }
        let out = json!({ "override": answer["override"] });
        return Ok((StatusCode::CREATED, axum::Json(out)).into_response());
    }
    let list = body
        .overrides
        .ok_or_else(|| PdError::invalid("overrides is required"))?;
    let mut out = Vec::with_capacity(list.len());
    for v in &list {
        out.push(create_one(&state, &caller, &urls, id, v).await?);
    }
    Ok((StatusCode::CREATED, axum::Json(Value::Array(out))).into_response())
}

/// `DELETE /schedules/{id}/overrides/{oid}` → 204.
pub async fn delete(
    State(state): State<AppState>,
    Pd(caller): Pd,
    Ids(sid, oid): Ids,
) -> PdResult<Response> {
    let schedule: ScheduleId = parse_id(&sid, "schedule")?;
    let id: uuid::Uuid = parse_id(&oid, "override")?;
    match ops::delete_temporary(&state, &caller, schedule, TemporaryId(id)).await {
        Err(app::error::AppError::NotFound { .. }) => {
            ops::delete_override(&state, &caller, schedule, app::domain::OverrideId(id)).await?;
        }
        other => other?,
    }
    Ok(no_content())
}

//! `/api/v1/teams/{id}/api-keys`: a team's keys, which act as the team's service account and
//! so keep working when their creator leaves. ADMIN or the team's OWNER/ADMIN members create
//! and revoke them, any member reads them, each with a session or an `admin`-scoped key. A
//! team key never holds `admin`, nor a scope its creator's role lacks. Shells over
//! `app::apikeys::ops`.

use app::apikeys::ops;
use app::auth::caller::Caller;
use app::domain::{ApiKeyId, TeamId};
use app::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::access::{ApiKey, NewApiKey, tagged};
use super::fields::one;
use super::schema::ErrorBody;
use super::wire::{ApiResult, Json, created, id};

/// Adds this resource's routes (and their operations in the document).
pub fn register(router: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    router
        .routes(routes!(list, create))
        .routes(routes!(get, revoke))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TeamKeyList {
    /// The team's keys, newest first, revoked ones included.
    pub api_keys: Vec<ApiKey>,
}

#[utoipa::path(get, path = "/api/v1/teams/{id}/api-keys", tag = "teams",
    params(("id" = Uuid, Path, description = "The team's id")),
    responses(
        (status = 200, description = "The team's keys with who made each (never their secrets)", body = TeamKeyList),
        (status = 401, description = "No or a bad credential", body = ErrorBody),
        (status = 403, description = "Neither an ADMIN nor a member of the team, or the key lacks the admin scope", body = ErrorBody),
        (status = 404, description = "No such team", body = ErrorBody),
    ),
    security(("api_key" = ["admin"]), ("session" = [])))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<TeamKeyList>> {
    let keys = ops::team_list(&state, &caller, id(&raw, "team")?).await?;
    Ok(axum::Json(TeamKeyList {
        api_keys: keys.into_iter().map(ApiKey::from).collect(),
    }))
}

#[utoipa::path(get, path = "/api/v1/teams/{id}/api-keys/{key_id}", tag = "teams",
    params(("id" = Uuid, Path, description = "The team's id"),
           ("key_id" = Uuid, Path, description = "The key's id (not its secret)")),
    responses(
        (status = 200, description = "One of the team's keys", body = ApiKey),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "No such team, or it has no such key", body = ErrorBody),
    ),
    security(("api_key" = ["admin"]), ("session" = [])))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path((raw, key)): Path<(String, String)>,
) -> ApiResult<Response> {
    let team: TeamId = id(&raw, "team")?;
    let key: ApiKeyId = id(&key, "API key")?;
    let keys = ops::team_list(&state, &caller, team).await?;
    Ok(tagged(ApiKey::from(one(keys, "API key", |k| k.id == key)?)))
}

#[utoipa::path(post, path = "/api/v1/teams/{id}/api-keys", tag = "teams", request_body = NewApiKey,
    params(("id" = Uuid, Path, description = "The team's id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Repeats with the same key get the first answer")),
    responses(
        (status = 201, description = "Created, acting as the team's service account; `Location` names it; `secret` is shown this once", body = ApiKey),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Neither an ADMIN nor an OWNER/ADMIN of the team, or the key lacks the admin scope", body = ErrorBody),
        (status = 404, description = "No such team", body = ErrorBody),
        (status = 409, description = "The Idempotency-Key is still being answered", body = ErrorBody),
        (status = 422, description = "A bad field (`admin`, or a scope beyond the caller's role), named in `field`", body = ErrorBody),
    ),
    security(("api_key" = ["admin"]), ("session" = [])))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    Json(new): Json<NewApiKey>,
) -> ApiResult<Response> {
    let team: TeamId = id(&raw, "team")?;
    let req = ops::KeyRequest {
        name: &new.name,
        scopes: &new.scopes,
        expires_in_days: new.expires_in_days,
    };
    let made = ops::team_create(&state, &caller, team, req).await?;
    let key = ApiKey {
        secret: Some(made.secret),
        ..ApiKey::from(made.key)
    };
    Ok(created(
        &format!("/api/v1/teams/{team}/api-keys/{}", key.id),
        tagged(key),
    ))
}

#[utoipa::path(delete, path = "/api/v1/teams/{id}/api-keys/{key_id}", tag = "teams",
    params(("id" = Uuid, Path, description = "The team's id"),
           ("key_id" = Uuid, Path, description = "The key's id (not its secret)")),
    responses(
        (status = 204, description = "Revoked: the key stops working at once"),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Neither an ADMIN nor an OWNER/ADMIN of the team", body = ErrorBody),
        (status = 404, description = "No such team, or it has no such live key", body = ErrorBody),
    ),
    security(("api_key" = ["admin"]), ("session" = [])))]
pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    Path((raw, key)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let team: TeamId = id(&raw, "team")?;
    ops::team_revoke(&state, &caller, team, id(&key, "API key")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

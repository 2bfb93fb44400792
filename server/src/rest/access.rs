//! `/api/v1/api-keys`: the caller's own keys (list, get, create with the secret shown once,
//! revoke), and for ADMIN anyone's (`?owner=all` or a user id, paged; get and revoke any key,
//! a team's included), and `/api/v1/audit-log` (ADMIN, cursor paging). Keys need a session or
//! an `admin`-scoped key, like every own-account action. A team's keys are in `team_keys`, a
//! user's sessions in `sessions`. Shells over `app::apikeys::ops` and `app::audit::ops`.

use app::apikeys::ops::{self, ListQuery, Whose};
use app::auth::caller::Caller;
use app::domain::ApiKeyId;
use app::error::AppError;
use app::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::fields::rename;
use super::schema::ErrorBody;
use super::wire::{ApiResult, Json, Query, created, etag, id, with_etag};

/// Adds this resource's routes (and their operations in the document), with a user's
/// sessions and a team's keys.
pub fn register(router: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    let router = router
        .routes(routes!(list_keys, create_key))
        .routes(routes!(get_key, revoke_key))
        .routes(routes!(audit_log));
    super::team_keys::register(super::sessions::register(router))
}

/// Who a key acts as.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KeyOwner {
    pub user_id: Uuid,
    /// The person's name; for a team key, the team's.
    pub name: String,
    pub email: String,
    /// For a team key: the team (`user_id` is the team's service account).
    pub team_id: Option<Uuid>,
}

/// An API key; its secret is shown only in the answer that created it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiKey {
    pub id: Uuid,
    pub name: String,
    /// The first characters of the key (`ok_Ab12Cd34`), enough to recognise it.
    pub prefix: String,
    /// events:write, incidents:read, incidents:write, services:read, services:write,
    /// schedules:read, schedules:write, admin.
    pub scopes: Vec<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
    pub last_used_at: Option<chrono::DateTime<chrono::Utc>>,
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
    pub owner: KeyOwner,
    /// Who made the key; null once their account is deleted.
    pub created_by: Option<Uuid>,
    pub created_by_name: Option<String>,
    /// The whole key, for `Authorization: Bearer …`: only when it was just created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl From<app::apikeys::ApiKeySummary> for ApiKey {
    fn from(k: app::apikeys::ApiKeySummary) -> Self {
        ApiKey {
            id: k.id.0,
            name: k.name,
            prefix: k.prefix,
            scopes: k.scopes.iter().map(|s| s.as_str().to_owned()).collect(),
            created_at: k.created_at,
            expires_at: k.expires_at,
            last_used_at: k.last_used_at,
            revoked_at: k.revoked_at,
            owner: KeyOwner {
                user_id: k.owner.user_id.0,
                name: k.owner.name,
                email: k.owner.email,
                team_id: k.owner.team_id.map(|t| t.0),
            },
            created_by: k.created_by.map(|u| u.0),
            created_by_name: k.created_by_name,
            secret: None,
        }
    }
}

/// The key with its ETag (that of the key without its secret).
pub fn tagged(key: ApiKey) -> Response {
    let tag = etag(&ApiKey {
        secret: None,
        ..key.clone()
    });
    with_etag(&tag, axum::Json(key))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyList {
    /// Newest first, revoked ones included unless `live=true`.
    pub api_keys: Vec<ApiKey>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct KeyListParams {
    /// `me` (the default): the caller's keys. ADMIN only: `all`, every key of the workspace
    /// (people's and teams'), or a user's id for that user's.
    pub owner: Option<String>,
    /// Only keys that work: not revoked, not expired. Default false.
    pub live: Option<bool>,
    /// 1 to 200; default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/api-keys", tag = "access", params(KeyListParams),
    responses(
        (status = 200, description = "A page of keys with their owners, newest first (never their secrets)", body = ApiKeyList),
        (status = 401, description = "No or a bad credential", body = ErrorBody),
        (status = 403, description = "Another owner than `me` without the ADMIN role, or the key's scopes do not allow it", body = ErrorBody),
        (status = 404, description = "`owner` names no user", body = ErrorBody),
        (status = 422, description = "A bad parameter, named in `field`", body = ErrorBody),
    ),
    security(("api_key" = ["admin"]), ("session" = [])))]
pub async fn list_keys(
    State(state): State<AppState>,
    caller: Caller,
    Query(p): Query<KeyListParams>,
) -> ApiResult<axum::Json<ApiKeyList>> {
    let whose = match p.owner.as_deref().map(str::trim) {
        None | Some("me") => Whose::Mine,
        Some("all") => Whose::All,
        Some(raw) => Whose::User(
            raw.parse()
                .map_err(|_| AppError::invalid("owner", "must be me, all, or a user's id"))?,
        ),
    };
    let query = ListQuery {
        whose,
        live_only: p.live.unwrap_or(false),
        before: p.cursor.as_deref(),
        limit: p.limit.unwrap_or(50),
    };
    let page = ops::list_page(&state, &caller, query)
        .await
        .map_err(|e| rename(e, &[("before", "cursor")]))?;
    Ok(axum::Json(ApiKeyList {
        api_keys: page.keys.into_iter().map(ApiKey::from).collect(),
        next_cursor: page.next_before,
    }))
}

#[utoipa::path(get, path = "/api/v1/api-keys/{id}", tag = "access",
    params(("id" = Uuid, Path, description = "The key's id (not its secret)")),
    responses(
        (status = 200, description = "One of the caller's keys (an ADMIN's: any key)", body = ApiKey),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "The caller has no such key", body = ErrorBody),
    ),
    security(("api_key" = ["admin"]), ("session" = [])))]
pub async fn get_key(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> ApiResult<Response> {
    let key: ApiKeyId = id(&raw, "API key")?;
    Ok(tagged(ApiKey::from(ops::get(&state, &caller, key).await?)))
}

/// A new key: the caller's, or a team's.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApiKey {
    /// 1 to 100 characters.
    pub name: String,
    /// At least one; `admin` only for ADMIN users' own keys, never for a team's.
    pub scopes: Vec<String>,
    /// 1 to 3650; null or absent: never expires.
    pub expires_in_days: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/api-keys", tag = "access", request_body = NewApiKey,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeats with the same key get the first answer")),
    responses(
        (status = 201, description = "Created; `Location` names it; `secret` is shown this once", body = ApiKey),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "The Idempotency-Key is still being answered", body = ErrorBody),
        (status = 422, description = "A bad field, named in `field`", body = ErrorBody),
    ),
    security(("api_key" = ["admin"]), ("session" = [])))]
pub async fn create_key(
    State(state): State<AppState>,
    caller: Caller,
    Json(new): Json<NewApiKey>,
) -> ApiResult<Response> {
    let made = ops::create(&state, &caller, &new.name, &new.scopes, new.expires_in_days).await?;
    let key = ApiKey {
        secret: Some(made.secret),
        ..ApiKey::from(made.key)
    };
    Ok(created(
        &format!("/api/v1/api-keys/{}", key.id),
        tagged(key),
    ))
}

#[utoipa::path(delete, path = "/api/v1/api-keys/{id}", tag = "access",
    params(("id" = Uuid, Path, description = "The key's id (not its secret)")),
    responses(
        (status = 204, description = "Revoked: the key stops working at once"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "No live key of the caller's (an ADMIN's: anyone's, a team's included) has this id", body = ErrorBody),
    ),
    security(("api_key" = ["admin"]), ("session" = [])))]
pub async fn revoke_key(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> ApiResult<StatusCode> {
    ops::revoke(&state, &caller, id(&raw, "API key")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// One audit entry: who did what, when, from where.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    /// The actor's email; null for anonymous actions (a failed sign-in).
    pub actor: Option<String>,
    /// A dotted verb: `service.update`, `login.failure`, …
    pub action: String,
    pub target: Option<String>,
    pub ip: Option<String>,
    /// The entry's details object.
    pub details: serde_json::Value,
}

/// One page of the audit log, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditLog {
    pub entries: Vec<AuditEntry>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditParams {
    /// Only actions starting with this (`user.`, `login.`).
    pub action: Option<String>,
    /// 1 to 200; default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/audit-log", tag = "access", params(AuditParams),
    responses(
        (status = 200, description = "A page of entries, newest first", body = AuditLog),
        (status = 401, description = "No or a bad credential", body = ErrorBody),
        (status = 403, description = "Not an ADMIN, or the key lacks the admin scope", body = ErrorBody),
        (status = 422, description = "A bad parameter, named in `field`", body = ErrorBody),
    ),
    security(("api_key" = ["admin"]), ("session" = [])))]
pub async fn audit_log(
    State(state): State<AppState>,
    caller: Caller,
    Query(p): Query<AuditParams>,
) -> ApiResult<axum::Json<AuditLog>> {
    let before = p
        .cursor
        .as_deref()
        .map(|c| {
            c.parse::<i64>()
                .map_err(|_| AppError::invalid("cursor", "is not a cursor this API gave"))
        })
        .transpose()?;
    let page = app::audit::ops::list(
        &state,
        &caller,
        before,
        p.action.as_deref().unwrap_or_default(),
        p.limit.unwrap_or(50),
    )
    .await?;
    Ok(axum::Json(AuditLog {
        entries: page
            .entries
            .into_iter()
            .map(|e| AuditEntry {
                id: e.id,
                at: e.at,
                actor: e.actor,
                action: e.action,
                target: e.target,
                ip: e.ip,
                details: serde_json::from_str(&e.details).unwrap_or(serde_json::Value::Null),
            })
            .collect(),
        next_cursor: page.next_before.map(|n| n.to_string()),
    }))
}

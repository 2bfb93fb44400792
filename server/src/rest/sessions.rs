//! `/api/v1/users/{id}/sessions`: a user's live sign-in sessions (list; end one, or all of
//! them). ADMIN for anyone's; the caller's own (`me`) with a session or an `admin`-scoped key.
//! Ending sessions leaves API keys alone (revoke those under `/api/v1/api-keys`, or disable
//! the user). Shells over `app::sessions::ops`.

use app::auth::caller::Caller;
use app::domain::SessionId;
use app::sessions::ops;
use app::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::people::user_id;
use super::schema::ErrorBody;
use super::wire::{ApiResult, id};

/// Adds this resource's routes (and their operations in the document).
pub fn register(router: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    router
        .routes(routes!(list, revoke_all))
        .routes(routes!(revoke))
}

/// A live sign-in session.
#[derive(Debug, Serialize, ToSchema)]
pub struct Session {
    pub id: Uuid,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Refreshed at most once a minute.
    pub last_seen_at: chrono::DateTime<chrono::Utc>,
    /// The client address it signed in from.
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// The session making this request.
    pub current: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionList {
    /// Newest activity first.
    pub sessions: Vec<Session>,
}

#[utoipa::path(get, path = "/api/v1/users/{id}/sessions", tag = "users",
    params(("id" = String, Path, description = "The user's id, or `me`")),
    responses(
        (status = 200, description = "The user's live sessions", body = SessionList),
        (status = 401, description = "No or a bad credential", body = ErrorBody),
        (status = 403, description = "Another user's without the ADMIN role, or the key lacks the admin scope", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
    ),
    security(("api_key" = ["admin"]), ("session" = [])))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<SessionList>> {
    let sessions = ops::list(&state, &caller, user_id(&raw, &caller)?).await?;
    Ok(axum::Json(SessionList {
        sessions: sessions
            .into_iter()
            .map(|s| Session {
                id: s.id.0,
                created_at: s.created_at,
                last_seen_at: s.last_seen_at,
                ip: s.ip,
                user_agent: s.user_agent,
                current: s.current,
            })
            .collect(),
    }))
}

#[utoipa::path(delete, path = "/api/v1/users/{id}/sessions/{session_id}", tag = "users",
    params(("id" = String, Path, description = "The user's id, or `me`"),
           ("session_id" = Uuid, Path, description = "The session's id")),
    responses(
        (status = 204, description = "Signed out: the session's next request is 401"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "No such user, or no such live session of theirs", body = ErrorBody),
    ),
    security(("api_key" = ["admin"]), ("session" = [])))]
pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    Path((raw, session)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let user = user_id(&raw, &caller)?;
    let session: SessionId = id(&session, "session")?;
    ops::revoke(&state, &caller, user, session).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// How many sessions a "sign out everywhere" ended.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionsRevoked {
    pub sessions_revoked: u64,
}

#[utoipa::path(delete, path = "/api/v1/users/{id}/sessions", tag = "users",
    params(("id" = String, Path, description = "The user's id, or `me`")),
    responses(
        (status = 200, description = "Signed out everywhere", body = SessionsRevoked),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
    ),
    security(("api_key" = ["admin"]), ("session" = [])))]
pub async fn revoke_all(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<SessionsRevoked>> {
    let revoked = ops::revoke_all(&state, &caller, user_id(&raw, &caller)?).await?;
    Ok(axum::Json(SessionsRevoked {
        sessions_revoked: revoked,
    }))
}

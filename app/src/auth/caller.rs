//! Who is calling, and the one access check every server function makes first: a session's
//! user with their role, or an API key's owner with their role narrowed by the key's scopes.

use crate::domain::{Access, ApiKeyId, Scope, SessionId};
use crate::error::AppError;
use crate::state::AppState;
use crate::users::UserSummary;

use super::session::{RequestInfo, request_info, token_hash};

/// The authenticated caller of one request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: UserSummary,
    pub via: Credential,
    /// The client address, for the audit log.
    pub ip: Option<String>,
}

/// How the caller authenticated.
#[derive(Debug, Clone)]
pub enum Credential {
    Session(SessionId),
    ApiKey { id: ApiKeyId, scopes: Vec<Scope> },
}

impl Caller {
    /// `Forbidden` unless both the key's scopes (for keys) and the user's role allow `access`.
    pub fn check(&self, access: Access) -> Result<(), AppError> {
        self.check_scope(access)?;
        let min = access.min_role();
        if !self.user.role.at_least(min) {
            return Err(AppError::forbidden(format!("this needs the {min} role")));
        }
        Ok(())
    }

    /// Only the key-scope half of `check` (sessions always pass): for actions whose role rule
    /// depends on the object, like a USER acting on an incident assigned to them.
    pub fn check_scope(&self, access: Access) -> Result<(), AppError> {
        if let Credential::ApiKey { scopes, .. } = &self.via
            && !access.allows_scopes(scopes)
        {
            let need = access.needed_scope().map_or("another", |s| s.as_str());
            return Err(
                AppError::forbidden(format!("this API key lacks the {need} scope"))
                    .on_field("authorization"),
            );
        }
        Ok(())
    }

    /// Records an audit entry with this caller as the actor, inside the caller's transaction.
    pub async fn audit<'e>(
        &self,
        db: impl sqlx::PgExecutor<'e>,
        at: chrono::DateTime<chrono::Utc>,
        action: &str,
        target: &str,
        details: serde_json::Value,
    ) -> Result<(), AppError> {
        crate::audit::store::record(
            db,
            crate::audit::store::Entry {
                at,
                actor: Some(self.user.id),
                action,
                target: Some(target),
                ip: self.ip.as_deref(),
                details,
            },
        )
        .await
    }

    pub fn session_id(&self) -> Option<SessionId> {
        match self.via {
            Credential::Session(id) => Some(id),
            Credential::ApiKey { .. } => None,
        }
    }
}

/// The caller of this server function, checked against `access`.
pub async fn authorize(access: Access) -> Result<Caller, AppError> {
    let (_, caller) = current().await?;
    caller.check(access)?;
    Ok(caller)
}

/// The state and the (authenticated, not yet authorized) caller of this server function: what
/// a server function hands to its operation in `ops`, which checks the caller.
pub async fn current() -> Result<(AppState, Caller), AppError> {
    let state = crate::state::app_state()?;
    let caller = identify(&state, &request_info()).await?;
    Ok((state, caller))
}

/// The caller of an axum handler (REST, PagerDuty-compatible): the same `identify` as server
/// functions, answering 401 in the same JSON when it fails.
impl<S> axum::extract::FromRequestParts<S> for Caller
where
    AppState: axum::extract::FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut http::request::Parts,
        state: &S,
    ) -> Result<Self, AppError> {
        // A layer that already identified this request (the idempotency layer) left the caller
        // here: one credential lookup per request.
        if let Some(caller) = parts.extensions.get::<Caller>() {
            return Ok(caller.clone());
        }
        let state = <AppState as axum::extract::FromRef<S>>::from_ref(state);
        let info = RequestInfo::from_parts(&parts.headers, &parts.uri, &parts.extensions);
        identify(&state, &info).await
    }
}

fn key_refused(message: &str) -> AppError {
    AppError::unauthenticated(message).on_field("authorization")
}

fn session_refused(message: &str) -> AppError {
    AppError::unauthenticated(message).on_field("cookie")
}

/// The API key in an `Authorization` header: `Bearer <key>`, or PagerDuty's
/// `Token token=<key>` so PagerDuty's own clients work unchanged.
fn api_key(header: &str) -> Option<&str> {
    header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .or_else(|| header.strip_prefix("Token token="))
        .map(str::trim)
        .filter(|k| !k.is_empty())
}

/// Authenticates by the `Authorization` key when that header is present, otherwise by
/// the session cookie. Invalid, expired and revoked credentials are all 401.
pub async fn identify(state: &AppState, info: &RequestInfo) -> Result<Caller, AppError> {
    let now = state.clock.now();
    if let Some(header) = &info.authorization {
        let key = api_key(header).ok_or_else(|| {
            key_refused("Authorization must be \"Bearer <API key>\" or \"Token token=<API key>\"")
        })?;
        let (id, scopes, user) =
            crate::apikeys::store::authenticate(&state.pool, &token_hash(key), now)
                .await?
                .ok_or_else(|| key_refused("the API key is invalid, revoked or expired"))?;
        return Ok(Caller {
            user,
            via: Credential::ApiKey { id, scopes },
            ip: info.ip.clone(),
        });
    }
    let token = info
        .session_token
        .as_deref()
        .ok_or_else(|| session_refused("sign in first"))?;
    let (session, user) = super::store::session_user(&state.pool, &token_hash(token), now)
        .await?
        .ok_or_else(|| session_refused("your session has ended; sign in again"))?;
    Ok(Caller {
        user,
        via: Credential::Session(session),
        ip: info.ip.clone(),
    })
}

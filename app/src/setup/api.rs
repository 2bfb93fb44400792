//! Server functions for first-run setup. Both are open to anonymous callers by design:
//! the one-time code from the server log is the credential.

use leptos::prelude::*;

use super::SetupState;
use crate::error::AppError;
use crate::users::UserSummary;

/// `POST /api/setup/status` → `{"needs_setup": bool}`.
#[server(prefix = "/api", endpoint = "setup/status", input = server_fn::codec::Json)]
pub async fn setup_status() -> Result<SetupState, AppError> {
    let state = crate::state::app_state()?;
    Ok(SetupState {
        needs_setup: crate::users::store::count(&state.pool).await? == 0,
    })
}

/// `POST /api/setup/complete` with `{"code","email","name","password"}` creates the first admin.
#[server(prefix = "/api", endpoint = "setup/complete", input = server_fn::codec::Json)]
pub async fn complete_setup(
    code: String,
    email: String,
    name: String,
    password: String,
) -> Result<UserSummary, AppError> {
    use crate::domain::{Role, password};
    use crate::users::NewUser;

    let state = crate::state::app_state()?;
    if super::normalize_code(&code).is_empty() {
        return Err(AppError::invalid("code", "is required"));
    }
    let user = NewUser::parse(&email, &name, Role::Admin)?;
    password::check("password", &password)?;
    let hash = crate::users::password::hash(password).await?;
    let ip = crate::auth::session::request_info().ip;
    let created = super::store::complete(
        &state.pool,
        &code,
        &user,
        &hash,
        state.clock.now(),
        ip.as_deref(),
    )
    .await?;
    tracing::info!(user_id = %created.id, email = %created.email, "first admin created through /setup");
    Ok(created)
}

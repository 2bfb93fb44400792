//! Every operation on a user's sessions by someone else, once: the caller's check, the change
//! and its audit entry in one transaction. ADMIN (a session, or an `admin`-scoped key); the
//! caller's own sessions need only a session or such a key, as on the profile.

use super::SessionInfo;
use crate::auth::caller::Caller;
use crate::domain::{Access, SessionId, UserId};
use crate::error::AppError;
use crate::state::AppState;
use crate::users::UserSummary;

/// The user, when the caller may see and end their sessions: their own, or anyone's for an
/// ADMIN. `NotFound` for no such user.
async fn may_see(state: &AppState, caller: &Caller, user: UserId) -> Result<UserSummary, AppError> {
    if user == caller.user.id {
        caller.check(Access::OwnAccount)?;
    } else {
        caller.check(Access::Admin)?;
    }
    crate::users::store::get(&state.pool, user).await
}

/// The user's live sessions, newest activity first; `current` marks the caller's own.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    user: UserId,
) -> Result<Vec<SessionInfo>, AppError> {
    may_see(state, caller, user).await?;
    let mut sessions =
        crate::auth::store::list_sessions(&state.pool, user, state.clock.now()).await?;
    let current = caller.session_id();
    for s in &mut sessions {
        s.current = Some(s.id) == current;
    }
    Ok(sessions)
}

/// Signs one of the user's sessions out: its next request is 401. Not found unless it is the
/// user's and live.
pub async fn revoke(
    state: &AppState,
    caller: &Caller,
    user: UserId,
    session: SessionId,
) -> Result<(), AppError> {
    let target = may_see(state, caller, user).await?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    if !crate::auth::store::revoke_session(&mut *tx, user, session, now).await? {
        return Err(AppError::NotFound {
            what: "session".into(),
        });
    }
    caller
        .audit(
            &mut *tx,
            now,
            "session.revoke",
            &target.email,
            serde_json::json!({"user_id": user, "session_id": session}),
        )
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Signs the user out everywhere → how many sessions ended.
pub async fn revoke_all(state: &AppState, caller: &Caller, user: UserId) -> Result<u64, AppError> {
    let target = may_see(state, caller, user).await?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let revoked = crate::auth::store::revoke_user_sessions(&mut *tx, user, now).await?;
    caller
        .audit(
            &mut *tx,
            now,
            "session.revoke_all",
            &target.email,
            serde_json::json!({"user_id": user, "sessions": revoked}),
        )
        .await?;
    tx.commit().await?;
    Ok(revoked)
}

//! Server functions for the user directory (any signed-in caller) and user administration
//! (ADMIN): invite, change role, disable or re-enable, and issue a password-reset link.

use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::UserStatus;
use super::{LinkIssued, UserPage, UserSummary};
use crate::domain::UserId;
use crate::error::AppError;

/// Users per page, at most.
pub const MAX_PER_PAGE: i64 = 200;

/// Emails the link when SMTP is configured (in the background when `background`, so a
/// caller cannot time whether an account exists); otherwise returns it for an admin to copy.
#[cfg(feature = "ssr")]
pub(crate) async fn deliver_link(
    state: &crate::state::AppState,
    kind: crate::mail::LinkKind,
    user: &UserSummary,
    token: &str,
    hours: i64,
    background: bool,
) -> (bool, Option<String>) {
    use crate::mail::{LinkKind, link_mail};
    let path = match kind {
        LinkKind::Invite => "invite",
        LinkKind::Reset => "reset",
    };
    let link = format!("{}/{path}?token={token}", state.public_url);
    let mailer = match state.mailer.current(&state.pool, &state.keys).await {
        Ok(Some(m)) => m,
        Ok(None) => return (false, Some(link)),
        Err(e) => {
            tracing::warn!(error = %e, "email settings unusable; returning the link instead");
            return (false, Some(link));
        }
    };
    let mail = link_mail(kind, &user.email, &user.name, &link, hours);
    if background {
        tokio::spawn(async move {
            if let Err(e) = mailer.send(mail).await {
                tracing::warn!(error = %e, "could not email a password-reset link");
            }
        });
        return (true, None);
    }
    match mailer.send(mail).await {
        Ok(()) => (true, None),
        Err(e) => {
            tracing::warn!(error = %e, user_id = %user.id, "could not email a link; returning it to the admin");
            (false, Some(link))
        }
    }
}

/// `POST /api/users/list` with `{"query":"","page":1,"per_page":50}` → one page of users by name.
#[server(prefix = "/api", endpoint = "users/list", input = server_fn::codec::Json)]
pub async fn list_users(query: String, page: i64, per_page: i64) -> Result<UserPage, AppError> {
    crate::auth::caller::authorize(crate::domain::Access::SignedIn).await?;
    let state = crate::state::app_state()?;
    if page < 1 {
        return Err(AppError::invalid("page", "must be 1 or more"));
    }
    if !(1..=MAX_PER_PAGE).contains(&per_page) {
        return Err(AppError::invalid(
            "per_page",
            format!("must be between 1 and {MAX_PER_PAGE}"),
        ));
    }
    if query.chars().count() > 100 {
        return Err(AppError::invalid("query", "must be at most 100 characters"));
    }
    let (users, total) = super::store::list(&state.pool, &query, page, per_page).await?;
    Ok(UserPage {
        users,
        total,
        page,
        per_page,
    })
}

/// `POST /api/users/invite` with `{"email","name","role"}` (ADMIN): creates an INVITED user
/// and a 7-day invite link, emailed when SMTP is configured, otherwise returned.
#[server(prefix = "/api", endpoint = "users/invite", input = server_fn::codec::Json)]
pub async fn invite_user(
    email: String,
    name: String,
    role: String,
) -> Result<LinkIssued, AppError> {
    use super::tokens::{self, Purpose};
    use crate::domain::{Access, Role};
    let caller = crate::auth::caller::authorize(Access::Admin).await?;
    let state = crate::state::app_state()?;
    let role = Role::parse(&role)
        .ok_or_else(|| AppError::invalid("role", "must be ADMIN, RESPONDER or USER"))?;
    let new = super::NewUser::parse(&email, &name, role)?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let user = super::store::insert_invited(&mut *tx, &new, now).await?;
    let (token, expires_at) =
        tokens::issue(&mut tx, user.id, Purpose::Invite, tokens::invite_ttl(), now).await?;
    caller
        .audit(
            &mut *tx,
            now,
            "user.invite",
            &user.email,
            serde_json::json!({"role": role, "user_id": user.id}),
        )
        .await?;
    tx.commit().await?;
    let hours = tokens::invite_ttl().num_hours();
    let (emailed, link) = deliver_link(
        &state,
        crate::mail::LinkKind::Invite,
        &user,
        &token,
        hours,
        false,
    )
    .await;
    Ok(LinkIssued {
        user,
        emailed,
        link,
        expires_at,
    })
}

/// `POST /api/users/reset-link` with `{"user_id"}` (ADMIN): a 24-hour password-reset link
/// for an ACTIVE user (or a fresh invite link for an INVITED one), emailed or returned.
#[server(prefix = "/api", endpoint = "users/reset-link", input = server_fn::codec::Json)]
pub async fn issue_reset_link(user_id: UserId) -> Result<LinkIssued, AppError> {
    use super::tokens::{self, Purpose};
    use crate::mail::LinkKind;
    let caller = crate::auth::caller::authorize(crate::domain::Access::Admin).await?;
    let state = crate::state::app_state()?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let user = super::store::get(&mut *tx, user_id).await?;
    let (purpose, kind, ttl) = match user.status {
        UserStatus::Active => (Purpose::Reset, LinkKind::Reset, tokens::reset_ttl(true)),
        UserStatus::Invited => (Purpose::Invite, LinkKind::Invite, tokens::invite_ttl()),
        UserStatus::Disabled => {
            return Err(AppError::conflict(
                "the account is disabled; enable it first",
            ));
        }
    };
    let (token, expires_at) = tokens::issue(&mut tx, user.id, purpose, ttl, now).await?;
    caller
        .audit(
            &mut *tx,
            now,
            "user.reset_link",
            &user.email,
            serde_json::json!({"user_id": user.id}),
        )
        .await?;
    tx.commit().await?;
    let (emailed, link) = deliver_link(&state, kind, &user, &token, ttl.num_hours(), false).await;
    Ok(LinkIssued {
        user,
        emailed,
        link,
        expires_at,
    })
}

/// Applies a role or status change as one transaction: refuses to leave no active admin,
/// revokes the user's sessions, and audits.
#[cfg(feature = "ssr")]
async fn change_user(
    user_id: UserId,
    change: impl FnOnce(&UserSummary) -> Result<(crate::domain::Role, UserStatus), AppError>,
    action: &str,
) -> Result<UserSummary, AppError> {
    use crate::domain::{Access, Role};
    let caller = crate::auth::caller::authorize(Access::Admin).await?;
    let state = crate::state::app_state()?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let admins = super::store::lock_active_admins(&mut tx).await?;
    let before = super::store::get(&mut *tx, user_id).await?;
    let (role, status) = change(&before)?;
    if (role, status) == (before.role, before.status) {
        return Ok(before);
    }
    let was_admin = before.role == Role::Admin && before.status == UserStatus::Active;
    let stays_admin = role == Role::Admin && status == UserStatus::Active;
    if was_admin && !stays_admin && admins <= 1 {
        return Err(AppError::conflict(
            "this is the last active admin; make someone else an admin first",
        ));
    }
    let after = super::store::set_role_and_status(&mut *tx, user_id, role, status, now).await?;
    let revoked = crate::auth::store::revoke_user_sessions(&mut *tx, user_id, now).await?;
    caller
        .audit(
            &mut *tx,
            now,
            action,
            &after.email,
            serde_json::json!({
                "user_id": user_id,
                "role": {"from": before.role, "to": role},
                "status": {"from": before.status, "to": status},
                "sessions_revoked": revoked,
            }),
        )
        .await?;
    tx.commit().await?;
    Ok(after)
}

/// `POST /api/users/set-role` with `{"user_id","role"}` (ADMIN). Revokes the user's sessions.
#[server(prefix = "/api", endpoint = "users/set-role", input = server_fn::codec::Json)]
pub async fn set_user_role(user_id: UserId, role: String) -> Result<UserSummary, AppError> {
    let role = crate::domain::Role::parse(&role)
        .ok_or_else(|| AppError::invalid("role", "must be ADMIN, RESPONDER or USER"))?;
    change_user(user_id, |u| Ok((role, u.status)), "user.role_change").await
}

/// `POST /api/users/set-status` with `{"user_id","status":"DISABLED"|"ACTIVE"}` (ADMIN).
/// Disabling signs the user out everywhere and stops their API keys working.
#[server(prefix = "/api", endpoint = "users/set-status", input = server_fn::codec::Json)]
pub async fn set_user_status(user_id: UserId, status: String) -> Result<UserSummary, AppError> {
    let status = match status.trim().to_ascii_uppercase().as_str() {
        "ACTIVE" => UserStatus::Active,
        "DISABLED" => UserStatus::Disabled,
        _ => return Err(AppError::invalid("status", "must be ACTIVE or DISABLED")),
    };
    change_user(
        user_id,
        |u| match (u.status, status) {
            (UserStatus::Invited, UserStatus::Active) => Err(AppError::invalid(
                "status",
                "an invited user becomes active by accepting the invite",
            )),
            _ => Ok((u.role, status)),
        },
        if status == UserStatus::Disabled {
            "user.disable"
        } else {
            "user.enable"
        },
    )
    .await
}

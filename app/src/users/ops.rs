//! Every user-directory and user-administration operation, once: the caller's check,
//! validation and the change. Any signed-in caller reads the directory; ADMIN invites,
//! changes roles, disables or re-enables, and issues password-reset links. Changes are audited
//! in their own transaction.

use super::{LinkIssued, UserPage, UserStatus, UserSummary};
use crate::auth::caller::Caller;
use crate::domain::{Access, Role, UserId};
use crate::error::AppError;
use crate::state::AppState;

/// Emails the link when SMTP is configured (in the background when `background`, so a
/// caller cannot time whether an account exists); otherwise returns it for an admin to copy.
pub(crate) async fn deliver_link(
    state: &AppState,
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

/// One page of users by name, matching `query`.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    query: &str,
    page: i64,
    per_page: i64,
) -> Result<UserPage, AppError> {
    use super::api::MAX_PER_PAGE;
    caller.check(Access::SignedIn)?;
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
    let (users, total) = super::store::list(&state.pool, query, page, per_page).await?;
    Ok(UserPage {
        users,
        total,
        page,
        per_page,
    })
}

/// One user of the directory (any signed-in caller).
pub async fn get(state: &AppState, caller: &Caller, id: UserId) -> Result<UserSummary, AppError> {
    caller.check(Access::SignedIn)?;
    super::store::get(&state.pool, id).await
}

/// A role as given (`ADMIN`, `RESPONDER`, `USER`), or the error naming `role`.
pub fn parse_role(role: &str) -> Result<Role, AppError> {
    Role::parse(role).ok_or_else(|| AppError::invalid("role", "must be ADMIN, RESPONDER or USER"))
}

/// Creates an INVITED user and a 7-day invite link (ADMIN), emailed when SMTP is configured,
/// otherwise returned.
pub async fn invite(
    state: &AppState,
    caller: &Caller,
    email: &str,
    name: &str,
    role: &str,
) -> Result<LinkIssued, AppError> {
    use super::tokens::{self, Purpose};
    caller.check(Access::Admin)?;
    let role = parse_role(role)?;
    let new = super::NewUser::parse(email, name, role)?;
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
        state,
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

/// A 24-hour password-reset link for an ACTIVE user (or a fresh invite link for an INVITED
/// one), emailed or returned (ADMIN).
pub async fn issue_reset_link(
    state: &AppState,
    caller: &Caller,
    user_id: UserId,
) -> Result<LinkIssued, AppError> {
    use super::tokens::{self, Purpose};
    use crate::mail::LinkKind;
    caller.check(Access::Admin)?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let user = super::store::get(&mut *tx, user_id).await?;
    refuse_service_account(&user)?;
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
    let (emailed, link) = deliver_link(state, kind, &user, &token, ttl.num_hours(), false).await;
    Ok(LinkIssued {
        user,
        emailed,
        link,
        expires_at,
    })
}

/// `Conflict` for a team's service account: it has no password and keeps its role; its keys
/// are managed on its team's page, and it goes away with its team.
fn refuse_service_account(user: &UserSummary) -> Result<(), AppError> {
    match user.service_team_id {
        Some(_) => Err(AppError::conflict(
            "this is a team's service account: manage its API keys on the team's page",
        )),
        None => Ok(()),
    }
}

/// Applies a role or status change as one transaction (ADMIN): refuses to leave no active
/// admin, revokes the user's sessions, and audits.
async fn change_user(
    state: &AppState,
    caller: &Caller,
    user_id: UserId,
    change: impl FnOnce(&UserSummary) -> Result<(Role, UserStatus), AppError>,
    action: &str,
) -> Result<UserSummary, AppError> {
    caller.check(Access::Admin)?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let admins = super::store::lock_active_admins(&mut tx).await?;
    let before = super::store::get(&mut *tx, user_id).await?;
    refuse_service_account(&before)?;
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

/// Gives the user `role` (ADMIN). Revokes the user's sessions.
pub async fn set_role(
    state: &AppState,
    caller: &Caller,
    user_id: UserId,
    role: Role,
) -> Result<UserSummary, AppError> {
    change_user(
        state,
        caller,
        user_id,
        |u| Ok((role, u.status)),
        "user.role_change",
    )
    .await
}

/// A status an admin may set (`ACTIVE` or `DISABLED`), or the error naming `status`.
pub fn parse_status(status: &str) -> Result<UserStatus, AppError> {
    match status.trim().to_ascii_uppercase().as_str() {
        "ACTIVE" => Ok(UserStatus::Active),
        "DISABLED" => Ok(UserStatus::Disabled),
        _ => Err(AppError::invalid("status", "must be ACTIVE or DISABLED")),
    }
}

/// Disables or re-enables the user (ADMIN). Disabling signs the user out everywhere and stops
/// their API keys working.
pub async fn set_status(
    state: &AppState,
    caller: &Caller,
    user_id: UserId,
    status: UserStatus,
) -> Result<UserSummary, AppError> {
    change_user(
        state,
        caller,
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

/// Sets the user's role and status together (ADMIN), each left as it is when `None`: the rules
/// of `set_role` and `set_status` in one transaction, so either both change or neither does.
pub async fn update(
    state: &AppState,
    caller: &Caller,
    user_id: UserId,
    role: Option<Role>,
    status: Option<UserStatus>,
) -> Result<UserSummary, AppError> {
    let action = match (role, status) {
        (Some(_), Some(_)) => "user.update",
        (None, Some(UserStatus::Disabled)) => "user.disable",
        (None, Some(_)) => "user.enable",
        (_, None) => "user.role_change",
    };
    change_user(
        state,
        caller,
        user_id,
        |u| {
            let status = match (u.status, status) {
                (UserStatus::Invited, Some(UserStatus::Active)) => {
                    return Err(AppError::invalid(
                        "status",
                        "an invited user becomes active by accepting the invite",
                    ));
                }
                (now, wanted) => wanted.unwrap_or(now),
            };
            Ok((role.unwrap_or(u.role), status))
        },
        action,
    )
    .await
}

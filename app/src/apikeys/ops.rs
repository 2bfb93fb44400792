//! Every API-key operation, once: the caller's check, validation, the change and its audit
//! entry (in the change's transaction). Keys are managed with a session or a key with the
//! `admin` scope, never with a narrower key. Own keys: anyone. Any user's keys and the whole
//! workspace's: ADMIN. A team's keys: ADMIN or the team's OWNER/ADMIN members change them, any
//! member reads them. A team key acts as its team's service account, so it can never manage
//! keys itself (it cannot hold the `admin` scope).

use super::store::{Cursor, Filter};
use super::{ApiKeySummary, CreatedApiKey, KeyPage, MAX_PER_PAGE, NewApiKey};
use crate::auth::caller::Caller;
use crate::domain::{Access, ApiKeyId, Role, TeamId, UserId};
use crate::error::AppError;
use crate::state::AppState;

/// The caller's keys (never their secrets).
pub async fn list(state: &AppState, caller: &Caller) -> Result<Vec<ApiKeySummary>, AppError> {
    caller.check(Access::OwnAccount)?;
    super::store::list_for_user(&state.pool, caller.user.id).await
}

/// Whose keys a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Whose {
    /// The caller's own.
    Mine,
    /// One user's (a person or a service account): ADMIN, unless it is the caller.
    User(UserId),
    /// Every key of the workspace, people's and teams': ADMIN.
    All,
}

/// A page of keys to read.
#[derive(Debug, Clone, Copy)]
pub struct ListQuery<'a> {
    pub whose: Whose,
    /// Only keys that work (not revoked, not expired).
    pub live_only: bool,
    /// `next_before` of the previous page.
    pub before: Option<&'a str>,
    /// 1 to `MAX_PER_PAGE`.
    pub limit: i64,
}

/// One page of keys with their owners, newest first.
pub async fn list_page(
    state: &AppState,
    caller: &Caller,
    q: ListQuery<'_>,
) -> Result<KeyPage, AppError> {
    caller.check(Access::OwnAccount)?;
    let owner = match q.whose {
        Whose::Mine => Some(caller.user.id),
        Whose::User(u) if u == caller.user.id => Some(u),
        Whose::User(u) => {
            caller.check(Access::Admin)?;
            crate::users::store::get(&state.pool, u).await?;
            Some(u)
        }
        Whose::All => {
            caller.check(Access::Admin)?;
            None
        }
    };
    if !(1..=MAX_PER_PAGE).contains(&q.limit) {
        return Err(AppError::invalid(
            "limit",
            format!("must be between 1 and {MAX_PER_PAGE}"),
        ));
    }
    let before = q
        .before
        .map(|raw| {
            Cursor::parse(raw).ok_or_else(|| AppError::invalid("before", "is not a cursor we gave"))
        })
        .transpose()?;
    let filter = Filter {
        owner,
        team: None,
        live_only: q.live_only,
        before,
    };
    page(state, filter, q.limit).await
}

/// Up to `limit` keys matching `filter`, and the cursor of the next page if there is one.
async fn page(state: &AppState, filter: Filter, limit: i64) -> Result<KeyPage, AppError> {
    let mut keys = super::store::list(&state.pool, filter, limit + 1, state.clock.now()).await?;
    let more = keys.len() as i64 > limit;
    keys.truncate(usize::try_from(limit).unwrap_or(0));
    let next_before = more.then(|| keys.last().map(Cursor::after)).flatten();
    Ok(KeyPage { keys, next_before })
}

/// One key: the caller's own, or anyone's for an ADMIN. Not found otherwise.
pub async fn get(
    state: &AppState,
    caller: &Caller,
    id: ApiKeyId,
) -> Result<ApiKeySummary, AppError> {
    caller.check(Access::OwnAccount)?;
    let key = super::store::get(&state.pool, id).await?;
    if key.owner.user_id != caller.user.id && caller.user.role != Role::Admin {
        return Err(AppError::NotFound {
            what: "API key".into(),
        });
    }
    Ok(key)
}

/// A new key for the caller (`expires_in_days` `None` for no expiry) → the key with its
/// secret, shown once.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    name: &str,
    scopes: &[String],
    expires_in_days: Option<i64>,
) -> Result<CreatedApiKey, AppError> {
    caller.check(Access::OwnAccount)?;
    let new = NewApiKey::parse(caller.user.role, name, scopes, expires_in_days)?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let created = super::store::create(&mut *tx, caller.user.id, &new, now).await?;
    caller
        .audit(
            &mut *tx,
            now,
            "apikey.create",
            &created.key.prefix,
            serde_json::json!({"name": new.name, "scopes": new.scopes, "expires_at": created.key.expires_at}),
        )
        .await?;
    tx.commit().await?;
    Ok(created)
}

/// Revokes one of the caller's keys (an ADMIN: anyone's, a team's included). Not found when
/// no live key matches.
pub async fn revoke(state: &AppState, caller: &Caller, id: ApiKeyId) -> Result<(), AppError> {
    caller.check(Access::OwnAccount)?;
    let now = state.clock.now();
    let owner = (caller.user.role != Role::Admin).then_some(caller.user.id);
    let mut tx = state.pool.begin().await?;
    let (name, owner) = super::store::revoke(&mut *tx, id, owner, now)
        .await?
        .ok_or_else(|| AppError::NotFound {
            what: "API key".into(),
        })?;
    caller
        .audit(
            &mut *tx,
            now,
            "apikey.revoke",
            &id.to_string(),
            serde_json::json!({"name": name, "owner": owner}),
        )
        .await?;
    tx.commit().await?;
    Ok(())
}

/// `Ok` when the caller may read `team`'s keys: an ADMIN, or any member of the team, with a
/// session or an `admin`-scoped key. `NotFound` for no such team.
async fn may_read_team_keys(
    state: &AppState,
    caller: &Caller,
    team: TeamId,
) -> Result<(), AppError> {
    caller.check(Access::OwnAccount)?;
    if caller.user.role != Role::Admin
        && crate::teams::store::team_role_of(&state.pool, caller.user.id, team)
            .await?
            .is_none()
    {
        return Err(AppError::forbidden(
            "only admins and the team's members can see its API keys",
        ));
    }
    team_found(state, team).await
}

/// `Ok` when the caller may create and revoke `team`'s keys: an ADMIN, or an OWNER/ADMIN
/// member of the team, with a session or an `admin`-scoped key. `NotFound` for no such team.
async fn may_manage_team_keys(
    state: &AppState,
    caller: &Caller,
    team: TeamId,
) -> Result<(), AppError> {
    caller.check(Access::OwnAccount)?;
    if caller.user.role != Role::Admin {
        let role = crate::teams::store::team_role_of(&state.pool, caller.user.id, team).await?;
        if !role.is_some_and(crate::teams::TeamRole::manages) {
            return Err(AppError::forbidden(
                "only admins and the team's owners or admins can change its API keys",
            ));
        }
    }
    team_found(state, team).await
}

async fn team_found(state: &AppState, team: TeamId) -> Result<(), AppError> {
    if super::service_account::team_exists(&state.pool, team).await? {
        Ok(())
    } else {
        Err(AppError::NotFound {
            what: "team".into(),
        })
    }
}

/// The team's keys, newest first (revoked ones included, marked).
pub async fn team_list(
    state: &AppState,
    caller: &Caller,
    team: TeamId,
) -> Result<Vec<ApiKeySummary>, AppError> {
    may_read_team_keys(state, caller, team).await?;
    let filter = Filter {
        team: Some(team),
        ..Filter::default()
    };
    super::store::list(&state.pool, filter, MAX_PER_PAGE, state.clock.now()).await
}

/// A key to make, as given.
#[derive(Debug, Clone, Copy)]
pub struct KeyRequest<'a> {
    pub name: &'a str,
    pub scopes: &'a [String],
    /// 1 to `MAX_EXPIRY_DAYS`; `None` never expires.
    pub expires_in_days: Option<i64>,
}

/// A new key of the team's, acting as its service account (made now for its first key) and
/// recording the caller as its creator → the key with its secret, shown once.
pub async fn team_create(
    state: &AppState,
    caller: &Caller,
    team: TeamId,
    req: KeyRequest<'_>,
) -> Result<CreatedApiKey, AppError> {
    may_manage_team_keys(state, caller, team).await?;
    let new =
        NewApiKey::parse_for_team(caller.user.role, req.name, req.scopes, req.expires_in_days)?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let (account, made) = super::service_account::ensure(&mut tx, team, now).await?;
    if made {
        caller
            .audit(
                &mut *tx,
                now,
                "user.service_account_create",
                &super::service_account::email_of(team),
                serde_json::json!({"team_id": team, "user_id": account}),
            )
            .await?;
    }
    let created = super::store::create_as(&mut *tx, account, caller.user.id, &new, now).await?;
    caller
        .audit(
            &mut *tx,
            now,
            "apikey.create",
            &created.key.prefix,
            serde_json::json!({"name": new.name, "scopes": new.scopes,
                "expires_at": created.key.expires_at, "team_id": team}),
        )
        .await?;
    tx.commit().await?;
    Ok(created)
}

/// Revokes one of the team's keys. Not found when the team has no such live key.
pub async fn team_revoke(
    state: &AppState,
    caller: &Caller,
    team: TeamId,
    id: ApiKeyId,
) -> Result<(), AppError> {
    may_manage_team_keys(state, caller, team).await?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let name = super::store::revoke_team_key(&mut *tx, team, id, now)
        .await?
        .ok_or_else(|| AppError::NotFound {
            what: "API key".into(),
        })?;
    caller
        .audit(
            &mut *tx,
            now,
            "apikey.revoke",
            &id.to_string(),
            serde_json::json!({"name": name, "team_id": team}),
        )
        .await?;
    tx.commit().await?;
    Ok(())
}

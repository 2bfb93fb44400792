//! Every team operation, once: the caller's check, validation and the change. Anyone signed
//! in reads teams; ADMIN creates and deletes them; ADMIN or the team's own OWNER/ADMIN members
//! edit the team and its membership. Changes are audited in their own transaction.

use super::{TeamDetail, TeamSummary};
use crate::auth::caller::Caller;
use crate::domain::{Access, TeamId, UserId};
use crate::error::AppError;
use crate::state::AppState;

/// `Ok` when the caller may manage `team`: an ADMIN (key scope `admin`), or an OWNER/ADMIN
/// member of the team signed in with a session (or an `admin`-scoped key).
pub async fn may_manage(state: &AppState, caller: &Caller, team: TeamId) -> Result<(), AppError> {
    if caller.check(Access::Admin).is_ok() {
        return Ok(());
    }
    caller.check(Access::OwnAccount)?;
    match super::store::team_role_of(&state.pool, caller.user.id, team).await? {
        Some(role) if role.manages() => Ok(()),
        _ => Err(AppError::forbidden(
            "only admins and the team's owners or admins can change it",
        )),
    }
}

fn parse_fields(name: &str, description: &str) -> Result<(String, String), AppError> {
    let name = crate::domain::parse_name("name", name, super::NAME_MAX)?;
    let description = description.trim().to_owned();
    if description.chars().count() > super::DESCRIPTION_MAX {
        return Err(AppError::invalid(
            "description",
            format!("must be at most {} characters", super::DESCRIPTION_MAX),
        ));
    }
    Ok((name, description))
}

/// Every team with its member count and lead.
pub async fn list(state: &AppState, caller: &Caller) -> Result<Vec<TeamSummary>, AppError> {
    caller.check(Access::SignedIn)?;
    super::store::list(&state.pool).await
}

/// The team, its members, and whether the caller may edit it.
pub async fn get(state: &AppState, caller: &Caller, id: TeamId) -> Result<TeamDetail, AppError> {
    caller.check(Access::SignedIn)?;
    let team = super::store::get(&state.pool, id).await?;
    let members = super::store::members(&state.pool, id).await?;
    let can_manage = caller.check(Access::Admin).is_ok()
        || (caller.check(Access::OwnAccount).is_ok()
            && members
                .iter()
                .any(|m| m.user_id == caller.user.id && m.role.manages()));
    Ok(TeamDetail {
        team,
        members,
        can_manage,
    })
}

/// Creates a team (ADMIN) → the new team.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    name: &str,
    description: &str,
) -> Result<TeamSummary, AppError> {
    caller.check(Access::Admin)?;
    let (name, description) = parse_fields(name, description)?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let id = super::store::create(&mut *tx, &name, &description, now).await?;
    caller
        .audit(
            &mut *tx,
            now,
            "team.create",
            &name,
            serde_json::json!({"team_id": id}),
        )
        .await?;
    let team = super::store::get(&mut *tx, id).await?;
    tx.commit().await?;
    Ok(team)
}

/// Renames the team and sets its description (ADMIN or team OWNER/ADMIN).
pub async fn update(
    state: &AppState,
    caller: &Caller,
    id: TeamId,
    name: &str,
    description: &str,
) -> Result<TeamSummary, AppError> {
    may_manage(state, caller, id).await?;
    let (name, description) = parse_fields(name, description)?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    super::store::update(&mut *tx, id, &name, &description, now).await?;
    caller
        .audit(
            &mut *tx,
            now,
            "team.update",
            &name,
            serde_json::json!({"team_id": id}),
        )
        .await?;
    let team = super::store::get(&mut *tx, id).await?;
    tx.commit().await?;
    Ok(team)
}

/// Deletes the team (ADMIN).
pub async fn delete(state: &AppState, caller: &Caller, id: TeamId) -> Result<(), AppError> {
    caller.check(Access::Admin)?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let team = super::store::get(&mut *tx, id).await?;
    super::store::delete(&mut *tx, id).await?;
    caller
        .audit(
            &mut *tx,
            now,
            "team.delete",
            &team.name,
            serde_json::json!({"team_id": id}),
        )
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Adds the user to the team or changes their team role and lead flag (ADMIN or team
/// OWNER/ADMIN). Making someone lead moves the lead flag to them.
pub async fn set_member(
    state: &AppState,
    caller: &Caller,
    team_id: TeamId,
    user_id: UserId,
    role: &str,
    is_lead: bool,
) -> Result<(), AppError> {
    may_manage(state, caller, team_id).await?;
    let role = super::TeamRole::parse(role)
        .ok_or_else(|| AppError::invalid("role", "must be OWNER, ADMIN or MEMBER"))?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let team = super::store::get(&mut *tx, team_id).await?;
    let user = crate::users::store::get(&mut *tx, user_id)
        .await
        .map_err(|_| AppError::invalid("user_id", "no such user"))?;
    super::store::set_member(&mut tx, team_id, user_id, role, is_lead, now).await?;
    caller
        .audit(
            &mut *tx,
            now,
            "team.member_set",
            &team.name,
            serde_json::json!({"team_id": team_id, "user": user.email, "role": role, "is_lead": is_lead}),
        )
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Removes the user from the team (ADMIN or team OWNER/ADMIN).
pub async fn remove_member(
    state: &AppState,
    caller: &Caller,
    team_id: TeamId,
    user_id: UserId,
) -> Result<(), AppError> {
    may_manage(state, caller, team_id).await?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let team = super::store::get(&mut *tx, team_id).await?;
    super::store::remove_member(&mut *tx, team_id, user_id).await?;
    caller
        .audit(
            &mut *tx,
            now,
            "team.member_remove",
            &team.name,
            serde_json::json!({"team_id": team_id, "user_id": user_id}),
        )
        .await?;
    tx.commit().await?;
    Ok(())
}

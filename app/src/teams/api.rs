//! Server functions for teams. Anyone signed in reads them; ADMIN creates and deletes them;
//! ADMIN or the team's own OWNER/ADMIN members edit the team and its membership.

use leptos::prelude::*;

use super::{TeamDetail, TeamSummary};
use crate::domain::{TeamId, UserId};
use crate::error::AppError;

/// The caller, allowed to manage `team`: an ADMIN (key scope `admin`), or an OWNER/ADMIN member
/// of the team signed in with a session (or an `admin`-scoped key).
#[cfg(feature = "ssr")]
async fn team_manager(
    team: TeamId,
) -> Result<(crate::auth::caller::Caller, crate::state::AppState), AppError> {
    use crate::domain::Access;
    let state = crate::state::app_state()?;
    let caller =
        crate::auth::caller::identify(&state, &crate::auth::session::request_info()).await?;
    if caller.check(Access::Admin).is_ok() {
        return Ok((caller, state));
    }
    caller.check(Access::OwnAccount)?;
    match super::store::member_role(&state.pool, team, caller.user.id).await? {
        Some(role) if role.manages() => Ok((caller, state)),
        _ => Err(AppError::forbidden(
            "only admins and the team's owners or admins can change it",
        )),
    }
}

#[cfg(feature = "ssr")]
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

/// `POST /api/teams/list` → every team with its member count and lead.
#[server(prefix = "/api", endpoint = "teams/list", input = server_fn::codec::Json)]
pub async fn list_teams() -> Result<Vec<TeamSummary>, AppError> {
    crate::auth::caller::authorize(crate::domain::Access::SignedIn).await?;
    super::store::list(&crate::state::app_state()?.pool).await
}

/// `POST /api/teams/get` with `{"id"}` → the team, its members, and whether the caller may edit it.
#[server(prefix = "/api", endpoint = "teams/get", input = server_fn::codec::Json)]
pub async fn get_team(id: TeamId) -> Result<TeamDetail, AppError> {
    use crate::domain::Access;
    let caller = crate::auth::caller::authorize(Access::SignedIn).await?;
    let state = crate::state::app_state()?;
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

/// `POST /api/teams/create` with `{"name","description"}` (ADMIN) → the new team.
#[server(prefix = "/api", endpoint = "teams/create", input = server_fn::codec::Json)]
pub async fn create_team(name: String, description: String) -> Result<TeamSummary, AppError> {
    let caller = crate::auth::caller::authorize(crate::domain::Access::Admin).await?;
    let state = crate::state::app_state()?;
    let (name, description) = parse_fields(&name, &description)?;
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

/// `POST /api/teams/update` with `{"id","name","description"}` (ADMIN or team OWNER/ADMIN).
#[server(prefix = "/api", endpoint = "teams/update", input = server_fn::codec::Json)]
pub async fn update_team(
    id: TeamId,
    name: String,
    description: String,
) -> Result<TeamSummary, AppError> {
    let (caller, state) = team_manager(id).await?;
    let (name, description) = parse_fields(&name, &description)?;
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

/// `POST /api/teams/delete` with `{"id"}` (ADMIN).
#[server(prefix = "/api", endpoint = "teams/delete", input = server_fn::codec::Json)]
pub async fn delete_team(id: TeamId) -> Result<(), AppError> {
    let caller = crate::auth::caller::authorize(crate::domain::Access::Admin).await?;
    let state = crate::state::app_state()?;
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

/// `POST /api/teams/set-member` with `{"team_id","user_id","role":"MEMBER","is_lead":false}`
/// (ADMIN or team OWNER/ADMIN): adds the user or changes their team role and lead flag.
/// Making someone lead moves the lead flag to them.
#[server(prefix = "/api", endpoint = "teams/set-member", input = server_fn::codec::Json)]
pub async fn set_team_member(
    team_id: TeamId,
    user_id: UserId,
    role: String,
    is_lead: bool,
) -> Result<(), AppError> {
    let (caller, state) = team_manager(team_id).await?;
    let role = super::TeamRole::parse(&role)
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

/// `POST /api/teams/remove-member` with `{"team_id","user_id"}` (ADMIN or team OWNER/ADMIN).
#[server(prefix = "/api", endpoint = "teams/remove-member", input = server_fn::codec::Json)]
pub async fn remove_team_member(team_id: TeamId, user_id: UserId) -> Result<(), AppError> {
    let (caller, state) = team_manager(team_id).await?;
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

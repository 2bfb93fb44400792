//! Server functions for teams: shells over `ops`, which holds the rules (who may read and
//! change a team, validation, auditing).

use leptos::prelude::*;

use super::{TeamDetail, TeamSummary};
use crate::domain::{TeamId, UserId};
use crate::error::AppError;

/// `POST /api/teams/list` → every team with its member count and lead.
#[server(prefix = "/api", endpoint = "teams/list", input = server_fn::codec::Json)]
pub async fn list_teams() -> Result<Vec<TeamSummary>, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::list(&state, &caller).await
}

/// `POST /api/teams/get` with `{"id"}` → the team, its members, and whether the caller may edit it.
#[server(prefix = "/api", endpoint = "teams/get", input = server_fn::codec::Json)]
pub async fn get_team(id: TeamId) -> Result<TeamDetail, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::get(&state, &caller, id).await
}

/// `POST /api/teams/create` with `{"name","description"}` (ADMIN) → the new team.
#[server(prefix = "/api", endpoint = "teams/create", input = server_fn::codec::Json)]
pub async fn create_team(name: String, description: String) -> Result<TeamSummary, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::create(&state, &caller, &name, &description).await
}

/// `POST /api/teams/update` with `{"id","name","description"}` (ADMIN or team OWNER/ADMIN).
#[server(prefix = "/api", endpoint = "teams/update", input = server_fn::codec::Json)]
pub async fn update_team(
    id: TeamId,
    name: String,
    description: String,
) -> Result<TeamSummary, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::update(&state, &caller, id, &name, &description).await
}

/// `POST /api/teams/delete` with `{"id"}` (ADMIN).
#[server(prefix = "/api", endpoint = "teams/delete", input = server_fn::codec::Json)]
pub async fn delete_team(id: TeamId) -> Result<(), AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::delete(&state, &caller, id).await
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
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::set_member(&state, &caller, team_id, user_id, &role, is_lead).await
}

/// `POST /api/teams/remove-member` with `{"team_id","user_id"}` (ADMIN or team OWNER/ADMIN).
#[server(prefix = "/api", endpoint = "teams/remove-member", input = server_fn::codec::Json)]
pub async fn remove_team_member(team_id: TeamId, user_id: UserId) -> Result<(), AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::remove_member(&state, &caller, team_id, user_id).await
}

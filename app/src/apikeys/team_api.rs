//! Server functions for a team's API keys: shells over `ops`, which holds the rules (ADMIN or
//! the team's OWNER/ADMIN members change them, any member reads them; a session, or a key
//! with the `admin` scope).

use leptos::prelude::*;

use super::{ApiKeySummary, CreatedApiKey};
use crate::domain::{ApiKeyId, TeamId};
use crate::error::AppError;

/// `POST /api/apikeys/team/list` with `{"team_id"}` → the team's keys, newest first, with who
/// made each (never their secrets).
#[server(prefix = "/api", endpoint = "apikeys/team/list", input = server_fn::codec::Json)]
pub async fn list_team_api_keys(team_id: TeamId) -> Result<Vec<ApiKeySummary>, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::team_list(&state, &caller, team_id).await
}

/// `POST /api/apikeys/team/create` with
/// `{"team_id","name","scopes":["events:write"],"expires_in_days":365}` → a key acting as the
/// team's service account (a RESPONDER; never the `admin` scope, nor a scope the creator's
/// role lacks), with its secret, shown once. It keeps working when its creator leaves.
#[server(prefix = "/api", endpoint = "apikeys/team/create", input = server_fn::codec::Json)]
pub async fn create_team_api_key(
    team_id: TeamId,
    name: String,
    scopes: Vec<String>,
    expires_in_days: Option<i64>,
) -> Result<CreatedApiKey, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    let req = super::ops::KeyRequest {
        name: &name,
        scopes: &scopes,
        expires_in_days,
    };
    super::ops::team_create(&state, &caller, team_id, req).await
}

/// `POST /api/apikeys/team/revoke` with `{"team_id","id"}`: the key stops working at once.
/// 404 when the team has no such live key.
#[server(prefix = "/api", endpoint = "apikeys/team/revoke", input = server_fn::codec::Json)]
pub async fn revoke_team_api_key(team_id: TeamId, id: ApiKeyId) -> Result<(), AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::team_revoke(&state, &caller, team_id, id).await
}

//! Server functions for the access settings: shells over `ops` (ADMIN; keys need `admin`;
//! changes are audited).

use leptos::prelude::*;

use super::AccessSettings;
use crate::error::AppError;

/// `POST /api/settings/access` → `{"outsiders_see_team_objects","schedules_admin_only"}`.
#[server(prefix = "/api", endpoint = "settings/access", input = server_fn::codec::Json)]
pub async fn get_access_settings() -> Result<AccessSettings, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::get(&state, &caller).await
}

/// `POST /api/settings/access/save` with `{"outsiders_see_team_objects":true,
/// "schedules_admin_only":false}` → the settings in force.
#[server(prefix = "/api", endpoint = "settings/access/save", input = server_fn::codec::Json)]
pub async fn save_access_settings(
    outsiders_see_team_objects: bool,
    schedules_admin_only: bool,
) -> Result<AccessSettings, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    let settings = AccessSettings {
        outsiders_see_team_objects,
        schedules_admin_only,
    };
    super::ops::save(&state, &caller, settings).await
}

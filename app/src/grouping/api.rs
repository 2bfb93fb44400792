//! Server functions for a service's noise settings: shells over `ops`.

use leptos::prelude::*;

use super::NoiseSettings;
use crate::domain::ServiceId;
use crate::error::AppError;

/// `POST /api/services/noise` with `{"service_id"}` → its grouping and flap-guard settings.
#[server(prefix = "/api", endpoint = "services/noise", input = server_fn::codec::Json)]
pub async fn get_noise(service_id: ServiceId) -> Result<NoiseSettings, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::get(&state, &caller, service_id).await
}

/// `POST /api/services/noise/save` with `{"service_id", "settings": {"group_template",
/// "group_window_minutes", "flap_count", "flap_window_minutes"}}` (null turns a part off) →
/// the settings as saved.
#[server(prefix = "/api", endpoint = "services/noise/save", input = server_fn::codec::Json)]
pub async fn save_noise(
    service_id: ServiceId,
    settings: NoiseSettings,
) -> Result<NoiseSettings, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::save(&state, &caller, service_id, &settings).await
}

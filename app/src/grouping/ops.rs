//! Noise-setting operations, once: reading (sight of the service) and saving (whoever may
//! change the service: a RESPONDER, or for a team's service its OWNER/ADMIN members and
//! ADMINs), checked per field, with an audit entry.

use super::NoiseSettings;
use crate::auth::caller::Caller;
use crate::domain::{Access, Area, ServiceId};
use crate::error::AppError;
use crate::state::AppState;
use crate::teams::perm::{self, Edit, Object};

/// The service's grouping and flap-guard settings.
pub async fn get(
    state: &AppState,
    caller: &Caller,
    service: ServiceId,
) -> Result<NoiseSettings, AppError> {
    caller.check(Access::Read(Area::Services))?;
    let s = crate::services::store::get(&state.pool, service).await?;
    perm::sight(&state.pool, caller)
        .await?
        .require(s.team_id, "service")?;
    super::store::get(&state.pool, service).await
}

/// Replaces the service's settings → as saved.
pub async fn save(
    state: &AppState,
    caller: &Caller,
    service: ServiceId,
    input: &NoiseSettings,
) -> Result<NoiseSettings, AppError> {
    caller.check(Access::Write(Area::Services))?;
    let checked = input.checked()?;
    let mut tx = perm::begin(
        state,
        caller,
        Edit::change(Object::Service(service), "noise.save"),
    )
    .await?;
    let now = state.clock.now();
    super::store::save(&mut tx, service, &checked, now).await?;
    let name = crate::services::store::get(&mut *tx, service).await?.name;
    caller
        .audit(
            &mut *tx,
            now,
            "service.noise_saved",
            &name,
            serde_json::json!({"service_id": service, "settings": checked}),
        )
        .await?;
    tx.commit().await?;
    Ok(checked)
}

//! The access settings' operations: read and save (ADMIN; keys need `admin`). A save is
//! audited with the settings before and after.

use super::AccessSettings;
use crate::auth::caller::Caller;
use crate::domain::Access;
use crate::error::AppError;
use crate::state::AppState;

/// The settings in force.
pub async fn get(state: &AppState, caller: &Caller) -> Result<AccessSettings, AppError> {
    caller.check(Access::Admin)?;
    super::store::load(&state.pool).await
}

/// Saves the settings → the settings in force.
pub async fn save(
    state: &AppState,
    caller: &Caller,
    settings: AccessSettings,
) -> Result<AccessSettings, AppError> {
    caller.check(Access::Admin)?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    // The row is read under the lock `put` takes, so the audited "before" is what was replaced.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('settings.access'))")
        .execute(&mut *tx)
        .await?;
    let before = super::store::load(&mut *tx).await?;
    super::store::save(&mut *tx, settings, caller.user.id, now).await?;
    caller
        .audit(
            &mut *tx,
            now,
            "settings.access_save",
            super::store::KEY,
            serde_json::json!({"before": before, "after": settings}),
        )
        .await?;
    tx.commit().await?;
    Ok(settings)
}

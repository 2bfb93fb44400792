//! SLA operations, once: reading a service's targets (sight of the service) and replacing
//! them (whoever may change the service), checked per field, with an audit entry, scheduling
//! the warnings the new targets call for.

use super::SlaTarget;
use crate::auth::caller::Caller;
use crate::domain::{Access, Area, ServiceId};
use crate::error::AppError;
use crate::state::AppState;
use crate::teams::perm::{self, Edit, Object};

/// The service's targets.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    service: ServiceId,
) -> Result<Vec<SlaTarget>, AppError> {
    caller.check(Access::Read(Area::Services))?;
    let s = crate::services::store::get(&state.pool, service).await?;
    perm::sight(&state.pool, caller)
        .await?
        .require(s.team_id, "service")?;
    super::store::list(&state.pool, service).await
}

/// Replaces the service's targets → as saved. They apply to every incident for the breach
/// badge and compliance; the service's OPEN, unacknowledged, not yet warned incidents get
/// their warning job now (in this transaction) when a target with a warning applies.
pub async fn save(
    state: &AppState,
    caller: &Caller,
    service: ServiceId,
    targets: &[SlaTarget],
) -> Result<Vec<SlaTarget>, AppError> {
    caller.check(Access::Write(Area::Services))?;
    let checked = super::checked_all(targets)?;
    let mut tx = perm::begin(
        state,
        caller,
        Edit::change(Object::Service(service), "sla.save"),
    )
    .await?;
    let now = state.clock.now();
    super::store::replace(&mut tx, service, &checked, now).await?;
    // Open incidents that now have a warning and no job for it get one (never a second).
    let scheduled = super::warning::schedule(&mut tx, &[], &[service], now).await?;
    let name = crate::services::store::get(&mut *tx, service).await?.name;
    caller
        .audit(
            &mut *tx,
            now,
            "service.sla_saved",
            &name,
            serde_json::json!({"service_id": service, "targets": checked, "warnings_scheduled": scheduled}),
        )
        .await?;
    tx.commit().await?;
    super::store::list(&state.pool, service).await
}

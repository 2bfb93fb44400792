//! Server functions for SLA targets: shells over `ops`.

use leptos::prelude::*;

use super::SlaTarget;
use crate::domain::ServiceId;
use crate::error::AppError;

/// `POST /api/services/sla` with `{"service_id"}` → the service's SLA targets.
#[server(prefix = "/api", endpoint = "services/sla", input = server_fn::codec::Json)]
pub async fn get_sla(service_id: ServiceId) -> Result<Vec<SlaTarget>, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::list(&state, &caller, service_id).await
}

/// `POST /api/services/sla/save` with `{"service_id", "targets": [{"urgency", "priority",
/// "ack_minutes", "resolve_minutes", "warn_minutes"}]}` (the whole list) → the targets saved.
#[server(prefix = "/api", endpoint = "services/sla/save", input = server_fn::codec::Json)]
pub async fn save_sla(
    service_id: ServiceId,
    targets: Vec<SlaTarget>,
) -> Result<Vec<SlaTarget>, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::save(&state, &caller, service_id, &targets).await
}

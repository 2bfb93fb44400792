//! Server functions for maintenance windows: shells over `ops`.

use leptos::prelude::*;

use super::{NewWindow, WindowView};
use crate::domain::{MaintenanceId, ServiceId};
use crate::error::AppError;

/// `POST /api/maintenance/list` with `{"service_id": null | id}` → windows not over more than
/// a week ago, with their state now.
#[server(prefix = "/api", endpoint = "maintenance/list", input = server_fn::codec::Json)]
pub async fn list_maintenance(service_id: Option<ServiceId>) -> Result<Vec<WindowView>, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::list(&state, &caller, service_id).await
}

/// `POST /api/maintenance/create` with `{"window": {"name", "service_ids", "kind": "ONCE" |
/// "WEEKLY", "zone", "starts_at", "ends_at", "days", "from", "to"}}` → the window.
#[server(prefix = "/api", endpoint = "maintenance/create", input = server_fn::codec::Json)]
pub async fn create_maintenance(window: NewWindow) -> Result<WindowView, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::create(&state, &caller, &window).await
}

/// `POST /api/maintenance/cancel` with `{"id"}` → the window, cancelled; what it held pages.
#[server(prefix = "/api", endpoint = "maintenance/cancel", input = server_fn::codec::Json)]
pub async fn cancel_maintenance(id: MaintenanceId) -> Result<WindowView, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::cancel(&state, &caller, id).await
}

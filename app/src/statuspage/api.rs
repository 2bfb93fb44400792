//! Server functions for the status page's admin screen (ADMIN only): shells over `ops`.
//! The public page, JSON and subscriptions are plain HTTP routes (`server::http::status`).

use leptos::prelude::*;

use super::{AdminOverview, ComponentInput, NewIncident};
use crate::domain::{StatusComponentId, StatusIncidentId};
use crate::error::AppError;

/// `POST /api/status/overview` with `{}` → settings, components (with their service and
/// status now), the 50 latest hand-written incidents, subscriber counts.
#[server(prefix = "/api", endpoint = "status/overview", input = server_fn::codec::Json)]
pub async fn status_overview() -> Result<AdminOverview, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::overview(&state, &caller).await
}

/// `POST /api/status/settings` with `{"page_name", "show_maintenance"}`.
#[server(prefix = "/api", endpoint = "status/settings", input = server_fn::codec::Json)]
pub async fn save_status_settings(
    page_name: String,
    show_maintenance: bool,
) -> Result<(), AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::save_settings(&state, &caller, &page_name, show_maintenance).await
}

/// `POST /api/status/components/save` with `{"component": {"id"?, "service_id",
/// "display_name", "group_name", "position", "override_status": "" | status}}` → its id.
#[server(prefix = "/api", endpoint = "status/components/save", input = server_fn::codec::Json)]
pub async fn save_status_component(
    component: ComponentInput,
) -> Result<StatusComponentId, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::save_component(&state, &caller, &component).await
}

/// `POST /api/status/components/delete` with `{"id"}`.
#[server(prefix = "/api", endpoint = "status/components/delete", input = server_fn::codec::Json)]
pub async fn delete_status_component(id: StatusComponentId) -> Result<(), AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::delete_component(&state, &caller, id).await
}

/// `POST /api/status/incidents/create` with `{"incident": {"name", "impact", "status",
/// "body", "component_ids"}}` → its id. Confirmed subscribers are emailed.
#[server(prefix = "/api", endpoint = "status/incidents/create", input = server_fn::codec::Json)]
pub async fn create_status_incident(incident: NewIncident) -> Result<StatusIncidentId, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::create_incident(&state, &caller, &incident).await
}

/// `POST /api/status/incidents/update` with `{"id", "status", "body"}`: a new update; the
/// incident takes its status. Confirmed subscribers are emailed.
#[server(prefix = "/api", endpoint = "status/incidents/update", input = server_fn::codec::Json)]
pub async fn update_status_incident(
    id: StatusIncidentId,
    status: String,
    body: String,
) -> Result<(), AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::add_update(&state, &caller, id, &status, &body).await
}

//! Server functions for postmortems: shells over `ops`.

use leptos::prelude::*;

use super::{ActionInput, PostmortemEdit, PostmortemList, PostmortemView};
use crate::domain::{ActionItemId, IncidentId, PostmortemId};
use crate::error::AppError;

/// `POST /api/postmortems/list` with `{"status": null | "DRAFT" | "IN_REVIEW" | "PUBLISHED"}`
/// → the postmortems and the overdue action items by team.
#[server(prefix = "/api", endpoint = "postmortems/list", input = server_fn::codec::Json)]
pub async fn list_postmortems(status: Option<String>) -> Result<PostmortemList, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::list(&state, &caller, status).await
}

/// `POST /api/postmortems/get` with `{"id"}` → the postmortem, its sections as sanitized HTML.
#[server(prefix = "/api", endpoint = "postmortems/get", input = server_fn::codec::Json)]
pub async fn get_postmortem(id: PostmortemId) -> Result<PostmortemView, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::get(&state, &caller, id).await
}

/// `POST /api/postmortems/of-incident` with `{"incident_id"}` → the id of its postmortem (or
/// of the incident it was merged into), or null.
#[server(prefix = "/api", endpoint = "postmortems/of-incident", input = server_fn::codec::Json)]
pub async fn postmortem_of_incident(
    incident_id: IncidentId,
) -> Result<Option<PostmortemId>, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::of_incident(&state, &caller, incident_id).await
}

/// `POST /api/postmortems/create` with `{"incident_id"}` → the new DRAFT's id; 409 for an
/// incident not resolved, merged into another, or with a postmortem already.
#[server(prefix = "/api", endpoint = "postmortems/create", input = server_fn::codec::Json)]
pub async fn create_postmortem(incident_id: IncidentId) -> Result<PostmortemId, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::create(&state, &caller, incident_id).await
}

/// `POST /api/postmortems/update` with `{"id", "edit": {"title", "authors", "sections": {…},
/// "timeline": [{"at", "text"}]}}` → the postmortem.
#[server(prefix = "/api", endpoint = "postmortems/update", input = server_fn::codec::Json)]
pub async fn update_postmortem(
    id: PostmortemId,
    edit: PostmortemEdit,
) -> Result<PostmortemView, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::update(&state, &caller, id, &edit).await
}

/// `POST /api/postmortems/status` with `{"id", "status"}` → the postmortem.
#[server(prefix = "/api", endpoint = "postmortems/status", input = server_fn::codec::Json)]
pub async fn set_postmortem_status(
    id: PostmortemId,
    status: String,
) -> Result<PostmortemView, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::set_status(&state, &caller, id, &status).await
}

/// `POST /api/postmortems/actions/save` with `{"id", "action": {"id": null | id, "title",
/// "kind", "owner_user_id", "due_on", "status", "bug"}}` → the postmortem.
#[server(prefix = "/api", endpoint = "postmortems/actions/save", input = server_fn::codec::Json)]
pub async fn save_postmortem_action(
    id: PostmortemId,
    action: ActionInput,
) -> Result<PostmortemView, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::save_action(&state, &caller, id, &action).await
}

/// `POST /api/postmortems/actions/delete` with `{"id", "action_id"}` → the postmortem.
#[server(prefix = "/api", endpoint = "postmortems/actions/delete", input = server_fn::codec::Json)]
pub async fn delete_postmortem_action(
    id: PostmortemId,
    action_id: ActionItemId,
) -> Result<PostmortemView, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::delete_action(&state, &caller, id, action_id).await
}

/// `POST /api/postmortems/preview` with `{"markdown"}` → the sanitized HTML the page shows.
#[server(prefix = "/api", endpoint = "postmortems/preview", input = server_fn::codec::Json)]
pub async fn preview_markdown(markdown: String) -> Result<String, AppError> {
    let (_, caller) = crate::auth::caller::current().await?;
    super::ops::preview(&caller, &markdown)
}

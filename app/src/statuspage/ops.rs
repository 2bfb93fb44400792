//! Every status-page admin operation, once: ADMIN only, per-field checks (400 naming the
//! field), one transaction with its audit row. An incident update queues the subscribers'
//! emails in the same transaction.

use super::{
    AdminComponent, AdminOverview, ComponentInput, ComponentStatus, Impact, IncidentStatus,
    NewIncident,
};
use crate::auth::caller::Caller;
use crate::domain::{Access, StatusComponentId, StatusIncidentId};
use crate::error::AppError;
use crate::state::AppState;

/// Everything the admin screen shows.
pub async fn overview(state: &AppState, caller: &Caller) -> Result<AdminOverview, AppError> {
    caller.check(Access::Admin)?;
    let now = state.clock.now();
    let settings = super::store::settings(&state.pool).await?;
    let components = super::store::components(&state.pool, now).await?;
    let names: std::collections::HashMap<_, _> = crate::services::store::list(&state.pool)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let incidents = super::store::incidents(&state.pool, false, 50).await?;
    let (confirmed, pending) = super::store::subscriber_counts(&state.pool).await?;
    Ok(AdminOverview {
        page_name: settings.page_name,
        show_maintenance: settings.show_maintenance,
        components: components
            .into_iter()
            .map(|c| AdminComponent {
                id: c.id,
                service_id: c.service_id,
                service_name: names.get(&c.service_id).cloned().unwrap_or_default(),
                display_name: c.display_name,
                group_name: c.group_name,
                position: c.position,
                override_status: c.override_status,
                status: c.status,
            })
            .collect(),
        incidents,
        confirmed_subscribers: confirmed,
        pending_subscribers: pending,
    })
}

pub async fn save_settings(
    state: &AppState,
    caller: &Caller,
    page_name: &str,
    show_maintenance: bool,
) -> Result<(), AppError> {
    caller.check(Access::Admin)?;
    let name = crate::domain::parse_name("page_name", page_name, 100)?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    super::admin_store::save_settings(&mut tx, &name, show_maintenance, now).await?;
    caller
        .audit(
            &mut *tx,
            now,
            "status.settings",
            &name,
            serde_json::json!({"show_maintenance": show_maintenance}),
        )
        .await?;
    tx.commit().await?;
    Ok(())
}

fn override_status(raw: &str) -> Result<Option<ComponentStatus>, AppError> {
    match raw.trim() {
        "" => Ok(None),
        s => ComponentStatus::parse(s).map(Some).ok_or_else(|| {
            AppError::invalid(
                "override_status",
                "must be empty or one of operational, under_maintenance, degraded_performance, partial_outage, major_outage",
            )
        }),
    }
}

/// Creates or changes a component → its id.
pub async fn save_component(
    state: &AppState,
    caller: &Caller,
    input: &ComponentInput,
) -> Result<StatusComponentId, AppError> {
    caller.check(Access::Admin)?;
    let display_name = crate::domain::parse_name("display_name", &input.display_name, 100)?;
    let group_name = input.group_name.trim();
    if group_name.chars().count() > 100 {
        return Err(AppError::invalid(
            "group_name",
            "must be at most 100 characters",
        ));
    }
    if !(-10_000..=10_000).contains(&input.position) {
        return Err(AppError::invalid(
            "position",
            "must be between -10000 and 10000",
        ));
    }
    let over = override_status(&input.override_status)?;
    // The service must exist (a 400 naming the field, not a foreign-key error).
    crate::services::store::get(&state.pool, input.service_id)
        .await
        .map_err(|e| match e {
            AppError::NotFound { .. } => AppError::invalid("service_id", "is not a service"),
            other => other,
        })?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let id = super::admin_store::save_component(
        &mut tx,
        input.id,
        input.service_id,
        &display_name,
        group_name,
        input.position,
        over,
        now,
    )
    .await?;
    caller
        .audit(
            &mut *tx,
            now,
            if input.id.is_some() {
                "status.component.update"
            } else {
                "status.component.create"
            },
            &display_name,
            serde_json::json!({"component_id": id, "service_id": input.service_id,
                "group_name": group_name, "position": input.position,
                "override_status": over.map(ComponentStatus::as_str)}),
        )
        .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn delete_component(
    state: &AppState,
    caller: &Caller,
    id: StatusComponentId,
) -> Result<(), AppError> {
    caller.check(Access::Admin)?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let name = super::admin_store::delete_component(&mut tx, id).await?;
    caller
        .audit(
            &mut *tx,
            now,
            "status.component.delete",
            &name,
            serde_json::json!({"component_id": id}),
        )
        .await?;
    tx.commit().await?;
    Ok(())
}

fn status(raw: &str) -> Result<IncidentStatus, AppError> {
    IncidentStatus::parse(raw.trim()).ok_or_else(|| {
        AppError::invalid(
            "status",
            "must be investigating, identified, monitoring or resolved",
        )
    })
}

fn body(raw: &str) -> Result<String, AppError> {
    let body = raw.trim();
    if body.is_empty() {
        return Err(AppError::invalid("body", "is required"));
    }
    if body.chars().count() > 5000 {
        return Err(AppError::invalid("body", "must be at most 5000 characters"));
    }
    Ok(body.to_owned())
}

/// Publishes a hand-written incident with its first update; subscribers are emailed.
pub async fn create_incident(
    state: &AppState,
    caller: &Caller,
    input: &NewIncident,
) -> Result<StatusIncidentId, AppError> {
    caller.check(Access::Admin)?;
    let name = crate::domain::parse_name("name", &input.name, 200)?;
    let impact = Impact::parse(input.impact.trim())
        .ok_or_else(|| AppError::invalid("impact", "must be none, minor, major or critical"))?;
    let st = status(&input.status)?;
    let text = body(&input.body)?;
    let mut components = input.component_ids.clone();
    components.sort_unstable();
    components.dedup();
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let (id, update) =
        super::admin_store::create_incident(&mut tx, &name, impact, st, &text, &components, now)
            .await?;
    let mailed = super::admin_store::fan_out_update(&mut tx, update, now).await?;
    caller
        .audit(
            &mut *tx,
            now,
            "status.incident.create",
            &name,
            serde_json::json!({"status_incident_id": id, "impact": impact.as_str(),
                "status": st.as_str(), "component_ids": components, "emails": mailed}),
        )
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// Posts an update to a hand-written incident (its status becomes the update's); subscribers
/// are emailed.
pub async fn add_update(
    state: &AppState,
    caller: &Caller,
    id: StatusIncidentId,
    raw_status: &str,
    raw_body: &str,
) -> Result<(), AppError> {
    caller.check(Access::Admin)?;
    let st = status(raw_status)?;
    let text = body(raw_body)?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let (name, update) = super::admin_store::add_update(&mut tx, id, st, &text, now).await?;
    let mailed = super::admin_store::fan_out_update(&mut tx, update, now).await?;
    caller
        .audit(
            &mut *tx,
            now,
            "status.incident.update",
            &name,
            serde_json::json!({"status_incident_id": id, "status": st.as_str(), "emails": mailed}),
        )
        .await?;
    tx.commit().await?;
    Ok(())
}

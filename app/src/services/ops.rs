//! Every service and integration operation, once: the caller's check, validation and the
//! change. Reading needs any role (keys: `services:read`); changing needs RESPONDER (keys:
//! `services:write`) and, for a team's service, the team rule (`teams::perm`), which may also
//! hide it. Changes are audited in their own transaction.

use super::{Integration, IntegrationWithKey, Service, ServiceDetail};
use crate::auth::caller::Caller;
use crate::domain::{Access, Area, IntegrationId, PolicyId, ServiceId, TeamId};
use crate::error::AppError;
use crate::state::AppState;
use crate::teams::perm::{self, Edit, Kind, Object};

/// A service's editable fields, as given (validated by `create` and `update`).
#[derive(Debug, Clone, Copy)]
pub struct ServiceInput<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub team_id: Option<TeamId>,
    pub urgency_rule: &'a str,
    pub ack_timeout_secs: Option<i32>,
    pub escalation_policy_id: Option<PolicyId>,
}

fn parse_fields(input: ServiceInput<'_>) -> Result<super::store::ServiceFields, AppError> {
    let name = crate::domain::parse_name("name", input.name, super::NAME_MAX)?;
    if input.description.chars().count() > super::DESCRIPTION_MAX {
        return Err(AppError::invalid(
            "description",
            format!("must be at most {} characters", super::DESCRIPTION_MAX),
        ));
    }
    let urgency_rule = super::UrgencyRule::parse(input.urgency_rule).ok_or_else(|| {
        AppError::invalid("urgency_rule", "must be SEVERITY, HIGH, MEDIUM or LOW")
    })?;
    if let Some(t) = input.ack_timeout_secs
        && !(60..=86_400).contains(&t)
    {
        return Err(AppError::invalid(
            "ack_timeout_secs",
            "must be between 60 and 86400 seconds, or empty",
        ));
    }
    Ok(super::store::ServiceFields {
        name,
        description: input.description.trim().to_owned(),
        team_id: input.team_id,
        urgency_rule,
        ack_timeout_secs: input.ack_timeout_secs,
        escalation_policy_id: input.escalation_policy_id,
    })
}

fn parse_rate(rate_limit_per_min: Option<i32>) -> Result<i32, AppError> {
    match rate_limit_per_min {
        None => Ok(120),
        Some(r) if (1..=10_000_000).contains(&r) => Ok(r),
        Some(_) => Err(AppError::invalid(
            "rate_limit_per_min",
            "must be between 1 and 10000000 events per minute",
        )),
    }
}

/// Every service with its team and open incident count.
pub async fn list(state: &AppState, caller: &Caller) -> Result<Vec<Service>, AppError> {
    caller.check(Access::Read(Area::Services))?;
    let sight = perm::sight(&state.pool, caller).await?;
    let mut services = super::store::list(&state.pool).await?;
    services.retain(|s| sight.sees(s.team_id));
    Ok(services)
}

/// The service, unless the access settings hide it from the caller (404 then).
async fn visible(state: &AppState, caller: &Caller, id: ServiceId) -> Result<Service, AppError> {
    let service = super::store::get(&state.pool, id).await?;
    perm::sight(&state.pool, caller)
        .await?
        .require(service.team_id, "service")?;
    Ok(service)
}

/// The service and its integrations (keys never shown).
pub async fn get(
    state: &AppState,
    caller: &Caller,
    id: ServiceId,
) -> Result<ServiceDetail, AppError> {
    caller.check(Access::Read(Area::Services))?;
    Ok(ServiceDetail {
        service: visible(state, caller, id).await?,
        integrations: super::store::integrations(&state.pool, id).await?,
    })
}

/// Creates a service → the service.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    input: ServiceInput<'_>,
) -> Result<Service, AppError> {
    save(state, caller, None, input).await
}

/// Updates the service → the service.
pub async fn update(
    state: &AppState,
    caller: &Caller,
    id: ServiceId,
    input: ServiceInput<'_>,
) -> Result<Service, AppError> {
    save(state, caller, Some(id), input).await
}

/// Creates (`id` None) or updates a service: check, validate, write, audit, one transaction.
async fn save(
    state: &AppState,
    caller: &Caller,
    id: Option<ServiceId>,
    input: ServiceInput<'_>,
) -> Result<Service, AppError> {
    caller.check(Access::Write(Area::Services))?;
    let edit = match id {
        None => Edit::create(Kind::Service, input.name, input.team_id, "service.create"),
        Some(id) => Edit::change(Object::Service(id), "service.update").owned_by(input.team_id),
    };
    let mut tx = perm::begin(state, caller, edit).await?;
    let fields = parse_fields(input)?;
    let now = state.clock.now();
    let (id, action) = match id {
        None => (
            super::store::create(&mut *tx, &fields, now).await?,
            "service.create",
        ),
        Some(id) => {
            super::store::update(&mut *tx, id, &fields, now).await?;
            (id, "service.update")
        }
    };
    caller
        .audit(
            &mut *tx,
            now,
            action,
            &fields.name,
            serde_json::json!({"service_id": id}),
        )
        .await?;
    let service = super::store::get(&mut *tx, id).await?;
    tx.commit().await?;
    // The urgency rule is part of a cached route.
    super::store::forget_routes();
    Ok(service)
}

/// Adds an integration of `kind` to the service → it and its routing key, shown once.
pub async fn create_integration(
    state: &AppState,
    caller: &Caller,
    service_id: ServiceId,
    kind: &str,
    name: &str,
    rate_limit_per_min: Option<i32>,
) -> Result<IntegrationWithKey, AppError> {
    caller.check(Access::Write(Area::Services))?;
    let edit = Edit::change(Object::Service(service_id), "integration.create");
    let mut tx = perm::begin(state, caller, edit).await?;
    let kind = super::IntegrationKind::parse(kind).ok_or_else(|| {
        AppError::invalid(
            "kind",
            "must be events_v2, prometheus, grafana, datadog, cloudwatch or webhook",
        )
    })?;
    let name = crate::domain::parse_name("name", name, super::NAME_MAX)?;
    let rate = parse_rate(rate_limit_per_min)?;
    let now = state.clock.now();
    let service = super::store::get(&mut *tx, service_id).await?;
    let created =
        super::store::create_integration(&mut *tx, service_id, kind, &name, rate, now).await?;
    caller
        .audit(
            &mut *tx,
            now,
            "integration.create",
            &service.name,
            serde_json::json!({"integration_id": created.integration.id, "kind": kind, "name": name}),
        )
        .await?;
    tx.commit().await?;
    Ok(created)
}

/// A new routing key for the integration; the old one stops working.
pub async fn rotate_integration(
    state: &AppState,
    caller: &Caller,
    id: IntegrationId,
) -> Result<IntegrationWithKey, AppError> {
    caller.check(Access::Write(Area::Services))?;
    let edit = Edit::change(Object::Integration(id), "integration.rotate");
    let mut tx = perm::begin(state, caller, edit).await?;
    let now = state.clock.now();
    let rotated = super::store::rotate_key(&mut *tx, id, now).await?;
    caller
        .audit(
            &mut *tx,
            now,
            "integration.rotate",
            &rotated.integration.name,
            serde_json::json!({"integration_id": id}),
        )
        .await?;
    tx.commit().await?;
    super::store::forget_routes();
    Ok(rotated)
}

/// Enables or disables the integration and sets its rate limit (`None`: 120 a minute).
pub async fn update_integration(
    state: &AppState,
    caller: &Caller,
    id: IntegrationId,
    enabled: bool,
    rate_limit_per_min: Option<i32>,
) -> Result<Integration, AppError> {
    caller.check(Access::Write(Area::Services))?;
    let edit = Edit::change(Object::Integration(id), "integration.update");
    let mut tx = perm::begin(state, caller, edit).await?;
    let rate = parse_rate(rate_limit_per_min)?;
    let now = state.clock.now();
    let updated = super::store::set_integration(&mut *tx, id, enabled, rate, now).await?;
    caller
        .audit(
            &mut *tx,
            now,
            "integration.update",
            &updated.name,
            serde_json::json!({"integration_id": id, "enabled": enabled, "rate_limit_per_min": rate}),
        )
        .await?;
    tx.commit().await?;
    super::store::forget_routes();
    Ok(updated)
}

/// Deletes the service with its integrations and resolved incidents; 409 while it has
/// unresolved incidents.
pub async fn delete(state: &AppState, caller: &Caller, id: ServiceId) -> Result<(), AppError> {
    caller.check(Access::Write(Area::Services))?;
    let edit = Edit::change(Object::Service(id), "service.delete");
    let mut tx = perm::begin(state, caller, edit).await?;
    let now = state.clock.now();
    let name = super::store::delete(&mut tx, id).await?;
    caller
        .audit(
            &mut *tx,
            now,
            "service.delete",
            &name,
            serde_json::json!({"service_id": id}),
        )
        .await?;
    tx.commit().await?;
    super::store::forget_routes();
    Ok(())
}

/// One integration of the service (its key never shown).
pub async fn get_integration(
    state: &AppState,
    caller: &Caller,
    service_id: ServiceId,
    id: IntegrationId,
) -> Result<Integration, AppError> {
    caller.check(Access::Read(Area::Services))?;
    visible(state, caller, service_id).await?;
    super::store::integration(&state.pool, service_id, id).await
}

/// Deletes one integration of the service; its routing key stops working at once.
pub async fn delete_integration(
    state: &AppState,
    caller: &Caller,
    service_id: ServiceId,
    id: IntegrationId,
) -> Result<(), AppError> {
    caller.check(Access::Write(Area::Services))?;
    let edit = Edit::change(Object::Service(service_id), "integration.delete");
    let mut tx = perm::begin(state, caller, edit).await?;
    let now = state.clock.now();
    let service = super::store::get(&mut *tx, service_id).await?;
    let name = super::store::delete_integration(&mut *tx, service_id, id).await?;
    caller
        .audit(
            &mut *tx,
            now,
            "integration.delete",
            &service.name,
            serde_json::json!({"integration_id": id, "name": name}),
        )
        .await?;
    tx.commit().await?;
    super::store::forget_routes();
    Ok(())
}

//! Server functions for services and integrations. Reading needs any role (keys:
//! `services:read`); changing needs RESPONDER (keys: `services:write`). Changes are audited.

use leptos::prelude::*;

use super::{Integration, IntegrationWithKey, Service, ServiceDetail};
use crate::domain::{IntegrationId, PolicyId, ServiceId, TeamId};
use crate::error::AppError;

#[cfg(feature = "ssr")]
fn parse_fields(
    name: &str,
    description: &str,
    team_id: Option<TeamId>,
    urgency_rule: &str,
    ack_timeout_secs: Option<i32>,
    escalation_policy_id: Option<PolicyId>,
) -> Result<super::store::ServiceFields, AppError> {
    let name = crate::domain::parse_name("name", name, super::NAME_MAX)?;
    if description.chars().count() > super::DESCRIPTION_MAX {
        return Err(AppError::invalid(
            "description",
            format!("must be at most {} characters", super::DESCRIPTION_MAX),
        ));
    }
    let urgency_rule = super::UrgencyRule::parse(urgency_rule).ok_or_else(|| {
        AppError::invalid("urgency_rule", "must be SEVERITY, HIGH, MEDIUM or LOW")
    })?;
    if let Some(t) = ack_timeout_secs
        && !(60..=86_400).contains(&t)
    {
        return Err(AppError::invalid(
            "ack_timeout_secs",
            "must be between 60 and 86400 seconds, or empty",
        ));
    }
    Ok(super::store::ServiceFields {
        name,
        description: description.trim().to_owned(),
        team_id,
        urgency_rule,
        ack_timeout_secs,
        escalation_policy_id,
    })
}

#[cfg(feature = "ssr")]
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

/// Creates (`id` None) or updates a service: authorize, validate, write, audit, one transaction.
#[cfg(feature = "ssr")]
async fn save_service(
    id: Option<ServiceId>,
    name: &str,
    description: &str,
    team_id: Option<TeamId>,
    urgency_rule: &str,
    ack_timeout_secs: Option<i32>,
    escalation_policy_id: Option<PolicyId>,
) -> Result<Service, AppError> {
    use crate::domain::{Access, Area};
    let caller = crate::auth::caller::authorize(Access::Write(Area::Services)).await?;
    let state = crate::state::app_state()?;
    let fields = parse_fields(
        name,
        description,
        team_id,
        urgency_rule,
        ack_timeout_secs,
        escalation_policy_id,
    )?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
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

/// `POST /api/services/list` → every service with its team and open incident count.
#[server(prefix = "/api", endpoint = "services/list", input = server_fn::codec::Json)]
pub async fn list_services() -> Result<Vec<Service>, AppError> {
    use crate::domain::{Access, Area};
    crate::auth::caller::authorize(Access::Read(Area::Services)).await?;
    super::store::list(&crate::state::app_state()?.pool).await
}

/// `POST /api/services/get` with `{"id"}` → the service and its integrations (keys never shown).
#[server(prefix = "/api", endpoint = "services/get", input = server_fn::codec::Json)]
pub async fn get_service(id: ServiceId) -> Result<ServiceDetail, AppError> {
    use crate::domain::{Access, Area};
    crate::auth::caller::authorize(Access::Read(Area::Services)).await?;
    let state = crate::state::app_state()?;
    Ok(ServiceDetail {
        service: super::store::get(&state.pool, id).await?,
        integrations: super::store::integrations(&state.pool, id).await?,
    })
}

/// `POST /api/services/create` with `{"name","description","team_id":null,
/// "urgency_rule":"SEVERITY","ack_timeout_secs":null,"escalation_policy_id":null}` → the service.
#[server(prefix = "/api", endpoint = "services/create", input = server_fn::codec::Json)]
pub async fn create_service(
    name: String,
    description: String,
    team_id: Option<TeamId>,
    urgency_rule: String,
    ack_timeout_secs: Option<i32>,
    #[server(default)] escalation_policy_id: Option<PolicyId>,
) -> Result<Service, AppError> {
    save_service(
        None,
        &name,
        &description,
        team_id,
        &urgency_rule,
        ack_timeout_secs,
        escalation_policy_id,
    )
    .await
}

/// `POST /api/services/update` with `{"id", …the create fields}` → the service.
#[server(prefix = "/api", endpoint = "services/update", input = server_fn::codec::Json)]
pub async fn update_service(
    id: ServiceId,
    name: String,
    description: String,
    team_id: Option<TeamId>,
    urgency_rule: String,
    ack_timeout_secs: Option<i32>,
    #[server(default)] escalation_policy_id: Option<PolicyId>,
) -> Result<Service, AppError> {
    save_service(
        Some(id),
        &name,
        &description,
        team_id,
        &urgency_rule,
        ack_timeout_secs,
        escalation_policy_id,
    )
    .await
}

/// `POST /api/integrations/create` with `{"service_id","kind":"events_v2","name",
/// "rate_limit_per_min":null}` → the integration and its routing key, shown once.
#[server(prefix = "/api", endpoint = "integrations/create", input = server_fn::codec::Json)]
pub async fn create_integration(
    service_id: ServiceId,
    kind: String,
    name: String,
    rate_limit_per_min: Option<i32>,
) -> Result<IntegrationWithKey, AppError> {
    use crate::domain::{Access, Area};
    let caller = crate::auth::caller::authorize(Access::Write(Area::Services)).await?;
    let state = crate::state::app_state()?;
    let kind = super::IntegrationKind::parse(&kind).ok_or_else(|| {
        AppError::invalid(
            "kind",
            "must be events_v2, prometheus, grafana, datadog, cloudwatch or webhook",
        )
    })?;
    let name = crate::domain::parse_name("name", &name, super::NAME_MAX)?;
    let rate = parse_rate(rate_limit_per_min)?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
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

/// `POST /api/integrations/rotate` with `{"id"}` → a new routing key; the old one stops working.
#[server(prefix = "/api", endpoint = "integrations/rotate", input = server_fn::codec::Json)]
pub async fn rotate_integration(id: IntegrationId) -> Result<IntegrationWithKey, AppError> {
    use crate::domain::{Access, Area};
    let caller = crate::auth::caller::authorize(Access::Write(Area::Services)).await?;
    let state = crate::state::app_state()?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
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

/// `POST /api/integrations/update` with `{"id","enabled":false,"rate_limit_per_min":120}`.
/// A disabled integration answers 400 to every event.
#[server(prefix = "/api", endpoint = "integrations/update", input = server_fn::codec::Json)]
pub async fn update_integration(
    id: IntegrationId,
    enabled: bool,
    rate_limit_per_min: Option<i32>,
) -> Result<Integration, AppError> {
    use crate::domain::{Access, Area};
    let caller = crate::auth::caller::authorize(Access::Write(Area::Services)).await?;
    let state = crate::state::app_state()?;
    let rate = parse_rate(rate_limit_per_min)?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
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

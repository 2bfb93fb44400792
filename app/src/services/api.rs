//! Server functions for services and integrations: shells over `ops`, which holds the rules
//! (who may read and change, validation, auditing).

use leptos::prelude::*;

use super::{Integration, IntegrationWithKey, Service, ServiceDetail};
use crate::domain::{IntegrationId, PolicyId, ServiceId, TeamId};
use crate::error::AppError;

/// `POST /api/services/list` → every service with its team and open incident count.
#[server(prefix = "/api", endpoint = "services/list", input = server_fn::codec::Json)]
pub async fn list_services() -> Result<Vec<Service>, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::list(&state, &caller).await
}

/// `POST /api/services/get` with `{"id"}` → the service and its integrations (keys never shown).
#[server(prefix = "/api", endpoint = "services/get", input = server_fn::codec::Json)]
pub async fn get_service(id: ServiceId) -> Result<ServiceDetail, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::get(&state, &caller, id).await
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
    let (state, caller) = crate::auth::caller::current().await?;
    let input = super::ops::ServiceInput {
        name: &name,
        description: &description,
        team_id,
        urgency_rule: &urgency_rule,
        ack_timeout_secs,
        escalation_policy_id,
    };
    super::ops::create(&state, &caller, input).await
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
    let (state, caller) = crate::auth::caller::current().await?;
    let input = super::ops::ServiceInput {
        name: &name,
        description: &description,
        team_id,
        urgency_rule: &urgency_rule,
        ack_timeout_secs,
        escalation_policy_id,
    };
    super::ops::update(&state, &caller, id, input).await
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
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::create_integration(
        &state,
        &caller,
        service_id,
        &kind,
        &name,
        rate_limit_per_min,
    )
    .await
}

/// `POST /api/integrations/rotate` with `{"id"}` → a new routing key; the old one stops working.
#[server(prefix = "/api", endpoint = "integrations/rotate", input = server_fn::codec::Json)]
pub async fn rotate_integration(id: IntegrationId) -> Result<IntegrationWithKey, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::rotate_integration(&state, &caller, id).await
}

/// `POST /api/integrations/update` with `{"id","enabled":false,"rate_limit_per_min":120}`.
/// A disabled integration answers 400 to every event.
#[server(prefix = "/api", endpoint = "integrations/update", input = server_fn::codec::Json)]
pub async fn update_integration(
    id: IntegrationId,
    enabled: bool,
    rate_limit_per_min: Option<i32>,
) -> Result<Integration, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::update_integration(&state, &caller, id, enabled, rate_limit_per_min).await
}

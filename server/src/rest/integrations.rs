//! `/api/v1/services/{id}/integrations`: a service's integrations (routing keys of a kind):
//! list, get, create (the routing key is shown once), PATCH (enabled, rate limit), rotate the
//! key, delete. Shells over `app::services::ops`; reading needs `services:read`, changing
//! `services:write`.

use app::auth::caller::Caller;
use app::domain::{IntegrationId, ServiceId};
use app::services::ops;
use app::state::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::fields::present;
use super::schema::ErrorBody;
use super::wire::{ApiResult, Json, check_if_match, created, etag, id, with_etag};

/// Adds this resource's routes (and their operations in the document).
pub fn register(router: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    router
        .routes(routes!(list, create))
        .routes(routes!(get, patch, delete))
        .routes(routes!(rotate))
}

/// Where a service's alerts come from. The routing key itself is shown only when the
/// integration is created or its key rotated.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Integration {
    pub id: Uuid,
    pub service_id: Uuid,
    /// events_v2, prometheus, grafana, datadog, cloudwatch or webhook.
    pub kind: String,
    pub name: String,
    /// The first characters of the routing key, to recognise it.
    pub key_prefix: String,
    /// A disabled integration refuses every event.
    pub enabled: bool,
    pub rate_limit_per_min: i32,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// The whole routing key: only in the answer that created or rotated it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routing_key: Option<String>,
}

impl From<app::services::Integration> for Integration {
    fn from(i: app::services::Integration) -> Self {
        Integration {
            id: i.id.0,
            service_id: i.service_id.0,
            kind: i.kind.as_str().into(),
            name: i.name,
            key_prefix: i.key_prefix,
            enabled: i.enabled,
            rate_limit_per_min: i.rate_limit_per_min,
            created_at: i.created_at,
            routing_key: None,
        }
    }
}

impl From<app::services::IntegrationWithKey> for Integration {
    fn from(k: app::services::IntegrationWithKey) -> Self {
        Integration {
            routing_key: Some(k.routing_key),
            ..Integration::from(k.integration)
        }
    }
}

/// The integration with its ETag (that of its representation without the key).
fn tagged(integration: Integration) -> Response {
    let tag = etag(&Integration {
        routing_key: None,
        ..integration.clone()
    });
    with_etag(&tag, axum::Json(integration))
}

/// The service and integration ids of a path.
fn ids(raw: &(String, String)) -> ApiResult<(ServiceId, IntegrationId)> {
    Ok((id(&raw.0, "service")?, id(&raw.1, "integration")?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IntegrationList {
    /// Oldest first.
    pub integrations: Vec<Integration>,
}

#[utoipa::path(get, path = "/api/v1/services/{id}/integrations", tag = "services",
    params(("id" = Uuid, Path, description = "The service's id")),
    responses(
        (status = 200, description = "The service's integrations, oldest first", body = IntegrationList),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "No such service", body = ErrorBody),
    ),
    security(("api_key" = ["services:read"]), ("session" = [])))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<IntegrationList>> {
    let detail = ops::get(&state, &caller, id(&raw, "service")?).await?;
    Ok(axum::Json(IntegrationList {
        integrations: detail
            .integrations
            .into_iter()
            .map(Integration::from)
            .collect(),
    }))
}

#[utoipa::path(get, path = "/api/v1/services/{id}/integrations/{integration_id}", tag = "services",
    params(("id" = Uuid, Path, description = "The service's id"),
           ("integration_id" = Uuid, Path)),
    responses(
        (status = 200, description = "The integration; `ETag` is its version", body = Integration),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "No such service or integration", body = ErrorBody),
    ),
    security(("api_key" = ["services:read"]), ("session" = [])))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<(String, String)>,
) -> ApiResult<Response> {
    let (service, integration) = ids(&raw)?;
    let found = ops::get_integration(&state, &caller, service, integration).await?;
    Ok(tagged(Integration::from(found)))
}

/// A new integration.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewIntegration {
    /// events_v2, prometheus, grafana, datadog, cloudwatch or webhook.
    pub kind: String,
    /// 1 to 100 characters.
    pub name: String,
    /// Events a minute, 1 to 10000000; default 120.
    pub rate_limit_per_min: Option<i32>,
}

#[utoipa::path(post, path = "/api/v1/services/{id}/integrations", tag = "services",
    request_body = NewIntegration,
    params(("id" = Uuid, Path, description = "The service's id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Repeats with the same key get the first answer")),
    responses(
        (status = 201, description = "Created; `Location` names it; `routing_key` is shown this once", body = Integration),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "No such service", body = ErrorBody),
        (status = 409, description = "The Idempotency-Key is still being answered", body = ErrorBody),
        (status = 422, description = "A bad field, named in `field`", body = ErrorBody),
    ),
    security(("api_key" = ["services:write"]), ("session" = [])))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    Json(new): Json<NewIntegration>,
) -> ApiResult<Response> {
    let service: ServiceId = id(&raw, "service")?;
    let made = ops::create_integration(
        &state,
        &caller,
        service,
        &new.kind,
        &new.name,
        new.rate_limit_per_min,
    )
    .await?;
    let location = format!(
        "/api/v1/services/{service}/integrations/{}",
        made.integration.id
    );
    Ok(created(&location, tagged(Integration::from(made))))
}

/// The changes to make; absent fields are left alone.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntegrationChange {
    pub enabled: Option<bool>,
    /// Events a minute, 1 to 10000000; null: the default, 120.
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable)]
    pub rate_limit_per_min: Option<Option<i32>>,
}

#[utoipa::path(patch, path = "/api/v1/services/{id}/integrations/{integration_id}", tag = "services",
    request_body = IntegrationChange,
    params(("id" = Uuid, Path, description = "The service's id"), ("integration_id" = Uuid, Path),
           ("If-Match" = Option<String>, Header, description = "The ETag read; a changed integration answers 412")),
    responses(
        (status = 200, description = "The integration after the change", body = Integration),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 412, description = "The integration changed since the `If-Match` version", body = ErrorBody),
        (status = 422, description = "A bad field, named in `field`; nothing changed", body = ErrorBody),
    ),
    security(("api_key" = ["services:write"]), ("session" = [])))]
pub async fn patch(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<(String, String)>,
    headers: HeaderMap,
    Json(change): Json<IntegrationChange>,
) -> ApiResult<Response> {
    let (service, integration) = ids(&raw)?;
    caller.check(app::domain::Access::Write(app::domain::Area::Services))?;
    let before = ops::get_integration(&state, &caller, service, integration).await?;
    check_if_match(&headers, &etag(&Integration::from(before.clone())))?;
    let after = ops::update_integration(
        &state,
        &caller,
        integration,
        change.enabled.unwrap_or(before.enabled),
        change
            .rate_limit_per_min
            .unwrap_or(Some(before.rate_limit_per_min)),
    )
    .await?;
    Ok(tagged(Integration::from(after)))
}

#[utoipa::path(delete, path = "/api/v1/services/{id}/integrations/{integration_id}", tag = "services",
    params(("id" = Uuid, Path, description = "The service's id"), ("integration_id" = Uuid, Path)),
    responses(
        (status = 204, description = "Deleted; its routing key stops working"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    ),
    security(("api_key" = ["services:write"]), ("session" = [])))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let (service, integration) = ids(&raw)?;
    ops::delete_integration(&state, &caller, service, integration).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/services/{id}/integrations/{integration_id}/rotate", tag = "services",
    params(("id" = Uuid, Path, description = "The service's id"), ("integration_id" = Uuid, Path)),
    responses(
        (status = 200, description = "A new routing key, shown this once; the old one stopped working", body = Integration),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "The Idempotency-Key is still being answered", body = ErrorBody),
    ),
    security(("api_key" = ["services:write"]), ("session" = [])))]
pub async fn rotate(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<(String, String)>,
) -> ApiResult<Response> {
    let (service, integration) = ids(&raw)?;
    caller.check(app::domain::Access::Write(app::domain::Area::Services))?;
    ops::get_integration(&state, &caller, service, integration).await?;
    let rotated = ops::rotate_integration(&state, &caller, integration).await?;
    Ok(tagged(Integration::from(rotated)))
}

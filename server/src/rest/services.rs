//! `/api/v1/services`: list, get (with an ETag), create, PATCH (with `If-Match`) and delete;
//! their integrations are in `integrations`. Shells over `app::services::ops`; reading needs
//! `services:read`, changing `services:write`.

use app::auth::caller::Caller;
use app::domain::{PolicyId, ServiceId, TeamId};
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
use super::integrations;
use super::schema::ErrorBody;
use super::wire::{ApiResult, Json, check_if_match, created, etag, id, with_etag};

/// Adds this resource's routes (and their operations in the document).
pub fn register(router: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    let router = router
        .routes(routes!(list, create))
        .routes(routes!(get, patch, delete));
    integrations::register(router)
}

/// A service: what you run and get paged about.
#[derive(Debug, Serialize, ToSchema)]
pub struct Service {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub team_id: Option<Uuid>,
    pub team_name: Option<String>,
    /// How an incident's urgency is set: SEVERITY (from the event), HIGH, MEDIUM or LOW.
    pub urgency_rule: String,
    /// An acknowledged incident re-opens after this many seconds (60 to 86400), or null.
    pub ack_timeout_secs: Option<i32>,
    pub escalation_policy_id: Option<Uuid>,
    pub escalation_policy_name: Option<String>,
    /// Incidents not yet resolved.
    pub open_incidents: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<app::services::Service> for Service {
    fn from(s: app::services::Service) -> Self {
        Service {
            id: s.id.0,
            name: s.name,
            description: s.description,
            team_id: s.team_id.map(|t| t.0),
            team_name: s.team_name,
            urgency_rule: s.urgency_rule.as_str().into(),
            ack_timeout_secs: s.ack_timeout_secs,
            escalation_policy_id: s.escalation_policy_id.map(|p| p.0),
            escalation_policy_name: s.escalation_policy_name,
            open_incidents: s.open_incidents,
            created_at: s.created_at,
        }
    }
}

/// The service with its ETag.
fn tagged(service: Service) -> Response {
    with_etag(&etag(&service), axum::Json(service))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceList {
    /// Every service, by name.
    pub services: Vec<Service>,
}

#[utoipa::path(get, path = "/api/v1/services", tag = "services",
    responses(
        (status = 200, description = "Every service, by name", body = ServiceList),
        (status = 401, description = "No or a bad credential", body = ErrorBody),
        (status = 403, description = "The role or the key's scopes do not allow it", body = ErrorBody),
    ),
    security(("api_key" = ["services:read"]), ("session" = [])))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<axum::Json<ServiceList>> {
    let services = ops::list(&state, &caller).await?;
    Ok(axum::Json(ServiceList {
        services: services.into_iter().map(Service::from).collect(),
    }))
}

#[utoipa::path(get, path = "/api/v1/services/{id}", tag = "services",
    params(("id" = Uuid, Path, description = "The service's id")),
    responses(
        (status = 200, description = "The service; `ETag` is its version", body = Service),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "No such service", body = ErrorBody),
    ),
    security(("api_key" = ["services:read"]), ("session" = [])))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> ApiResult<Response> {
    let detail = ops::get(&state, &caller, id(&raw, "service")?).await?;
    Ok(tagged(Service::from(detail.service)))
}

/// A new service.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewService {
    /// 1 to 100 characters, unique.
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub team_id: Option<Uuid>,
    /// SEVERITY (default), HIGH, MEDIUM or LOW.
    pub urgency_rule: Option<String>,
    /// 60 to 86400, or null for none.
    pub ack_timeout_secs: Option<i32>,
    pub escalation_policy_id: Option<Uuid>,
}

#[utoipa::path(post, path = "/api/v1/services", tag = "services", request_body = NewService,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeats with the same key get the first answer")),
    responses(
        (status = 201, description = "Created; `Location` names it", body = Service),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "The Idempotency-Key is still being answered", body = ErrorBody),
        (status = 422, description = "A bad field (a taken name, an unknown team or policy), named in `field`", body = ErrorBody),
    ),
    security(("api_key" = ["services:write"]), ("session" = [])))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(new): Json<NewService>,
) -> ApiResult<Response> {
    let service = ops::create(
        &state,
        &caller,
        ops::ServiceInput {
            name: &new.name,
            description: &new.description,
            team_id: new.team_id.map(TeamId),
            urgency_rule: new.urgency_rule.as_deref().unwrap_or("SEVERITY"),
            ack_timeout_secs: new.ack_timeout_secs,
            escalation_policy_id: new.escalation_policy_id.map(PolicyId),
        },
    )
    .await?;
    Ok(created(
        &format!("/api/v1/services/{}", service.id),
        tagged(Service::from(service)),
    ))
}

/// The changes to make; absent fields are left alone.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceChange {
    pub name: Option<String>,
    pub description: Option<String>,
    /// Null: no team.
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable)]
    pub team_id: Option<Option<Uuid>>,
    /// SEVERITY, HIGH, MEDIUM or LOW.
    pub urgency_rule: Option<String>,
    /// 60 to 86400; null: none.
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable)]
    pub ack_timeout_secs: Option<Option<i32>>,
    /// Null: no escalation policy (nobody is paged).
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable)]
    pub escalation_policy_id: Option<Option<Uuid>>,
}

#[utoipa::path(patch, path = "/api/v1/services/{id}", tag = "services", request_body = ServiceChange,
    params(("id" = Uuid, Path, description = "The service's id"),
           ("If-Match" = Option<String>, Header, description = "The ETag read; a changed service answers 412")),
    responses(
        (status = 200, description = "The service after the change", body = Service),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 412, description = "The service changed since the `If-Match` version", body = ErrorBody),
        (status = 422, description = "A bad field, named in `field`; nothing changed", body = ErrorBody),
    ),
    security(("api_key" = ["services:write"]), ("session" = [])))]
pub async fn patch(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    headers: HeaderMap,
    Json(change): Json<ServiceChange>,
) -> ApiResult<Response> {
    let service_id: ServiceId = id(&raw, "service")?;
    caller.check(app::domain::Access::Write(app::domain::Area::Services))?;
    let before = ops::get(&state, &caller, service_id).await?.service;
    let before_dto = Service::from(before.clone());
    check_if_match(&headers, &etag(&before_dto))?;
    // One update with every field merged: the op checks them all before it writes.
    let team_id = change.team_id.map_or(before.team_id, |t| t.map(TeamId));
    let policy_id = change
        .escalation_policy_id
        .map_or(before.escalation_policy_id, |p| p.map(PolicyId));
    let after = ops::update(
        &state,
        &caller,
        service_id,
        ops::ServiceInput {
            name: change.name.as_deref().unwrap_or(&before.name),
            description: change.description.as_deref().unwrap_or(&before.description),
            team_id,
            urgency_rule: change
                .urgency_rule
                .as_deref()
                .unwrap_or(before_dto.urgency_rule.as_str()),
            ack_timeout_secs: change.ack_timeout_secs.unwrap_or(before.ack_timeout_secs),
            escalation_policy_id: policy_id,
        },
    )
    .await?;
    Ok(tagged(Service::from(after)))
}

#[utoipa::path(delete, path = "/api/v1/services/{id}", tag = "services",
    params(("id" = Uuid, Path, description = "The service's id")),
    responses(
        (status = 204, description = "Deleted, with its integrations and resolved incidents"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "The service has unresolved incidents", body = ErrorBody),
    ),
    security(("api_key" = ["services:write"]), ("session" = [])))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> ApiResult<StatusCode> {
    ops::delete(&state, &caller, id(&raw, "service")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

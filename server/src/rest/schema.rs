//! What every REST operation shares in the OpenAPI document: the error body, the two ways to
//! authenticate (an API key with scopes, or a session cookie), and the document's header.

use serde::Serialize;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

/// Every error: `error` is the kind; `field` names the bad input for `invalid` (a JSON path
/// such as `steps[2].delay`, a query parameter or a header) and for credential errors.
/// Internal errors say only that they were logged, with the request id.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// invalid, unauthenticated, forbidden, not_found, conflict, stale, rate_limited,
    /// unavailable, internal or bad_request.
    pub error: String,
    pub message: Option<String>,
    pub field: Option<String>,
    /// For not_found: what was not found.
    pub what: Option<String>,
    /// For rate_limited.
    pub retry_after_secs: Option<u64>,
}

/// The two security schemes: `api_key` (`Authorization: Bearer <key>`; the scopes listed on
/// an operation are the ones a key needs) and `session` (the browser's cookie).
pub struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                Http::builder()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API key from Settings → API keys. Its scopes are listed per operation; the \
                         key's owner's role applies too.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(app::auth::SESSION_COOKIE))),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "OpsKnight REST API",
        version = "1",
        description = "Incidents, services, escalation policies, schedules, on-call, users and \
                       teams. Errors are `ErrorBody`; validation errors are 422 naming the field. \
                       POSTs take an `Idempotency-Key`; PATCHes take `If-Match` with the ETag read."
    ),
    modifiers(&Security),
    components(schemas(ErrorBody)),
    tags(
        (name = "incidents", description = "Incidents, their notes, timeline and alerts"),
        (name = "services", description = "Services and their integrations"),
        (name = "escalation policies", description = "Who is paged, in what order"),
        (name = "schedules", description = "Rotations: layers, overrides, temporary schedules and the rendered final schedule"),
        (name = "on-call", description = "Who is on call, per schedule and escalation step"),
        (name = "users", description = "Users, their contact methods and notification rules"),
        (name = "teams", description = "Teams and their members"),
        (name = "access", description = "API keys and the audit log"),
    )
)]
pub struct ApiDoc;

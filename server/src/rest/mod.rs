//! REST v1 at `/api/v1`: resources for scripts, documented by an OpenAPI 3.1 document built
//! from the same handler list as the router (`/api/v1/openapi.json`, read at `/api/docs`).
//! Handlers are shells over the features' `ops`; `wire` holds the shared request and answer
//! plumbing and `idempotency` the `Idempotency-Key` layer.

pub mod access;
pub mod contacts;
pub mod docs;
pub mod fields;
pub mod idempotency;
pub mod incident_history;
pub mod incidents;
pub mod integrations;
pub mod oncalls;
pub mod people;
pub mod policies;
pub mod schedule_final;
pub mod schedule_layers;
pub mod schedule_overrides;
pub mod schedule_temporary;
pub mod schedules;
pub mod schema;
pub mod services;
pub mod teams;
pub mod wire;

use std::sync::Arc;

use app::error::AppError;
use app::state::AppState;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router, middleware};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The REST routes and the document describing exactly them.
pub fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let router = OpenApiRouter::with_openapi(schema::ApiDoc::openapi())
        .routes(routes!(incidents::list, incidents::create))
        .routes(routes!(incidents::get, incidents::patch))
        .routes(routes!(
            incident_history::list_notes,
            incident_history::add_note
        ))
        .routes(routes!(incident_history::get_note))
        .routes(routes!(incident_history::timeline))
        .routes(routes!(incident_history::alerts));
    let router = services::register(router);
    let router = policies::register(router);
    let router = schedules::register(router);
    let router = oncalls::register(router);
    let router = people::register(router);
    let router = access::register(router);
    router.split_for_parts()
}

/// The OpenAPI document as served.
#[derive(Clone)]
pub struct Spec(pub Arc<serde_json::Value>);

/// `/api/v1/*`, `/api/v1/openapi.json` and `/api/docs`, with the idempotency layer on the
/// REST routes and a JSON 404 for paths that are no route.
pub fn routes(state: &AppState) -> Router<AppState> {
    let (rest, doc) = api();
    let spec = Spec(Arc::new(serde_json::to_value(&doc).unwrap_or_default()));
    Router::new()
        .merge(rest.route_layer(middleware::from_fn_with_state(
            state.clone(),
            idempotency::layer,
        )))
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/docs", get(docs::page))
        .route("/api/docs.css", get(docs::stylesheet))
        .route("/api/v1/{*rest}", axum::routing::any(no_route))
        .layer(Extension(spec))
}

async fn openapi(Extension(spec): Extension<Spec>) -> Response {
    axum::Json(spec.0.as_ref().clone()).into_response()
}

async fn no_route() -> Response {
    AppError::NotFound {
        what: "API route".into(),
    }
    .into_response()
}

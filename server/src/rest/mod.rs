//! REST v1 at `/api/v1`: resources for scripts, documented by an OpenAPI 3.1 document built
//! from the same handler list as the router (`/api/v1/openapi.json`, read at `/api/docs`).
//! Handlers are shells over the features' `ops`; `wire` holds the shared request and answer
//! plumbing and `idempotency` the `Idempotency-Key` layer.

pub mod access;
pub mod conditions;
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
pub mod sessions;
pub mod team_keys;
pub mod teams;
pub mod wire;

use axum::body::Bytes;
use axum::http::header;

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

/// The OpenAPI document as served, and its reference page: both made once, when the router is.
#[derive(Clone)]
pub struct Spec {
    json: Bytes,
    page: Bytes,
}

impl Spec {
    fn of(doc: &utoipa::openapi::OpenApi) -> Spec {
        let value = serde_json::to_value(doc).unwrap_or_default();
        Spec {
            json: Bytes::from(serde_json::to_vec(&value).unwrap_or_default()),
            page: Bytes::from(docs::render(&value)),
        }
    }
}

/// `/api/v1/*`, `/api/v1/openapi.json` and `/api/docs`, with the idempotency layer on the
/// REST routes and a JSON 404 for paths that are no route.
pub fn routes(state: &AppState) -> Router<AppState> {
    let (rest, doc) = api();
    let spec = Spec::of(&doc);
    Router::new()
        .merge(rest.route_layer(middleware::from_fn_with_state(
            state.clone(),
            idempotency::layer,
        )))
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/docs", get(docs_page))
        .route("/api/docs.css", get(docs::stylesheet))
        .route("/api/v1/{*rest}", axum::routing::any(no_route))
        .layer(Extension(spec))
}

async fn openapi(Extension(spec): Extension<Spec>) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], spec.json).into_response()
}

async fn docs_page(Extension(spec): Extension<Spec>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        spec.page,
    )
        .into_response()
}

async fn no_route() -> Response {
    AppError::NotFound {
        what: "API route".into(),
    }
    .into_response()
}

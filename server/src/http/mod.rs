//! The axum router: Leptos pages and server functions, /health, /metrics, and shared layers.

pub mod errors;
pub mod events;
pub mod health;
pub mod ical;
pub mod metrics;
pub mod pages;
pub mod security;

use std::sync::Arc;

use app::state::AppState;
use app::{App, shell};
use axum::routing::get;
use axum::{Extension, Router, middleware};
use leptos_axum::{LeptosRoutes, generate_route_list};

pub use metrics::HttpMetrics;

/// Builds the whole HTTP surface for one server instance.
pub fn router(state: AppState, metrics: Arc<HttpMetrics>) -> Router {
    let ingestor = crate::ingest::Ingestor::start(state.pool.clone(), state.clock.clone(), 2);
    router_with(state, metrics, ingestor)
}

/// The router with a given ingestor (tests share theirs).
pub fn router_with(
    state: AppState,
    metrics: Arc<HttpMetrics>,
    ingestor: Arc<crate::ingest::Ingestor>,
) -> Router {
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    Router::new()
        .merge(events::routes())
        .merge(ical::routes())
        .route("/health", get(health::health))
        .route("/api/health", get(health::health))
        .route("/metrics", get(metrics::render))
        .leptos_routes(&state, routes, move || shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(middleware::from_fn_with_state(state.clone(), pages::gate))
        .layer(middleware::from_fn(errors::server_fn_status))
        .layer(middleware::from_fn(security::same_origin_writes))
        .layer(middleware::from_fn(security::headers))
        .layer(middleware::from_fn_with_state(
            metrics.clone(),
            metrics::track,
        ))
        .layer(Extension(metrics))
        .layer(Extension(ingestor))
        .with_state(state)
}

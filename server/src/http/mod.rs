//! The axum router: Leptos pages and server functions, /health, /metrics, and shared layers.

pub mod analytics;
pub mod deadline;
pub mod errors;
pub mod events;
pub mod health;
pub mod heartbeat;
pub mod ical;
pub mod metrics;
pub mod pages;
pub mod postmortem_export;
pub mod request_id;
pub mod security;
pub mod status;

use std::sync::Arc;
use std::time::Duration;

use app::state::AppState;
use app::{App, shell};
use axum::http::{HeaderValue, header};
use axum::routing::get;
use axum::{Extension, Router, middleware};
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeader;

pub use metrics::HttpMetrics;

/// Builds the whole HTTP surface for one server instance, with a given ingestor (tests share
/// theirs), the phone provider source (its webhooks check signatures or a shared secret) and
/// the chat apps (their buttons and commands come back here) and the request deadline (`OPSKNIGHT_REQUEST_TIMEOUT`).
pub fn router_with(
    state: AppState,
    metrics: Arc<HttpMetrics>,
    ingestor: Arc<crate::ingest::Ingestor>,
    phones: Arc<crate::notify::PhoneSource>,
    outbound: crate::outbound::Outbound,
    deadline: Duration,
) -> Router {
    let hub = crate::realtime::Hub::start(&state);
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    // The WASM bundle and its JS and CSS, precompressed at build time (`cargo xtask build`):
    // `.br` or `.gz` is sent to browsers that accept it. Names are not hashed, so browsers
    // revalidate (Last-Modified) instead of caching blindly.
    let pkg = std::path::Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
    let assets = SetResponseHeader::overriding(
        ServeDir::new(pkg).precompressed_br().precompressed_gzip(),
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache"),
    );
    Router::new()
        .nest_service(&format!("/{}", options.site_pkg_dir), assets)
        .merge(events::routes())
        .merge(heartbeat::routes())
        .merge(ical::routes())
        .merge(analytics::routes())
        .merge(postmortem_export::routes())
        .merge(status::routes())
        .merge(crate::realtime::routes())
        .merge(crate::notify::phones::routes(phones))
        .merge(crate::chat::routes(outbound))
        .merge(crate::rest::routes(&state))
        .merge(crate::pagerduty_api::routes())
        .merge(crate::sso::routes())
        .route("/health", get(health::health))
        .route("/api/health", get(health::health))
        .route("/metrics", get(metrics::render))
        .leptos_routes(&state, routes, move || shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(middleware::from_fn(move |req, next| {
            deadline::limit(deadline, req, next)
        }))
        .layer(middleware::from_fn_with_state(state.clone(), pages::gate))
        .layer(middleware::from_fn(errors::server_fn_status))
        .layer(middleware::from_fn(security::same_origin_writes))
        .layer(middleware::from_fn(security::headers))
        .layer(middleware::from_fn(request_id::tag))
        .layer(middleware::from_fn_with_state(
            metrics.clone(),
            metrics::track,
        ))
        // Pages and JSON, compressed on the fly (not event streams, not what is already compressed).
        .layer(CompressionLayer::new())
        .layer(Extension(metrics))
        .layer(Extension(ingestor))
        .layer(Extension(hub))
        .with_state(state)
}

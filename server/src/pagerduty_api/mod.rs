//! PagerDuty REST v2 compatibility under `/pagerduty` (to be filled).

use app::state::AppState;
use axum::Router;

/// The `/pagerduty/*` routes.
pub fn routes() -> Router<AppState> {
    Router::new()
}

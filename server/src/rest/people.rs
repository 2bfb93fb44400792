//! REST v1 people (to be filled).

use app::state::AppState;
use utoipa_axum::router::OpenApiRouter;

/// Adds this resource's routes (and their operations in the document).
pub fn register(router: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    router
}

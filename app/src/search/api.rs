//! The global search's server function: any signed-in role (keys: `incidents:read`).

use leptos::prelude::*;

use super::Hit;
use crate::error::AppError;

/// `POST /api/search` with `{"query":"db"}` → up to 5 hits of each kind: incidents (by
/// title or `#number`), services, people (name or email), teams, schedules.
#[server(prefix = "/api", endpoint = "search", input = server_fn::codec::Json)]
pub async fn search(query: String) -> Result<Vec<Hit>, AppError> {
    use crate::domain::{Access, Area};
    crate::auth::caller::authorize(Access::Read(Area::Incidents)).await?;
    let query = query.trim();
    if query.is_empty() {
        return Ok(vec![]);
    }
    if query.chars().count() > super::QUERY_MAX {
        return Err(AppError::invalid(
            "query",
            format!("must be at most {} characters", super::QUERY_MAX),
        ));
    }
    super::store::search(&crate::state::app_state()?.pool, query).await
}

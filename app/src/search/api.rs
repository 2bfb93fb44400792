//! The global search's server function: a shell over `ops` (any signed-in role; keys:
//! `incidents:read`).

use leptos::prelude::*;

use super::Hit;
use crate::error::AppError;

/// `POST /api/search` with `{"query":"db"}` → up to 5 hits of each kind: incidents (by
/// title or `#number`), services, people (name or email), teams, schedules.
#[server(prefix = "/api", endpoint = "search", input = server_fn::codec::Json)]
pub async fn search(query: String) -> Result<Vec<Hit>, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::search(&state, &caller, &query).await
}

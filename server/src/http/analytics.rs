//! `GET /analytics/export/<table>.csv`: every table of the analytics report as CSV, and
//! `incidents.csv`, every incident the filter matches, streamed page by page. The query
//! string is the analytics page's (`days`, `from`, `to`, `service`, `team`, `urgency`,
//! `priority`, `responder`); a bad value is a 400 naming it. Session cookie or API key.

use std::collections::HashMap;

use app::analytics::report::AnalyticsFilter;
use app::auth::caller::Caller;
use app::error::AppError;
use app::state::AppState;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::StreamExt;

pub fn routes() -> Router<AppState> {
    Router::new().route("/analytics/export/{file}", get(export))
}

fn parse<T: std::str::FromStr>(
    q: &HashMap<String, String>,
    key: &str,
    what: &str,
) -> Result<Option<T>, AppError> {
    match q.get(key).map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| AppError::invalid(key, format!("must be {what}"))),
    }
}

/// The filter from the query string; errors name the parameter.
pub fn filter(q: &HashMap<String, String>) -> Result<AnalyticsFilter, AppError> {
    let urgency = match q.get("urgency").map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => None,
        Some(u) => Some(
            app::domain::Urgency::parse(u)
                .ok_or_else(|| AppError::invalid("urgency", "must be HIGH, MEDIUM or LOW"))?,
        ),
    };
    Ok(AnalyticsFilter {
        days: parse(q, "days", "a whole number of days")?,
        from: parse(q, "from", "a date (YYYY-MM-DD)")?,
        to: parse(q, "to", "a date (YYYY-MM-DD)")?,
        service_id: parse(q, "service", "a service id")?,
        team_id: parse(q, "team", "a team id")?,
        urgency,
        priority: q
            .get("priority")
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty()),
        responder: parse(q, "responder", "a user id")?,
    })
}

fn csv(body: Body, name: &str) -> Response {
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"opsknight-{name}.csv\""))
    {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

async fn export(
    State(state): State<AppState>,
    caller: Caller,
    Path(file): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let name = file
        .strip_suffix(".csv")
        .filter(|n| *n == "incidents" || app::analytics::csv::TABLES.contains(n))
        .ok_or_else(|| AppError::NotFound {
            what: "export".into(),
        })?
        .to_owned();
    let filter = filter(&q)?;
    if name == "incidents" {
        app::analytics::ops::check(&state, &caller, &filter).await?;
        let w = filter.window(state.clock.now())?;
        let stream = app::analytics::export::incidents(
            state.pool.stale_reads().clone(),
            filter,
            w.start,
            w.end,
        )
        .map(|chunk| {
            chunk.map_err(|e| {
                tracing::error!(error = %e, "incident export stopped");
                std::io::Error::other("the export stopped")
            })
        });
        return Ok(csv(Body::from_stream(stream), &name));
    }
    let report = app::analytics::ops::report(&state, &caller, &filter).await?;
    let body = app::analytics::csv::table(&report, &name).ok_or_else(|| AppError::NotFound {
        what: "export".into(),
    })?;
    Ok(csv(Body::from(body), &name))
}

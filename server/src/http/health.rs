//! `/health` and `/api/health`: 200 when the database answers, 503 when it does not.

use std::time::{Duration, Instant};

use app::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

const DB_TIMEOUT: Duration = Duration::from_secs(2);

pub async fn health(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let started = Instant::now();
    let probe = tokio::time::timeout(
        DB_TIMEOUT,
        sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(&state.pool),
    )
    .await;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let version = env!("CARGO_PKG_VERSION");
    match probe {
        Ok(Ok(_)) => (
            StatusCode::OK,
            Json(json!({
                "status": "ok",
                "version": version,
                "database": {"status": "ok", "latency_ms": (latency_ms * 100.0).round() / 100.0},
            })),
        ),
        Ok(Err(e)) => unhealthy(version, &e.to_string()),
        Err(_) => unhealthy(version, "no answer within 2s"),
    }
}

fn unhealthy(version: &str, error: &str) -> (StatusCode, Json<Value>) {
    tracing::warn!(error, "health check: database unreachable");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(json!({
            "status": "error",
            "version": version,
            "database": {"status": "unreachable", "error": error},
        })),
    )
}

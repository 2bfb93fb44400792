//! Heartbeat ping URLs: `GET` or `POST /api/heartbeat/<token>` (the job ran),
//! `…/<token>/start` (it started) and `…/<token>/fail` (it failed). The token is the only
//! credential; an unknown one is a 404 and writes nothing. The answer is a small JSON document.

use app::heartbeats::PingKind;
use app::state::AppState;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/heartbeat/{token}", get(ping).post(ping))
        .route("/api/heartbeat/{token}/start", get(start).post(start))
        .route("/api/heartbeat/{token}/fail", get(fail).post(fail))
}

async fn ping(state: State<AppState>, token: Path<String>) -> Response {
    signal(state, token, PingKind::Ping).await
}

async fn start(state: State<AppState>, token: Path<String>) -> Response {
    signal(state, token, PingKind::Start).await
}

async fn fail(state: State<AppState>, token: Path<String>) -> Response {
    signal(state, token, PingKind::Fail).await
}

async fn signal(
    State(state): State<AppState>,
    Path(token): Path<String>,
    kind: PingKind,
) -> Response {
    let now = state.clock.now();
    match app::heartbeats::beat::signal(&state.pool, token.trim(), kind, now).await {
        Ok(Some(s)) => {
            axum::Json(serde_json::json!({"status": "ok", "state": s.label()})).into_response()
        }
        Ok(None) => app::heartbeats::store::not_found().into_response(),
        // An internal error's cause is logged as it is answered; a 503 says when to retry.
        Err(e) => e.into_response(),
    }
}

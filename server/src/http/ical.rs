//! `GET /ical/<token>.ics`: a secret, revocable calendar feed of on-call shifts (RFC 5545).
//! The token in the path is the credential; unknown or revoked tokens get a JSON 404.

use app::state::AppState;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

pub fn routes() -> Router<AppState> {
    Router::new().route("/ical/{token}", get(feed))
}

async fn feed(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let now = state.clock.now();
    let result = match state.pool.begin().await {
        Ok(mut conn) => {
            app::schedules::feeds::calendar(&mut conn, &token, &state.public_url, now).await
        }
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(body) => {
            let mut res = body.into_response();
            let headers = res.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/calendar; charset=utf-8"),
            );
            headers.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, max-age=300"),
            );
            headers.insert(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("inline; filename=\"on-call.ics\""),
            );
            res
        }
        Err(e) => e.into_response(),
    }
}

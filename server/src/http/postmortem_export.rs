//! `GET /postmortems/<id>/export.md`: a postmortem as a Markdown file, for a signed-in
//! caller (the session cookie, or an API key with incidents:read) who may read it. Errors
//! answer in the usual JSON (401, 404, …).

use app::auth::caller::identify;
use app::auth::session::RequestInfo;
use app::domain::PostmortemId;
use app::error::AppError;
use app::state::AppState;
use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

pub fn routes() -> Router<AppState> {
    Router::new().route("/postmortems/{id}/export.md", get(export))
}

async fn export(State(state): State<AppState>, Path(id): Path<String>, req: Request) -> Response {
    let info = RequestInfo::from_parts(req.headers(), req.uri(), req.extensions());
    let result = async {
        let caller = identify(&state, &info).await?;
        let id: PostmortemId = id.parse().map_err(|_| AppError::NotFound {
            what: "postmortem".into(),
        })?;
        app::postmortems::ops::export(&state, &caller, id).await
    }
    .await;
    match result {
        Ok((file, body)) => {
            let mut res = body.into_response();
            let headers = res.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/markdown; charset=utf-8"),
            );
            headers.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            );
            if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
                headers.insert(header::CONTENT_DISPOSITION, v);
            }
            res
        }
        Err(e) => {
            e.log_if_internal();
            e.into_response()
        }
    }
}

//! The page gate: anonymous visitors of a signed-in page are sent to sign in (and brought
//! back); non-admins opening an admin page get it with status 403 (the page says why).
//! The table of pages lives in `app::auth::gate`.

use app::auth::caller::identify;
use app::auth::gate::{PageAccess, login_redirect, page_access};
use app::auth::session::RequestInfo;
use app::domain::Access;
use app::state::AppState;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

pub async fn gate(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        return next.run(req).await;
    }
    let access = match page_access(req.uri().path()) {
        None | Some(PageAccess::Public) => return next.run(req).await,
        Some(access) => access,
    };
    let info = RequestInfo::from_parts(req.headers(), req.uri(), req.extensions());
    let caller = match identify(&state, &info).await {
        Ok(caller) => caller,
        Err(app::error::AppError::Unauthenticated { .. }) => {
            let target = req
                .uri()
                .path_and_query()
                .map_or("/", |pq| pq.as_str())
                .to_owned();
            let mut res = Redirect::to(&login_redirect(&target)).into_response();
            res.headers_mut().insert(
                header::CACHE_CONTROL,
                header::HeaderValue::from_static("no-store"),
            );
            return res;
        }
        Err(e) => {
            tracing::warn!(error = %e, "page gate could not identify the caller");
            return (
                StatusCode::from_u16(e.status_code()).unwrap_or(StatusCode::SERVICE_UNAVAILABLE),
                e.user_message(),
            )
                .into_response();
        }
    };
    let allowed = access != PageAccess::Admin || caller.check(Access::Admin).is_ok();
    let mut res = next.run(req).await;
    if !allowed && res.status().is_success() {
        *res.status_mut() = StatusCode::FORBIDDEN;
    }
    res
}

//! Gives every request an id: kept from a proxy's `X-Request-Id` when plain, else new. Every
//! log line of the request carries it (a tracing span), internal-error answers name it, and
//! the answer's `X-Request-Id` header returns it.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

pub const HEADER: &str = "x-request-id";

pub async fn tag(req: Request, next: Next) -> Response {
    let id = app::request::id_for(req.headers().get(HEADER).and_then(|v| v.to_str().ok()));
    let header = HeaderValue::from_str(&id).ok();
    let span = tracing::info_span!("request", id = %id);
    let mut res = app::request::scope(id, next.run(req))
        .instrument(span)
        .await;
    if let Some(value) = header {
        res.headers_mut().insert(HEADER, value);
    }
    res
}

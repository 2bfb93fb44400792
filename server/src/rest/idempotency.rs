//! `Idempotency-Key` on REST POSTs: the first request with a key runs; its answer (below 500)
//! is kept a day and replayed, with `Idempotent-Replayed: true`, to repeats from the same
//! user. A repeat with another body is 422; one that arrives while the first is still being
//! answered is 409. A 5xx frees the key so a retry runs again.

use app::auth::caller::Caller;
use app::error::AppError;
use app::state::AppState;
use axum::body::{Body, to_bytes};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::wire::ApiError;

pub const HEADER: &str = "idempotency-key";
/// The largest body (request or answer) kept for replay.
const MAX_BODY: usize = 1024 * 1024;

pub async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST || !req.headers().contains_key(HEADER) {
        return next.run(req).await;
    }
    match keep(&state, req, next).await {
        Ok(res) | Err(res) => res,
    }
}

async fn keep(state: &AppState, req: Request, next: Next) -> Result<Response, Response> {
    let refuse = |e: AppError| ApiError(e).into_response();
    let key = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| (1..=255).contains(&k.len()))
        .map(str::to_owned)
        .ok_or_else(|| {
            refuse(AppError::invalid(
                "Idempotency-Key",
                "must be 1 to 255 visible characters",
            ))
        })?;
    let (mut parts, body) = req.into_parts();
    let caller = match Caller::from_request_parts(&mut parts, state).await {
        Ok(c) => c,
        // The handler answers the missing or bad credential.
        Err(_) => return Ok(next.run(Request::from_parts(parts, body)).await),
    };
    // The handler's `Caller` extractor takes this one instead of identifying again.
    parts.extensions.insert(caller.clone());
    let bytes = to_bytes(body, MAX_BODY)
        .await
        .map_err(|_| refuse(AppError::invalid("body", "is larger than 1 MiB")))?;
    let mut hash = Sha256::new();
    hash.update(parts.method.as_str());
    hash.update(b" ");
    hash.update(parts.uri.path());
    hash.update(b"\n");
    hash.update(&bytes);
    let hash = hex::encode(hash.finalize());
    let user = caller.user.id;
    let kept = app::idempotency::claim(&state.pool, user, &key, &hash, state.clock.now())
        .await
        .map_err(refuse)?;
    if let Some(kept) = kept {
        if kept.request_hash != hash {
            return Err(refuse(AppError::invalid(
                "Idempotency-Key",
                "was used with a different request; use a new key",
            )));
        }
        let Some(status) = kept.status else {
            return Err(refuse(AppError::conflict(
                "a request with this Idempotency-Key is still being answered; retry shortly",
            )));
        };
        return Ok(replay(status, kept.location, kept.body.unwrap_or_default()));
    }
    let res = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    if res.status().is_server_error() {
        if let Err(e) = app::idempotency::release(&state.pool, user, &key).await {
            tracing::warn!(error = %e, "could not free an idempotency key");
        }
        return Ok(res);
    }
    let (parts, body) = res.into_parts();
    let body = to_bytes(body, MAX_BODY).await.map_err(|_| {
        refuse(AppError::Internal {
            message: "answer too large to keep".into(),
        })
    })?;
    let location = parts
        .headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok());
    if let Err(e) = app::idempotency::finish(
        &state.pool,
        user,
        &key,
        parts.status.as_u16(),
        location,
        &body,
    )
    .await
    {
        tracing::warn!(error = %e, "could not keep an idempotent answer");
    }
    Ok(Response::from_parts(parts, Body::from(body)))
}

fn replay(status: i16, location: Option<String>, body: Vec<u8>) -> Response {
    let mut res = Response::new(Body::from(body));
    *res.status_mut() = u16::try_from(status)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::OK);
    let headers = res.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    if let Some(v) = location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        headers.insert(header::LOCATION, v);
    }
    res
}

//! Browser-facing protections for every response and request: security headers, and refusal
//! of cross-origin state-changing requests (session cookies are SameSite=Lax; this is the
//! second lock). Clients that send neither `Sec-Fetch-Site` nor `Origin` (curl, scripts,
//! monitoring tools) are not browsers acting for a user, so they pass; so do requests with an
//! `Authorization` header (API keys).

use axum::Json;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The baseline CSP for responses that set none; HTML pages set a stricter one with their
/// script nonce (`app::shell`).
const CSP: &str = "default-src 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'; form-action 'self'";

pub async fn headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(CSP));
    res
}

pub async fn same_origin_writes(req: Request, next: Next) -> Response {
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    // A request carrying an API key authenticates by that key alone (never the cookie), and
    // a browser cannot attach one cross-origin without a CORS preflight we never grant.
    let has_key = req.headers().contains_key(header::AUTHORIZATION);
    if unsafe_method && !has_key && is_cross_origin(req.headers()) {
        tracing::warn!(path = %req.uri().path(), "refused a cross-origin state-changing request");
        return (
            StatusCode::FORBIDDEN,
            Json(serde_json::json!({
                "error": "forbidden",
                "field": "origin",
                "message": "cross-origin requests may not change state; use an API key from scripts"
            })),
        )
            .into_response();
    }
    next.run(req).await
}

/// A browser says where a request comes from with `Sec-Fetch-Site`, or at least `Origin`.
fn is_cross_origin(headers: &HeaderMap) -> bool {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = get("sec-fetch-site") {
        return !matches!(site, "same-origin" | "none");
    }
    match (get("origin"), get("host")) {
        (Some("null"), _) => true,
        (Some(origin), Some(host)) => origin
            .split_once("://")
            .is_none_or(|(_, origin_host)| !origin_host.eq_ignore_ascii_case(host)),
        (Some(_), None) => true,
        (None, _) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn classifies_request_origins() {
        assert!(
            !is_cross_origin(&headers(&[])),
            "scripts send neither header"
        );
        assert!(!is_cross_origin(&headers(&[(
            "sec-fetch-site",
            "same-origin"
        )])));
        assert!(!is_cross_origin(&headers(&[("sec-fetch-site", "none")])));
        assert!(is_cross_origin(&headers(&[(
            "sec-fetch-site",
            "cross-site"
        )])));
        assert!(is_cross_origin(&headers(&[(
            "sec-fetch-site",
            "same-site"
        )])));
        let same = headers(&[
            ("origin", "http://127.0.0.1:3000"),
            ("host", "127.0.0.1:3000"),
        ]);
        assert!(!is_cross_origin(&same));
        let evil = headers(&[
            ("origin", "https://evil.example"),
            ("host", "127.0.0.1:3000"),
        ]);
        assert!(is_cross_origin(&evil));
        assert!(is_cross_origin(&headers(&[
            ("origin", "null"),
            ("host", "x")
        ])));
    }
}

//! The status page on its own host name (`OPSKNIGHT_STATUS_HOST`, e.g. `status.example.com`):
//! requests whose `Host` is that name are rewritten onto the `/status` routes (`/` → `/status`,
//! `/api/v2/summary.json` → `/status/api/v2/summary.json`, …), so that host serves nothing
//! else: no app pages, no API, no server functions.

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderMap, Uri, header};
use axum::middleware::Next;
use axum::response::Response;

/// A request extension: the request came through the status host; the base URL of the page.
#[derive(Debug, Clone)]
pub struct OnStatusHost(pub String);

/// The host name a request names (without the port), lower-cased.
pub fn host_of(headers: &HeaderMap) -> Option<String> {
    let raw = headers.get(header::HOST)?.to_str().ok()?;
    let name = match raw.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name,
        _ => raw,
    };
    Some(name.to_ascii_lowercase())
}

/// The path a status-host request is served from.
pub fn rewrite(path: &str) -> String {
    if path == "/" || path.is_empty() {
        "/status".to_owned()
    } else if path == "/status" || path.starts_with("/status/") {
        path.to_owned()
    } else {
        format!("/status{path}")
    }
}

/// Wraps the whole router: status-host requests are rewritten, others pass unchanged.
/// `scheme` is the public URL's (`https` or `http`), for the page's absolute links.
pub fn layer(router: Router, host: Option<String>, scheme: &str) -> Router {
    let Some(host) = host
        .map(|h| h.trim().to_ascii_lowercase())
        .filter(|h| !h.is_empty())
    else {
        return router;
    };
    let base = format!("{scheme}://{host}");
    // Middleware on a router runs after its routing: the rewrite wraps an outer router whose
    // only route is the whole app, so the app routes the rewritten path.
    Router::new()
        .fallback_service(router)
        .layer(axum::middleware::from_fn(
            move |req: Request, next: Next| {
                let host = host.clone();
                let base = base.clone();
                async move { route(&host, &base, req, next).await }
            },
        ))
}

async fn route(host: &str, base: &str, mut req: Request, next: Next) -> Response {
    if host_of(req.headers()).as_deref() != Some(host) {
        return next.run(req).await;
    }
    let path = rewrite(req.uri().path());
    let pq = match req.uri().query() {
        Some(q) => format!("{path}?{q}"),
        None => path,
    };
    if let Ok(uri) = pq.parse::<Uri>() {
        *req.uri_mut() = uri;
    }
    req.extensions_mut().insert(OnStatusHost(base.to_owned()));
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_onto_status_routes() {
        assert_eq!(rewrite("/"), "/status");
        assert_eq!(
            rewrite("/api/v2/summary.json"),
            "/status/api/v2/summary.json"
        );
        assert_eq!(rewrite("/history.rss"), "/status/history.rss");
        assert_eq!(rewrite("/status/status.css"), "/status/status.css");
        assert_eq!(rewrite("/api/incidents/list"), "/status/api/incidents/list");
        let mut h = HeaderMap::new();
        h.insert(header::HOST, "Status.Example.com:8443".parse().unwrap());
        assert_eq!(host_of(&h).as_deref(), Some("status.example.com"));
    }
}

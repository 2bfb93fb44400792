//! `/metrics` in Prometheus text format: HTTP request counts and latencies per route,
//! database pool gauges, and job queue depth by kind and status.

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use app::state::AppState;
use axum::Extension;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Latency histogram bucket bounds in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// Per-route statistics; routes are matched patterns (`/api/setup/status`), never raw paths,
/// so label cardinality stays bounded. Requests no route matched count as `fallback`.
#[derive(Default, Debug)]
pub struct HttpMetrics {
    routes: Mutex<HashMap<String, RouteStats>>,
    /// This instance's engine's count of claimed jobs, once the engine runs.
    engine_claimed: std::sync::OnceLock<Arc<std::sync::atomic::AtomicU64>>,
}

#[derive(Default, Debug)]
struct RouteStats {
    /// (method, status) → count. A handful of entries per route.
    counts: Vec<(Method, u16, u64)>,
    buckets: [u64; BUCKETS.len()],
    sum_seconds: f64,
    total: u64,
}

impl HttpMetrics {
    /// Reports this counter as `opsknight_engine_jobs_claimed_total`.
    pub fn watch_engine(&self, claimed: Arc<std::sync::atomic::AtomicU64>) {
        let _ = self.engine_claimed.set(claimed);
    }

    fn record(&self, route: &str, method: &Method, status: u16, seconds: f64) {
        let mut routes = self.routes.lock().unwrap_or_else(|p| p.into_inner());
        let stats = match routes.get_mut(route) {
            Some(s) => s,
            None => routes.entry(route.to_owned()).or_default(),
        };
        match stats
            .counts
            .iter_mut()
            .find(|(m, s, _)| m == method && *s == status)
        {
            Some((_, _, n)) => *n += 1,
            None => stats.counts.push((method.clone(), status, 1)),
        }
        for (bound, bucket) in BUCKETS.iter().zip(stats.buckets.iter_mut()) {
            if seconds <= *bound {
                *bucket += 1;
            }
        }
        stats.sum_seconds += seconds;
        stats.total += 1;
    }

    fn write(&self, out: &mut String) {
        if let Some(claimed) = self.engine_claimed.get() {
            let _ = writeln!(
                out,
                "# HELP opsknight_engine_jobs_claimed_total Jobs this instance's engine claimed since it started.\n# TYPE opsknight_engine_jobs_claimed_total counter\nopsknight_engine_jobs_claimed_total {}",
                claimed.load(std::sync::atomic::Ordering::Relaxed)
            );
        }
        let routes = self.routes.lock().unwrap_or_else(|p| p.into_inner());
        let mut names: Vec<&String> = routes.keys().collect();
        names.sort();
        out.push_str(
            "# HELP opsknight_http_requests_total HTTP requests by route, method and status.\n",
        );
        out.push_str("# TYPE opsknight_http_requests_total counter\n");
        for name in &names {
            for (method, status, n) in &routes[*name].counts {
                let _ = writeln!(
                    out,
                    "opsknight_http_requests_total{{route=\"{name}\",method=\"{method}\",status=\"{status}\"}} {n}"
                );
            }
        }
        out.push_str(
            "# HELP opsknight_http_request_duration_seconds HTTP request latency by route.\n",
        );
        out.push_str("# TYPE opsknight_http_request_duration_seconds histogram\n");
        for name in &names {
            let s = &routes[*name];
            for (bound, n) in BUCKETS.iter().zip(s.buckets.iter()) {
                let _ = writeln!(
                    out,
                    "opsknight_http_request_duration_seconds_bucket{{route=\"{name}\",le=\"{bound}\"}} {n}"
                );
            }
            let _ = writeln!(
                out,
                "opsknight_http_request_duration_seconds_bucket{{route=\"{name}\",le=\"+Inf\"}} {}",
                s.total
            );
            let _ = writeln!(
                out,
                "opsknight_http_request_duration_seconds_sum{{route=\"{name}\"}} {}",
                s.sum_seconds
            );
            let _ = writeln!(
                out,
                "opsknight_http_request_duration_seconds_count{{route=\"{name}\"}} {}",
                s.total
            );
        }
    }
}

/// Middleware recording every request.
pub async fn track(State(metrics): State<Arc<HttpMetrics>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let route = req.extensions().get::<MatchedPath>().cloned();
    let res = next.run(req).await;
    let route = route
        .as_ref()
        .map(MatchedPath::as_str)
        .unwrap_or("fallback");
    metrics.record(
        route,
        &method,
        res.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    res
}

/// `GET /metrics`.
pub async fn render(
    State(state): State<AppState>,
    Extension(metrics): Extension<Arc<HttpMetrics>>,
) -> Response {
    let mut out = String::with_capacity(8 * 1024);
    let _ = writeln!(
        out,
        "# HELP opsknight_build_info Build information.\n# TYPE opsknight_build_info gauge\nopsknight_build_info{{version=\"{}\"}} 1",
        env!("CARGO_PKG_VERSION")
    );
    metrics.write(&mut out);

    let (size, idle, max) = state.pool.connections();
    let idle = u32::try_from(idle).unwrap_or(u32::MAX);
    let _ = writeln!(
        out,
        "# HELP opsknight_db_pool_connections Database pool connections by state.\n# TYPE opsknight_db_pool_connections gauge"
    );
    let _ = writeln!(
        out,
        "opsknight_db_pool_connections{{state=\"idle\"}} {idle}"
    );
    let _ = writeln!(
        out,
        "opsknight_db_pool_connections{{state=\"in_use\"}} {}",
        size.saturating_sub(idle)
    );
    let _ = writeln!(
        out,
        "# HELP opsknight_db_pool_max_connections Database pool size limit.\n# TYPE opsknight_db_pool_max_connections gauge\nopsknight_db_pool_max_connections {}",
        max
    );

    // The same figures as the admin job queue page.
    let depth = app::jobs::store::depth(&state.pool).await;
    let _ = writeln!(
        out,
        "# HELP opsknight_jobs Jobs in the queue by kind and status.\n# TYPE opsknight_jobs gauge"
    );
    let db_up = match depth {
        Ok(rows) => {
            for d in rows {
                let _ = writeln!(
                    out,
                    "opsknight_jobs{{kind=\"{}\",status=\"{}\"}} {}",
                    d.kind.as_str(),
                    d.status.as_str(),
                    d.count
                );
            }
            1
        }
        Err(e) => {
            tracing::warn!(error = %e, "metrics: job queue depth unavailable");
            0
        }
    };
    if let Ok(late) = app::jobs::store::oldest_due_secs(&state.pool, state.clock.now()).await {
        let _ = writeln!(
            out,
            "# HELP opsknight_jobs_oldest_due_seconds How long the oldest due, unclaimed job has waited.\n# TYPE opsknight_jobs_oldest_due_seconds gauge\nopsknight_jobs_oldest_due_seconds {late:.3}"
        );
    }
    let _ = writeln!(
        out,
        "# HELP opsknight_db_up Whether the last metrics query reached the database.\n# TYPE opsknight_db_up gauge\nopsknight_db_up {db_up}"
    );

    let mut res = (StatusCode::OK, out).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_engine_counter_is_reported_once_the_engine_runs() {
        let m = HttpMetrics::default();
        let mut out = String::new();
        m.write(&mut out);
        assert!(
            !out.contains("opsknight_engine_jobs_claimed_total"),
            "{out}"
        );
        let claimed = Arc::new(std::sync::atomic::AtomicU64::new(0));
        m.watch_engine(claimed.clone());
        claimed.fetch_add(7, std::sync::atomic::Ordering::Relaxed);
        let mut out = String::new();
        m.write(&mut out);
        assert!(
            out.contains("\nopsknight_engine_jobs_claimed_total 7\n"),
            "{out}"
        );
    }
}

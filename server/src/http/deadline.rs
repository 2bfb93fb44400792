//! The request deadline: a request that has no answer in time (a slow or stalled database, an
//! exhausted pool) answers 503 with Retry-After instead of hanging its client.

use std::time::Duration;

use app::error::AppError;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Runs the request; past `after`, drops it and answers 503. Work handed to a worker (an
/// event batch, a job) is not cancelled: an event whose request timed out may still be
/// stored, and its retry is deduplicated like any repeat.
pub async fn limit(after: Duration, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    match tokio::time::timeout(after, next.run(req)).await {
        Ok(res) => res,
        Err(_) => {
            tracing::warn!(%path, secs = after.as_secs_f64(), "request deadline passed");
            AppError::Unavailable {
                message: format!("no answer within {} s; try again", after.as_secs()),
            }
            .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::middleware;
    use axum::routing::get;

    #[tokio::test]
    async fn a_request_past_its_deadline_answers_503_with_retry_after() {
        let app = Router::new()
            .route("/stuck", get(std::future::pending::<&'static str>))
            .route("/quick", get(|| async { "done" }))
            .layer(middleware::from_fn(|req, next| {
                limit(Duration::from_millis(200), req, next)
            }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();

        let quick = client
            .get(format!("http://{addr}/quick"))
            .send()
            .await
            .unwrap();
        assert_eq!(quick.status(), 200);
        assert_eq!(quick.text().await.unwrap(), "done");

        let stuck = client
            .get(format!("http://{addr}/stuck"))
            .send()
            .await
            .unwrap();
        assert_eq!(stuck.status(), 503);
        assert!(stuck.headers().contains_key("retry-after"));
        let body: serde_json::Value = stuck.json().await.unwrap();
        assert_eq!(body["error"], "unavailable", "{body}");
    }
}

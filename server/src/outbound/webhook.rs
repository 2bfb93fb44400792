//! One outbound webhook request, Standard Webhooks style: a JSON POST with `webhook-id` (the
//! event's, the same on every attempt), `webhook-timestamp` and `webhook-signature`, through
//! the SSRF guard; the answer read by status.

use std::time::Duration;

use app::domain::egress::AllowList;

pub use super::wire::Answer;

/// POSTs `body` to `url`, signed; the answer and how long it took.
pub async fn post(
    client: &reqwest::Client,
    allow: &AllowList,
    url: &str,
    headers: [(&'static str, String); 3],
    body: Vec<u8>,
    timeout: Duration,
) -> (Answer, Duration) {
    let (reply, took) = super::wire::exchange(
        client,
        allow,
        reqwest::Method::POST,
        url,
        timeout,
        |mut req| {
            req = req.header(reqwest::header::CONTENT_TYPE, "application/json");
            for (name, value) in headers {
                req = req.header(name, value);
            }
            req.body(body)
        },
    )
    .await;
    (
        reply.map_or_else(|a| a, super::wire::Reply::by_status),
        took,
    )
}

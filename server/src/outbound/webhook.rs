//! One outbound webhook request, Standard Webhooks style: a JSON POST with `webhook-id` (the
//! event's, the same on every attempt), `webhook-timestamp` and `webhook-signature`, through
//! the SSRF guard; the answer read into an `Answer`.

use std::time::{Duration, Instant};

use super::guard;
use app::domain::egress::AllowList;

/// How a delivery attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// 2xx.
    Delivered { status: u16, body: String },
    /// 410: the endpoint is gone; the channel is turned off.
    Gone { status: u16, body: String },
    /// 429: try again after this long, without using up an attempt.
    Later {
        status: u16,
        after: Duration,
        body: String,
    },
    /// Anything else: retried with a backoff.
    Failed {
        status: Option<u16>,
        why: String,
        body: String,
    },
    /// Refused before connecting (an internal address), never retried.
    Refused { why: String },
}

/// At most this much of an answer's body is read (the log keeps 500 characters).
const BODY_READ: usize = 2048;
/// The longest wait a 429's Retry-After may ask for.
const MAX_LATER: Duration = Duration::from_secs(3600);

/// POSTs `body` to `url`, signed; the answer and how long it took.
pub async fn post(
    client: &reqwest::Client,
    allow: &AllowList,
    url: &str,
    headers: [(&'static str, String); 3],
    body: Vec<u8>,
    timeout: Duration,
) -> (Answer, Duration) {
    let started = Instant::now();
    let answer = async {
        let url = match reqwest::Url::parse(url) {
            Ok(u) => u,
            Err(_) => {
                return Answer::Refused {
                    why: "the target is not a URL".into(),
                };
            }
        };
        if let Err(r) = guard::check_literal(&url, allow) {
            return Answer::Refused { why: r.to_string() };
        }
        let mut req = client
            .post(url)
            .timeout(timeout)
            .header(reqwest::header::CONTENT_TYPE, "application/json");
        for (name, value) in headers {
            req = req.header(name, value);
        }
        match req.body(body).send().await {
            Ok(res) => read(res).await,
            Err(e) => match guard::refusal(&e) {
                Some(r) => Answer::Refused { why: r.to_string() },
                None if e.is_timeout() => Answer::Failed {
                    status: None,
                    why: "no answer in time".into(),
                    body: String::new(),
                },
                None => Answer::Failed {
                    status: None,
                    why: format!("cannot connect: {}", root_cause(&e)),
                    body: String::new(),
                },
            },
        }
    }
    .await;
    (answer, started.elapsed())
}

async fn read(res: reqwest::Response) -> Answer {
    let status = res.status().as_u16();
    let retry_after = res
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let location = res
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut res = res;
    let mut body = Vec::new();
    while body.len() < BODY_READ {
        match res.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            _ => break,
        }
    }
    body.truncate(BODY_READ);
    let body = String::from_utf8_lossy(&body).into_owned();
    match status {
        200..=299 => Answer::Delivered { status, body },
        410 => Answer::Gone { status, body },
        429 => Answer::Later {
            status,
            after: Duration::from_secs(retry_after.unwrap_or(60)).min(MAX_LATER),
            body,
        },
        300..=399 => Answer::Failed {
            status: Some(status),
            why: format!(
                "answered {status}, a redirect{}; redirects are not followed",
                location.map(|l| format!(" to {l}")).unwrap_or_default()
            ),
            body,
        },
        _ => Answer::Failed {
            status: Some(status),
            why: format!("answered {status}"),
            body,
        },
    }
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

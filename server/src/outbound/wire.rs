//! One HTTP exchange with a destination through the SSRF guard (IP literals checked here,
//! names by the guard's resolver), and how its answer reads: `Answer`, the one outcome every
//! channel's delivery maps to (delivered, gone, later, failed and retried, rejected, refused).

use std::time::{Duration, Instant};

use super::guard;
use app::domain::egress::AllowList;

/// How a delivery attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// 2xx (and, for the chat APIs, `ok: true`).
    Delivered { status: u16, body: String },
    /// The destination is gone for good (a webhook's 410, Discord's 404, an archived Slack
    /// channel): the channel is turned off, saying why.
    Gone {
        status: u16,
        why: String,
        body: String,
    },
    /// 429 (or the chat's "slow down"): try again after this long, without using an attempt.
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
    /// Refused by the destination in a way a retry cannot fix (bad credentials, a malformed
    /// request): logged, not retried.
    Rejected {
        status: Option<u16>,
        why: String,
        body: String,
    },
    /// Refused before connecting (an internal address), never retried.
    Refused { why: String },
}

/// What came back.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

/// At most this much of an answer's body is read.
const BODY_READ: usize = 16 * 1024;
/// The longest wait a 429 may ask for.
pub const MAX_LATER: Duration = Duration::from_secs(3600);

/// One request: `build` adds the method's details to the guarded client's request for `url`.
/// An `Err` is the attempt's answer already (refused, no answer in time, cannot connect).
pub async fn exchange(
    client: &reqwest::Client,
    allow: &AllowList,
    method: reqwest::Method,
    url: &str,
    timeout: Duration,
    build: impl FnOnce(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
) -> (Result<Reply, Answer>, Duration) {
    let started = Instant::now();
    let out = async {
        let url = reqwest::Url::parse(url).map_err(|_| Answer::Refused {
            why: "the target is not a URL".into(),
        })?;
        guard::check_literal(&url, allow).map_err(|r| Answer::Refused { why: r.to_string() })?;
        let req = build(client.request(method, url).timeout(timeout));
        match req.send().await {
            Ok(res) => Ok(read(res).await),
            Err(e) => Err(match guard::refusal(&e) {
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
            }),
        }
    }
    .await;
    (out, started.elapsed())
}

async fn read(mut res: reqwest::Response) -> Reply {
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let mut body = Vec::new();
    while body.len() < BODY_READ {
        match res.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            _ => break,
        }
    }
    body.truncate(BODY_READ);
    Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// `Retry-After` in whole seconds (or `default`), at most an hour.
    pub fn retry_after(&self, default: Duration) -> Duration {
        self.header("retry-after")
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map_or(default, Duration::from_secs_f64)
            .min(MAX_LATER)
    }

    /// The plain HTTP reading Standard Webhooks asks for: 2xx delivered, 410 gone, 429 later,
    /// a redirect (never followed) or anything else failed and retried.
    pub fn by_status(self) -> Answer {
        let status = self.status;
        match status {
            200..=299 => Answer::Delivered {
                status,
                body: self.body,
            },
            410 => Answer::Gone {
                status,
                why: "the endpoint answered 410 Gone".into(),
                body: self.body,
            },
            429 => Answer::Later {
                status,
                after: self.retry_after(Duration::from_secs(60)),
                body: self.body,
            },
            300..=399 => Answer::Failed {
                status: Some(status),
                why: format!(
                    "answered {status}, a redirect{}; redirects are not followed",
                    self.header("location")
                        .map(|l| format!(" to {l}"))
                        .unwrap_or_default()
                ),
                body: self.body,
            },
            _ => Answer::Failed {
                status: Some(status),
                why: format!("answered {status}"),
                body: self.body,
            },
        }
    }
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

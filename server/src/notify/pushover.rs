//! Pushover pages. High urgency is an emergency (priority 2: repeated every `retry` seconds
//! until acknowledged or `expire`), with our callback URL; medium is high priority (1), low is
//! normal (0). `POST /api/pushover/callback/{token}`: Pushover says a person acknowledged the
//! emergency; the token in the URL is the page's signed acknowledge token (the callback is
//! unsigned) and the receipt must be that page's, so it acknowledges as the person paged.
//! When the incident is acknowledged or resolved anywhere else, a RECEIPT_CANCEL job (enqueued
//! by a trigger, migration 20261205000003) cancels the receipt so the phone stops alarming.

use std::time::Duration;

use anyhow::Context;
use app::domain::{ContactKind, Transition, Urgency};
use app::jobs::store::{self as queue, Claimed};
use app::mail::SendError;
use app::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::channel::{Channel, Page, SendFuture};
use super::chat_pages::{card_of, sent};
use crate::engine::Engine;
use crate::outbound::Outbound;
use crate::outbound::wire::{Answer, Reply, exchange};

/// Emergency pages repeat this often (Pushover's least is 30 s)…
pub const RETRY_SECS: u32 = 60;
/// …for at most this long (Pushover's most is 10,800 s).
pub const EXPIRE_SECS: u32 = 3600;
const CALL: Duration = Duration::from_secs(20);

pub struct PushoverChannel {
    pub out: Outbound,
    pub public_url: String,
}

/// The form of one page.
pub fn form(page: &Page, token: &str, public_url: &str) -> Vec<(&'static str, String)> {
    let card = card_of(page, public_url);
    let mut form = vec![
        ("token", token.to_owned()),
        ("user", page.facts.to.clone()),
        ("title", app::channels::render::clip(&card.headline(), 250)),
        (
            "message",
            app::channels::render::clip(
                &format!("{} · {}", card.urgency_word(), page.facts.service),
                1000,
            ),
        ),
        ("url", card.url.clone()),
        ("url_title", "Open in OpsKnight".into()),
    ];
    match page.facts.urgency {
        Urgency::High => {
            form.push(("priority", "2".into()));
            form.push(("retry", RETRY_SECS.to_string()));
            form.push(("expire", EXPIRE_SECS.to_string()));
            form.push((
                "callback",
                format!("{public_url}/api/pushover/callback/{}", page.ack_token),
            ));
            form.push((
                "tags",
                format!("incident-{}", page.facts.incident.0.simple()),
            ));
        }
        Urgency::Medium => form.push(("priority", "1".into())),
        Urgency::Low => form.push(("priority", "0".into())),
    }
    form
}

/// Pushover's answers: `{"status":1,"request","receipt"}`; 4xx with `{"status":0,"errors"}`
/// are refusals a retry cannot fix (a bad user key, a bad token); 429 and 5xx are retried.
fn read(r: Reply) -> Answer {
    let v: Value = serde_json::from_str(&r.body).unwrap_or(Value::Null);
    match r.status {
        200 if v["status"] == 1 => Answer::Delivered {
            status: 200,
            body: r.body,
        },
        429 => Answer::Later {
            status: 429,
            after: r.retry_after(Duration::from_secs(60)),
            body: r.body,
        },
        400..=499 => Answer::Rejected {
            status: Some(r.status),
            why: format!(
                "Pushover refused the message: {}",
                v["errors"]
                    .as_array()
                    .map(|e| e
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join("; "))
                    .unwrap_or_default()
            ),
            body: r.body,
        },
        _ => r.by_status(),
    }
}

impl Channel for PushoverChannel {
    fn send<'a>(&'a self, page: &'a Page) -> SendFuture<'a> {
        Box::pin(async move {
            let Some(po) = self.out.chat().await.pushover.clone() else {
                return Err(SendError::permanent(super::channel::missing(
                    ContactKind::Pushover,
                )));
            };
            let form = form(page, &po.token, &self.public_url);
            let url = format!("{}/1/messages.json", po.api_url);
            let (reply, _) = exchange(
                &self.out.client,
                &self.out.allow,
                reqwest::Method::POST,
                &url,
                CALL,
                |req| req.form(&form),
            )
            .await;
            match reply {
                Err(a) => sent(a, None),
                Ok(r) => {
                    let receipt = serde_json::from_str::<Value>(&r.body)
                        .ok()
                        .and_then(|v| v["receipt"].as_str().map(str::to_owned));
                    sent(read(r), receipt)
                }
            }
        })
    }
}

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route(
        "/api/pushover/callback/{token}",
        axum::routing::post(callback),
    )
}

async fn callback(
    State(state): State<AppState>,
    Path(token): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let now = state.clock.now();
    let Ok((incident, user)) = app::notifications::ack_link::check(&state.keys, &token, now) else {
        tracing::warn!("refused a Pushover callback with a bad or expired token");
        return crate::chat::unauthenticated("token", "the callback's token is not valid");
    };
    let form: std::collections::HashMap<String, String> =
        form_urlencoded::parse(&body).into_owned().collect();
    let Some(receipt) = form.get("receipt").filter(|r| !r.is_empty()) else {
        return crate::chat::refuse(app::error::AppError::invalid("receipt", "is required"));
    };
    let ours: Result<bool, sqlx::Error> = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM notifications WHERE incident_id = $1 AND user_id = $2
                        AND channel = 'PUSHOVER' AND provider_id = $3)",
    )
    .bind(incident)
    .bind(user)
    .bind(receipt)
    .fetch_one(&state.pool)
    .await;
    match ours {
        Ok(true) => {}
        Ok(false) => {
            return crate::chat::unauthenticated("receipt", "not a receipt of this page");
        }
        Err(e) => {
            tracing::error!(error = %e, "a Pushover callback failed");
            return crate::chat::refuse(app::error::AppError::Unavailable {
                message: "try again".into(),
            });
        }
    }
    if form.get("acknowledged").map(String::as_str) != Some("1") {
        return StatusCode::OK.into_response();
    }
    match app::lifecycle::transition::via(
        &state.pool,
        incident,
        Transition::Acknowledge,
        user,
        "Pushover",
        now,
    )
    .await
    {
        Ok(_) | Err(app::error::AppError::Conflict { .. }) => StatusCode::OK.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a Pushover acknowledgement failed");
            crate::chat::refuse(app::error::AppError::Unavailable {
                message: "try again".into(),
            })
        }
    }
}

/// A RECEIPT_CANCEL job: `POST receipts/{receipt}/cancel.json`. A 4xx (the receipt expired or
/// was acknowledged already) ends the job too; 5xx and timeouts are retried.
pub async fn cancel(engine: &Engine, job: &Claimed) -> anyhow::Result<()> {
    let receipt = job.payload["receipt"]
        .as_str()
        .context("RECEIPT_CANCEL payload: receipt")?
        .to_owned();
    let answer = match engine.outbound.chat().await.pushover.clone() {
        None => Answer::Rejected {
            status: None,
            why: "Pushover is no longer set up".into(),
            body: String::new(),
        },
        Some(po) if receipt.len() == 30 && receipt.bytes().all(|b| b.is_ascii_alphanumeric()) => {
            let url = format!("{}/1/receipts/{receipt}/cancel.json", po.api_url);
            let (reply, _) = exchange(
                &engine.outbound.client,
                &engine.outbound.allow,
                reqwest::Method::POST,
                &url,
                engine.send_timeout(),
                |req| req.form(&[("token", po.token.as_str())]),
            )
            .await;
            reply.map_or_else(|a| a, read)
        }
        Some(_) => Answer::Rejected {
            status: None,
            why: "not a Pushover receipt".into(),
            body: String::new(),
        },
    };
    if let Answer::Failed { why, .. } | Answer::Later { body: why, .. } = &answer {
        anyhow::bail!("cancel Pushover receipt {receipt}: {why}");
    }
    if let Answer::Rejected { why, .. } = &answer {
        tracing::info!(%receipt, %why, "a Pushover receipt could not be cancelled");
    }
    let now = engine.clock.now();
    let mut tx = engine.pool.begin().await.context("begin")?;
    if queue::hold(&mut tx, job).await? {
        queue::complete(&mut tx, job, now).await?;
    }
    tx.commit().await.context("commit")?;
    Ok(())
}

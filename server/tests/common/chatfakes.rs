//! Fakes of the chats that take incoming webhooks, each checking what the real one checks:
//! Discord (`/api/webhooks/{id}/{token}`: content 2,000, 10 embeds, 6,000 characters per
//! embed with title 256 / description 4,096 / 25 fields of 1,024, one of content or embeds;
//! `wait=true` answers 200 with the message, else 204; `X-RateLimit-*` headers; scripted 429
//! with a float `retry_after` and 404), Microsoft Teams Workflows (a `…/paths/invoke` URL
//! with `sig`; the body must be `{"type":"message"}` with an Adaptive Card attachment and at
//! most 28 KB; always 202, a bad envelope recorded as refused), and Mattermost
//! (`/hooks/{key}` answers `ok`; button presses posted to the `integration.url` as the
//! Mattermost server does).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

/// One request a fake got: whether it was accepted, or why not.
#[derive(Debug, Clone)]
pub struct Got {
    pub path: String,
    pub query: std::collections::HashMap<String, String>,
    pub body: Value,
    pub verdict: Result<(), String>,
}

/// A scripted answer: status, headers, body.
pub type Scripted = (u16, Vec<(&'static str, String)>, String);

#[derive(Clone, Default)]
pub struct Fakes {
    pub base: String,
    got: Arc<Mutex<Vec<Got>>>,
    script: Arc<Mutex<VecDeque<Scripted>>>,
    /// Headers added to every accepted Discord answer.
    discord_headers: Arc<Mutex<Vec<(&'static str, String)>>>,
}

fn len(v: &Value) -> usize {
    v.as_str().map_or(0, |s| s.chars().count())
}

fn discord_check(
    q: &std::collections::HashMap<String, String>,
    body: &Value,
) -> Result<(), String> {
    let embeds = body["embeds"].as_array().cloned().unwrap_or_default();
    if len(&body["content"]) == 0 && embeds.is_empty() {
        return Err("Cannot send an empty message".into());
    }
    if len(&body["content"]) > 2000 {
        return Err("content: Must be 2000 or fewer in length".into());
    }
    if embeds.len() > 10 {
        return Err("embeds: Must be 10 or fewer in length".into());
    }
    for e in &embeds {
        let fields = e["fields"].as_array().cloned().unwrap_or_default();
        if len(&e["title"]) > 256 || len(&e["description"]) > 4096 || fields.len() > 25 {
            return Err("embed: a limit is exceeded".into());
        }
        if fields
            .iter()
            .any(|f| len(&f["name"]) > 256 || len(&f["value"]) > 1024 || len(&f["value"]) == 0)
        {
            return Err("embed field: a limit is exceeded".into());
        }
        let total = len(&e["title"])
            + len(&e["description"])
            + len(&e["footer"]["text"])
            + len(&e["author"]["name"])
            + fields
                .iter()
                .map(|f| len(&f["name"]) + len(&f["value"]))
                .sum::<usize>();
        if total > 6000 {
            return Err("Embed size exceeds maximum size of 6000".into());
        }
        if !e["type"].is_null() || !e["provider"].is_null() || !e["video"].is_null() {
            return Err("webhook embeds take no type, provider or video".into());
        }
    }
    if q.get("wait").map(String::as_str) != Some("true") {
        return Err("expected wait=true (we need the message id)".into());
    }
    Ok(())
}

fn teams_check(
    q: &std::collections::HashMap<String, String>,
    raw: usize,
    body: &Value,
) -> Result<(), String> {
    if q.get("sig").is_none_or(String::is_empty) {
        return Err("no sig: the trigger refuses the call".into());
    }
    if raw > 28 * 1024 {
        return Err("the card is larger than 28 KB".into());
    }
    if body["type"] != "message" {
        return Err("the body must be {\"type\":\"message\",…}".into());
    }
    let a = &body["attachments"][0];
    if a["contentType"] != "application/vnd.microsoft.card.adaptive"
        || a["content"]["type"] != "AdaptiveCard"
    {
        return Err("the attachment must be an Adaptive Card".into());
    }
    Ok(())
}

async fn discord(
    State(f): State<Fakes>,
    Path((id, token)): Path<(String, String)>,
    Query(q): Query<std::collections::HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if let Some((status, headers, text)) = f.script.lock().unwrap().pop_front() {
        f.record(
            format!("/api/webhooks/{id}/{token}"),
            q,
            v,
            Err(format!("scripted {status}")),
        );
        let mut res = (StatusCode::from_u16(status).unwrap(), text).into_response();
        for (k, val) in headers {
            res.headers_mut().insert(k, val.parse().unwrap());
        }
        return res;
    }
    let verdict = discord_check(&q, &v);
    f.record(format!("/api/webhooks/{id}/{token}"), q, v, verdict.clone());
    let mut res = match verdict {
        Ok(()) => axum::Json(json!({"id": "1234567890", "channel_id": "1"})).into_response(),
        Err(e) => (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"message": e, "code": 50035})),
        )
            .into_response(),
    };
    for (k, val) in f.discord_headers.lock().unwrap().iter() {
        res.headers_mut().insert(*k, val.parse().unwrap());
    }
    res
}

async fn teams(
    State(f): State<Fakes>,
    Path(id): Path<String>,
    Query(q): Query<std::collections::HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let verdict = teams_check(&q, body.len(), &v);
    f.record(format!("/workflows/{id}"), q, v, verdict);
    // The trigger accepts first and runs the flow later: always 202.
    StatusCode::ACCEPTED.into_response()
}

async fn mattermost(
    State(f): State<Fakes>,
    Path(key): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let json_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"));
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let verdict = if !json_type {
        Err("without a JSON content type the body must be payload=…".to_owned())
    } else if v["text"].is_null() && v["attachments"].is_null() {
        Err("text or attachments is required".into())
    } else {
        Ok(())
    };
    f.record(
        format!("/hooks/{key}"),
        Default::default(),
        v,
        verdict.clone(),
    );
    match verdict {
        Ok(()) => (StatusCode::OK, [("content-type", "text/plain")], "ok").into_response(),
        Err(e) => (StatusCode::BAD_REQUEST, e).into_response(),
    }
}

impl Fakes {
    pub async fn start() -> Fakes {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut fakes = Fakes {
            base: format!("http://{}", listener.local_addr().unwrap()),
            ..Fakes::default()
        };
        fakes.discord_headers = Arc::new(Mutex::new(Vec::new()));
        let app = Router::new()
            .route("/api/webhooks/{id}/{token}", post(discord))
            .route("/workflows/{id}/triggers/manual/paths/invoke", post(teams))
            .route("/hooks/{key}", post(mattermost))
            .with_state(fakes.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        fakes
    }

    fn record(
        &self,
        path: String,
        query: std::collections::HashMap<String, String>,
        body: Value,
        verdict: Result<(), String>,
    ) {
        self.got.lock().unwrap().push(Got {
            path,
            query,
            body,
            verdict,
        });
    }

    pub fn discord_url(&self) -> String {
        format!("{}/api/webhooks/111/tok-en", self.base)
    }

    pub fn teams_url(&self) -> String {
        format!(
            "{}/workflows/abc/triggers/manual/paths/invoke?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=s3cr3t",
            self.base
        )
    }

    pub fn mattermost_url(&self) -> String {
        format!("{}/hooks/xyzkey", self.base)
    }

    pub fn script(&self, answers: Vec<Scripted>) {
        self.script.lock().unwrap().extend(answers);
    }

    pub fn discord_headers(&self, headers: Vec<(&'static str, String)>) {
        *self.discord_headers.lock().unwrap() = headers;
    }

    pub fn got(&self) -> Vec<Got> {
        self.got.lock().unwrap().clone()
    }

    /// Waits (at most 10 s) until `n` requests arrived.
    pub async fn wait_for(&self, n: usize) -> Vec<Got> {
        super::wait_until(&format!("{n} requests"), || self.got(), |g| g.len() >= n).await
    }
}

/// Presses the `n`th button of a Mattermost post as the Mattermost server does: a JSON POST
/// to the button's `integration.url` with the user, channel, post and the button's context.
pub async fn mattermost_press(post: &Value, n: usize, user_id: &str) -> (u16, Value) {
    let action = &post["attachments"][0]["actions"][n];
    let url = action["integration"]["url"].as_str().unwrap();
    let body = json!({
        "user_id": user_id, "user_name": "mm-someone", "channel_id": "chan1", "channel_name": "ops",
        "team_id": "team1", "team_domain": "example", "post_id": "post1", "trigger_id": "trig1",
        "type": "", "data_source": "", "context": action["integration"]["context"],
    });
    let res = reqwest::Client::new()
        .post(url)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

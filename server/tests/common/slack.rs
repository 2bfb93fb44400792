//! A fake Slack Web API at the HTTP boundary. `chat.postMessage` and `chat.update` check what
//! Slack checks: Bearer auth with the bot token (`invalid_auth`), a JSON body, a known
//! `channel` (`channel_not_found`), a `text` fallback, at most 50 blocks, the button limits
//! (text 75, `action_id` 255, `value` 2,000, `url` 3,000), and for `chat.update` and thread
//! replies a `channel` + `ts` it returned (`message_not_found`). Answers are Slack's: HTTP 200
//! with `{"ok":true,"channel","ts"}` or `{"ok":false,"error"}`, or a scripted 429 with
//! Retry-After. `users.info` answers the emails it was given. `/respond/{n}` records posts to
//! a `response_url`. It can also press buttons and type commands, signed as Slack signs them.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use opsknight_server::chat::config::SlackConfig;

use super::TestApp;

pub const TOKEN: &str = "xoxb-test-0000-fake";
pub const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
pub const CHANNEL: &str = "C0OPSALERT";

/// A call the fake accepted (or refused), in order.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: String,
    pub body: Value,
    /// What it answered: `ok`, or the error.
    pub answer: String,
    pub at: Instant,
}

#[derive(Default)]
struct Inner {
    calls: Vec<Call>,
    /// (channel, ts) of every message posted.
    messages: Vec<(String, String)>,
    channels: Vec<String>,
    emails: HashMap<String, String>,
    /// Answers to give before accepting again: Err(status, retry_after) or Ok(error code).
    script: VecDeque<Result<String, (u16, u64)>>,
    responses: Vec<Value>,
    counter: u64,
    /// How long each chat call takes to answer.
    delay: Duration,
}

#[derive(Clone)]
pub struct FakeSlack {
    pub base: String,
    inner: Arc<Mutex<Inner>>,
}

fn ok(v: Value) -> Response {
    axum::Json(v).into_response()
}

fn refuse(error: &str) -> Response {
    axum::Json(json!({"ok": false, "error": error})).into_response()
}

/// Checks the button and block limits of a message body.
fn limits(body: &Value) -> Result<(), &'static str> {
    let mut blocks: Vec<&Value> = body["blocks"]
        .as_array()
        .map(|b| b.iter().collect())
        .unwrap_or_default();
    for a in body["attachments"].as_array().into_iter().flatten() {
        blocks.extend(a["blocks"].as_array().into_iter().flatten());
    }
    if blocks.len() > 50 {
        return Err("invalid_blocks");
    }
    for b in blocks {
        if b["block_id"].as_str().is_some_and(|s| s.len() > 255) {
            return Err("invalid_blocks");
        }
        if b["type"] == "actions" {
            let els = b["elements"].as_array().ok_or("invalid_blocks")?;
            if els.len() > 25 {
                return Err("invalid_blocks");
            }
            for e in els {
                let text = e["text"]["text"].as_str().unwrap_or_default();
                if text.is_empty() || text.chars().count() > 75 {
                    return Err("invalid_blocks");
                }
                if e["action_id"].as_str().is_some_and(|s| s.len() > 255)
                    || e["value"].as_str().is_some_and(|s| s.len() > 2000)
                    || e["url"].as_str().is_some_and(|s| s.len() > 3000)
                {
                    return Err("invalid_blocks");
                }
                if let Some(style) = e["style"].as_str()
                    && !matches!(style, "primary" | "danger")
                {
                    return Err("invalid_blocks");
                }
            }
        }
        if let Some(t) = b["text"]["text"].as_str()
            && t.chars().count() > 3000
        {
            return Err("invalid_blocks");
        }
    }
    Ok(())
}

async fn chat(
    State(f): State<FakeSlack>,
    Path(method): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let delay = f.inner.lock().unwrap().delay;
    tokio::time::sleep(delay).await;
    let mut inner = f.inner.lock().unwrap();
    let record = |inner: &mut Inner, body: Value, answer: &str| {
        inner.calls.push(Call {
            method: method.clone(),
            body,
            answer: answer.to_owned(),
            at: Instant::now(),
        });
    };
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
    if auth != Some(&format!("Bearer {TOKEN}")) {
        record(&mut inner, Value::Null, "not_authed");
        return refuse(if auth.is_none() {
            "not_authed"
        } else {
            "invalid_auth"
        });
    }
    let json_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"));
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        record(&mut inner, Value::Null, "invalid_json");
        return refuse("invalid_json");
    };
    if !json_type {
        record(&mut inner, body, "invalid_arguments");
        return refuse("invalid_arguments");
    }
    if let Some(next) = inner.script.pop_front() {
        match next {
            Err((status, after)) => {
                record(&mut inner, body, &format!("HTTP {status}"));
                return (
                    StatusCode::from_u16(status).unwrap(),
                    [("retry-after", after.to_string())],
                    "",
                )
                    .into_response();
            }
            Ok(error) => {
                record(&mut inner, body, &error);
                return refuse(&error);
            }
        }
    }
    let mut channel = body["channel"].as_str().unwrap_or_default().to_owned();
    // Posting to a member id opens (or reuses) the DM with them: its channel is D….
    if method == "chat.postMessage"
        && channel.starts_with('U')
        && inner.emails.contains_key(&channel)
    {
        channel = format!("D{}", &channel[1..]);
        if !inner.channels.contains(&channel) {
            inner.channels.push(channel.clone());
        }
    }
    let check = || -> Result<(), &'static str> {
        if !inner.channels.contains(&channel) {
            return Err("channel_not_found");
        }
        if body["text"].as_str().is_none_or(str::is_empty) {
            return Err("no_text");
        }
        limits(&body)
    };
    if let Err(e) = check() {
        record(&mut inner, body, e);
        return refuse(e);
    }
    let known =
        |inner: &Inner, ts: &str| inner.messages.iter().any(|(c, t)| *c == channel && t == ts);
    match method.as_str() {
        "chat.postMessage" => {
            if let Some(ts) = body["thread_ts"].as_str()
                && !known(&inner, ts)
            {
                record(&mut inner, body, "thread_not_found");
                return refuse("thread_not_found");
            }
            inner.counter += 1;
            let ts = format!("1700000000.{:06}", inner.counter);
            inner.messages.push((channel.clone(), ts.clone()));
            record(&mut inner, body.clone(), "ok");
            ok(json!({"ok": true, "channel": channel, "ts": ts, "message": {"text": body["text"]}}))
        }
        "chat.update" => {
            let ts = body["ts"].as_str().unwrap_or_default().to_owned();
            if !known(&inner, &ts) {
                record(&mut inner, body, "message_not_found");
                return refuse("message_not_found");
            }
            record(&mut inner, body, "ok");
            ok(json!({"ok": true, "channel": channel, "ts": ts}))
        }
        _ => {
            record(&mut inner, body, "unknown_method");
            refuse("unknown_method")
        }
    }
}

async fn users_info(
    State(f): State<FakeSlack>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut inner = f.inner.lock().unwrap();
    let user = q.get("user").cloned().unwrap_or_default();
    inner.calls.push(Call {
        method: "users.info".into(),
        body: json!({"user": user}),
        answer: "ok".into(),
        at: Instant::now(),
    });
    if headers.get("authorization").and_then(|v| v.to_str().ok())
        != Some(&format!("Bearer {TOKEN}"))
    {
        return refuse("invalid_auth");
    }
    match inner.emails.get(&user) {
        Some(email) => ok(json!({"ok": true, "user": {"id": user, "profile": {"email": email}}})),
        None => refuse("user_not_found"),
    }
}

async fn respond(State(f): State<FakeSlack>, body: Bytes) -> Response {
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    f.inner.lock().unwrap().responses.push(v);
    "ok".into_response()
}

impl FakeSlack {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let fake = FakeSlack {
            base,
            inner: Arc::new(Mutex::new(Inner {
                channels: vec![CHANNEL.to_owned()],
                ..Inner::default()
            })),
        };
        let app = Router::new()
            .route("/api/users.info", get(users_info))
            .route("/api/{method}", post(chat))
            .route("/respond/{n}", post(respond))
            .with_state(fake.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        fake
    }

    pub fn config(&self) -> opsknight_server::chat::config::ChatConfig {
        opsknight_server::chat::config::ChatConfig {
            slack: Some(Arc::new(SlackConfig {
                bot_token: TOKEN.into(),
                signing_secret: SECRET.into(),
                api_url: format!("{}/api", self.base),
            })),
            ..Default::default()
        }
    }

    /// Makes every chat call take `delay` to answer.
    pub fn slow(&self, delay: Duration) {
        self.inner.lock().unwrap().delay = delay;
    }

    pub fn add_user(&self, slack_user: &str, email: &str) {
        self.inner
            .lock()
            .unwrap()
            .emails
            .insert(slack_user.into(), email.into());
    }

    /// Answers to give next, in order: `Ok(error)` is `{"ok":false,"error"}`, `Err((status,
    /// retry_after))` an HTTP error.
    pub fn script(&self, answers: Vec<Result<String, (u16, u64)>>) {
        self.inner.lock().unwrap().script.extend(answers);
    }

    pub fn calls(&self) -> Vec<Call> {
        self.inner.lock().unwrap().calls.clone()
    }

    /// The accepted calls of `method`.
    pub fn ok_calls(&self, method: &str) -> Vec<Call> {
        self.calls()
            .into_iter()
            .filter(|c| c.method == method && c.answer == "ok")
            .collect()
    }

    pub fn responses(&self) -> Vec<Value> {
        self.inner.lock().unwrap().responses.clone()
    }

    /// Waits (at most 10 s) until `done` holds for the calls.
    pub async fn wait_for(&self, what: &str, done: impl Fn(&[Call]) -> bool) -> Vec<Call> {
        super::wait_until(&format!("Slack {what}"), || self.calls(), |c| done(c)).await
    }

    /// Waits (at most 10 s) for `n` response_url posts.
    pub async fn wait_responses(&self, n: usize) -> Vec<Value> {
        super::wait_until(
            &format!("{n} responses"),
            || self.responses(),
            |r| r.len() >= n,
        )
        .await
    }
}

/// Signs a body as Slack does at `ts` (unix seconds).
pub fn signed(body: &str, ts: i64, secret: &str) -> [(String, String); 2] {
    let sig =
        opsknight_server::chat::slack::signature::sign(secret, &ts.to_string(), body.as_bytes());
    [
        ("x-slack-request-timestamp".into(), ts.to_string()),
        ("x-slack-signature".into(), sig),
    ]
}

/// POSTs a form body to `path` as Slack would, signed with `secret` at `ts`.
pub async fn post_signed(
    app: &TestApp,
    path: &str,
    body: &str,
    ts: i64,
    secret: &str,
) -> reqwest::Response {
    let mut req = app
        .http
        .post(app.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.to_owned());
    for (k, v) in signed(body, ts, secret) {
        req = req.header(k, v);
    }
    req.send().await.unwrap()
}

/// The form body of a block_actions payload: `slack_user` pressed `action_id` (value
/// `value`) on message `ts` in `CHANNEL`.
pub fn press_body(
    fake: &FakeSlack,
    slack_user: &str,
    action_id: &str,
    value: &str,
    ts: &str,
) -> String {
    let payload = json!({
        "type": "block_actions",
        "user": {"id": slack_user, "username": "someone", "name": "someone", "team_id": "T0TEAM"},
        "team": {"id": "T0TEAM", "domain": "example"},
        "channel": {"id": CHANNEL, "name": "ops"},
        "message": {"ts": ts},
        "response_url": format!("{}/respond/1", fake.base),
        "trigger_id": "1.2.3",
        "actions": [{"action_id": action_id, "block_id": "opsknight_incident", "value": value,
                     "type": "button", "action_ts": "1700000001.000001"}],
    });
    form_urlencoded::Serializer::new(String::new())
        .append_pair("payload", &payload.to_string())
        .finish()
}

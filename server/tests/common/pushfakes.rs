//! Fakes of the push services people page themselves through, checking what the real ones
//! check. ntfy (`POST /` JSON publish: a topic, priority 1–5, at most 3 actions, a message of
//! at most 4,096 bytes; a protected topic needs `Authorization: Bearer <token>`, else 401 /
//! 403 with ntfy's `{code,http,error}`). Pushover (`/1/messages.json`: the app token, a
//! 30-character user key, a message of 1–1,024 characters; priority 2 needs `retry` ≥ 30 and
//! `expire` ≤ 10,800, else 400 `{status:0,errors}`; answers `{status:1,request,receipt}`;
//! `/1/receipts/{r}/cancel.json` records cancels).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

pub const PUSHOVER_TOKEN: &str = "azGDORePK8gMaC0QOYAMyEEuzJnyUi";
pub const NTFY_TOKEN: &str = "tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2";

#[derive(Debug, Clone)]
pub struct Got {
    pub path: String,
    pub body: Value,
    pub verdict: Result<(), String>,
}

#[derive(Clone, Default)]
pub struct PushFakes {
    pub base: String,
    got: Arc<Mutex<Vec<Got>>>,
    receipts: Arc<Mutex<u64>>,
}

async fn ntfy(State(f): State<PushFakes>, headers: HeaderMap, body: Bytes) -> Response {
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let topic = v["topic"].as_str().unwrap_or_default().to_owned();
    let auth = headers.get("authorization").and_then(|h| h.to_str().ok());
    let verdict = if topic.starts_with("protected") && auth.is_none() {
        Err((401, "unauthorized"))
    } else if topic.starts_with("protected") && auth != Some(&format!("Bearer {NTFY_TOKEN}")) {
        Err((403, "forbidden"))
    } else if topic.is_empty()
        || !(1..=5).contains(&v["priority"].as_i64().unwrap_or(3))
        || v["actions"].as_array().is_some_and(|a| a.len() > 3)
        || v["message"].as_str().is_some_and(|m| m.len() > 4096)
    {
        Err((400, "invalid request"))
    } else {
        Ok(())
    };
    f.got.lock().unwrap().push(Got {
        path: "/".into(),
        body: v.clone(),
        verdict: verdict.map_err(|e| e.1.to_owned()),
    });
    match verdict {
        Ok(()) => axum::Json(
            json!({"id": "sPs71M8A2T", "time": 1700000000, "event": "message", "topic": topic}),
        )
        .into_response(),
        Err((code, error)) => (
            StatusCode::from_u16(code).unwrap(),
            axum::Json(json!({"code": code * 100 + 1, "http": code, "error": error})),
        )
            .into_response(),
    }
}

fn form(body: &[u8]) -> HashMap<String, String> {
    form_urlencoded::parse(body).into_owned().collect()
}

async fn pushover(State(f): State<PushFakes>, body: Bytes) -> Response {
    let p = form(&body);
    let get = |k: &str| p.get(k).cloned().unwrap_or_default();
    let mut errors = Vec::new();
    if get("token") != PUSHOVER_TOKEN {
        errors.push("application token is invalid");
    }
    if get("user").len() != 30 {
        errors.push("user identifier is not a valid user, group, or subscribed user key");
    }
    let message = get("message");
    if message.is_empty() || message.chars().count() > 1024 {
        errors.push("message cannot be blank or longer than 1024 characters");
    }
    let priority: i64 = get("priority").parse().unwrap_or(0);
    if priority == 2 {
        let retry: i64 = get("retry").parse().unwrap_or(0);
        let expire: i64 = get("expire").parse().unwrap_or(i64::MAX);
        if retry < 30 || expire > 10800 {
            errors
                .push("emergency priority needs retry of at least 30 and expire of at most 10800");
        }
    }
    let body = serde_json::to_value(&p).unwrap();
    let verdict = if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    };
    f.got.lock().unwrap().push(Got {
        path: "/1/messages.json".into(),
        body,
        verdict: verdict.clone(),
    });
    if verdict.is_err() {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"status": 0, "request": "r1", "errors": errors})),
        )
            .into_response();
    }
    let mut answer = json!({"status": 1, "request": "5042853c-402d-4a18-abcb-168734a801de"});
    if priority == 2 {
        let mut n = f.receipts.lock().unwrap();
        *n += 1;
        answer["receipt"] = json!(format!("rcpt{:026}", *n));
    }
    axum::Json(answer).into_response()
}

async fn cancel(State(f): State<PushFakes>, Path(receipt): Path<String>, body: Bytes) -> Response {
    let p = form(&body);
    let ok = p.get("token").map(String::as_str) == Some(PUSHOVER_TOKEN);
    let receipt = receipt
        .trim_end_matches(".json")
        .trim_end_matches("/cancel")
        .to_owned();
    f.got.lock().unwrap().push(Got {
        path: format!("/1/receipts/{receipt}/cancel.json"),
        body: serde_json::to_value(&p).unwrap(),
        verdict: if ok { Ok(()) } else { Err("bad token".into()) },
    });
    axum::Json(json!({"status": if ok { 1 } else { 0 }, "request": "r2"})).into_response()
}

impl PushFakes {
    pub async fn start() -> PushFakes {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let fakes = PushFakes {
            base: format!("http://{}", listener.local_addr().unwrap()),
            ..Default::default()
        };
        let app = Router::new()
            .route("/", post(ntfy))
            .route("/1/messages.json", post(pushover))
            .route("/1/receipts/{receipt}/cancel.json", post(cancel))
            .with_state(fakes.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        fakes
    }

    pub fn got(&self) -> Vec<Got> {
        self.got.lock().unwrap().clone()
    }

    pub async fn wait_for(&self, what: &str, done: impl Fn(&[Got]) -> bool) -> Vec<Got> {
        super::wait_until(what, || self.got(), |g| done(g)).await
    }
}

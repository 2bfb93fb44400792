//! A fake Telegram Bot API at the HTTP boundary (`/bot<token>/<method>`), checking what the
//! real one checks: the token (401), `sendMessage` with a known `chat_id` ("chat not found"),
//! text of 1–4,096 characters, a valid `parse_mode`, inline buttons with text and
//! `callback_data` of 1–64 **bytes**; `editMessageText` of a message it sent ("message to edit
//! not found"; the same text and keyboard again is "message is not modified");
//! `answerCallbackQuery` with an id and at most 200 characters. Answers are Telegram's
//! `{"ok":true,"result"}` or `{"ok":false,"error_code","description","parameters"}`, or a
//! scripted 429 with `retry_after`. `getUpdates` hands out queued updates from `offset`.
//! It also sends updates to our webhook, with or without the secret token.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

use opsknight_server::chat::config::{ChatConfig, TelegramConfig, Updates};

use super::TestApp;

pub const TOKEN: &str = "123456789:AAEhBOweik9ai2o4SIXVv7DDc7n7nF0x5ZQ";
/// A group the bot is in.
pub const GROUP: i64 = -1001234567890;

#[derive(Debug, Clone)]
pub struct Call {
    pub method: String,
    pub body: Value,
    /// `ok`, or the description of the refusal.
    pub answer: String,
}

#[derive(Default)]
struct Inner {
    calls: Vec<Call>,
    chats: Vec<i64>,
    /// (chat, message id) → (text, reply_markup).
    messages: HashMap<(i64, i64), (String, Value)>,
    next_id: i64,
    script: VecDeque<(u16, String, Option<u64>)>,
    updates: Vec<Value>,
    next_update: i64,
    /// The offsets getUpdates was called with.
    offsets: Vec<Option<i64>>,
}

#[derive(Clone)]
pub struct FakeTelegram {
    pub base: String,
    inner: Arc<Mutex<Inner>>,
}

fn ok(result: Value) -> Response {
    axum::Json(json!({"ok": true, "result": result})).into_response()
}

fn refuse(code: u16, description: &str) -> Response {
    (
        axum::http::StatusCode::from_u16(code).unwrap(),
        axum::Json(json!({"ok": false, "error_code": code, "description": description})),
    )
        .into_response()
}

fn check_keyboard(markup: &Value) -> Result<(), &'static str> {
    for row in markup["inline_keyboard"].as_array().into_iter().flatten() {
        for b in row.as_array().into_iter().flatten() {
            if b["text"].as_str().is_none_or(str::is_empty) {
                return Err("Bad Request: text buttons are unallowed in the inline keyboard");
            }
            if let Some(d) = b["callback_data"].as_str()
                && (d.is_empty() || d.len() > 64)
            {
                return Err("Bad Request: BUTTON_DATA_INVALID");
            }
        }
    }
    Ok(())
}

async fn api(
    State(f): State<FakeTelegram>,
    Path((bot, method)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let (res, idle) = answer(&f, &bot, &method, &body);
    if idle {
        // An empty long poll: a short wait, so a test's poller comes back soon.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    res
}

/// The answer, and whether it was an empty getUpdates.
fn answer(f: &FakeTelegram, bot: &str, method: &str, body: &[u8]) -> (Response, bool) {
    let method = method.to_owned();
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let mut inner = f.inner.lock().unwrap();
    let record = |inner: &mut Inner, answer: &str| {
        inner.calls.push(Call {
            method: method.clone(),
            body: v.clone(),
            answer: answer.to_owned(),
        });
    };
    let mut idle = false;
    let res = (|| {
        if bot != format!("bot{TOKEN}") {
            record(&mut inner, "Unauthorized");
            return refuse(401, "Unauthorized");
        }
        if matches!(method.as_str(), "sendMessage" | "editMessageText")
            && let Some((status, description, retry)) = inner.script.pop_front()
        {
            record(&mut inner, &description);
            let mut body = json!({"ok": false, "error_code": status, "description": description});
            if let Some(r) = retry {
                body["parameters"] = json!({"retry_after": r});
            }
            return (
                axum::http::StatusCode::from_u16(status).unwrap(),
                axum::Json(body),
            )
                .into_response();
        }
        let text_ok = |t: &Value| {
            t.as_str()
                .is_some_and(|s| !s.is_empty() && s.chars().count() <= 4096)
        };
        let mode_ok = v["parse_mode"].is_null()
            || matches!(
                v["parse_mode"].as_str(),
                Some("HTML" | "MarkdownV2" | "Markdown")
            );
        match method.as_str() {
            "sendMessage" | "editMessageText" => {
                let Some(chat) = v["chat_id"]
                    .as_i64()
                    .or_else(|| v["chat_id"].as_str().and_then(|c| c.parse().ok()))
                else {
                    record(&mut inner, "Bad Request: chat_id is empty");
                    return refuse(400, "Bad Request: chat_id is empty");
                };
                if !inner.chats.contains(&chat) {
                    record(&mut inner, "Bad Request: chat not found");
                    return refuse(400, "Bad Request: chat not found");
                }
                if !text_ok(&v["text"]) || !mode_ok {
                    record(&mut inner, "Bad Request: message text is empty");
                    return refuse(400, "Bad Request: message text is empty");
                }
                if let Err(e) = check_keyboard(&v["reply_markup"]) {
                    record(&mut inner, e);
                    return refuse(400, e);
                }
                let text = v["text"].as_str().unwrap().to_owned();
                let markup = v["reply_markup"].clone();
                if method == "sendMessage" {
                    inner.next_id += 1;
                    let id = inner.next_id;
                    inner.messages.insert((chat, id), (text.clone(), markup));
                    record(&mut inner, "ok");
                    ok(json!({"message_id": id, "chat": {"id": chat}, "text": text}))
                } else {
                    let id = v["message_id"].as_i64().unwrap_or_default();
                    match inner.messages.get(&(chat, id)) {
                        None => {
                            record(&mut inner, "Bad Request: message to edit not found");
                            refuse(400, "Bad Request: message to edit not found")
                        }
                        Some((t, m)) if *t == text && *m == markup => {
                            record(&mut inner, "Bad Request: message is not modified");
                            refuse(
                                400,
                                "Bad Request: message is not modified: specified new message content and reply markup are exactly the same",
                            )
                        }
                        Some(_) => {
                            inner.messages.insert((chat, id), (text.clone(), markup));
                            record(&mut inner, "ok");
                            ok(json!({"message_id": id, "chat": {"id": chat}, "text": text}))
                        }
                    }
                }
            }
            "answerCallbackQuery" => {
                if v["callback_query_id"].as_str().is_none_or(str::is_empty)
                    || v["text"].as_str().is_some_and(|t| t.chars().count() > 200)
                {
                    record(&mut inner, "Bad Request: query is too old or invalid");
                    return refuse(400, "Bad Request: query is too old or invalid");
                }
                record(&mut inner, "ok");
                ok(json!(true))
            }
            "setWebhook" | "deleteWebhook" => {
                record(&mut inner, "ok");
                ok(json!(true))
            }
            "getMe" => {
                record(&mut inner, "ok");
                ok(json!({"id": 123456789, "is_bot": true, "username": "opsknight_test_bot"}))
            }
            "getUpdates" => {
                let offset = v["offset"].as_i64();
                inner.offsets.push(offset);
                if let Some(o) = offset {
                    inner
                        .updates
                        .retain(|u| u["update_id"].as_i64().unwrap_or_default() >= o);
                }
                let pending = inner.updates.clone();
                record(&mut inner, "ok");
                idle = pending.is_empty();
                ok(json!(pending))
            }
            _ => {
                record(&mut inner, "Not Found: method not found");
                refuse(404, "Not Found: method not found")
            }
        }
    })();
    (res, idle)
}

impl FakeTelegram {
    pub async fn start() -> FakeTelegram {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let fake = FakeTelegram {
            base: format!("http://{}", listener.local_addr().unwrap()),
            inner: Arc::new(Mutex::new(Inner {
                chats: vec![GROUP],
                ..Inner::default()
            })),
        };
        let app = Router::new()
            .route("/{bot}/{method}", post(api))
            .with_state(fake.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        fake
    }

    pub fn config(&self, updates: Updates) -> ChatConfig {
        ChatConfig {
            telegram: Some(Arc::new(TelegramConfig {
                bot_token: TOKEN.into(),
                api_url: self.base.clone(),
                updates,
            })),
            ..ChatConfig::default()
        }
    }

    /// A private chat the bot can write to (a person who opened it).
    pub fn add_chat(&self, chat: i64) {
        self.inner.lock().unwrap().chats.push(chat);
    }

    pub fn script(&self, status: u16, description: &str, retry_after: Option<u64>) {
        self.inner
            .lock()
            .unwrap()
            .script
            .push_back((status, description.into(), retry_after));
    }

    pub fn calls(&self) -> Vec<Call> {
        self.inner.lock().unwrap().calls.clone()
    }

    pub fn ok_calls(&self, method: &str) -> Vec<Call> {
        self.calls()
            .into_iter()
            .filter(|c| c.method == method && c.answer == "ok")
            .collect()
    }

    pub fn offsets(&self) -> Vec<Option<i64>> {
        self.inner.lock().unwrap().offsets.clone()
    }

    /// Queues an update for getUpdates; returns its id.
    pub fn queue_update(&self, mut update: Value) -> i64 {
        let mut inner = self.inner.lock().unwrap();
        inner.next_update += 1;
        let id = 1000 + inner.next_update;
        update["update_id"] = json!(id);
        inner.updates.push(update);
        id
    }

    pub async fn wait_for(&self, what: &str, done: impl Fn(&[Call]) -> bool) -> Vec<Call> {
        super::wait_until(&format!("Telegram {what}"), || self.calls(), |c| done(c)).await
    }
}

/// A fresh update id (Telegram numbers its updates; a repeat is a replay).
fn next_update_id() -> i64 {
    static NEXT: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(5000);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// A `/start <code>` message from Telegram user `from` in their private chat (same id).
pub fn start_update(from: i64, code: &str) -> Value {
    json!({"update_id": next_update_id(), "message": {"message_id": 1, "date": 1700000000,
        "from": {"id": from, "is_bot": false, "first_name": "Ann"},
        "chat": {"id": from, "type": "private"}, "text": format!("/start {code}")}})
}

/// A button press by `from` on message `message_id` in `chat`.
pub fn press_update(from: i64, chat: i64, message_id: i64, data: &str) -> Value {
    json!({"update_id": next_update_id(), "callback_query": {"id": format!("cq{from}{message_id}"),
        "from": {"id": from, "is_bot": false, "first_name": "Ann"},
        "message": {"message_id": message_id, "date": 1700000000, "chat": {"id": chat, "type": "group"}},
        "chat_instance": "42", "data": data}})
}

/// POSTs an update to our webhook as Telegram does, with `secret` in the header (None: none).
pub async fn deliver(app: &TestApp, update: &Value, secret: Option<&str>) -> u16 {
    let mut req = app.http.post(app.url("/api/telegram/webhook")).json(update);
    if let Some(s) = secret {
        req = req.header("x-telegram-bot-api-secret-token", s);
    }
    req.send().await.unwrap().status().as_u16()
}

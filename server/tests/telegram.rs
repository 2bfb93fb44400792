//! Telegram (issue 18) against a fake Bot API: a person links their chat with the profile's
//! one-time `/start` code; an incident posts to a group with an inline keyboard; a press,
//! delivered to our webhook with the secret token, acts as the linked person, answers the
//! callback and edits the message in place; a wrong or missing token is 401 and changes
//! nothing; a linked person is paged in their chat; 429 waits `retry_after`; polling mode
//! reads getUpdates with offset = last update + 1.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::domain::Role;
use common::telegram::{FakeTelegram, GROUP, deliver, press_update, start_update};
use common::{Cred, TestApp, spawn_app_with_chat};
use opsknight_server::chat::config::Updates;
use serde_json::{Value, json};

async fn status(app: &TestApp, incident: &str) -> String {
    sqlx::query_scalar("SELECT status FROM incidents WHERE id = $1::uuid")
        .bind(incident)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

fn secret(app: &TestApp) -> String {
    opsknight_server::chat::telegram::inbound::webhook_secret(
        &app.state.keys,
        app.outbound.chat_environment().telegram.as_ref().unwrap(),
    )
}

/// Links Telegram user `tg` to `cred`'s person through the profile's code.
async fn link(app: &TestApp, fake: &FakeTelegram, cred: &Cred, tg: i64) {
    fake.add_chat(tg);
    let (s, code) = app
        .call("/api/profile/telegram/link", json!({}), cred)
        .await;
    assert_eq!(s, 200, "{code}");
    let command = code["command"].as_str().unwrap();
    let code = command.strip_prefix("/start ").unwrap();
    assert!(
        code.len() <= 64
            && code
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    );
    assert_eq!(
        deliver(app, &start_update(tg, code), Some(&secret(app))).await,
        200
    );
    let said = fake
        .wait_for("the welcome", |c| {
            c.iter()
                .any(|c| c.method == "sendMessage" && c.body["chat_id"] == json!(tg))
        })
        .await;
    let welcome = said
        .iter()
        .rev()
        .find(|c| c.body["chat_id"] == json!(tg))
        .unwrap();
    assert!(
        welcome.body["text"]
            .as_str()
            .unwrap()
            .starts_with("Linked to OpsKnight"),
        "{welcome:?}"
    );
    // A code works once.
    assert_eq!(
        deliver(app, &start_update(tg, code), Some(&secret(app))).await,
        200
    );
    let said = fake
        .wait_for("the refusal", |c| {
            c.iter().filter(|c| c.body["chat_id"] == json!(tg)).count() == 2
        })
        .await;
    assert!(
        said.iter()
            .rev()
            .find(|c| c.body["chat_id"] == json!(tg))
            .unwrap()
            .body["text"]
            .as_str()
            .unwrap()
            .contains("unknown, used or expired")
    );
}

#[tokio::test]
async fn a_group_message_is_pressed_by_a_linked_person_and_edited_in_place() {
    let fake = FakeTelegram::start().await;
    let app = spawn_app_with_chat(fake.config(Updates::Webhook)).await;
    let admin = app.admin_session().await;
    let ann = app.add_user("ann@example.com", Role::Responder).await;
    let ann_cred = app.session_for(ann.id).await;
    link(&app, &fake, &ann_cred, 555).await;
    let (service, _) = app.service_with_key(&admin, "Checkout").await;
    let (s, added) = app
        .call("/api/services/channels/add",
            json!({"service_id": service, "kind": "TELEGRAM", "target": GROUP.to_string(), "events": ["triggered", "acknowledged", "resolved"]}),
            &admin)
        .await;
    assert_eq!(s, 200, "{added}");
    let _engine = app.start_engine(None);
    let incident = app
        .create_incident(&admin, &service, "Checkout <down>")
        .await;
    let calls = fake
        .wait_for("the post", |c| {
            c.iter().any(|c| {
                c.method == "sendMessage" && c.body["chat_id"] == json!(GROUP) && c.answer == "ok"
            })
        })
        .await;
    let post = calls
        .iter()
        .find(|c| c.body["chat_id"] == json!(GROUP))
        .unwrap();
    assert_eq!(post.body["parse_mode"], "HTML");
    assert!(
        post.body["text"]
            .as_str()
            .unwrap()
            .contains("Checkout &lt;down&gt;")
    );
    let keyboard = post.body["reply_markup"]["inline_keyboard"].clone();
    let ack = keyboard[0][0]["callback_data"].as_str().unwrap().to_owned();
    assert!(ack.len() <= 64);
    let message_id = 3; // two messages went to Ann's chat before

    // Without the secret token, or with a wrong one: 401 and nothing changes.
    let press = press_update(555, GROUP, message_id, &ack);
    assert_eq!(deliver(&app, &press, None).await, 401);
    assert_eq!(deliver(&app, &press, Some("00ff")).await, 401);
    assert_eq!(status(&app, &incident).await, "OPEN");
    assert!(fake.ok_calls("answerCallbackQuery").is_empty());

    assert_eq!(deliver(&app, &press, Some(&secret(&app))).await, 200);
    assert_eq!(status(&app, &incident).await, "ACKNOWLEDGED");
    let calls = fake
        .wait_for("the answer", |c| {
            c.iter().any(|c| c.method == "answerCallbackQuery")
        })
        .await;
    let answer = calls
        .iter()
        .find(|c| c.method == "answerCallbackQuery")
        .unwrap();
    assert_eq!(
        answer.body["callback_query_id"],
        press["callback_query"]["id"]
    );
    assert!(
        answer.body["text"]
            .as_str()
            .unwrap()
            .starts_with("Acknowledged #")
    );
    let calls = fake
        .wait_for("the edit", |c| {
            c.iter()
                .any(|c| c.method == "editMessageText" && c.answer == "ok")
        })
        .await;
    let edit = calls
        .iter()
        .find(|c| c.method == "editMessageText" && c.answer == "ok")
        .unwrap();
    assert_eq!(edit.body["message_id"], message_id);
    let rows = edit.body["reply_markup"]["inline_keyboard"]
        .as_array()
        .unwrap();
    assert_eq!(
        rows[0].as_array().unwrap().len(),
        1,
        "only Resolve is left: {edit:?}"
    );
    assert_eq!(rows[0][0]["text"], "Resolve");
    app.settle().await;
    assert_eq!(
        fake.ok_calls("sendMessage")
            .iter()
            .filter(|c| c.body["chat_id"] == json!(GROUP))
            .count(),
        1,
        "edited, never reposted"
    );

    // An unlinked Telegram user is told to link; nothing changes.
    let resolve = keyboard[0][1]["callback_data"].as_str().unwrap();
    assert_eq!(
        deliver(
            &app,
            &press_update(999, GROUP, message_id, resolve),
            Some(&secret(&app))
        )
        .await,
        200
    );
    let calls = fake
        .wait_for("the refusal", |c| {
            c.iter()
                .filter(|c| c.method == "answerCallbackQuery")
                .count()
                == 2
        })
        .await;
    let refusal = calls
        .iter()
        .rev()
        .find(|c| c.method == "answerCallbackQuery")
        .unwrap();
    assert!(
        refusal.body["text"]
            .as_str()
            .unwrap()
            .contains("not linked")
    );
    assert_eq!(status(&app, &incident).await, "ACKNOWLEDGED");
}

#[tokio::test]
async fn a_linked_person_is_paged_in_their_chat_and_a_429_waits_retry_after() {
    let fake = FakeTelegram::start().await;
    let app = spawn_app_with_chat(fake.config(Updates::Webhook)).await;
    let admin = app.admin_session().await;
    let ann = app.add_user("ann@example.com", Role::Responder).await;
    let ann_cred = app.session_for(ann.id).await;
    link(&app, &fake, &ann_cred, 777).await;
    let (s, methods) = app
        .call("/api/profile/contact-methods", json!({}), &ann_cred)
        .await;
    assert_eq!(s, 200);
    let tg = methods
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == "TELEGRAM")
        .unwrap()
        .clone();
    assert_eq!(tg["address"], "777");
    assert_eq!(tg["verified"], true);
    let service = app
        .service_with_policy(&admin, "Payments",
            json!([{"delay_minutes": 5, "targets": [{"kind": "USER", "id": ann.id}], "channels": ["TELEGRAM"]}]))
        .await;
    fake.script(429, "Too Many Requests: retry after 4", Some(4));
    let _engine = app.start_engine(None);
    let incident = app.create_incident(&admin, &service, "Card declines").await;
    fake.wait_for("the 429", |c| {
        c.iter().any(|c| c.answer.starts_with("Too Many"))
    })
    .await;
    app.settle().await;
    app.advance(chrono::Duration::seconds(60)).await;
    let calls = fake
        .wait_for("the page", |c| {
            c.iter().any(|c| {
                c.method == "sendMessage"
                    && c.body["chat_id"] == json!(777)
                    && c.body["reply_markup"].is_object()
                    && c.answer == "ok"
            })
        })
        .await;
    let page = calls
        .iter()
        .rev()
        .find(|c| c.body["chat_id"] == json!(777) && c.answer == "ok")
        .unwrap();
    assert!(
        page.body["text"]
            .as_str()
            .unwrap()
            .contains("Card declines")
    );
    let ack = page.body["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        .as_str()
        .unwrap();
    let id = fake.ok_calls("sendMessage").len() as i64;
    assert_eq!(
        deliver(&app, &press_update(777, 777, id, ack), Some(&secret(&app))).await,
        200
    );
    assert_eq!(status(&app, &incident).await, "ACKNOWLEDGED");
    let via: String = sqlx::query_scalar("SELECT details->>'via' FROM incident_timeline WHERE incident_id = $1::uuid AND kind = 'ACKNOWLEDGED'")
        .bind(&incident)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(via, "Telegram");
}

#[tokio::test]
async fn polling_reads_updates_with_the_next_offset() {
    let fake = FakeTelegram::start().await;
    let app = spawn_app_with_chat(fake.config(Updates::Poll)).await;
    let ann = app.add_user("ann@example.com", Role::Responder).await;
    let ann_cred = app.session_for(ann.id).await;
    fake.add_chat(321);
    let (_, code) = app
        .call("/api/profile/telegram/link", json!({}), &ann_cred)
        .await;
    let code = code["command"]
        .as_str()
        .unwrap()
        .strip_prefix("/start ")
        .unwrap()
        .to_owned();
    let id = fake.queue_update(start_update(321, &code));
    let task = opsknight_server::chat::start(app.state.clone(), app.outbound.clone()).unwrap();
    fake.wait_for("deleteWebhook then getUpdates", |c| {
        let methods: Vec<&str> = c.iter().map(|c| c.method.as_str()).collect();
        methods.contains(&"deleteWebhook")
            && methods.iter().filter(|m| **m == "getUpdates").count() >= 2
    })
    .await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !fake.offsets().contains(&Some(id + 1)) {
        assert!(
            std::time::Instant::now() < deadline,
            "offsets {:?}",
            fake.offsets()
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(
        fake.offsets()[0],
        None,
        "the first poll starts from the oldest"
    );
    let linked: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM chat_links WHERE provider = 'TELEGRAM' AND external_id = '321'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(linked, 1);
    let bot: Value = sqlx::query_scalar("SELECT value FROM settings WHERE key = 'telegram.bot'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(bot["username"], "opsknight_test_bot");
    // Stopping the chat task (as shutdown does) stops the poller it started: getUpdates calls
    // stop coming (with the poller left running they come every ~50 ms).
    task.abort();
    let polls = || {
        fake.calls()
            .iter()
            .filter(|c| c.method == "getUpdates")
            .count()
    };
    let stopped = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        loop {
            let before = polls();
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            if polls() == before {
                break;
            }
        }
    })
    .await;
    assert!(stopped.is_ok(), "the poller outlived its task");
}

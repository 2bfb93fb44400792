//! Telegram updates, however they arrive: `POST /api/telegram/webhook` (the
//! `X-Telegram-Bot-Api-Secret-Token` header must be the secret token we gave `setWebhook`:
//! 401 and nothing changes otherwise) or `getUpdates` (`poll.rs`). A button press acts as the
//! linked person, answers `answerCallbackQuery` (or the button keeps spinning) and redraws
//! the message; `/start <code>` links the sender's chat to the person whose profile made
//! the code.

use std::time::Duration;

use app::channels::render::{self, telegram};
use app::channels::{ChatProvider, messages};
use app::secrets::Keyring;
use app::state::AppState;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::api;
use crate::chat::config::TelegramConfig;
use crate::outbound::Outbound;

const PURPOSE: &str = "telegram-webhook";
const CALL: Duration = Duration::from_secs(10);

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route("/api/telegram/webhook", axum::routing::post(webhook))
}

/// The `secret_token` we give `setWebhook`: derived from the keyring and the bot token, so
/// every instance computes the same one and a new bot token gets a new one.
pub fn webhook_secret(keys: &Keyring, tg: &TelegramConfig) -> String {
    hex::encode(keys.sign(PURPOSE, tg.bot_token.as_bytes()))
}

fn secret_ok(keys: &Keyring, tg: &TelegramConfig, given: Option<&str>) -> bool {
    given
        .and_then(|g| hex::decode(g.trim()).ok())
        .is_some_and(|tag| tag.len() == 32 && keys.verify(PURPOSE, tg.bot_token.as_bytes(), &tag))
}

async fn webhook(
    State(state): State<AppState>,
    Extension(out): Extension<Outbound>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(tg) = out.chat().await.telegram.clone() else {
        return crate::chat::refuse(app::error::AppError::NotFound {
            what: "the Telegram bot (set it up in Settings or OPSKNIGHT_TELEGRAM_BOT_TOKEN)".into(),
        });
    };
    let given = headers
        .get("x-telegram-bot-api-secret-token")
        .and_then(|v| v.to_str().ok());
    if !secret_ok(&state.keys, &tg, given) {
        tracing::warn!("refused a Telegram update without our secret token");
        return crate::chat::unauthenticated(
            "x-telegram-bot-api-secret-token",
            "missing or wrong secret token",
        );
    }
    let Ok(update) = serde_json::from_slice::<Value>(&body) else {
        return crate::chat::refuse(app::error::AppError::invalid(
            "body",
            "must be a JSON Update",
        ));
    };
    handle(&state, &out, &tg, &update).await;
    StatusCode::OK.into_response()
}

/// Does what one update asks, once per `update_id`. Failures are logged: Telegram would only
/// send it again.
pub async fn handle(state: &AppState, out: &Outbound, tg: &TelegramConfig, update: &Value) {
    if let Some(id) = update["update_id"].as_i64() {
        let key = format!(
            "telegram:{}:{id}",
            &tg.bot_token[..tg.bot_token.find(':').unwrap_or(0)]
        );
        match messages::first_time(&state.pool, &key, state.clock.now()).await {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!(update_id = id, "ignored a Telegram update seen before");
                return;
            }
            Err(e) => {
                tracing::error!(error = %e, "checking a Telegram update for a replay failed");
                return;
            }
        }
    }
    if update["callback_query"].is_object() {
        press(state, out, tg, &update["callback_query"]).await;
    } else if let Some(text) = update["message"]["text"].as_str()
        && let Some(rest) = text.strip_prefix("/start")
    {
        start(state, out, tg, &update["message"], rest.trim()).await;
    }
}

async fn say(out: &Outbound, tg: &TelegramConfig, method: &str, body: Value) {
    if let (Err(a), _) = api::call(out, tg, method, &body, CALL).await {
        tracing::warn!(method, answer = ?a, "a Telegram call failed");
    }
}

async fn press(state: &AppState, out: &Outbound, tg: &TelegramConfig, cq: &Value) {
    let id = cq["id"].as_str().unwrap_or_default().to_owned();
    let answer = |text: String| json!({"callback_query_id": id, "text": render::clip(&text, 200)});
    let Some((what, incident)) = cq["data"].as_str().and_then(telegram::parse_callback) else {
        say(
            out,
            tg,
            "answerCallbackQuery",
            answer("That button is not one of OpsKnight's.".into()),
        )
        .await;
        return;
    };
    let from = cq["from"]["id"]
        .as_i64()
        .map(|i| i.to_string())
        .unwrap_or_default();
    let pool = &state.pool;
    let now = state.clock.now();
    let pressed = match messages::linked_user(pool, ChatProvider::Telegram, &from).await {
        Ok(Some(user)) => {
            app::channels::act::press(
                pool,
                incident,
                user,
                what,
                "Telegram",
                &state.public_url,
                now,
            )
            .await
        }
        Ok(None) => {
            let mut a = answer(format!(
                "Your Telegram is not linked to OpsKnight. Open your profile at {}/profile → Telegram, then press again.",
                state.public_url
            ));
            a["show_alert"] = json!(true);
            say(out, tg, "answerCallbackQuery", a).await;
            return;
        }
        Err(e) => Err(e),
    };
    let pressed = match pressed {
        Ok(p) => p,
        Err(e) => {
            tracing::error!(error = %e, "a Telegram button press failed");
            let sorry = answer("OpsKnight could not do that just now; try again.".into());
            say(out, tg, "answerCallbackQuery", sorry).await;
            return;
        }
    };
    say(out, tg, "answerCallbackQuery", answer(pressed.acted.text)).await;
    // Redraw the message the button was on with the incident as it is now.
    let (Some(chat), Some(message), Some((card, shown))) = (
        cq["message"]["chat"]["id"].as_i64(),
        cq["message"]["message_id"].as_i64(),
        pressed.redraw,
    ) else {
        return;
    };
    let mut body = telegram::message(&card, &shown);
    body["chat_id"] = json!(chat);
    body["message_id"] = json!(message);
    if let (Err(a), _) = api::call(out, tg, "editMessageText", &body, CALL).await
        && !api::description(&a).contains("message is not modified")
    {
        tracing::warn!(answer = ?a, "could not redraw a Telegram message");
    }
}

async fn start(state: &AppState, out: &Outbound, tg: &TelegramConfig, message: &Value, code: &str) {
    let (Some(chat), Some(from)) = (
        message["chat"]["id"].as_i64(),
        message["from"]["id"].as_i64(),
    ) else {
        return;
    };
    let private = message["chat"]["type"] == "private";
    let text = if code.is_empty() || !private {
        "To get OpsKnight pages here, open your OpsKnight profile → Telegram → Link, and send the /start code it shows in this private chat.".to_owned()
    } else {
        match app::channels::links::link_telegram(&state.pool, code, from, chat, state.clock.now()).await {
            Ok(Some(name)) => format!("Linked to OpsKnight as {name}. Pages will arrive here, with Acknowledge and Resolve buttons."),
            Ok(None) => "That code is unknown, used or expired. Open your OpsKnight profile → Telegram → Link for a new one.".to_owned(),
            Err(e) => {
                tracing::error!(error = %e, "linking a Telegram chat failed");
                "OpsKnight could not link this chat just now; try again.".to_owned()
            }
        }
    };
    say(
        out,
        tg,
        "sendMessage",
        json!({"chat_id": chat, "text": text}),
    )
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::config::Updates;

    #[test]
    fn only_our_secret_token_passes() {
        let keys = Keyring::parse("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").unwrap();
        let tg = TelegramConfig {
            bot_token: "1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into(),
            api_url: "https://api.telegram.org".into(),
            updates: Updates::Webhook,
        };
        let secret = webhook_secret(&keys, &tg);
        assert!(secret.len() <= 256 && secret.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert!(secret_ok(&keys, &tg, Some(&secret)));
        assert!(!secret_ok(&keys, &tg, None));
        assert!(!secret_ok(&keys, &tg, Some("")));
        assert!(!secret_ok(&keys, &tg, Some(&secret[..32])));
        let other = TelegramConfig {
            bot_token: "2:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB".into(),
            ..tg.clone()
        };
        assert!(
            !secret_ok(&keys, &other, Some(&secret)),
            "another bot's secret"
        );
    }
}

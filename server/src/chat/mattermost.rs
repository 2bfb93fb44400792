//! `POST /api/mattermost/actions`: a button pressed on an incident's Mattermost post. The
//! Mattermost server posts `{user_id, user_name, channel_id, post_id, context}` unsigned, so
//! the button's `context.token` is ours, signed and expiring (`app::channels::tokens`): a
//! missing or forged token is 401 and changes nothing. The presser acts as the OpsKnight user
//! their Mattermost account is linked to (an unlinked presser gets a link to do so), and the
//! answer's `update` redraws the post with the incident as it is now.

use app::channels::render;
use app::channels::{ChatProvider, messages, tokens};
use app::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// How long a link from an ephemeral reply works.
const LINK_MINUTES: i64 = 30;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route("/api/mattermost/actions", axum::routing::post(action))
}

fn ephemeral(text: impl Into<String>) -> Response {
    Json(json!({"ephemeral_text": text.into()})).into_response()
}

async fn action(State(state): State<AppState>, body: axum::body::Bytes) -> Response {
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return crate::chat::refuse(app::error::AppError::invalid("body", "must be JSON"));
    };
    let now = state.clock.now();
    let token = v["context"]["token"].as_str().unwrap_or_default();
    let (incident, press) = match tokens::check_action(&state.keys, token, now) {
        Ok(x) => x,
        Err(tokens::Bad::Invalid) => {
            tracing::warn!("refused a Mattermost action without a valid token");
            return crate::chat::unauthenticated(
                "context.token",
                "the button's token is missing or not ours",
            );
        }
        Err(tokens::Bad::Expired) => {
            return ephemeral("This button has expired; open the incident in OpsKnight instead.");
        }
    };
    let Some(mm_user) = v["user_id"].as_str().filter(|u| !u.is_empty()) else {
        return crate::chat::refuse(app::error::AppError::invalid("user_id", "is required"));
    };
    let user = match messages::linked_user(&state.pool, ChatProvider::Mattermost, mm_user).await {
        Ok(Some(u)) => u,
        Ok(None) => {
            let link = tokens::link(
                &state.keys,
                ChatProvider::Mattermost,
                mm_user,
                now + chrono::Duration::minutes(LINK_MINUTES),
            );
            return ephemeral(format!(
                "Your Mattermost account is not linked to OpsKnight yet. Open {}/link-chat?token={link} (signed in), then press the button again.",
                state.public_url
            ));
        }
        Err(e) => {
            tracing::error!(error = %e, "a Mattermost action failed");
            return ephemeral("OpsKnight could not do that just now; try again.");
        }
    };
    let pressed = match app::channels::act::press(
        &state.pool,
        incident,
        user,
        press,
        "Mattermost",
        &state.public_url,
        now,
    )
    .await
    {
        Ok(p) => p,
        Err(e) => {
            tracing::error!(error = %e, "a Mattermost action failed");
            return ephemeral("OpsKnight could not do that just now; try again.");
        }
    };
    // Redraw the post with the incident as it is now, whatever the press did.
    let Some((card, shown)) = pressed.redraw else {
        return ephemeral(pressed.acted.text);
    };
    let buttons = crate::outbound::posts::mattermost_buttons(&state.keys, &card, now);
    let attachment = render::mattermost::attachment(
        &card,
        &shown,
        &crate::outbound::posts::mattermost_callback(&state.public_url),
        &buttons,
    );
    let mut answer = json!({"update": {"props": {"attachments": [attachment]}}});
    if !pressed.acted.changed {
        answer["ephemeral_text"] = json!(pressed.acted.text);
    }
    Json(answer).into_response()
}

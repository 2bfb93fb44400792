//! The Settings page's "Chat apps" card: save the Slack app's bot token and signing secret and
//! the Telegram bot's token (write-only, sealed), or forget them.

use leptos::prelude::*;

use super::api::{ClearChatSettings, SaveSlackSettings, SaveTelegramSettings, get_chat_settings};
use crate::components::field::Field;
use crate::components::form::{FormError, action_error};

#[component]
pub fn ChatCard() -> impl IntoView {
    let slack = ServerAction::<SaveSlackSettings>::new();
    let telegram = ServerAction::<SaveTelegramSettings>::new();
    let clear = ServerAction::<ClearChatSettings>::new();
    let view_ = Resource::new(
        move || slack.version().get() + telegram.version().get() + clear.version().get(),
        |_| get_chat_settings(),
    );
    let bot_token = RwSignal::new(String::new());
    let signing_secret = RwSignal::new(String::new());
    let tg_token = RwSignal::new(String::new());
    let slack_error = action_error(slack);
    let tg_error = action_error(telegram);
    Effect::new(move |_| {
        if matches!(slack.value().get(), Some(Ok(_))) {
            bot_token.set(String::new());
            signing_secret.set(String::new());
        }
        if matches!(telegram.value().get(), Some(Ok(_))) {
            tg_token.set(String::new());
        }
    });
    let saved = move |which: &'static str| {
        view_.get().and_then(Result::ok).map(|v| {
            if which == "slack" {
                v.slack_saved
            } else {
                v.telegram_saved
            }
        })
    };
    let state_line = move |which: &'static str| {
        match saved(which) {
        Some(true) => view! { <span class="badge badge--ok">"saved here"</span> }.into_any(),
        Some(false) => view! { <span class="muted small">"not saved here: the environment's settings apply, if any"</span> }.into_any(),
        None => view! { <span class="muted small">"…"</span> }.into_any(),
    }
    };
    let opt = |s: RwSignal<String>| {
        let v = s.get_untracked();
        (!v.trim().is_empty()).then_some(v)
    };
    view! {
        <section class="card" aria-labelledby="chat-h" data-testid="chat-settings">
            <h2 id="chat-h" class="card__title">"Chat apps"</h2>
            <p class="muted small">"Saved here, they win over OPSKNIGHT_SLACK_* and OPSKNIGHT_TELEGRAM_BOT_TOKEN on every instance within seconds. Secrets are write-only and stored encrypted; leave a field empty to keep what is saved."</p>
            <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading…"</p> }>
            <h3 class="card__subtitle">"Slack app " {move || state_line("slack")}</h3>
            <form class="form form--inline" novalidate on:submit=move |ev| {
                ev.prevent_default();
                slack.dispatch(SaveSlackSettings { bot_token: opt(bot_token), signing_secret: opt(signing_secret) });
            }>
                <Field name="bot_token" form="slack" label="Bot token" kind="password" value=bot_token error=slack_error autocomplete="off" hint="xoxb-…"/>
                <Field name="signing_secret" form="slack" label="Signing secret" kind="password" value=signing_secret error=slack_error autocomplete="off"/>
                <FormError error=slack_error fields=&["bot_token", "signing_secret"]/>
                <div class="form__actions">
                    <button class="btn" type="submit" disabled=move || slack.pending().get()>"Save Slack"</button>
                    <Show when=move || saved("slack") == Some(true)>
                        <button class="btn btn--quiet" type="button" on:click=move |_| { clear.dispatch(ClearChatSettings { app: "slack".into() }); }>"Forget"</button>
                    </Show>
                </div>
            </form>
            <h3 class="card__subtitle">"Telegram bot " {move || state_line("telegram")}</h3>
            <form class="form form--inline" novalidate on:submit=move |ev| {
                ev.prevent_default();
                telegram.dispatch(SaveTelegramSettings { bot_token: tg_token.get_untracked() });
            }>
                <Field name="bot_token" form="telegram" label="Bot token" kind="password" value=tg_token error=tg_error autocomplete="off" hint="From @BotFather: 123456789:AAE…"/>
                <FormError error=tg_error fields=&["bot_token"]/>
                <div class="form__actions">
                    <button class="btn" type="submit" disabled=move || telegram.pending().get()>"Save Telegram"</button>
                    <Show when=move || saved("telegram") == Some(true)>
                        <button class="btn btn--quiet" type="button" on:click=move |_| { clear.dispatch(ClearChatSettings { app: "telegram".into() }); }>"Forget"</button>
                    </Show>
                </div>
            </form>
            </Transition>
        </section>
    }
}

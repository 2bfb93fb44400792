//! The two pages chat buttons open in a browser, signed in: `/ack/chat?token=` (the Microsoft
//! Teams card's Acknowledge link: one click acknowledges as you) and `/link-chat?token=`
//! (links the Mattermost or Slack account that pressed a button to your OpsKnight user), with
//! their server functions.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// What the acknowledge page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatAckTarget {
    pub number: i64,
    pub title: String,
    pub service: String,
    pub status: crate::domain::Status,
}

/// `POST /api/chat/ack-info` with `{"token"}` → the incident a chat's acknowledge link names.
#[server(prefix = "/api", endpoint = "chat/ack-info", input = server_fn::codec::Json)]
pub async fn chat_ack_info(token: String) -> Result<ChatAckTarget, AppError> {
    use crate::domain::{Access, Area};
    crate::auth::caller::authorize(Access::Read(Area::Incidents)).await?;
    let state = crate::state::app_state()?;
    let (incident, _) = super::tokens::check_action(&state.keys, &token, state.clock.now())?;
    let card = super::messages::card(&state.pool, incident, &state.public_url).await?;
    Ok(ChatAckTarget {
        number: card.number,
        title: card.title,
        service: card.service,
        status: card.status,
    })
}

/// `POST /api/chat/ack` with `{"token"}` acknowledges (or resolves, as the link says) as the
/// caller → the sentence saying what happened. A USER acts only on their teams' incidents.
#[server(prefix = "/api", endpoint = "chat/ack", input = server_fn::codec::Json)]
pub async fn chat_ack(token: String) -> Result<String, AppError> {
    use crate::domain::{Access, Area};
    let state = crate::state::app_state()?;
    let caller =
        crate::auth::caller::identify(&state, &crate::auth::session::request_info()).await?;
    caller.check_scope(Access::Write(Area::Incidents))?;
    let now = state.clock.now();
    let (incident, press) = super::tokens::check_action(&state.keys, &token, now)?;
    let acted = super::act::act(
        &state.pool,
        incident,
        caller.user.id,
        press.action(),
        "Microsoft Teams",
        now,
    )
    .await?;
    Ok(acted.text)
}

/// What the link page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatLinkTarget {
    pub provider: super::ChatProvider,
    pub external_id: String,
}

/// `POST /api/chat/link-info` with `{"token"}` → the chat account the link names.
#[server(prefix = "/api", endpoint = "chat/link-info", input = server_fn::codec::Json)]
pub async fn chat_link_info(token: String) -> Result<ChatLinkTarget, AppError> {
    crate::auth::caller::authorize(crate::domain::Access::OwnAccount).await?;
    let state = crate::state::app_state()?;
    let (provider, external_id) =
        super::tokens::check_link(&state.keys, &token, state.clock.now())?;
    Ok(ChatLinkTarget {
        provider,
        external_id,
    })
}

/// `POST /api/chat/link` with `{"token"}` links the chat account to the caller (audited).
#[server(prefix = "/api", endpoint = "chat/link", input = server_fn::codec::Json)]
pub async fn chat_link(token: String) -> Result<(), AppError> {
    let caller = crate::auth::caller::authorize(crate::domain::Access::OwnAccount).await?;
    let state = crate::state::app_state()?;
    let now = state.clock.now();
    let (provider, external) = super::tokens::check_link(&state.keys, &token, now)?;
    let mut tx = state.pool.begin().await?;
    super::messages::link(&mut *tx, provider, &external, caller.user.id, now).await?;
    caller
        .audit(
            &mut *tx,
            now,
            "chat.link",
            provider.as_str(),
            serde_json::json!({"external_id": external}),
        )
        .await?;
    tx.commit().await?;
    Ok(())
}

fn provider_label(p: super::ChatProvider) -> &'static str {
    match p {
        super::ChatProvider::Slack => "Slack",
        super::ChatProvider::Telegram => "Telegram",
        super::ChatProvider::Mattermost => "Mattermost",
    }
}

fn token() -> String {
    use_query_map().with(|q| q.get("token").unwrap_or_default())
}

/// `/ack/chat?token=…`: the incident, and one button that acknowledges as you.
#[component]
pub fn ChatAckPage() -> impl IntoView {
    let info = Resource::new(token, chat_ack_info);
    let act = ServerAction::<ChatAck>::new();
    view! {
        <leptos_meta::Title text="Acknowledge · OpsKnight"/>
        <main class="standalone" id="main">
            <div class="standalone__card standalone__card--form">
                <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                    {move || info.get().map(|r| match r {
                        Err(e) => view! {
                            <h1>"Acknowledge"</h1>
                            <p class="notice notice--error" role="alert">{e.user_message()}</p>
                        }.into_any(),
                        Ok(i) => {
                            let open = matches!(i.status, crate::domain::Status::Open | crate::domain::Status::Snoozed);
                            view! {
                                <h1>{format!("#{} {}", i.number, i.title)}</h1>
                                <p class="muted">{format!("{} · {}", i.service, i.status.as_str().to_lowercase())}</p>
                                {move || match act.value().get() {
                                    Some(Ok(text)) => view! { <p class="notice notice--ok" role="status" data-testid="chat-ack-done">{text}</p> }.into_any(),
                                    Some(Err(e)) => view! { <p class="notice notice--error" role="alert">{e.user_message()}</p> }.into_any(),
                                    None if open => view! {
                                        <button class="btn btn--primary" type="button" data-testid="chat-ack"
                                            disabled=move || act.pending().get()
                                            on:click=move |_| { act.dispatch(ChatAck { token: token() }); }>
                                            "Acknowledge as me"
                                        </button>
                                    }.into_any(),
                                    None => view! { <p class="notice" role="status">"Nothing to do: nobody needs to acknowledge it now."</p> }.into_any(),
                                }}
                            }.into_any()
                        }
                    })}
                </Suspense>
            </div>
        </main>
    }
}

/// `/link-chat?token=…`: link the chat account that pressed a button to you.
#[component]
pub fn ChatLinkPage() -> impl IntoView {
    let info = Resource::new(token, chat_link_info);
    let link = ServerAction::<ChatLink>::new();
    view! {
        <leptos_meta::Title text="Link a chat account · OpsKnight"/>
        <main class="standalone" id="main">
            <div class="standalone__card standalone__card--form">
                <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                    {move || info.get().map(|r| match r {
                        Err(e) => view! {
                            <h1>"Link a chat account"</h1>
                            <p class="notice notice--error" role="alert">{e.user_message()}</p>
                        }.into_any(),
                        Ok(t) => view! {
                            <h1>{format!("Link your {} account", provider_label(t.provider))}</h1>
                            <p class="muted">{format!(
                                "Buttons pressed by {} account {} will act as you in OpsKnight.",
                                provider_label(t.provider), t.external_id)}</p>
                            {move || match link.value().get() {
                                Some(Ok(())) => view! { <p class="notice notice--ok" role="status" data-testid="chat-linked">"Linked. Press the button in the chat again."</p> }.into_any(),
                                Some(Err(e)) => view! { <p class="notice notice--error" role="alert">{e.user_message()}</p> }.into_any(),
                                None => view! {
                                    <button class="btn btn--primary" type="button" data-testid="chat-link"
                                        disabled=move || link.pending().get()
                                        on:click=move |_| { link.dispatch(ChatLink { token: token() }); }>
                                        "Link to my account"
                                    </button>
                                }.into_any(),
                            }}
                        }.into_any(),
                    })}
                </Suspense>
            </div>
        </main>
    }
}

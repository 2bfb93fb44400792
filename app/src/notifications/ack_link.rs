//! The one-click acknowledge link in page emails: a signed, expiring token naming one
//! incident and the person paged. Opening `/ack?token=` shows a confirm page (mail scanners
//! that follow links acknowledge nothing); its POST acknowledges as that person.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// How long an acknowledge link works.
pub const VALID_HOURS: i64 = 24;

/// What the confirm page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AckTarget {
    pub number: i64,
    pub title: String,
    pub service: String,
    pub status: crate::domain::Status,
    pub user_name: String,
}

#[cfg(feature = "ssr")]
mod token {
    use chrono::{DateTime, Utc};

    use crate::domain::{IncidentId, UserId};
    use crate::error::AppError;
    use crate::secrets::Keyring;

    const PURPOSE: &str = "ack-link";

    /// `base64url(incident ‖ user ‖ expiry ‖ tag[..16])`: 56 bytes, 75 characters
    /// (`Keyring::seal_token`).
    pub fn issue(
        keys: &Keyring,
        incident: IncidentId,
        user: UserId,
        expires: DateTime<Utc>,
    ) -> String {
        let mut data = Vec::with_capacity(40);
        data.extend_from_slice(incident.0.as_bytes());
        data.extend_from_slice(user.0.as_bytes());
        data.extend_from_slice(&expires.timestamp().to_be_bytes());
        keys.seal_token(PURPOSE, &data)
    }

    /// The incident and person a valid, unexpired token names.
    pub fn check(
        keys: &Keyring,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<(IncidentId, UserId), AppError> {
        let bad = || AppError::invalid("token", "this acknowledge link is not valid");
        let raw = keys
            .open_token(PURPOSE, token)
            .filter(|d| d.len() == 40)
            .ok_or_else(bad)?;
        let id = |b: &[u8]| uuid::Uuid::from_slice(b).map_err(|_| bad());
        let mut exp = [0u8; 8];
        exp.copy_from_slice(&raw[32..40]);
        if i64::from_be_bytes(exp) < now.timestamp() {
            return Err(AppError::invalid(
                "token",
                "this acknowledge link has expired; open the incident instead",
            ));
        }
        Ok((IncidentId(id(&raw[..16])?), UserId(id(&raw[16..32])?)))
    }
}

#[cfg(feature = "ssr")]
pub use token::{check, issue};

/// `POST /api/ack-link/info` with `{"token"}` → the incident the link acknowledges. The token
/// is the credential: no session needed.
#[server(prefix = "/api", endpoint = "ack-link/info", input = server_fn::codec::Json)]
pub async fn ack_link_info(token: String) -> Result<AckTarget, AppError> {
    let state = crate::state::app_state()?;
    let (incident, user) = check(&state.keys, &token, state.clock.now())?;
    super::store::ack_link_info(&state.pool, incident, user).await
}

/// `POST /api/ack-link/confirm` with `{"token"}` acknowledges the incident as the person the
/// link was sent to. A repeat, or an incident already acknowledged or resolved, changes nothing.
#[server(prefix = "/api", endpoint = "ack-link/confirm", input = server_fn::codec::Json)]
pub async fn ack_link_confirm(token: String) -> Result<bool, AppError> {
    use crate::domain::{Status, Transition};
    let state = crate::state::app_state()?;
    let now = state.clock.now();
    let (incident, user) = check(&state.keys, &token, now)?;
    let info = super::store::ack_link_info(&state.pool, incident, user).await?;
    if info.status != Status::Open {
        return Ok(false);
    }
    crate::lifecycle::transition::by_person(
        &state.pool,
        incident,
        Transition::Acknowledge,
        user,
        None,
        now,
    )
    .await
}

/// `/ack?token=…`: confirm, then acknowledge.
#[component]
pub fn AckPage() -> impl IntoView {
    let token = move || use_query_map().with(|q| q.get("token").unwrap_or_default());
    let info = Resource::new(token, ack_link_info);
    let confirm = ServerAction::<AckLinkConfirm>::new();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        confirm.dispatch(AckLinkConfirm { token: token() });
    };
    view! {
        <leptos_meta::Title text="Acknowledge · OpsKnight"/>
        <main class="standalone" id="main">
            <div class="standalone__card standalone__card--form">
                <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                    {move || info.get().map(|r| match r {
                        Err(e) => view! {
                            <h1>"Acknowledge link"</h1>
                            <p class="notice notice--error" role="alert">{e.user_message()}</p>
                            <p><a href="/login">"Sign in"</a></p>
                        }.into_any(),
                        Ok(i) => {
                            let open = i.status == crate::domain::Status::Open;
                            view! {
                                <h1>{format!("#{} {}", i.number, i.title)}</h1>
                                <p class="muted">{format!("{} · paged {}", i.service, i.user_name)}</p>
                                {move || match confirm.value().get() {
                                    Some(Ok(true)) => view! { <p class="notice notice--ok" role="status" data-testid="ack-done">"Acknowledged. Escalation has stopped."</p> }.into_any(),
                                    Some(Ok(false)) => view! { <p class="notice" role="status" data-testid="ack-done">"Nothing to do: the incident is no longer open."</p> }.into_any(),
                                    Some(Err(e)) => view! { <p class="notice notice--error" role="alert">{e.user_message()}</p> }.into_any(),
                                    None if open => view! {
                                        <form class="form" on:submit=on_submit>
                                            <button class="btn btn--primary" type="submit" data-testid="ack-confirm" disabled=move || confirm.pending().get()>"Acknowledge"</button>
                                        </form>
                                    }.into_any(),
                                    None => view! { <p class="notice" role="status">{format!("This incident is {}.", i.status.as_str().to_lowercase())}</p> }.into_any(),
                                }}
                            }.into_any()
                        }
                    })}
                </Suspense>
            </div>
        </main>
    }
}

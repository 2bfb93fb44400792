//! Server functions for the phone provider settings (ADMIN; keys need `admin`). Secrets are
//! write-only; changes are audited and take effect on every instance without a restart.
// `save_phone` takes the form's ten fields as top-level JSON keys; the `server` macro does not
// carry an item-level allow over to the client function it generates.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;

use super::PhoneView;
use crate::error::AppError;

#[cfg(feature = "ssr")]
use super::{PhoneProvider, PhoneSettings};

#[cfg(feature = "ssr")]
fn view_of(source: super::super::MailSource, settings: Option<&PhoneSettings>) -> PhoneView {
    let mut v = PhoneView {
        source,
        provider: settings.map(PhoneSettings::provider),
        account_sid: String::new(),
        auth_token_set: false,
        from: String::new(),
        api_url: super::TWILIO_API_URL.to_owned(),
        url: String::new(),
        method: "POST".into(),
        headers_set: false,
        body: super::DEFAULT_BODY.to_owned(),
        secret_set: false,
    };
    match settings {
        Some(PhoneSettings::Twilio(t)) => {
            v.account_sid.clone_from(&t.account_sid);
            v.auth_token_set = !t.tokens.is_empty();
            v.from.clone_from(&t.from);
            v.api_url.clone_from(&t.api_url);
        }
        Some(PhoneSettings::Gateway(g)) => {
            v.url.clone_from(&g.url);
            v.method = g.method.as_str().to_owned();
            v.headers_set = !g.headers.is_empty();
            v.body = g.body.to_string();
            v.secret_set = g.secret.is_some();
        }
        None => {}
    }
    v
}

#[cfg(feature = "ssr")]
async fn view(state: &crate::state::AppState) -> Result<PhoneView, AppError> {
    use super::super::MailSource;
    if let Some((saved, _)) = super::store::load(&state.pool, &state.keys).await? {
        return Ok(view_of(MailSource::Settings, Some(&saved)));
    }
    Ok(match state.phone.environment() {
        Some(env) => view_of(MailSource::Environment, Some(&env)),
        None => view_of(MailSource::None, None),
    })
}

/// `POST /api/settings/phone` → the phone provider in use (never its secrets).
#[server(prefix = "/api", endpoint = "settings/phone", input = server_fn::codec::Json)]
pub async fn get_phone() -> Result<PhoneView, AppError> {
    crate::auth::caller::authorize(crate::domain::Access::Admin).await?;
    view(&crate::state::app_state()?).await
}

/// The settings to save: the form's, with every secret left `None` taken from the saved
/// ones. A new auth token keeps the old one as the previous token (callbacks signed with
/// it still pass while Twilio's side changes over).
#[cfg(feature = "ssr")]
fn merge(
    saved: Option<PhoneSettings>,
    provider: &str,
    twilio: [&str; 3],
    auth_token: Option<&str>,
    gateway: [&str; 3],
    headers: Option<&str>,
    secret: Option<&str>,
) -> Result<PhoneSettings, AppError> {
    let provider = PhoneProvider::parse(provider)
        .ok_or_else(|| AppError::invalid("provider", "must be twilio or gateway"))?;
    match provider {
        PhoneProvider::Twilio => {
            let old = match saved {
                Some(PhoneSettings::Twilio(t)) => t.tokens,
                _ => Vec::new(),
            };
            let token = match (auth_token, old.first()) {
                (Some(t), _) => t.to_owned(),
                (None, Some(kept)) => kept.clone(),
                (None, None) => return Err(AppError::invalid("auth_token", "is required")),
            };
            let [sid, from, api_url] = twilio;
            let mut t = super::parse_twilio(sid, &token, from, api_url)?;
            match auth_token {
                None => t.tokens = old,
                Some(new) => {
                    if let Some(previous) = old.into_iter().next()
                        && previous != new.trim()
                    {
                        t.tokens.push(previous);
                    }
                }
            }
            Ok(PhoneSettings::Twilio(t))
        }
        PhoneProvider::Gateway => {
            let (old_headers, old_secret) = match saved {
                Some(PhoneSettings::Gateway(g)) => (
                    serde_json::to_string(
                        &g.headers
                            .into_iter()
                            .collect::<std::collections::BTreeMap<_, _>>(),
                    )
                    .unwrap_or_default(),
                    g.secret.unwrap_or_default(),
                ),
                _ => (String::new(), String::new()),
            };
            let [url, method, body] = gateway;
            let g = super::parse_gateway(
                url,
                method,
                headers.unwrap_or(&old_headers),
                body,
                secret.unwrap_or(&old_secret),
            )?;
            Ok(PhoneSettings::Gateway(g))
        }
    }
}

/// `POST /api/settings/phone/save` with `{"provider":"twilio","account_sid","auth_token",
/// "from","api_url","url","method","headers","body","secret"}` (the other provider's fields
/// are ignored). A secret (`auth_token`, `headers`, `secret`) left `null` keeps the saved one;
/// `""` removes an optional one. Saved settings win over the environment.
#[server(prefix = "/api", endpoint = "settings/phone/save", input = server_fn::codec::Json)]
pub async fn save_phone(
    provider: String,
    #[server(default)] account_sid: String,
    #[server(default)] auth_token: Option<String>,
    #[server(default)] from: String,
    #[server(default)] api_url: String,
    #[server(default)] url: String,
    #[server(default)] method: String,
    #[server(default)] headers: Option<String>,
    #[server(default)] body: String,
    #[server(default)] secret: Option<String>,
) -> Result<PhoneView, AppError> {
    let caller = crate::auth::caller::authorize(crate::domain::Access::Admin).await?;
    let state = crate::state::app_state()?;
    let saved = super::store::load(&state.pool, &state.keys)
        .await?
        .map(|(s, _)| s);
    let api_url = if api_url.trim().is_empty() {
        super::TWILIO_API_URL
    } else {
        &api_url
    };
    let method = if method.trim().is_empty() {
        "POST"
    } else {
        &method
    };
    let body = if body.trim().is_empty() {
        super::DEFAULT_BODY
    } else {
        &body
    };
    let settings = merge(
        saved,
        &provider,
        [&account_sid, &from, api_url],
        auth_token.as_deref(),
        [&url, method, body],
        headers.as_deref(),
        secret.as_deref(),
    )?;
    let now = state.clock.now();
    super::store::save(&state.pool, &state.keys, &settings, caller.user.id, now).await?;
    caller
        .audit(
            &state.pool,
            now,
            "settings.phone.save",
            settings.provider().as_str(),
            serde_json::json!({"secrets_changed": auth_token.is_some() || headers.is_some() || secret.is_some()}),
        )
        .await?;
    view(&state).await
}

/// `POST /api/settings/phone/clear`: forget the saved settings (the environment applies).
#[server(prefix = "/api", endpoint = "settings/phone/clear", input = server_fn::codec::Json)]
pub async fn clear_phone() -> Result<PhoneView, AppError> {
    let caller = crate::auth::caller::authorize(crate::domain::Access::Admin).await?;
    let state = crate::state::app_state()?;
    super::store::clear(&state.pool).await?;
    caller
        .audit(
            &state.pool,
            state.clock.now(),
            "settings.phone.clear",
            "phone",
            serde_json::json!({}),
        )
        .await?;
    view(&state).await
}

/// `POST /api/settings/phone/test` with `{"to":"+14155550123"}`: sends a test SMS now through
/// the provider in use. A number that is not E.164 answers 400 naming `to`; a provider's
/// refusal (bad credentials, a number it will not text) answers 409 with its answer, and one
/// it could not reach 503.
#[server(prefix = "/api", endpoint = "settings/phone/test", input = server_fn::codec::Json)]
pub async fn test_phone(to: String) -> Result<(), AppError> {
    crate::auth::caller::authorize(crate::domain::Access::Admin).await?;
    let state = crate::state::app_state()?;
    let to = crate::domain::PhoneNumber::parse("to", &to)?;
    let Some(sender) = state.phone.sender().await? else {
        return Err(AppError::conflict(
            "no phone provider is configured: save Twilio or gateway settings first",
        ));
    };
    let body =
        "OpsKnight test SMS. If you can read it, pages can reach phones through this provider.";
    match sender.send_text(to.as_str(), body).await {
        Ok(_) => Ok(()),
        Err(e) if e.permanent => Err(AppError::conflict(format!(
            "the provider refused the test SMS: {}",
            e.message
        ))),
        Err(e) => Err(AppError::Unavailable {
            message: format!("the provider did not take the test SMS: {}", e.message),
        }),
    }
}

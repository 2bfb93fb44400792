//! Every phone provider settings operation, once: the caller's check (ADMIN; keys need
//! `admin`), validation and the change. Secrets are write-only; changes are audited and take
//! effect on every instance without a restart.

use super::{PhoneProvider, PhoneSettings, PhoneView};
use crate::auth::caller::Caller;
use crate::domain::Access;
use crate::error::AppError;
use crate::state::AppState;

/// The phone form's fields, as given (the other provider's are ignored). A secret
/// (`auth_token`, `headers`, `secret`) left `None` keeps the saved one.
#[derive(Debug, Clone, Copy)]
pub struct PhoneInput<'a> {
    pub provider: &'a str,
    pub account_sid: &'a str,
    pub auth_token: Option<&'a str>,
    pub from: &'a str,
    pub api_url: &'a str,
    pub url: &'a str,
    pub method: &'a str,
    pub headers: Option<&'a str>,
    pub body: &'a str,
    pub secret: Option<&'a str>,
}

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

async fn view(state: &AppState) -> Result<PhoneView, AppError> {
    use super::super::MailSource;
    if let Some((saved, _)) = super::store::load(&state.pool, &state.keys).await? {
        return Ok(view_of(MailSource::Settings, Some(&saved)));
    }
    Ok(match state.phone.environment() {
        Some(env) => view_of(MailSource::Environment, Some(&env)),
        None => view_of(MailSource::None, None),
    })
}

/// The phone provider in use (never its secrets).
pub async fn get(state: &AppState, caller: &Caller) -> Result<PhoneView, AppError> {
    caller.check(Access::Admin)?;
    view(state).await
}

/// The settings to save: the form's, with every secret left `None` taken from the saved
/// ones. A new auth token keeps the old one as the previous token (callbacks signed with
/// it still pass while Twilio's side changes over).
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

/// Saves the phone provider settings (saved settings win over the environment) → the
/// provider in use.
pub async fn save(
    state: &AppState,
    caller: &Caller,
    input: PhoneInput<'_>,
) -> Result<PhoneView, AppError> {
    caller.check(Access::Admin)?;
    let saved = super::store::load(&state.pool, &state.keys)
        .await?
        .map(|(s, _)| s);
    let api_url = if input.api_url.trim().is_empty() {
        super::TWILIO_API_URL
    } else {
        input.api_url
    };
    let method = if input.method.trim().is_empty() {
        "POST"
    } else {
        input.method
    };
    let body = if input.body.trim().is_empty() {
        super::DEFAULT_BODY
    } else {
        input.body
    };
    let settings = merge(
        saved,
        input.provider,
        [input.account_sid, input.from, api_url],
        input.auth_token,
        [input.url, method, body],
        input.headers,
        input.secret,
    )?;
    let now = state.clock.now();
    super::store::save(&state.pool, &state.keys, &settings, caller.user.id, now).await?;
    let secrets_changed =
        input.auth_token.is_some() || input.headers.is_some() || input.secret.is_some();
    caller
        .audit(
            &state.pool,
            now,
            "settings.phone.save",
            settings.provider().as_str(),
            serde_json::json!({"secrets_changed": secrets_changed}),
        )
        .await?;
    view(state).await
}

/// Forgets the saved settings (the environment applies) → the provider in use.
pub async fn clear(state: &AppState, caller: &Caller) -> Result<PhoneView, AppError> {
    caller.check(Access::Admin)?;
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
    view(state).await
}

/// Sends a test SMS to `to` now through the provider in use.
pub async fn test(state: &AppState, caller: &Caller, to: &str) -> Result<(), AppError> {
    caller.check(Access::Admin)?;
    let to = crate::domain::PhoneNumber::parse("to", to)?;
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

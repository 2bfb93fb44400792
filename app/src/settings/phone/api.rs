//! Server functions for the phone provider settings: shells over `ops`, which holds the
//! rules (ADMIN; keys need `admin`; secrets are write-only; changes are audited).
// `save_phone` takes the form's ten fields as top-level JSON keys; the `server` macro does not
// carry an item-level allow over to the client function it generates.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;

use super::PhoneView;
use crate::error::AppError;

/// `POST /api/settings/phone` → the phone provider in use (never its secrets).
#[server(prefix = "/api", endpoint = "settings/phone", input = server_fn::codec::Json)]
pub async fn get_phone() -> Result<PhoneView, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::get(&state, &caller).await
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
    let (state, caller) = crate::auth::caller::current().await?;
    let input = super::ops::PhoneInput {
        provider: &provider,
        account_sid: &account_sid,
        auth_token: auth_token.as_deref(),
        from: &from,
        api_url: &api_url,
        url: &url,
        method: &method,
        headers: headers.as_deref(),
        body: &body,
        secret: secret.as_deref(),
    };
    super::ops::save(&state, &caller, input).await
}

/// `POST /api/settings/phone/clear`: forget the saved settings (the environment applies).
#[server(prefix = "/api", endpoint = "settings/phone/clear", input = server_fn::codec::Json)]
pub async fn clear_phone() -> Result<PhoneView, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::clear(&state, &caller).await
}

/// `POST /api/settings/phone/test` with `{"to":"+14155550123"}`: sends a test SMS now through
/// the provider in use. A number that is not E.164 answers 400 naming `to`; a provider's
/// refusal (bad credentials, a number it will not text) answers 409 with its answer, and one
/// it could not reach 503.
#[server(prefix = "/api", endpoint = "settings/phone/test", input = server_fn::codec::Json)]
pub async fn test_phone(to: String) -> Result<(), AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::test(&state, &caller, &to).await
}

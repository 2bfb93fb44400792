//! Server functions of single sign-on: the sign-in page's options (anyone), and the settings
//! (ADMIN). The redirects themselves are plain routes in the server crate (`server::sso`).

use leptos::prelude::*;

use super::{SignInOptions, SsoForm, SsoView};
use crate::error::AppError;

/// `POST /api/auth/sso-options` → `{"sso_label": "Okta" | null, "password_for_everyone"}`.
#[server(prefix = "/api", endpoint = "auth/sso-options", input = server_fn::codec::Json)]
pub async fn sso_options() -> Result<SignInOptions, AppError> {
    let state = crate::state::app_state()?;
    super::ops::sign_in_options(&state).await
}

/// `POST /api/settings/sso` → the settings view (ADMIN).
#[server(prefix = "/api", endpoint = "settings/sso", input = server_fn::codec::Json)]
pub async fn sso_settings() -> Result<SsoView, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::view(&state, &caller).await
}

/// `POST /api/settings/sso/save` with `{"form": {...}}` (ADMIN). Errors name the field.
#[server(prefix = "/api", endpoint = "settings/sso/save", input = server_fn::codec::Json)]
pub async fn save_sso_settings(form: SsoForm) -> Result<SsoView, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::save(&state, &caller, form).await
}

/// `POST /api/settings/sso/clear` (ADMIN): back to the environment's settings, if any.
#[server(prefix = "/api", endpoint = "settings/sso/clear", input = server_fn::codec::Json)]
pub async fn clear_sso_settings() -> Result<SsoView, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::clear(&state, &caller).await
}

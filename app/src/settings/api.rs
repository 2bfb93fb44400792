//! Server functions for settings: shells over `ops`, which holds the rules (ADMIN; keys need
//! `admin`; changes are audited; the SMTP password is write-only).

use leptos::prelude::*;

use super::SmtpView;
use crate::error::AppError;

/// `POST /api/settings/smtp` → the email settings in use (never the password).
#[server(prefix = "/api", endpoint = "settings/smtp", input = server_fn::codec::Json)]
pub async fn get_smtp() -> Result<SmtpView, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::get_smtp(&state, &caller).await
}

/// `POST /api/settings/smtp/save` with `{"host","port":587,"security":"STARTTLS","username",
/// "password":null,"from":"OpsKnight <pager@example.com>"}`. `password: null` keeps the saved
/// one; `""` removes it. The password is stored encrypted.
#[server(prefix = "/api", endpoint = "settings/smtp/save", input = server_fn::codec::Json)]
pub async fn save_smtp(
    host: String,
    port: i64,
    security: String,
    username: String,
    password: Option<String>,
    from: String,
) -> Result<SmtpView, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    let input = super::ops::SmtpInput {
        host: &host,
        port,
        security: &security,
        username: &username,
        password: password.as_deref(),
        from: &from,
    };
    super::ops::save_smtp(&state, &caller, input).await
}

/// `POST /api/settings/smtp/clear`: forget the saved settings (the environment applies).
#[server(prefix = "/api", endpoint = "settings/smtp/clear", input = server_fn::codec::Json)]
pub async fn clear_smtp() -> Result<SmtpView, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::clear_smtp(&state, &caller).await
}

/// `POST /api/settings/smtp/test` with `{"to"}`: sends a test email now with the settings in
/// use. A refusal comes back as a 503 with the mail server's answer.
#[server(prefix = "/api", endpoint = "settings/smtp/test", input = server_fn::codec::Json)]
pub async fn test_smtp(to: String) -> Result<(), AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::test_smtp(&state, &caller, &to).await
}

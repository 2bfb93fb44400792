//! Server functions for settings (ADMIN; keys need `admin`). Changes are audited; the SMTP
//! password is write-only.

use leptos::prelude::*;

use super::SmtpView;
#[cfg(feature = "ssr")]
use super::{MailSource, SmtpSecurity};
use crate::error::AppError;

/// Checks SMTP fields; errors name the field.
#[cfg(feature = "ssr")]
pub fn parse_smtp(
    host: &str,
    port: i64,
    security: &str,
    username: &str,
    password: &str,
    from: &str,
) -> Result<super::SmtpConfig, AppError> {
    let host = host.trim();
    if host.is_empty() {
        return Err(AppError::invalid("host", "is required"));
    }
    if host.len() > 253
        || !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
    {
        return Err(AppError::invalid(
            "host",
            "must be a host name or IP address",
        ));
    }
    let port = u16::try_from(port)
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| AppError::invalid("port", "must be between 1 and 65535"))?;
    let security = SmtpSecurity::parse(security)
        .ok_or_else(|| AppError::invalid("security", "must be TLS, STARTTLS or NONE"))?;
    if username.chars().count() > 256 {
        return Err(AppError::invalid(
            "username",
            "must be at most 256 characters",
        ));
    }
    if password.chars().count() > 1024 {
        return Err(AppError::invalid(
            "password",
            "must be at most 1024 characters",
        ));
    }
    let from = from.trim();
    let address = match (from.rfind('<'), from.ends_with('>')) {
        (Some(open), true) => &from[open + 1..from.len() - 1],
        _ => from,
    };
    crate::domain::Email::parse("from", address)?;
    if from.chars().any(char::is_control) {
        return Err(AppError::invalid("from", "must be one line"));
    }
    Ok(super::SmtpConfig {
        host: host.to_owned(),
        port,
        security,
        username: username.trim().to_owned(),
        password: password.to_owned(),
        from: from.to_owned(),
    })
}

#[cfg(feature = "ssr")]
async fn view(state: &crate::state::AppState) -> Result<SmtpView, AppError> {
    Ok(match super::store::smtp(&state.pool, &state.keys).await? {
        Some((c, _)) => SmtpView {
            source: MailSource::Settings,
            host: c.host,
            port: c.port,
            security: c.security,
            username: c.username,
            password_set: !c.password.is_empty(),
            from: c.from,
        },
        None => SmtpView {
            source: if state.mailer.environment() {
                MailSource::Environment
            } else {
                MailSource::None
            },
            host: String::new(),
            port: 587,
            security: SmtpSecurity::Starttls,
            username: String::new(),
            password_set: false,
            from: String::new(),
        },
    })
}

/// `POST /api/settings/smtp` → the email settings in use (never the password).
#[server(prefix = "/api", endpoint = "settings/smtp", input = server_fn::codec::Json)]
pub async fn get_smtp() -> Result<SmtpView, AppError> {
    crate::auth::caller::authorize(crate::domain::Access::Admin).await?;
    view(&crate::state::app_state()?).await
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
    let caller = crate::auth::caller::authorize(crate::domain::Access::Admin).await?;
    let state = crate::state::app_state()?;
    let keep = password.is_none();
    let config = parse_smtp(
        &host,
        port,
        &security,
        &username,
        password.as_deref().unwrap_or(""),
        &from,
    )?;
    let now = state.clock.now();
    super::store::save_smtp(&state.pool, &state.keys, &config, keep, caller.user.id, now).await?;
    caller
        .audit(
            &state.pool,
            now,
            "settings.smtp.save",
            &config.host,
            serde_json::json!({"port": config.port, "security": config.security.as_str(),
                               "password_changed": !keep}),
        )
        .await?;
    view(&state).await
}

/// `POST /api/settings/smtp/clear`: forget the saved settings (the environment applies).
#[server(prefix = "/api", endpoint = "settings/smtp/clear", input = server_fn::codec::Json)]
pub async fn clear_smtp() -> Result<SmtpView, AppError> {
    let caller = crate::auth::caller::authorize(crate::domain::Access::Admin).await?;
    let state = crate::state::app_state()?;
    super::store::clear_smtp(&state.pool).await?;
    caller
        .audit(
            &state.pool,
            state.clock.now(),
            "settings.smtp.clear",
            "smtp",
            serde_json::json!({}),
        )
        .await?;
    view(&state).await
}

/// `POST /api/settings/smtp/test` with `{"to"}`: sends a test email now with the settings in
/// use. A refusal comes back as a 503 with the mail server's answer.
#[server(prefix = "/api", endpoint = "settings/smtp/test", input = server_fn::codec::Json)]
pub async fn test_smtp(to: String) -> Result<(), AppError> {
    crate::auth::caller::authorize(crate::domain::Access::Admin).await?;
    let state = crate::state::app_state()?;
    let to = crate::domain::Email::parse("to", &to)?;
    let Some(mailer) = state.mailer.current(&state.pool, &state.keys).await? else {
        return Err(AppError::conflict(
            "email is not configured: save SMTP settings first",
        ));
    };
    let mail = crate::mail::Mail {
        to: to.as_str().to_owned(),
        subject: "OpsKnight test email".into(),
        body: format!(
            "This is a test email from OpsKnight at {}.\nIf you can read it, pages will reach you by email.\n",
            state.public_url
        ),
        html: None,
    };
    mailer.send(mail).await.map_err(|e| AppError::Unavailable {
        message: format!("the mail server did not accept the test email: {e}"),
    })
}

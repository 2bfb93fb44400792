//! Every email (SMTP) settings operation, once: the caller's check (ADMIN; keys need
//! `admin`), validation and the change. Changes are audited; the SMTP password is write-only.

use super::{MailSource, SmtpSecurity, SmtpView};
use crate::auth::caller::Caller;
use crate::domain::Access;
use crate::error::AppError;
use crate::state::AppState;

/// The SMTP form's fields, as given. `password: None` keeps the saved one.
#[derive(Debug, Clone, Copy)]
pub struct SmtpInput<'a> {
    pub host: &'a str,
    pub port: i64,
    pub security: &'a str,
    pub username: &'a str,
    pub password: Option<&'a str>,
    pub from: &'a str,
}

/// Checks SMTP fields; errors name the field.
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

async fn view(state: &AppState) -> Result<SmtpView, AppError> {
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

/// The email settings in use (never the password).
pub async fn get_smtp(state: &AppState, caller: &Caller) -> Result<SmtpView, AppError> {
    caller.check(Access::Admin)?;
    view(state).await
}

/// Saves the SMTP settings (the password encrypted) → the settings in use.
pub async fn save_smtp(
    state: &AppState,
    caller: &Caller,
    input: SmtpInput<'_>,
) -> Result<SmtpView, AppError> {
    caller.check(Access::Admin)?;
    let keep = input.password.is_none();
    let config = parse_smtp(
        input.host,
        input.port,
        input.security,
        input.username,
        input.password.unwrap_or(""),
        input.from,
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
    view(state).await
}

/// Forgets the saved SMTP settings (the environment applies) → the settings in use.
pub async fn clear_smtp(state: &AppState, caller: &Caller) -> Result<SmtpView, AppError> {
    caller.check(Access::Admin)?;
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
    view(state).await
}

/// Sends a test email to `to` now with the settings in use.
pub async fn test_smtp(state: &AppState, caller: &Caller, to: &str) -> Result<(), AppError> {
    caller.check(Access::Admin)?;
    let to = crate::domain::Email::parse("to", to)?;
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
        headers: Vec::new(),
    };
    mailer.send(mail).await.map_err(|e| AppError::Unavailable {
        message: format!("the mail server did not accept the test email: {e}"),
    })
}

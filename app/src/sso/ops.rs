//! Every single sign-on settings operation, once: what the sign-in page offers (anyone), the
//! settings view and save (ADMIN; keys need `admin`). Saves are checked field by field,
//! sealed and audited; the client secret is write-only.

use super::config::{self, Saved, check_client_value, check_issuer, check_label};
use super::rules::{parse_domains, parse_scopes};
use super::{
    CALLBACK_PATH, LOGGED_OUT_PATH, PasswordLogin, RULES_MAX, SignInOptions, SsoForm, SsoSource,
    SsoView,
};
use crate::auth::caller::Caller;
use crate::domain::{Access, Role};
use crate::error::AppError;
use crate::state::AppState;
use crate::users::UserStatus;

/// What the sign-in page offers. Open to anonymous callers: it names only the button label.
pub async fn sign_in_options(state: &AppState) -> Result<SignInOptions, AppError> {
    Ok(match config::effective(state).await? {
        Some(cfg) => SignInOptions {
            sso_label: Some(cfg.label),
            password_for_everyone: cfg.password_login == PasswordLogin::Everyone,
        },
        None => SignInOptions {
            sso_label: None,
            password_for_everyone: true,
        },
    })
}

/// Whether `user` may sign in with a password under the settings in force.
pub async fn password_allowed(
    state: &AppState,
    user: crate::domain::UserId,
) -> Result<bool, AppError> {
    Ok(match config::effective(state).await? {
        Some(cfg) if cfg.password_login == PasswordLogin::BreakGlassOnly => {
            cfg.break_glass_user == Some(user)
        }
        _ => true,
    })
}

/// The settings page's view.
pub async fn view(state: &AppState, caller: &Caller) -> Result<SsoView, AppError> {
    caller.check(Access::Admin)?;
    let redirect_uri = format!("{}{CALLBACK_PATH}", state.public_url);
    let post_logout_uri = format!("{}{LOGGED_OUT_PATH}", state.public_url);
    let (form, has_secret, source) = match config::saved(&state.pool).await? {
        Some(s) => (form_of(&s), true, SsoSource::Saved),
        None => match state.sso_env.as_deref() {
            Some(env) => (
                SsoForm {
                    enabled: true,
                    issuer: env.issuer.clone(),
                    client_id: env.client_id.clone(),
                    scopes: env.scopes.join(" "),
                    label: env.label.clone(),
                    default_role: Some(Role::Responder),
                    ..SsoForm::default()
                },
                true,
                SsoSource::Environment,
            ),
            None => (
                SsoForm {
                    scopes: "openid email profile".into(),
                    default_role: Some(Role::Responder),
                    ..SsoForm::default()
                },
                false,
                SsoSource::None,
            ),
        },
    };
    Ok(SsoView {
        form,
        has_secret,
        source,
        redirect_uri,
        post_logout_uri,
    })
}

fn form_of(s: &Saved) -> SsoForm {
    SsoForm {
        enabled: s.enabled,
        issuer: s.issuer.clone(),
        client_id: s.client_id.clone(),
        client_secret: String::new(),
        scopes: s.scopes.join(" "),
        label: s.label.clone(),
        auto_provision: s.auto_provision,
        default_role: Some(s.default_role),
        allowed_domains: s.allowed_domains.join(", "),
        role_rules: s.role_rules.clone(),
        team_rules: s.team_rules.clone(),
        password_login: s.password_login,
        break_glass_user: s.break_glass_user,
    }
}

fn check_claim(raw: &str, field: String) -> Result<String, AppError> {
    let v = raw.trim();
    if v.is_empty() || v.len() > 200 || v.chars().any(char::is_control) {
        return Err(AppError::invalid(
            field,
            "is required, one line, at most 200 characters",
        ));
    }
    Ok(v.to_owned())
}

/// Saves the settings (they win over the environment on every instance at once). Errors name
/// the field; nothing is saved unless every field is good.
pub async fn save(state: &AppState, caller: &Caller, form: SsoForm) -> Result<SsoView, AppError> {
    caller.check(Access::Admin)?;
    let issuer = check_issuer(&form.issuer).map_err(|m| AppError::invalid("issuer", m))?;
    let client_id = check_client_value(&form.client_id, "client id")
        .map_err(|m| AppError::invalid("client_id", m))?;
    let scopes = parse_scopes(&form.scopes).map_err(|m| AppError::invalid("scopes", m))?;
    let label = check_label(&form.label).map_err(|m| AppError::invalid("label", m))?;
    let allowed_domains = parse_domains(&form.allowed_domains)
        .map_err(|m| AppError::invalid("allowed_domains", m))?;
    if form.role_rules.len() > RULES_MAX {
        return Err(AppError::invalid(
            "role_rules",
            format!("at most {RULES_MAX} rules"),
        ));
    }
    if form.team_rules.len() > RULES_MAX {
        return Err(AppError::invalid(
            "team_rules",
            format!("at most {RULES_MAX} rules"),
        ));
    }
    let mut role_rules = Vec::new();
    for (i, r) in form.role_rules.iter().enumerate() {
        role_rules.push(super::RoleRule {
            claim: check_claim(&r.claim, format!("role_rules[{i}].claim"))?,
            value: check_claim(&r.value, format!("role_rules[{i}].value"))?,
            role: r.role,
        });
    }
    let mut team_rules = Vec::new();
    for (i, r) in form.team_rules.iter().enumerate() {
        let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM teams WHERE id = $1)")
            .bind(r.team_id)
            .fetch_one(&state.pool)
            .await?;
        if !exists {
            return Err(AppError::invalid(
                format!("team_rules[{i}].team_id"),
                "no such team",
            ));
        }
        team_rules.push(super::TeamRule {
            claim: check_claim(&r.claim, format!("team_rules[{i}].claim"))?,
            value: check_claim(&r.value, format!("team_rules[{i}].value"))?,
            team_id: r.team_id,
        });
    }
    if form.password_login == PasswordLogin::BreakGlassOnly {
        let admin = match form.break_glass_user {
            Some(u) => crate::users::store::get(&state.pool, u).await.ok(),
            None => None,
        };
        if !admin.is_some_and(|a| a.role == Role::Admin && a.status == UserStatus::Active) {
            return Err(AppError::invalid(
                "break_glass_user",
                "choose an active ADMIN who may still sign in with a password",
            ));
        }
    }
    let mut tx = state.pool.begin().await?;
    let previous = config::saved(&mut *tx).await?;
    let client_secret_enc = if form.client_secret.trim().is_empty() {
        match (&previous, state.sso_env.as_deref()) {
            (Some(p), _) => p.client_secret_enc.clone(),
            (None, Some(env)) => state.keys.encrypt(&env.client_secret),
            (None, None) => {
                return Err(AppError::invalid(
                    "client_secret",
                    "the client secret is required",
                ));
            }
        }
    } else {
        let secret = check_client_value(&form.client_secret, "client secret")
            .map_err(|m| AppError::invalid("client_secret", m))?;
        state.keys.encrypt(&secret)
    };
    let saved = Saved {
        enabled: form.enabled,
        issuer,
        client_id,
        client_secret_enc,
        scopes,
        label,
        auto_provision: form.auto_provision,
        default_role: form.default_role.unwrap_or(Role::Responder),
        allowed_domains,
        role_rules,
        team_rules,
        password_login: form.password_login,
        break_glass_user: form
            .break_glass_user
            .filter(|_| form.password_login == PasswordLogin::BreakGlassOnly),
    };
    let value = serde_json::to_value(&saved).map_err(|e| AppError::Internal {
        message: format!("sso settings do not serialise: {e}"),
    })?;
    let now = state.clock.now();
    crate::settings::store::put(&mut *tx, config::KEY, value, caller.user.id, now).await?;
    let mut details = serde_json::to_value(form_of(&saved)).unwrap_or_default();
    if let Some(d) = details.as_object_mut() {
        d.remove("client_secret");
        d.insert(
            "secret_changed".into(),
            (!form.client_secret.trim().is_empty()).into(),
        );
    }
    caller
        .audit(&mut *tx, now, "settings.sso_saved", "sso", details)
        .await?;
    tx.commit().await?;
    view(state, caller).await
}

/// Removes the saved settings (the environment's, if any, apply again). Audited.
pub async fn clear(state: &AppState, caller: &Caller) -> Result<SsoView, AppError> {
    caller.check(Access::Admin)?;
    let mut tx = state.pool.begin().await?;
    crate::settings::store::remove(&mut *tx, config::KEY).await?;
    let now = state.clock.now();
    caller
        .audit(
            &mut *tx,
            now,
            "settings.sso_cleared",
            "sso",
            serde_json::json!({}),
        )
        .await?;
    tx.commit().await?;
    view(state, caller).await
}

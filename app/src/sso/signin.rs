//! What happens once the provider's signed identity has been verified: the account it belongs
//! to (linked by (issuer, subject), else by verified email, else provisioned), the claim rules'
//! role and team memberships, and the session — all in one transaction, audited. A refusal
//! creates nothing.

use serde_json::{Map, Value, json};

use super::Refusal;
use super::config::Effective;
use super::rules::{domain_allowed, role_from, teams_from};
use crate::audit::store::{Entry, record};
use crate::auth::session::{new_token, token_hash};
use crate::domain::{Email, Role, TeamId, UserId};
use crate::error::AppError;
use crate::state::AppState;
use crate::teams::TeamRole;
use crate::users::{UserStatus, UserSummary};

/// A verified identity from the provider: the ID token's claims merged with userinfo's.
#[derive(Debug, Clone)]
pub struct Identity {
    pub issuer: String,
    pub subject: String,
    pub claims: Map<String, Value>,
    /// The raw ID token, kept on the session as the logout hint.
    pub id_token: String,
}

/// A session opened: its cookie token, the user, and where to go.
#[derive(Debug)]
pub struct Opened {
    pub user: UserSummary,
    pub token: String,
}

/// Why `complete` did not open a session.
#[derive(Debug)]
pub enum Failure {
    /// Refused for a reason the person is told, with a detail for the audit log.
    Refused(Refusal, String),
    Error(AppError),
}

impl From<AppError> for Failure {
    fn from(e: AppError) -> Self {
        Failure::Error(e)
    }
}

impl From<sqlx::Error> for Failure {
    fn from(e: sqlx::Error) -> Self {
        Failure::Error(e.into())
    }
}

/// The request facts an audit entry and a session record.
pub struct Client<'a> {
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
}

/// The verified email of an identity, or the refusal.
fn verified_email(claims: &Map<String, Value>) -> Result<Email, Failure> {
    let email = claims
        .get("email")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let verified = match claims.get("email_verified") {
        Some(Value::Bool(b)) => *b,
        // Some providers send the boolean as text.
        Some(Value::String(s)) => s == "true",
        _ => false,
    };
    if email.is_empty() || !verified {
        return Err(Failure::Refused(
            Refusal::EmailUnverified,
            format!("email {:?}, email_verified {verified}", email),
        ));
    }
    Email::parse("email", email).map_err(|_| {
        Failure::Refused(
            Refusal::EmailUnverified,
            format!("email {email:?} is not an address"),
        )
    })
}

/// Opens a session for `id`, or says why not. Nothing is written on a refusal but the audit
/// entry (and, for a disabled account, the revocation of any session it still had).
pub async fn complete(
    state: &AppState,
    cfg: &Effective,
    id: &Identity,
    client: &Client<'_>,
) -> Result<Opened, Failure> {
    let now = state.clock.now();
    let email = verified_email(&id.claims)?;
    if !domain_allowed(email.as_str(), &cfg.allowed_domains) {
        return Err(Failure::Refused(
            Refusal::DomainNotAllowed,
            email.as_str().to_owned(),
        ));
    }
    let mut tx = state.pool.begin().await?;
    let (user_id, how) = match super::store::linked_user(&mut *tx, &id.issuer, &id.subject).await? {
        Some(u) => (u, "linked"),
        None => match super::store::user_by_email(&mut *tx, email.as_str()).await? {
            Some(u) => (u, "linked_by_email"),
            None if cfg.auto_provision => {
                let role = role_from(&id.claims, &cfg.role_rules).unwrap_or(cfg.default_role);
                let name = display_name(&id.claims, &email);
                let u = super::store::provision_user(&mut *tx, &email, &name, role, now).await?;
                (u, "provisioned")
            }
            None => {
                return Err(Failure::Refused(
                    Refusal::NoAccount,
                    email.as_str().to_owned(),
                ));
            }
        },
    };
    // Locked, so a concurrent disable or role change waits for this sign-in.
    sqlx::query("SELECT 1 FROM users WHERE id = $1 FOR UPDATE")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    let mut user = crate::users::store::get(&mut *tx, user_id).await?;
    if user.status == UserStatus::Disabled {
        crate::auth::store::revoke_user_sessions(&mut *tx, user.id, now).await?;
        tx.commit().await?;
        return Err(Failure::Refused(Refusal::Disabled, user.email));
    }
    super::store::link(
        &mut *tx,
        &id.issuer,
        &id.subject,
        user.id,
        email.as_str(),
        now,
    )
    .await?;
    let audit = |action: &'static str, details: Value| Entry {
        at: now,
        actor: Some(user_id),
        action,
        target: None,
        ip: client.ip,
        details,
    };
    let wanted_role = role_from(&id.claims, &cfg.role_rules).unwrap_or(user.role);
    let role = keep_last_admin(&mut tx, &user, wanted_role).await?;
    if role != user.role || user.status == UserStatus::Invited {
        let before = user.role;
        user = crate::users::store::set_role_and_status(
            &mut *tx,
            user.id,
            role,
            UserStatus::Active,
            now,
        )
        .await?;
        if before != role {
            let details =
                json!({"from": before.as_str(), "to": role.as_str(), "by": "claim rules"});
            record(
                &mut *tx,
                Entry {
                    target: Some(&user.email),
                    ..audit("sso.role_changed", details)
                },
            )
            .await?;
        }
    }
    for (team, added) in sync_teams(&mut tx, user.id, &id.claims, cfg, now).await? {
        let action = if added {
            "sso.team_added"
        } else {
            "sso.team_removed"
        };
        let details = json!({"team_id": team, "by": "claim rules"});
        record(
            &mut *tx,
            Entry {
                target: Some(&user.email),
                ..audit(action, details)
            },
        )
        .await?;
    }
    let token = new_token();
    let session = crate::auth::store::insert_session(
        &mut *tx,
        user.id,
        &token_hash(&token),
        now,
        client.ip,
        client.user_agent,
    )
    .await?;
    super::store::set_session_id_token(&mut *tx, session, &id.id_token).await?;
    let details = json!({"issuer": id.issuer, "subject": id.subject, "account": how});
    record(
        &mut *tx,
        Entry {
            target: Some(&user.email),
            ..audit("sso.login", details)
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Opened { user, token })
}

/// The role to set: `wanted`, unless that would demote the last active ADMIN (then ADMIN
/// stays, with a warning in the log: the rules must not lock everyone out).
async fn keep_last_admin(
    tx: &mut sqlx::PgConnection,
    user: &UserSummary,
    wanted: Role,
) -> Result<Role, AppError> {
    if user.role != Role::Admin || wanted == Role::Admin || user.status != UserStatus::Active {
        return Ok(wanted);
    }
    if crate::users::store::lock_active_admins(tx).await? <= 1 {
        tracing::warn!(user = %user.email, "claim rules would demote the last active admin; kept ADMIN");
        return Ok(Role::Admin);
    }
    Ok(wanted)
}

/// The name of a provisioned account: the `name` claim, else the email's local part.
fn display_name(claims: &Map<String, Value>, email: &Email) -> String {
    let name = claims
        .get("name")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|n| !n.is_empty() && !n.chars().any(char::is_control))
        .unwrap_or_else(|| email.as_str().split('@').next().unwrap_or("user"));
    name.chars().take(100).collect()
}

/// Makes the person's membership of every rule-managed team follow the claims: added as
/// MEMBER when a rule matches, removed when none does. Teams not named by a rule, and the
/// role within a team someone already belongs to, are left alone. Returns the changes.
async fn sync_teams(
    tx: &mut sqlx::PgConnection,
    user: UserId,
    claims: &Map<String, Value>,
    cfg: &Effective,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<(TeamId, bool)>, AppError> {
    if cfg.team_rules.is_empty() {
        return Ok(Vec::new());
    }
    let (managed, member) = teams_from(claims, &cfg.team_rules);
    let managed: Vec<TeamId> = managed.into_iter().collect();
    // Teams deleted since the rule was written are skipped.
    let existing: Vec<TeamId> = sqlx::query_scalar("SELECT id FROM teams WHERE id = ANY($1)")
        .bind(&managed)
        .fetch_all(&mut *tx)
        .await?;
    let current: Vec<TeamId> = sqlx::query_scalar(
        "SELECT team_id FROM team_members WHERE user_id = $1 AND team_id = ANY($2)",
    )
    .bind(user)
    .bind(&existing)
    .fetch_all(&mut *tx)
    .await?;
    let mut changes = Vec::new();
    for team in existing {
        match (member.contains(&team), current.contains(&team)) {
            (true, false) => {
                crate::teams::store::set_member(tx, team, user, TeamRole::Member, false, now)
                    .await?;
                changes.push((team, true));
            }
            (false, true) => {
                crate::teams::store::remove_member(&mut *tx, team, user).await?;
                changes.push((team, false));
            }
            _ => {}
        }
    }
    Ok(changes)
}

/// Records a refused attempt (its own statement: nothing else was written).
pub async fn audit_refusal(
    state: &AppState,
    refusal: Refusal,
    detail: &str,
    ip: Option<&str>,
) -> Result<(), AppError> {
    record(
        &state.pool,
        Entry {
            at: state.clock.now(),
            actor: None,
            action: "sso.refused",
            target: None,
            ip,
            details: json!({"reason": refusal.code(), "detail": detail}),
        },
    )
    .await
}

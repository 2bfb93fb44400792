//! One-shot subcommands: `migrate`, `user add`, `apikey create` and `rollup`. They work with or without a running server.

use std::io::{IsTerminal, Read, Write};

use anyhow::Context;
use app::clock::{Clock, SystemClock};
use app::domain::{Role, password};
use app::error::AppError;
use app::users::NewUser;
use rand::Rng;

use crate::config::{ApiKeyCreateArgs, GlobalArgs, RollupArgs, UserAddArgs};
use crate::database::{self, Database};

pub async fn migrate(global: &GlobalArgs) -> anyhow::Result<()> {
    let db = Database::open(global).await?;
    let result = database::migrate(db.pool.sessions()).await;
    if result.is_ok() {
        tracing::info!("migrations applied");
    }
    let closed = db.close_command().await;
    result.and(closed)
}

/// An app error reported against the CLI flag it came from.
fn flag_error(err: AppError) -> anyhow::Error {
    match err {
        AppError::Invalid { field, message } if field == "password" => {
            anyhow::anyhow!("password (stdin): {message}")
        }
        AppError::Invalid { field, message } => anyhow::anyhow!("--{field}: {message}"),
        other => anyhow::anyhow!("{}", other.user_message()),
    }
}

pub async fn user_add(global: &GlobalArgs, args: &UserAddArgs) -> anyhow::Result<()> {
    let role = Role::parse(&args.role).with_context(|| {
        format!(
            "--role: {:?} is not one of admin, responder, user",
            args.role
        )
    })?;
    let user = NewUser::parse(&args.email, &args.name, role).map_err(flag_error)?;
    let (password, generated) = match read_password_from_stdin()? {
        Some(p) => {
            password::check("password", &p).map_err(flag_error)?;
            (p, false)
        }
        None => (generate_password(), true),
    };
    let hash = app::users::password::hash(password.clone())
        .await
        .map_err(flag_error)?;

    let db = Database::open(global).await?;
    let result = async {
        database::migrate(db.pool.sessions()).await?;
        app::users::store::insert(&db.pool, &user, &hash, SystemClock.now())
            .await
            .map_err(flag_error)
    }
    .await;
    let closed = db.close_command().await;
    let created = result?;
    closed?;

    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "Created {} {} <{}> (id {})",
        created.role, created.name, created.email, created.id
    )?;
    if generated {
        writeln!(out, "Generated password (shown once): {password}")?;
    }
    Ok(())
}

/// The first line of stdin, unless stdin is a terminal or empty.
fn read_password_from_stdin() -> anyhow::Result<Option<String>> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Ok(None);
    }
    let mut buf = String::new();
    stdin
        .lock()
        .take(4096)
        .read_to_string(&mut buf)
        .context("read password from stdin")?;
    let line = buf
        .lines()
        .next()
        .unwrap_or("")
        .trim_end_matches('\r')
        .to_owned();
    Ok((!line.is_empty()).then_some(line))
}

fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::thread_rng();
    (0..20)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

/// `opsknight apikey create`: prints a new key for an ACTIVE user (shown once). Audited as
/// the owner's own action, marked as coming from the CLI.
pub async fn apikey_create(global: &GlobalArgs, args: &ApiKeyCreateArgs) -> anyhow::Result<()> {
    let email = app::domain::Email::parse("email", &args.email).map_err(flag_error)?;
    let db = Database::open(global).await?;
    let result = async {
        database::migrate(db.pool.sessions()).await?;
        let owner = app::users::store::find_active_by_email(&db.pool, email.as_str())
            .await
            .map_err(flag_error)?
            .with_context(|| format!("--email: no active user has the email {}", email.as_str()))?;
        let new =
            app::apikeys::NewApiKey::parse(owner.role, &args.name, &args.scopes, args.expires_days)
                .map_err(|e| match e {
                    AppError::Invalid { field, message } if field == "expires_in_days" => {
                        anyhow::anyhow!("--expires-days: {message}")
                    }
                    other => flag_error(other),
                })?;
        let now = SystemClock.now();
        let mut tx = db.pool.begin().await.context("begin transaction")?;
        let created = app::apikeys::store::create(&mut *tx, owner.id, &new, now)
            .await
            .map_err(flag_error)?;
        app::audit::store::record(
            &mut *tx,
            app::audit::store::Entry {
                at: now,
                actor: Some(owner.id),
                action: "apikey.create",
                target: Some(&created.key.prefix),
                ip: None,
                details: serde_json::json!({"name": new.name, "scopes": new.scopes, "via": "cli"}),
            },
        )
        .await
        .map_err(flag_error)?;
        tx.commit().await.context("commit")?;
        anyhow::Ok(created)
    }
    .await;
    let closed = db.close_command().await;
    let created = result?;
    closed?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", created.secret)?;
    Ok(())
}

/// A `--flag` date (YYYY-MM-DD).
fn day_flag(flag: &str, raw: &str) -> anyhow::Result<chrono::NaiveDate> {
    raw.trim()
        .parse()
        .map_err(|_| anyhow::anyhow!("--{flag}: {raw:?} is not a date (YYYY-MM-DD)"))
}

/// `opsknight rollup --from YYYY-MM-DD [--to YYYY-MM-DD]`: recomputes the analytics rollup
/// of each UTC day in the span (one transaction per day), logging progress.
pub async fn rollup(global: &GlobalArgs, args: &RollupArgs) -> anyhow::Result<()> {
    let now = SystemClock.now();
    let from = day_flag("from", &args.from)?;
    let to = match &args.to {
        Some(raw) => day_flag("to", raw)?,
        None => now.date_naive(),
    };
    if from > to {
        anyhow::bail!("--from: {from} is after the last day {to}");
    }
    if to > now.date_naive() {
        anyhow::bail!("--to: {to} is in the future");
    }
    let db = Database::open(global).await?;
    let result = async {
        database::migrate(db.pool.sessions()).await?;
        let total = (to - from).num_days() + 1;
        let mut day = from;
        let mut done = 0;
        while day <= to {
            let mut tx = db.pool.begin().await.context("begin transaction")?;
            let rows = app::analytics::rollup::compute_day(&mut tx, day, now)
                .await
                .map_err(flag_error)?;
            tx.commit().await.context("commit")?;
            done += 1;
            tracing::info!(%day, rows, done, total, "rollup day computed");
            day += chrono::Duration::days(1);
        }
        let mut tx = db.pool.begin().await.context("begin transaction")?;
        app::analytics::rollup::analyze(&mut tx)
            .await
            .map_err(flag_error)?;
        tx.commit().await.context("commit")?;
        anyhow::Ok(done)
    }
    .await;
    let closed = db.close_command().await;
    let done = result?;
    closed?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "rollup: {done} days recomputed ({from} to {to})")?;
    Ok(())
}

//! Opening the database: a given `DATABASE_URL`, or the embedded cluster. Also the migrator.

use std::str::FromStr;
use std::time::{Duration, Instant};

use anyhow::Context;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool};

use crate::config::{GlobalArgs, redact_url};
use crate::postgres::{self, EmbeddedPostgres};

/// The migrations in `/migrations`, embedded at compile time. `run` holds a Postgres advisory
/// lock, so instances starting together apply each migration once.
pub static MIGRATOR: Migrator = sqlx::migrate!("../migrations");

/// The pool, and the embedded cluster when this process uses one.
pub struct Database {
    pub pool: PgPool,
    pub embedded: Option<EmbeddedPostgres>,
}

impl Database {
    /// Connects to `--database-url`, or starts (or adopts) the embedded cluster.
    pub async fn open(args: &GlobalArgs) -> anyhow::Result<Database> {
        let (options, embedded) = match &args.database_url {
            Some(url) => {
                if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
                    anyhow::bail!(
                        "invalid DATABASE_URL {}: must start with postgres:// or postgresql://",
                        redact_url(url)
                    );
                }
                let options = PgConnectOptions::from_str(url).map_err(|e| {
                    anyhow::anyhow!("invalid DATABASE_URL {}: {e}", redact_url(url))
                })?;
                (options, None)
            }
            None => {
                let data_dir = args.data_dir.clone();
                let pg = tokio::task::spawn_blocking(move || EmbeddedPostgres::start(&data_dir))
                    .await
                    .context("embedded postgres start task")??;
                create_database_if_missing(&pg).await?;
                (pg.connect_options(), Some(pg))
            }
        };
        let pool = match connect(options, args).await {
            Ok(pool) => pool,
            Err(e) => {
                if let Some(pg) = embedded.as_ref().filter(|pg| pg.started_here) {
                    let _ = pg.stop();
                }
                return Err(e);
            }
        };
        Ok(Database { pool, embedded })
    }

    /// Closes the pool, then stops the embedded cluster if this process started or adopted it.
    pub async fn close(self) -> anyhow::Result<()> {
        self.pool.close().await;
        if let Some(pg) = self.embedded {
            tokio::task::spawn_blocking(move || pg.stop())
                .await
                .context("embedded postgres stop task")??;
        }
        Ok(())
    }

    /// Like `close`, but leaves a cluster running that this process merely adopted (a server
    /// may be using it). For one-shot commands.
    pub async fn close_command(self) -> anyhow::Result<()> {
        match self.embedded {
            Some(ref pg) if !pg.started_here => {
                self.pool.close().await;
                Ok(())
            }
            _ => self.close().await,
        }
    }
}

/// Applies pending migrations.
pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    MIGRATOR
        .run(pool)
        .await
        .context("apply database migrations")
}

/// Retries the first connection until the connect timeout, then reports the real cause.
async fn connect(options: PgConnectOptions, args: &GlobalArgs) -> anyhow::Result<PgPool> {
    let deadline = Instant::now() + args.connect_timeout();
    let target = format!(
        "{}/{}",
        options
            .get_socket()
            .map(|s| s.display().to_string())
            .unwrap_or_else(|| format!("{}:{}", options.get_host(), options.get_port())),
        options.get_database().unwrap_or("")
    );
    loop {
        let attempt = tokio::time::timeout(
            deadline
                .saturating_duration_since(Instant::now())
                .max(Duration::from_millis(100)),
            PgConnection::connect_with(&options),
        )
        .await;
        match attempt {
            Ok(Ok(conn)) => {
                let _ = conn.close().await;
                break;
            }
            Ok(Err(e)) if Instant::now() < deadline && is_transient(&e) => {
                tracing::debug!(error = %e, "database not ready; retrying");
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            Ok(Err(e)) => anyhow::bail!("cannot connect to database {target}: {e}"),
            Err(_) => anyhow::bail!(
                "cannot connect to database {target}: no answer within {}s",
                args.db_connect_timeout
            ),
        }
    }
    PgPoolOptions::new()
        .max_connections(args.db_max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options)
        .await
        .with_context(|| format!("open connection pool to {target}"))
}

/// Errors worth waiting out while a database comes up.
fn is_transient(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_) => true,
        // 57P03: the database system is starting up.
        sqlx::Error::Database(db) => db.code().as_deref() == Some("57P03"),
        _ => false,
    }
}

async fn create_database_if_missing(pg: &EmbeddedPostgres) -> anyhow::Result<()> {
    let mut conn = PgConnection::connect_with(&pg.connect_options_for("postgres"))
        .await
        .context("connect to the embedded cluster")?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(postgres::DB_NAME)
            .fetch_one(&mut conn)
            .await
            .context("look up the opsknight database")?;
    if !exists {
        sqlx::query("CREATE DATABASE opsknight")
            .execute(&mut conn)
            .await
            .context("create the opsknight database")?;
    }
    conn.close().await.ok();
    Ok(())
}

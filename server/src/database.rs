//! Opening the database: a given `DATABASE_URL`, or the embedded cluster. Also the migrator.

use std::str::FromStr;
use std::time::{Duration, Instant};

use anyhow::Context;
use app::db::Db;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool};

use crate::config::{GlobalArgs, redact_url};
use crate::postgres::{self, EmbeddedPostgres};

/// The migrations in `/migrations`, embedded at compile time. `run` holds a Postgres advisory
/// lock, so instances starting together apply each migration once.
pub static MIGRATOR: Migrator = sqlx::migrate!("../migrations");

/// The database handle (work pool and session connections), and the embedded cluster when
/// this process uses one.
pub struct Database {
    /// Every query and transaction go through `pool` (through the pooler when there is one);
    /// LISTEN and the migrator use its session connections: on the direct URL when
    /// `DATABASE_URL` goes through a transaction-mode pooler, else on `DATABASE_URL`, in a pool
    /// of their own either way, so the long-held LISTEN connections never take one the work
    /// needs (with a pool of two they took all of it).
    pub pool: Db,
    pub embedded: Option<EmbeddedPostgres>,
}

/// Connections kept for sessions: the engine's LISTEN, the live views' LISTEN, the migrator.
const DIRECT_CONNECTIONS: u32 = 4;

/// Parses a Postgres URL from `var`; errors name the variable, never the password.
fn parse_url(var: &str, url: &str) -> anyhow::Result<PgConnectOptions> {
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        anyhow::bail!(
            "invalid {var} {}: must start with postgres:// or postgresql://",
            redact_url(url)
        );
    }
    PgConnectOptions::from_str(url)
        .map_err(|e| anyhow::anyhow!("invalid {var} {}: {e}", redact_url(url)))
}

impl Database {
    /// Connects to `--database-url`, or starts (or adopts) the embedded cluster.
    pub async fn open(args: &GlobalArgs) -> anyhow::Result<Database> {
        let direct = match (&args.database_url, &args.database_direct_url) {
            (_, None) => None,
            (Some(_), Some(url)) => Some(parse_url("OPSKNIGHT_DATABASE_DIRECT_URL", url)?),
            (None, Some(_)) => anyhow::bail!(
                "OPSKNIGHT_DATABASE_DIRECT_URL is set but DATABASE_URL is not: the direct URL \
                 is for a database reached through a pooler"
            ),
        };
        let replica = match (&args.database_url, &args.database_read_url) {
            (_, None) => None,
            (Some(_), Some(url)) => Some(parse_url("OPSKNIGHT_DATABASE_READ_URL", url)?),
            (None, Some(_)) => anyhow::bail!(
                "OPSKNIGHT_DATABASE_READ_URL is set but DATABASE_URL is not: a replica needs a \
                 primary it replicates"
            ),
        };
        let (options, embedded) = match &args.database_url {
            Some(url) => (parse_url("DATABASE_URL", url)?, None),
            None => {
                let data_dir = args.data_dir.clone();
                let pg = tokio::task::spawn_blocking(move || EmbeddedPostgres::start(&data_dir))
                    .await
                    .context("embedded postgres start task")??;
                create_database_if_missing(&pg).await?;
                (pg.connect_options(), Some(pg))
            }
        };
        // A transaction-mode pooler hands each transaction any server connection: a
        // statement prepared on one is unknown on the next, so none is kept.
        let pooled = direct.is_some();
        let (options, direct) = match direct {
            Some(direct) => (options.statement_cache_capacity(0), direct),
            None => (options.clone(), options),
        };
        let opened = async {
            let pool = connect(options, args, args.db_max_connections).await?;
            let sessions = connect(direct, args, DIRECT_CONNECTIONS).await?;
            let db = Db::with_sessions(pool, sessions, pooled);
            anyhow::Ok(match replica {
                Some(replica) => {
                    let replica = match pooled {
                        true => replica.statement_cache_capacity(0),
                        false => replica,
                    };
                    db.with_replica(connect(replica, args, args.db_max_connections).await?)
                }
                None => db,
            })
        };
        let pool = match opened.await {
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

/// Applies pending migrations. Give it the session connections (`Db::sessions`): the
/// migrator holds an advisory lock, which a transaction-mode pooler would not keep.
pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    MIGRATOR
        .run(pool)
        .await
        .context("apply database migrations")
}

/// Retries the first connection until the connect timeout, then reports the real cause.
async fn connect(
    options: PgConnectOptions,
    args: &GlobalArgs,
    max_connections: u32,
) -> anyhow::Result<PgPool> {
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
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(args.db_acquire_timeout))
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

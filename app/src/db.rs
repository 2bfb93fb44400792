//! `Db`, the database handle every feature runs its SQL on: a connection pool that also works
//! behind a transaction-mode pooler (PgBouncer), where each transaction may get a different
//! server connection.
//!
//! sqlx sends a statement in two round trips (parse, then bind and execute), and a
//! transaction-mode pooler may hand the second to another server connection, where the
//! statement does not exist. So behind a pooler a statement run on the `Db` itself, outside
//! any transaction, runs inside one of its own (BEGIN, the statement, COMMIT), which keeps
//! both round trips on one server connection. Statements inside a transaction (`begin`) need
//! nothing more. Without a pooler, `Db` is the plain pool.
//!
//! An optional read replica (`stale_reads`) serves the reads that may be a little behind:
//! the incident list, analytics, the audit log.
//!
//! The named statements sqlx prepares live as long as the transaction's server connection
//! keeps them; the pooler must drop them when the transaction ends (PgBouncer:
//! `server_reset_query = DEALLOCATE ALL`, `server_reset_query_always = 1`; see
//! docs/operations.md), and the pool keeps no statement cache.

use std::sync::Arc;

use futures_util::{StreamExt, TryStreamExt, future::BoxFuture, stream::BoxStream};
use sqlx::postgres::{PgQueryResult, PgRow, PgStatement, PgTypeInfo};
use sqlx::{Describe, Either, Execute, Executor, PgPool, Postgres, SqlStr, Transaction};

/// The work pool, whether a transaction-mode pooler stands between it and Postgres, and the
/// session connections (LISTEN, the migrator's advisory lock), which never go through one.
#[derive(Clone, Debug)]
pub struct Db {
    pool: PgPool,
    sessions: PgPool,
    pooled: bool,
    /// A read replica, reached the same way as `pool` (through the same kind of pooler).
    replica: Option<Arc<Db>>,
}

impl Db {
    /// One pool of direct connections for everything (tests and tools).
    pub fn new(pool: PgPool) -> Db {
        Db {
            sessions: pool.clone(),
            pool,
            pooled: false,
            replica: None,
        }
    }

    /// The work pool (`pooled`: through a transaction-mode pooler) and a separate pool of
    /// direct session connections, so that long-held LISTEN connections never take one the
    /// work needs.
    pub fn with_sessions(pool: PgPool, sessions: PgPool, pooled: bool) -> Db {
        Db {
            pool,
            sessions,
            pooled,
            replica: None,
        }
    }

    /// Adds a read replica for `stale_reads`.
    pub fn with_replica(mut self, replica: PgPool) -> Db {
        self.replica = Some(Arc::new(Db {
            pool: replica,
            sessions: self.sessions.clone(),
            pooled: self.pooled,
            replica: None,
        }));
        self
    }

    /// Where reads that may lag a little behind the latest writes go (lists, analytics): the
    /// read replica when there is one, else this `Db`. Never for a read that decides a write.
    pub fn stale_reads(&self) -> &Db {
        self.replica.as_deref().unwrap_or(self)
    }

    /// Direct session connections: for LISTEN and session-level locks only; every query
    /// goes through the `Db` itself or its transactions.
    pub fn sessions(&self) -> &PgPool {
        &self.sessions
    }

    /// Whether statements outside a transaction get one of their own.
    pub fn is_pooled(&self) -> bool {
        self.pooled
    }

    /// A transaction on one connection.
    pub async fn begin(&self) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
        self.pool.begin().await
    }

    pub fn is_closed(&self) -> bool {
        self.pool.is_closed()
    }

    /// Closes the work pool, the session pool and the replica's pool.
    pub async fn close(&self) {
        self.pool.close().await;
        self.sessions.close().await;
        if let Some(replica) = &self.replica {
            replica.pool.close().await;
        }
    }

    /// The work pool's connections: open now, idle now, and its limit (for metrics).
    pub fn connections(&self) -> (u32, usize, u32) {
        (
            self.pool.size(),
            self.pool.num_idle(),
            self.pool.options().get_max_connections(),
        )
    }
}

type Step = Either<PgQueryResult, PgRow>;

impl<'p> Executor<'p> for &'_ Db {
    type Database = Postgres;

    fn fetch_many<'e, 'q: 'e, E>(self, query: E) -> BoxStream<'e, Result<Step, sqlx::Error>>
    where
        'p: 'e,
        E: 'q + Execute<'q, Postgres>,
    {
        if !self.pooled {
            return (&self.pool).fetch_many(query);
        }
        // The rows are read whole before COMMIT: a stream cannot outlive its transaction.
        let pool = self.pool.clone();
        futures_util::stream::once(async move {
            let mut tx = pool.begin().await?;
            let steps: Vec<Step> = (&mut *tx).fetch_many(query).try_collect().await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(futures_util::stream::iter(steps.into_iter().map(Ok)))
        })
        .try_flatten()
        .boxed()
    }

    fn fetch_optional<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxFuture<'e, Result<Option<PgRow>, sqlx::Error>>
    where
        'p: 'e,
        E: 'q + Execute<'q, Postgres>,
    {
        if !self.pooled {
            return (&self.pool).fetch_optional(query);
        }
        let pool = self.pool.clone();
        Box::pin(async move {
            let mut tx = pool.begin().await?;
            let row = (&mut *tx).fetch_optional(query).await?;
            tx.commit().await?;
            Ok(row)
        })
    }

    fn prepare_with<'e>(
        self,
        sql: SqlStr,
        parameters: &'e [PgTypeInfo],
    ) -> BoxFuture<'e, Result<PgStatement, sqlx::Error>>
    where
        'p: 'e,
    {
        (&self.pool).prepare_with(sql, parameters)
    }

    fn describe<'e>(self, sql: SqlStr) -> BoxFuture<'e, Result<Describe<Postgres>, sqlx::Error>>
    where
        'p: 'e,
    {
        (&self.pool).describe(sql)
    }
}

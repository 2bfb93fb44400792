//! Alert repeats stay HOT updates: a repeat of an open incident's dedup key writes only
//! `alert_count` and `updated_at`, and Postgres updates a row without touching the indexes
//! (HOT) only when no indexed column changed. So no index on `incidents` may cover either
//! column, as a key, an expression or a predicate. One that did (`incidents_updated_idx`,
//! dropped by migration 20261206000031) cut ingest at concurrency 64 by about a third.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::spawn_app;

#[tokio::test]
async fn no_index_on_incidents_covers_what_an_alert_repeat_writes() {
    let app = spawn_app().await;
    let covering: Vec<String> = sqlx::query_scalar(
        r"SELECT DISTINCT c.relname::text
          FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid
          LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = ANY (x.indkey::int2[])
          WHERE x.indrelid = 'incidents'::regclass
            AND (a.attname IN ('alert_count', 'updated_at')
                 OR coalesce(pg_get_expr(x.indexprs, x.indrelid), '') ~ '\m(alert_count|updated_at)\M'
                 OR coalesce(pg_get_expr(x.indpred, x.indrelid), '') ~ '\m(alert_count|updated_at)\M')
          ORDER BY 1",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert!(
        covering.is_empty(),
        "indexes on what an alert repeat writes (every repeat would rewrite every index entry): {covering:?}"
    );
    // The query sees indexes at all: the open-dedup-key index covers `status` in its predicate.
    let seen: i64 = sqlx::query_scalar(
        r"SELECT count(*) FROM pg_index x
          WHERE x.indrelid = 'incidents'::regclass
            AND pg_get_expr(x.indpred, x.indrelid) ~ '\mstatus\M'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(seen > 0);
}

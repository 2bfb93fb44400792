//! The incident export: every incident a filter matches, as CSV, read in pages of
//! `PAGE_ROWS` by (created_at, id) so a 100,000-incident window streams in bounded memory.

use chrono::{DateTime, Utc};
use futures_util::Stream;

use super::csv::{INCIDENT_HEAD, line};
use super::report::AnalyticsFilter;
use crate::db::Db;
use crate::domain::IncidentId;
use crate::error::AppError;

/// Rows per database read (and per chunk of the response).
pub const PAGE_ROWS: i64 = 1000;

type Row = (
    IncidentId,
    i64,
    DateTime<Utc>,
    String,
    String,
    String,
    String,
    Option<String>,
    i32,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    String,
    bool,
);

struct Cursor {
    db: Db,
    filter: AnalyticsFilter,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    after: Option<(DateTime<Utc>, IncidentId)>,
    header: bool,
    done: bool,
}

async fn page(c: &mut Cursor) -> Result<String, AppError> {
    let rows: Vec<Row> = sqlx::query_as(concat!(
        "SELECT i.id, i.number, i.created_at, s.name, i.title, i.status, i.urgency, i.priority, i.alert_count,
                i.first_acknowledged_at, i.resolved_at, i.dedup_key, i.flapping
         FROM incidents i JOIN services s ON s.id = i.service_id
         WHERE i.created_at >= $1 AND i.created_at < $2 AND i.merged_into IS NULL",
        crate::analytics_filter!(),
        " AND ($8::timestamptz IS NULL OR (i.created_at, i.id) > ($8, $9))
         ORDER BY i.created_at, i.id LIMIT $10"
    ))
    .bind(c.start)
    .bind(c.end)
    .bind(c.filter.service_id)
    .bind(c.filter.team_id)
    .bind(c.filter.urgency.map(|u| u.as_str()))
    .bind(c.filter.priority.as_deref())
    .bind(c.filter.responder)
    .bind(c.after.map(|a| a.0))
    .bind(c.after.map(|a| a.1))
    .bind(PAGE_ROWS)
    .fetch_all(&c.db)
    .await?;
    let mut out = String::new();
    if c.header {
        out.push_str(&line(&INCIDENT_HEAD));
        c.header = false;
    }
    c.done = (rows.len() as i64) < PAGE_ROWS;
    let t = |v: Option<DateTime<Utc>>| v.map(|t| t.to_rfc3339()).unwrap_or_default();
    let secs = |from: DateTime<Utc>, to: Option<DateTime<Utc>>| {
        to.map(|t| (t - from).num_seconds().to_string())
            .unwrap_or_default()
    };
    for (
        id,
        number,
        created,
        service,
        title,
        status,
        urgency,
        priority,
        alerts,
        acked,
        resolved,
        key,
        flapping,
    ) in rows
    {
        out.push_str(&line(&[
            number.to_string(),
            created.to_rfc3339(),
            service,
            title,
            status,
            urgency,
            priority.unwrap_or_default(),
            alerts.to_string(),
            t(acked),
            t(resolved),
            secs(created, acked),
            secs(created, resolved),
            key,
            flapping.to_string(),
        ]));
        c.after = Some((created, id));
    }
    Ok(out)
}

/// The CSV of every incident `filter` matches in `[start, end)`, one chunk per page.
pub fn incidents(
    db: Db,
    filter: AnalyticsFilter,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> impl Stream<Item = Result<String, AppError>> + Send + 'static {
    let cursor = Cursor {
        db,
        filter,
        start,
        end,
        after: None,
        header: true,
        done: false,
    };
    futures_util::stream::unfold(cursor, |mut c| async move {
        if c.done {
            return None;
        }
        match page(&mut c).await {
            Ok(chunk) => Some((Ok(chunk), c)),
            Err(e) => {
                c.done = true;
                Some((Err(e), c))
            }
        }
    })
}

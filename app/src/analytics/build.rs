//! Building the report: the window's days before today that the rollup has computed are read
//! from it (unless a responder is chosen: the rollup does not know who responded); every
//! other day is read live from incidents. Both are added up by `agg`, so they agree; only
//! percentiles differ: exact when every day was live, else estimated from histograms.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use sqlx::PgConnection;

use super::agg::{Agg, Exact, Fact, Summary};
use super::hist::Hist;
use super::report::{
    AnalyticsFilter, DayRow, GroupRow, NOISY_ROWS, Noisy, Report, Window, midnight,
};
use super::rollup::{NoiseSum, noise};
use crate::domain::ServiceId;
use crate::error::AppError;

/// The group `key` of `m`.
fn group<'m>(m: &'m mut BTreeMap<String, Agg>, key: &str) -> &'m mut Agg {
    m.entry(key.to_owned()).or_default()
}

/// Everything added up for one period.
#[derive(Default)]
struct Period {
    total: Agg,
    exact: Exact,
    all_live: bool,
    by_service: BTreeMap<ServiceId, Agg>,
    by_urgency: BTreeMap<String, Agg>,
    by_priority: BTreeMap<String, Agg>,
    by_day: BTreeMap<NaiveDate, Agg>,
    /// Live incidents per hour of the day in the zone.
    hours: [i64; 24],
    /// Rolled-up incidents per UTC day and hour; `local_hours` adds them to `hours` (one zone
    /// lookup per hour of the window, not per rollup row).
    utc_hours: BTreeMap<NaiveDate, [i64; 24]>,
    noise: BTreeMap<(&'static str, String, ServiceId), NoiseSum>,
    live_days: i64,
    rolled_days: i64,
}

impl Period {
    fn add_fact(&mut self, f: &Fact, tz: Tz) {
        self.total.add(f);
        if let Some(s) = f.ack_secs {
            self.exact.ack.push(s);
        }
        if let Some(s) = f.resolve_secs {
            self.exact.resolve.push(s);
        }
        self.by_service.entry(f.service_id).or_default().add(f);
        group(&mut self.by_urgency, f.urgency.as_str()).add(f);
        group(&mut self.by_priority, &f.priority).add(f);
        self.by_day
            .entry(f.created_at.date_naive())
            .or_default()
            .add(f);
        self.hours[tz.from_utc_datetime(&f.created_at.naive_utc()).hour() as usize] += 1;
    }

    fn add_rolled(
        &mut self,
        day: NaiveDate,
        service: ServiceId,
        urgency: &str,
        priority: &str,
        a: &Agg,
    ) {
        self.total.merge(a);
        self.by_service.entry(service).or_default().merge(a);
        group(&mut self.by_urgency, urgency).merge(a);
        group(&mut self.by_priority, priority).merge(a);
        self.by_day.entry(day).or_default().merge(a);
        let hours = self.utc_hours.entry(day).or_insert([0; 24]);
        for (h, n) in hours.iter_mut().zip(a.hours) {
            *h += n;
        }
    }

    /// Incidents per hour of the day in `tz`.
    fn local_hours(&self, tz: Tz) -> [i64; 24] {
        let mut out = self.hours;
        for (day, hours) in &self.utc_hours {
            for (h, n) in hours.iter().enumerate().filter(|(_, n)| **n > 0) {
                let at = midnight(*day) + Duration::hours(h as i64);
                out[tz.from_utc_datetime(&at.naive_utc()).hour() as usize] += n;
            }
        }
        out
    }

    fn add_noise(&mut self, by: &'static str, label: String, service: ServiceId, n: &NoiseSum) {
        let e = self.noise.entry((by, label, service)).or_default();
        if e.title.is_empty() {
            e.title = n.title.clone();
        }
        e.incidents += n.incidents;
        e.alerts += n.alerts;
        e.flapping += n.flapping;
        e.quick_resolved += n.quick_resolved;
    }
}

/// Reads one period `[start, end)` into a `Period`; the noisiest alerts only `with_noise`
/// (the previous period's are not shown).
async fn period(
    conn: &mut PgConnection,
    (start, end): (DateTime<Utc>, DateTime<Utc>),
    filter: &AnalyticsFilter,
    tz: Tz,
    now: DateTime<Utc>,
    with_noise: bool,
) -> Result<Period, AppError> {
    let mut p = Period::default();
    let today = now.date_naive();
    let mut days: Vec<NaiveDate> = Vec::new();
    let mut d = start.date_naive();
    while midnight(d) < end {
        days.push(d);
        d += Duration::days(1);
    }
    let rolled: BTreeSet<NaiveDate> = if filter.responder.is_some() {
        BTreeSet::new()
    } else {
        let have: Vec<NaiveDate> = sqlx::query_scalar(
            "SELECT day FROM analytics_days WHERE day >= $1 AND day < $2 AND day < $3",
        )
        .bind(start.date_naive())
        .bind(end.date_naive() + Duration::days(1))
        .bind(today)
        .fetch_all(&mut *conn)
        .await?;
        have.into_iter().collect()
    };
    // Live: contiguous runs of days the rollup does not have.
    let mut runs: Vec<(NaiveDate, NaiveDate)> = Vec::new();
    for d in days.iter().filter(|d| !rolled.contains(d)) {
        match runs.last_mut() {
            Some((_, last)) if *last + Duration::days(1) == *d => *last = *d,
            _ => runs.push((*d, *d)),
        }
    }
    for (first, last) in &runs {
        let from = midnight(*first).max(start);
        let to = midnight(*last + Duration::days(1)).min(end);
        let facts = super::facts::read(conn, from, to, filter, now).await?;
        for f in &facts {
            p.add_fact(f, tz);
        }
        if with_noise {
            for ((service, by, label), n) in noise(&facts) {
                p.add_noise(by, label, service, &n);
            }
        }
        p.live_days += (*last - *first).num_days() + 1;
    }
    p.all_live = rolled.is_empty();
    if !rolled.is_empty() {
        p.rolled_days = rolled.len() as i64;
        let rolled: Vec<NaiveDate> = rolled.into_iter().collect();
        read_rolled(conn, &mut p, &rolled, filter, with_noise).await?;
    }
    Ok(p)
}

/// One `analytics_daily` row.
#[derive(sqlx::FromRow)]
struct RolledRow {
    day: NaiveDate,
    service_id: ServiceId,
    urgency: String,
    priority: String,
    opened: i32,
    acknowledged: i32,
    resolved: i32,
    ack_secs: f64,
    resolve_secs: f64,
    escalated: i32,
    reopened: i32,
    auto_resolved: i32,
    quick_resolved: i32,
    flapping: i32,
    alerts: i64,
    ack_breached: i32,
    ack_measured: i32,
    res_breached: i32,
    res_measured: i32,
    ack_hist: Vec<i32>,
    resolve_hist: Vec<i32>,
    hours: Vec<i32>,
}

async fn read_rolled(
    conn: &mut PgConnection,
    p: &mut Period,
    days: &[NaiveDate],
    filter: &AnalyticsFilter,
    with_noise: bool,
) -> Result<(), AppError> {
    let rows: Vec<RolledRow> = sqlx::query_as(
        "SELECT d.day, d.service_id, d.urgency, d.priority, d.opened, d.acknowledged, d.resolved,
                d.ack_secs, d.resolve_secs, d.escalated, d.reopened, d.auto_resolved, d.quick_resolved,
                d.flapping, d.alerts, d.ack_breached, d.ack_measured, d.res_breached, d.res_measured,
                d.ack_hist, d.resolve_hist, d.hours
         FROM analytics_daily d
         WHERE d.day = ANY($1) AND ($2::uuid IS NULL OR d.service_id = $2)
           AND ($3::uuid IS NULL OR d.service_id IN (SELECT id FROM services WHERE team_id = $3))
           AND ($4::text IS NULL OR d.urgency = $4) AND ($5::text IS NULL OR d.priority = $5)",
    )
    .bind(days)
    .bind(filter.service_id)
    .bind(filter.team_id)
    .bind(filter.urgency.map(|u| u.as_str()))
    .bind(filter.priority.as_deref())
    .fetch_all(&mut *conn)
    .await?;
    let n = |v: Vec<i32>| v.into_iter().map(i64::from).collect::<Vec<_>>();
    for r in rows {
        let mut hours = [0i64; 24];
        for (h, c) in hours.iter_mut().zip(&r.hours) {
            *h = i64::from(*c);
        }
        let mut ack_hist = Hist::default();
        ack_hist.merge(&n(r.ack_hist));
        let mut resolve_hist = Hist::default();
        resolve_hist.merge(&n(r.resolve_hist));
        let a = Agg {
            opened: r.opened.into(),
            acknowledged: r.acknowledged.into(),
            resolved: r.resolved.into(),
            ack_secs: r.ack_secs,
            resolve_secs: r.resolve_secs,
            escalated: r.escalated.into(),
            reopened: r.reopened.into(),
            auto_resolved: r.auto_resolved.into(),
            quick_resolved: r.quick_resolved.into(),
            flapping: r.flapping.into(),
            alerts: r.alerts,
            ack_breached: r.ack_breached.into(),
            ack_measured: r.ack_measured.into(),
            resolve_breached: r.res_breached.into(),
            resolve_measured: r.res_measured.into(),
            ack_hist,
            resolve_hist,
            hours,
        };
        p.add_rolled(r.day, r.service_id, &r.urgency, &r.priority, &a);
    }
    if !with_noise {
        return Ok(());
    }
    // Only the groups that end in the top `NOISY_ROWS` of a kind: Postgres ranks the rolled-up
    // groups by their rolled-up plus live count (ordered as `report` orders them) and sends
    // back the first `NOISY_ROWS`, titles looked up for those only. Groups the live days hold
    // beyond those keep their live count only here, which ranks them lower still; groups only
    // the live days hold are already in `p.noise`.
    let (mut kinds, mut labels, mut services, mut counts) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for ((by, label, service), n) in &p.noise {
        kinds.push(*by);
        labels.push(label.as_str());
        services.push(*service);
        counts.push(n.incidents);
    }
    type NoiseRow = (
        String,
        String,
        ServiceId,
        Option<String>,
        i64,
        i64,
        i64,
        i64,
    );
    let noise: Vec<NoiseRow> = sqlx::query_as(
        "WITH g AS (
            SELECT n.by_what, n.label, n.service_id, sum(n.incidents)::bigint AS incidents,
                   sum(n.alerts)::bigint AS alerts, sum(n.flapping)::bigint AS flapping,
                   sum(n.quick_resolved)::bigint AS quick_resolved
            FROM analytics_daily_noise n
            WHERE n.day = ANY($1) AND ($2::uuid IS NULL OR n.service_id = $2)
              AND ($3::uuid IS NULL OR n.service_id IN (SELECT id FROM services WHERE team_id = $3))
            GROUP BY 1, 2, 3),
         live AS (
            SELECT * FROM unnest($5::text[], $6::text[], $7::uuid[], $8::bigint[])
                          AS l(by_what, label, service_id, incidents)),
         top AS (
            SELECT t.* FROM (VALUES ('KEY'), ('TITLE')) k(by_what)
            CROSS JOIN LATERAL (
                SELECT g.* FROM g
                LEFT JOIN live l ON l.by_what = g.by_what AND l.label = g.label AND l.service_id = g.service_id
                WHERE g.by_what = k.by_what
                ORDER BY g.incidents + COALESCE(l.incidents, 0) DESC, g.label COLLATE \"C\", g.service_id
                LIMIT $4) t)
         SELECT t.by_what, t.label, t.service_id,
                (SELECT min(x.title) FROM analytics_daily_noise x
                 WHERE x.day = ANY($1) AND x.service_id = t.service_id AND x.by_what = t.by_what
                   AND x.label = t.label),
                t.incidents, t.alerts, t.flapping, t.quick_resolved
         FROM top t",
    )
    .bind(days)
    .bind(filter.service_id)
    .bind(filter.team_id)
    .bind(NOISY_ROWS as i32)
    .bind(&kinds)
    .bind(&labels)
    .bind(&services)
    .bind(&counts)
    .fetch_all(&mut *conn)
    .await?;
    for (by, label, service, title, incidents, alerts, flapping, quick) in noise {
        let by = if by == "KEY" { "KEY" } else { "TITLE" };
        let sum = NoiseSum {
            title: title.unwrap_or_default(),
            incidents,
            alerts,
            flapping,
            quick_resolved: quick,
        };
        p.add_noise(by, label, service, &sum);
    }
    Ok(())
}

/// The report for `filter` at `now`, hours of the day in `tz`.
pub async fn report(
    conn: &mut PgConnection,
    filter: &AnalyticsFilter,
    tz: Tz,
    now: DateTime<Utc>,
) -> Result<Report, AppError> {
    let Window {
        start,
        end,
        previous_start,
    } = filter.window(now)?;
    let mut cur = period(conn, (start, end), filter, tz, now, true).await?;
    let mut prev = period(conn, (previous_start, start), filter, tz, now, false).await?;
    let names: BTreeMap<ServiceId, String> =
        sqlx::query_as::<_, (ServiceId, String)>("SELECT id, name FROM services")
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .collect();
    let name = |s: &ServiceId| names.get(s).cloned().unwrap_or_else(|| s.to_string());
    let rows = |m: &BTreeMap<String, Agg>, label: &dyn Fn(&str) -> String| {
        m.iter()
            .map(|(k, a)| GroupRow {
                label: label(k),
                summary: Summary::of(a, None),
            })
            .collect::<Vec<_>>()
    };
    let mut by_service: Vec<GroupRow> = cur
        .by_service
        .iter()
        .map(|(s, a)| GroupRow {
            label: name(s),
            summary: Summary::of(a, None),
        })
        .collect();
    by_service.sort_by(|a, b| {
        b.summary
            .opened
            .cmp(&a.summary.opened)
            .then_with(|| a.label.cmp(&b.label))
    });
    let noisy = |by: &str| {
        let mut v: Vec<Noisy> = cur
            .noise
            .iter()
            .filter(|((b, _, _), _)| *b == by)
            .map(|((_, label, service), n)| Noisy {
                label: label.clone(),
                title: n.title.clone(),
                service: name(service),
                incidents: n.incidents,
                alerts: n.alerts,
                flapping: n.flapping,
                quick_resolved: n.quick_resolved,
            })
            .collect();
        v.sort_by(|a, b| {
            b.incidents
                .cmp(&a.incidents)
                .then_with(|| a.label.cmp(&b.label))
        });
        v.truncate(NOISY_ROWS);
        v
    };
    let (noisy_keys, noisy_titles) = (noisy("KEY"), noisy("TITLE"));
    let mut days = Vec::new();
    let mut d = start.date_naive();
    while midnight(d) < end {
        let a = cur.by_day.get(&d).cloned().unwrap_or_default();
        let s = Summary::of(&a, None);
        days.push(DayRow {
            day: d,
            opened: a.opened,
            mtta_secs: s.mtta.mean,
            mttr_secs: s.mttr.mean,
        });
        d += Duration::days(1);
    }
    let exact = cur.all_live;
    let summary = Summary::of(&cur.total, exact.then_some(&mut cur.exact));
    let prev_exact = prev.all_live;
    let previous = Summary::of(&prev.total, prev_exact.then_some(&mut prev.exact));
    Ok(Report {
        start,
        end,
        previous_start,
        summary,
        previous,
        by_service,
        by_urgency: rows(&cur.by_urgency, &|k| k.to_lowercase()),
        by_priority: rows(&cur.by_priority, &|k| {
            if k.is_empty() {
                "none".into()
            } else {
                k.to_owned()
            }
        }),
        by_hour: cur.local_hours(tz).to_vec(),
        zone: tz.name().to_owned(),
        days,
        noisy_keys,
        noisy_titles,
        exact_percentiles: exact,
        live_days: cur.live_days,
        rolled_days: cur.rolled_days,
    })
}

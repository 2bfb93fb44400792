//! `GET /incidents` (filters `statuses[]`, `service_ids[]`, `team_ids[]`, `user_ids[]`,
//! `urgencies[]`, `since`/`until` or `date_range=all`, `sort_by`) and `GET /incidents/{id}`.
//! The list walks `app::incidents::ops::list` (newest first, by incident number) and filters
//! and pages what it returns.

use app::auth::caller::Caller;
use app::domain::{ServiceId, Status, TeamId, Urgency, UserId};
use app::incidents::{IncidentFilter, IncidentSummary, ops};
use app::state::AppState;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use super::error::{Id, Pd, PdError, PdResult};
use super::incident_shape::{Lookup, incident, incident_detail};
use super::paging::Paging;
use super::query::{IdFilter, Params};
use super::refs::{our_statuses, our_urgencies, parse_id};

/// The widest `since`..`until` PagerDuty allows (6 months).
const MAX_RANGE_DAYS: i64 = 183;
/// The default range when neither `since` nor `date_range=all` is given (1 month).
const DEFAULT_RANGE_DAYS: i64 = 30;
/// The most incidents one list request reads before giving up (ask for a narrower range).
const MAX_SCAN: usize = 50_000;

/// A list request, parsed.
struct Query {
    filter: IncidentFilter,
    services: IdFilter<ServiceId>,
    teams: IdFilter<TeamId>,
    users: IdFilter<UserId>,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    newest_first: bool,
}

fn parse(q: &Params, now: DateTime<Utc>) -> PdResult<Query> {
    let mut statuses: Vec<Status> = Vec::new();
    for s in q.many("statuses") {
        let ours = our_statuses(s).ok_or_else(|| {
            PdError::invalid(format!(
                "statuses[] must be triggered, acknowledged or resolved, not {s:?}"
            ))
        })?;
        statuses.extend_from_slice(ours);
    }
    let mut urgencies: Vec<Urgency> = Vec::new();
    for u in q.many("urgencies") {
        let ours = our_urgencies(u).ok_or_else(|| {
            PdError::invalid(format!("urgencies[] must be high or low, not {u:?}"))
        })?;
        urgencies.extend_from_slice(ours);
    }
    if q.one("incident_key").is_some() {
        return Err(PdError::invalid(
            "incident_key is not supported as a filter by OpsKnight; filter by service_ids[] and since/until",
        ));
    }
    let newest_first = match q.one("sort_by") {
        None => false,
        Some(s) => match s.split_once(':').unwrap_or((s, "asc")) {
            ("created_at" | "incident_number", dir) if dir.eq_ignore_ascii_case("desc") => true,
            ("created_at" | "incident_number", dir) if dir.eq_ignore_ascii_case("asc") => false,
            _ => {
                return Err(PdError::invalid(format!(
                    "sort_by must be created_at or incident_number, :asc or :desc, not {s:?}"
                )));
            }
        },
    };
    let (mut since, mut until) = (q.time("since")?, q.time("until")?);
    if q.one("date_range") == Some("all") {
        (since, until) = (None, None);
    } else {
        let end = until.unwrap_or(now);
        let start = since.unwrap_or(end - Duration::days(DEFAULT_RANGE_DAYS));
        if end < start {
            return Err(PdError::invalid("until must not be before since"));
        }
        if end - start > Duration::days(MAX_RANGE_DAYS) {
            return Err(PdError::invalid(
                "The date range between since and until may be at most 6 months",
            ));
        }
        since = Some(start);
    }
    let services = q.ids::<ServiceId>("service_ids");
    Ok(Query {
        filter: IncidentFilter {
            statuses,
            urgencies,
            service_id: match services.ids.as_slice() {
                [one] => Some(*one),
                _ => None,
            },
            ..IncidentFilter::default()
        },
        services,
        teams: q.ids("team_ids"),
        users: q.ids("user_ids"),
        since,
        until,
        newest_first,
    })
}

impl Query {
    fn keeps(&self, look: &Lookup, i: &IncidentSummary) -> bool {
        self.services.allows(&i.service_id)
            && self.users.allows_opt(i.assignee_user_id.as_ref())
            && (!self.teams.given
                || i.assignee_team_id
                    .is_some_and(|t| self.teams.ids.contains(&t))
                || look.team_of(i).is_some_and(|t| self.teams.ids.contains(&t)))
            && self.until.is_none_or(|u| i.created_at < u)
    }

    fn matches_nothing(&self) -> bool {
        self.services.nothing() || self.teams.nothing() || self.users.nothing()
    }
}

/// Every match, newest first, up to `need` (all when `None`); and whether that is all.
async fn scan(
    state: &AppState,
    caller: &Caller,
    look: &Lookup,
    q: &Query,
    need: Option<usize>,
) -> PdResult<(Vec<IncidentSummary>, bool)> {
    let mut out = Vec::new();
    if q.matches_nothing() {
        return Ok((out, true));
    }
    let mut before = None;
    let mut scanned = 0usize;
    loop {
        let page = ops::list(state, caller, &q.filter, before, app::incidents::MAX_PAGE).await?;
        scanned += page.incidents.len();
        for i in page.incidents {
            // Numbers grow with creation time: past `since`, nothing older matches.
            if q.since.is_some_and(|s| i.created_at < s) {
                return Ok((out, true));
            }
            if q.keeps(look, &i) {
                out.push(i);
                if need.is_some_and(|n| out.len() >= n) {
                    return Ok((out, false));
                }
            }
        }
        match page.next_before {
            None => return Ok((out, true)),
            Some(_) if scanned >= MAX_SCAN => {
                return Err(PdError::invalid(
                    "Too many incidents in the date range; narrow since/until",
                ));
            }
            next => before = next,
        }
    }
}

/// `GET /incidents`: oldest first unless `sort_by=created_at:desc`.
pub async fn list(
    State(state): State<AppState>,
    Pd(caller): Pd,
    RawQuery(query): RawQuery,
) -> PdResult<Response> {
    let params = Params::parse(query.as_deref());
    let paging = Paging::parse(&params)?;
    let q = parse(&params, state.clock.now())?;
    let look = Lookup::load(&state, &caller).await;
    // Oldest first needs every match; newest first only the page and one more.
    let need = if q.newest_first { paging.need() } else { None };
    let (mut found, complete) = scan(&state, &caller, &look, &q, need).await?;
    if !q.newest_first {
        found.reverse();
    }
    let all = found.iter().map(|i| incident(&look, i)).collect();
    Ok(axum::Json(paging.answer("incidents", all, complete)).into_response())
}

/// `GET /incidents/{id}` → `{incident}`.
pub async fn show(
    State(state): State<AppState>,
    Pd(caller): Pd,
    Id(raw): Id,
) -> PdResult<Response> {
    let detail = ops::get(&state, &caller, parse_id(&raw, "incident")?).await?;
    let look = Lookup::load(&state, &caller).await;
    let body = incident_detail(&state, &caller, &look, &detail).await;
    Ok(axum::Json(json!({ "incident": body })).into_response())
}

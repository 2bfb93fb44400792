//! `GET /oncalls`: who is on call for each escalation policy step (`escalation_level`, from 1),
//! through a schedule or as a direct target, over `since`..`until` (default: now). Filters
//! `user_ids[]`, `escalation_policy_ids[]`, `schedule_ids[]` (the value `null` keeps direct
//! targets too), and `earliest=true`. A shell over `app::schedules::ops::oncalls`; direct
//! targets are on call permanently, so their `start` and `end` are null.

use app::domain::{PolicyId, ScheduleId};
use app::schedules::ops::{self, OnCallEntry, OnCallQuery};
use app::state::AppState;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::error::{Pd, PdResult};
use super::paging::Paging;
use super::query::Params;
use super::refs::{Kind, Urls, ts};

fn oncall_json(urls: &Urls, e: &OnCallEntry) -> Value {
    let permanent = e.schedule.is_none();
    json!({
        "escalation_policy": e.escalation_policy.as_ref().map_or(Value::Null, |p| {
            urls.reference(Kind::EscalationPolicy, &p.id, &p.name)
        }),
        "escalation_level": e.escalation_level,
        "schedule": e.schedule.as_ref().map_or(Value::Null, |s| {
            urls.reference(Kind::Schedule, &s.id, &s.name)
        }),
        "user": urls.reference(Kind::User, &e.user.id, &e.user.name),
        "start": if permanent { Value::Null } else { ts(e.start) },
        "end": if permanent { Value::Null } else { ts(e.end) },
    })
}

/// `GET /oncalls` → classic pages of `{oncalls}`, by policy, level and start.
pub async fn list(
    State(state): State<AppState>,
    Pd(caller): Pd,
    RawQuery(query): RawQuery,
) -> PdResult<Response> {
    let q = Params::parse(query.as_deref());
    let paging = Paging::parse(&q)?;
    let earliest = q.flag("earliest")?;
    let users = q.ids("user_ids");
    let policies = q.ids::<PolicyId>("escalation_policy_ids");
    let schedules = q.ids::<ScheduleId>("schedule_ids");
    let with_direct = q.many("schedule_ids").contains(&"null");
    let nothing = users.nothing() || policies.nothing() || (schedules.nothing() && !with_direct);
    let mut entries = if nothing {
        Vec::new()
    } else {
        let query = OnCallQuery {
            since: q.time("since")?,
            until: q.time("until")?,
            // With `null` among them, direct targets stay: filter schedules here instead.
            schedule_ids: if with_direct {
                Vec::new()
            } else {
                schedules.ids.clone()
            },
            policy_ids: policies.ids.clone(),
            user_ids: users.ids.clone(),
        };
        ops::oncalls(&state, &caller, &query).await?
    };
    // PagerDuty lists on-calls of escalation policies only.
    entries.retain(|e| e.escalation_policy.is_some());
    if with_direct && !schedules.ids.is_empty() {
        entries.retain(|e| {
            e.schedule
                .as_ref()
                .is_none_or(|s| schedules.ids.contains(&s.id))
        });
    }
    if earliest {
        let mut seen = Vec::new();
        entries.sort_by_key(|e| e.start);
        entries.retain(|e| {
            let key = (
                e.escalation_policy.as_ref().map(|p| p.id),
                e.escalation_level,
                e.user.id,
            );
            let first = !seen.contains(&key);
            seen.push(key);
            first
        });
        entries.sort_by(|a, b| {
            let key = |e: &OnCallEntry| {
                (
                    e.escalation_policy.as_ref().map(|p| p.name.to_lowercase()),
                    e.escalation_level,
                    e.start,
                )
            };
            key(a).cmp(&key(b))
        });
    }
    let urls = Urls::new(&state);
    let all = entries.iter().map(|e| oncall_json(&urls, e)).collect();
    Ok(axum::Json(paging.answer("oncalls", all, true)).into_response())
}

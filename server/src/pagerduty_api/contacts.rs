//! A user's contact methods and notification rules (`GET /users/{id}/contact_methods`,
//! `GET /users/{id}/notification_rules`; unpaginated), readable for oneself (a session or an
//! `admin`-scoped key) or by an ADMIN. Email, SMS, voice and push methods map to PagerDuty's
//! types; OpsKnight's chat methods (Slack, Telegram, ntfy, Pushover) have no PagerDuty type and
//! are left out. OpsKnight's rules apply at every urgency.

use app::auth::caller::Caller;
use app::domain::{ContactKind, UserId};
use app::notifications::NotificationRule;
use app::profile::ContactMethod;
use app::state::AppState;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::error::{Id, Pd, PdError, PdResult};
use super::query::Params;
use super::refs::{Urls, parse_id};

/// PagerDuty's contact method type for a kind, if it has one.
fn pd_type(k: ContactKind) -> Option<&'static str> {
    match k {
        ContactKind::Email => Some("email_contact_method"),
        ContactKind::Sms => Some("sms_contact_method"),
        ContactKind::Voice => Some("phone_contact_method"),
        ContactKind::Push => Some("push_notification_contact_method"),
        _ => None,
    }
}

/// `+4915112345678` → (49, "15112345678"). ITU country codes are prefix-free: 1 and 7 are one
/// digit, these two-digit ones are two, the rest three.
pub fn split_phone(e164: &str) -> (u32, String) {
    const TWO: &[&str] = &[
        "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46",
        "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63",
        "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98", "28",
        "29", "83",
    ];
    let digits = e164.trim_start_matches('+');
    let len = if digits.starts_with('1') || digits.starts_with('7') {
        1
    } else if TWO.iter().any(|p| digits.starts_with(p)) {
        2
    } else {
        3
    };
    let len = len.min(digits.len());
    let code = digits[..len].parse().unwrap_or(0);
    (code, digits[len..].to_owned())
}

fn method_self(urls: &Urls, user: UserId, id: &impl std::fmt::Display) -> String {
    urls.api(&format!("users/{user}/contact_methods/{id}"))
}

/// A contact method object (or a reference), `None` for kinds PagerDuty has no type for.
pub fn method_json(urls: &Urls, user: UserId, m: &ContactMethod, full: bool) -> Option<Value> {
    let kind = pd_type(m.kind)?;
    let id = m.id.to_string();
    if !full {
        return Some(
            json!({"id": id, "type": format!("{kind}_reference"), "summary": m.label,
            "self": method_self(urls, user, &id), "html_url": Value::Null}),
        );
    }
    let mut out = json!({
        "id": id, "type": kind, "summary": m.label, "label": m.label,
        "self": method_self(urls, user, &id), "html_url": Value::Null, "address": m.address,
    });
    if let Some(obj) = out.as_object_mut() {
        match m.kind {
            ContactKind::Sms | ContactKind::Voice => {
                let (code, national) = split_phone(&m.address);
                obj.insert("country_code".into(), json!(code));
                obj.insert("address".into(), json!(national));
                obj.insert("enabled".into(), json!(m.verified));
                obj.insert("blacklisted".into(), json!(m.stopped_at.is_some()));
            }
            ContactKind::Email => {
                obj.insert("send_short_email".into(), json!(false));
            }
            ContactKind::Push => {
                obj.insert("device_type".into(), json!("web"));
            }
            _ => {}
        }
    }
    Some(out)
}

/// A notification rule object (or a reference) at `urgency`.
pub fn rule_json(
    urls: &Urls,
    user: UserId,
    r: &NotificationRule,
    urgency: &str,
    full: bool,
) -> Option<Value> {
    let kind = pd_type(r.kind)?;
    let id = r.id.to_string();
    let this = urls.api(&format!("users/{user}/notification_rules/{id}"));
    let summary = format!("{} after {} minutes", r.label, r.delay_minutes);
    if !full {
        return Some(
            json!({"id": id, "type": "assignment_notification_rule_reference",
            "summary": summary, "self": this, "html_url": Value::Null}),
        );
    }
    Some(json!({
        "id": id, "type": "assignment_notification_rule", "summary": summary, "self": this,
        "html_url": Value::Null, "start_delay_in_minutes": r.delay_minutes, "urgency": urgency,
        "contact_method": {"id": r.contact_method_id.to_string(), "type": format!("{kind}_reference"),
            "summary": r.label, "self": method_self(urls, user, &r.contact_method_id), "html_url": Value::Null},
    }))
}

/// The user's contact methods and rules as references (empty when the caller may not read
/// them), for a user object.
pub async fn refs_of(
    state: &AppState,
    caller: &Caller,
    urls: &Urls,
    user: UserId,
    full: (bool, bool),
) -> (Vec<Value>, Vec<Value>) {
    let methods = app::profile::ops::contact_methods_of(state, caller, user)
        .await
        .unwrap_or_default()
        .iter()
        .filter_map(|m| method_json(urls, user, m, full.0))
        .collect();
    let rules = app::profile::ops::notification_rules_of(state, caller, user)
        .await
        .unwrap_or_default()
        .iter()
        .filter_map(|r| rule_json(urls, user, r, "high", full.1))
        .collect();
    (methods, rules)
}

/// `GET /users/{id}/contact_methods` → `{contact_methods}`.
pub async fn contact_methods(
    State(state): State<AppState>,
    Pd(caller): Pd,
    Id(raw): Id,
) -> PdResult<Response> {
    let user: UserId = parse_id(&raw, "user")?;
    let urls = Urls::new(&state);
    let all: Vec<Value> = app::profile::ops::contact_methods_of(&state, &caller, user)
        .await?
        .iter()
        .filter_map(|m| method_json(&urls, user, m, true))
        .collect();
    Ok(axum::Json(json!({ "contact_methods": all })).into_response())
}

/// `GET /users/{id}/notification_rules?urgency=high|low|all` → `{notification_rules}`;
/// OpsKnight's rules hold at both urgencies (`all` lists each once, as `high`).
pub async fn notification_rules(
    State(state): State<AppState>,
    Pd(caller): Pd,
    Id(raw): Id,
    RawQuery(query): RawQuery,
) -> PdResult<Response> {
    let user: UserId = parse_id(&raw, "user")?;
    let urgency = match Params::parse(query.as_deref()).one("urgency") {
        None | Some("high" | "all") => "high",
        Some("low") => "low",
        Some(other) => {
            return Err(PdError::invalid(format!(
                "urgency must be high, low or all, not {other:?}"
            )));
        }
    };
    let urls = Urls::new(&state);
    let all: Vec<Value> = app::profile::ops::notification_rules_of(&state, &caller, user)
        .await?
        .iter()
        .filter_map(|r| rule_json(&urls, user, r, urgency, true))
        .collect();
    Ok(axum::Json(json!({ "notification_rules": all })).into_response())
}

#[cfg(test)]
mod tests {
    use super::split_phone;

    #[test]
    fn phone_numbers_split_at_their_country_code() {
        assert_eq!(split_phone("+15551234567"), (1, "5551234567".into()));
        assert_eq!(split_phone("+4915112345678"), (49, "15112345678".into()));
        assert_eq!(split_phone("+353871234567"), (353, "871234567".into()));
        assert_eq!(split_phone("+74951234567"), (7, "4951234567".into()));
    }
}

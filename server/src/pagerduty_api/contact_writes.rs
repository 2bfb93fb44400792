//! One contact method or notification rule of a user: `GET`/`DELETE
//! /users/{id}/contact_methods/{cid}` and `/users/{id}/notification_rules/{rid}`, and `POST` to
//! either collection (201). OpsKnight lets only the user themselves change these (a session or
//! an `admin`-scoped key of that user); an ADMIN may read anyone's. Phone methods join
//! `country_code` and `address` into one E.164 number (and are sent a code to verify).

use app::domain::{ContactMethodId, NotificationRuleId, UserId};
use app::profile::ops;
use app::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::contacts::{method_json, rule_json};
use super::error::{Body, Id, Ids, Pd, PdError, PdResult, no_content};
use super::refs::{Urls, parse_id, ref_id};

/// `GET /users/{id}/contact_methods/{cid}` → `{contact_method}`.
pub async fn show_method(
    State(state): State<AppState>,
    Pd(caller): Pd,
    Ids(uid, cid): Ids,
) -> PdResult<Response> {
    let user: UserId = parse_id(&uid, "user")?;
    let id: ContactMethodId = parse_id(&cid, "contact method")?;
    let urls = Urls::new(&state);
    let method = ops::contact_methods_of(&state, &caller, user)
        .await?
        .into_iter()
        .find(|m| m.id == id)
        .and_then(|m| method_json(&urls, user, &m, true))
        .ok_or_else(|| PdError::not_found("contact method"))?;
    Ok(axum::Json(json!({ "contact_method": method })).into_response())
}

#[derive(Debug, Deserialize)]
pub struct MethodBody {
    contact_method: NewMethod,
}

#[derive(Debug, Deserialize)]
struct NewMethod {
    #[serde(rename = "type")]
    kind: String,
    address: String,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    country_code: Option<u32>,
}

/// `POST /users/{id}/contact_methods` with `{contact_method: {type, address, label,
/// country_code?}}` → 201 `{contact_method}`.
pub async fn create_method(
    State(state): State<AppState>,
    Pd(caller): Pd,
    Id(uid): Id,
    Body(body): Body<MethodBody>,
) -> PdResult<Response> {
    let user: UserId = parse_id(&uid, "user")?;
    let new = body.contact_method;
    let kind = match new.kind.trim_end_matches("_reference") {
        "email_contact_method" => "EMAIL",
        "sms_contact_method" => "SMS",
        "phone_contact_method" => "VOICE",
        other => {
            return Err(PdError::invalid(format!(
                "type must be email_contact_method, sms_contact_method or phone_contact_method, not {other:?}"
            )));
        }
    };
    let address = match (kind, new.country_code) {
        ("EMAIL", _) => new.address.clone(),
        (_, Some(code)) => format!("+{code}{}", new.address.trim_start_matches('+')),
        (_, None) => new.address.clone(),
    };
    let label = new.label.unwrap_or_else(|| "Default".to_owned());
    let made = ops::add_contact_method_for(
        &state,
        &caller,
        user,
        ops::NewContactMethod {
            kind,
            address: &address,
            label: &label,
            secret: None,
        },
    )
    .await?;
    let out = method_json(&Urls::new(&state), user, &made, true).unwrap_or(Value::Null);
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({ "contact_method": out })),
    )
        .into_response())
}

/// `DELETE /users/{id}/contact_methods/{cid}` → 204.
pub async fn delete_method(
    State(state): State<AppState>,
    Pd(caller): Pd,
    Ids(uid, cid): Ids,
) -> PdResult<Response> {
    let user: UserId = parse_id(&uid, "user")?;
    let id: ContactMethodId = parse_id(&cid, "contact method")?;
    ops::remove_contact_method_of(&state, &caller, user, id).await?;
    Ok(no_content())
}

/// `GET /users/{id}/notification_rules/{rid}` → `{notification_rule}`.
pub async fn show_rule(
    State(state): State<AppState>,
    Pd(caller): Pd,
    Ids(uid, rid): Ids,
) -> PdResult<Response> {
    let user: UserId = parse_id(&uid, "user")?;
    let id: NotificationRuleId = parse_id(&rid, "notification rule")?;
    let urls = Urls::new(&state);
    let rule = ops::notification_rules_of(&state, &caller, user)
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .and_then(|r| rule_json(&urls, user, &r, "high", true))
        .ok_or_else(|| PdError::not_found("notification rule"))?;
    Ok(axum::Json(json!({ "notification_rule": rule })).into_response())
}

#[derive(Debug, Deserialize)]
pub struct RuleBody {
    notification_rule: NewRule,
}

#[derive(Debug, Deserialize)]
struct NewRule {
    start_delay_in_minutes: i32,
    contact_method: Value,
    #[serde(default)]
    urgency: Option<String>,
}

/// `POST /users/{id}/notification_rules` with `{notification_rule: {start_delay_in_minutes,
/// contact_method, urgency}}` → 201. OpsKnight's rules hold at every urgency.
pub async fn create_rule(
    State(state): State<AppState>,
    Pd(caller): Pd,
    Id(uid): Id,
    Body(body): Body<RuleBody>,
) -> PdResult<Response> {
    let user: UserId = parse_id(&uid, "user")?;
    let new = body.notification_rule;
    let urgency = new.urgency.unwrap_or_else(|| "high".to_owned());
    if !matches!(urgency.as_str(), "high" | "low") {
        return Err(PdError::invalid("urgency must be high or low"));
    }
    let method: ContactMethodId = ref_id(&new.contact_method)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| PdError::invalid("contact_method must be a contact method reference"))?;
    let made =
        ops::add_notification_rule(&state, &caller, user, method, new.start_delay_in_minutes)
            .await?;
    let out = rule_json(&Urls::new(&state), user, &made, &urgency, true).unwrap_or(Value::Null);
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({ "notification_rule": out })),
    )
        .into_response())
}

/// `DELETE /users/{id}/notification_rules/{rid}` → 204.
pub async fn delete_rule(
    State(state): State<AppState>,
    Pd(caller): Pd,
    Ids(uid, rid): Ids,
) -> PdResult<Response> {
    let user: UserId = parse_id(&uid, "user")?;
    let id: NotificationRuleId = parse_id(&rid, "notification rule")?;
    ops::remove_notification_rule(&state, &caller, user, id).await?;
    Ok(no_content())
}

//! `/api/v1/users/{id}/contact-methods` and `/api/v1/users/{id}/notification-rules`: list,
//! get, add and remove. Read by the user themselves (a session or an `admin`-scoped key) or an
//! ADMIN; changed only by the user themselves. Shells over `app::profile::ops`.

use app::auth::caller::Caller;
use app::domain::{ContactMethodId, NotificationRuleId, UserId};
use app::profile::ops;
use app::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::fields::one;
use super::people::user_id;
use super::schema::ErrorBody;
use super::wire::{ApiResult, Json, created, etag, id, with_etag};

/// Adds this resource's routes (and their operations in the document).
pub fn register(router: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    router
        .routes(routes!(list_methods, add_method))
        .routes(routes!(get_method, remove_method))
        .routes(routes!(list_rules, add_rule))
        .routes(routes!(get_rule, remove_rule))
}

/// The user and sub-object ids of a path.
fn ids<T: std::str::FromStr>(
    raw: &(String, String),
    caller: &Caller,
    what: &str,
) -> ApiResult<(UserId, T)> {
    Ok((user_id(&raw.0, caller)?, id(&raw.1, what)?))
}

/// An address someone can be paged at.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactMethod {
    pub id: Uuid,
    /// EMAIL, SMS, VOICE, PUSH, SLACK, TELEGRAM, NTFY or PUSHOVER.
    pub kind: String,
    pub address: String,
    pub label: String,
    /// Phone numbers are paged only once verified.
    pub verified: bool,
    /// When the number replied STOP (SMS): no SMS until it replies START.
    pub stopped_at: Option<chrono::DateTime<chrono::Utc>>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<app::profile::ContactMethod> for ContactMethod {
    fn from(m: app::profile::ContactMethod) -> Self {
        ContactMethod {
            id: m.id.0,
            kind: m.kind.as_str().into(),
            address: m.address,
            label: m.label,
            verified: m.verified,
            stopped_at: m.stopped_at,
            created_at: m.created_at,
        }
    }
}

fn tagged<T: Serialize>(object: T) -> Response {
    with_etag(&etag(&object), axum::Json(object))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContactMethodList {
    pub contact_methods: Vec<ContactMethod>,
}

#[utoipa::path(get, path = "/api/v1/users/{id}/contact-methods", tag = "users",
    params(("id" = String, Path, description = "The user's id, or `me`")),
    responses(
        (status = 200, description = "The user's contact methods", body = ContactMethodList),
        (status = 401, description = "No or a bad credential", body = ErrorBody),
        (status = 403, description = "Another user's, and the caller is no ADMIN", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
    ),
    security(("api_key" = ["admin"]), ("session" = [])))]
pub async fn list_methods(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<ContactMethodList>> {
    let methods = ops::contact_methods_of(&state, &caller, user_id(&raw, &caller)?).await?;
    Ok(axum::Json(ContactMethodList {
        contact_methods: methods.into_iter().map(ContactMethod::from).collect(),
    }))
}

#[utoipa::path(get, path = "/api/v1/users/{id}/contact-methods/{contact_method_id}", tag = "users",
    params(("id" = String, Path, description = "The user's id, or `me`"), ("contact_method_id" = Uuid, Path)),
    responses(
        (status = 200, description = "The contact method", body = ContactMethod),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    ),
    security(("api_key" = ["admin"]), ("session" = [])))]
pub async fn get_method(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<(String, String)>,
) -> ApiResult<Response> {
    let (user, method): (_, ContactMethodId) = ids(&raw, &caller, "contact method")?;
    let methods = ops::contact_methods_of(&state, &caller, user).await?;
    let found = one(methods, "contact method", |m| m.id == method)?;
    Ok(tagged(ContactMethod::from(found)))
}

/// A contact method to add. A new phone number is sent a code to verify before it is paged;
/// TELEGRAM is linked from the bot and PUSH per device, not here.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewContactMethod {
    /// EMAIL, SMS, VOICE (E.164, `+14155550123`), SLACK (a member id, `U…`), NTFY (a topic
    /// URL) or PUSHOVER (a user key).
    pub kind: String,
    pub address: String,
    /// 1 to 50 characters.
    pub label: String,
    /// For NTFY: the topic's access token (kept sealed, never shown).
    pub secret: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/users/{id}/contact-methods", tag = "users",
    request_body = NewContactMethod,
    params(("id" = String, Path, description = "The caller's id, or `me`"),
           ("Idempotency-Key" = Option<String>, Header, description = "Repeats with the same key get the first answer")),
    responses(
        (status = 201, description = "Added; `Location` names it", body = ContactMethod),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Another user's: only the user themselves adds contact methods", body = ErrorBody),
        (status = 404, description = "No such user (an id that is not a user's)", body = ErrorBody),
        (status = 409, description = "Too many contact methods, or the Idempotency-Key is still being answered", body = ErrorBody),
        (status = 422, description = "A bad field (a duplicate address), named in `field`", body = ErrorBody),
    ),
    security(("api_key" = ["admin"]), ("session" = [])))]
pub async fn add_method(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    Json(new): Json<NewContactMethod>,
) -> ApiResult<Response> {
    let user = user_id(&raw, &caller)?;
    let method = ops::add_contact_method_for(
        &state,
        &caller,
        user,
        ops::NewContactMethod {
            kind: &new.kind,
            address: &new.address,
            label: &new.label,
            secret: new.secret.as_deref(),
        },
    )
    .await?;
    Ok(created(
        &format!("/api/v1/users/{user}/contact-methods/{}", method.id),
        tagged(ContactMethod::from(method)),
    ))
}

#[utoipa::path(delete, path = "/api/v1/users/{id}/contact-methods/{contact_method_id}", tag = "users",
    params(("id" = String, Path, description = "The caller's id, or `me`"), ("contact_method_id" = Uuid, Path)),
    responses(
        (status = 204, description = "Removed, with the notification rules that used it"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    ),
    security(("api_key" = ["admin"]), ("session" = [])))]
pub async fn remove_method(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let (user, method) = ids(&raw, &caller, "contact method")?;
    ops::remove_contact_method_of(&state, &caller, user, method).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// "Page me on this contact method N minutes after a step pages me."
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationRule {
    pub id: Uuid,
    pub contact_method_id: Uuid,
    /// The contact method's kind, address and label.
    pub kind: String,
    pub address: String,
    pub label: String,
    pub delay_minutes: i32,
}

impl From<app::notifications::NotificationRule> for NotificationRule {
    fn from(r: app::notifications::NotificationRule) -> Self {
        NotificationRule {
            id: r.id.0,
            contact_method_id: r.contact_method_id.0,
            kind: r.kind.as_str().into(),
            address: r.address,
            label: r.label,
            delay_minutes: r.delay_minutes,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationRuleList {
    /// By delay. None: the default, email to the sign-in address at once.
    pub notification_rules: Vec<NotificationRule>,
}

#[utoipa::path(get, path = "/api/v1/users/{id}/notification-rules", tag = "users",
    params(("id" = String, Path, description = "The user's id, or `me`")),
    responses(
        (status = 200, description = "The user's rules, by delay", body = NotificationRuleList),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Another user's, and the caller is no ADMIN", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
    ),
    security(("api_key" = ["admin"]), ("session" = [])))]
pub async fn list_rules(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<NotificationRuleList>> {
    let rules = ops::notification_rules_of(&state, &caller, user_id(&raw, &caller)?).await?;
    Ok(axum::Json(NotificationRuleList {
        notification_rules: rules.into_iter().map(NotificationRule::from).collect(),
    }))
}

#[utoipa::path(get, path = "/api/v1/users/{id}/notification-rules/{rule_id}", tag = "users",
    params(("id" = String, Path, description = "The user's id, or `me`"), ("rule_id" = Uuid, Path)),
    responses(
        (status = 200, description = "The rule", body = NotificationRule),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    ),
    security(("api_key" = ["admin"]), ("session" = [])))]
pub async fn get_rule(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<(String, String)>,
) -> ApiResult<Response> {
    let (user, rule): (_, NotificationRuleId) = ids(&raw, &caller, "notification rule")?;
    let rules = ops::notification_rules_of(&state, &caller, user).await?;
    let found = one(rules, "notification rule", |r| r.id == rule)?;
    Ok(tagged(NotificationRule::from(found)))
}

/// A rule to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewNotificationRule {
    /// One of the user's contact methods.
    pub contact_method_id: Uuid,
    /// 0 to 1440 minutes after a step pages the user.
    pub delay_minutes: i32,
}

#[utoipa::path(post, path = "/api/v1/users/{id}/notification-rules", tag = "users",
    request_body = NewNotificationRule,
    params(("id" = String, Path, description = "The caller's id, or `me`"),
           ("Idempotency-Key" = Option<String>, Header, description = "Repeats with the same key get the first answer")),
    responses(
        (status = 201, description = "Added; `Location` names it", body = NotificationRule),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Another user's: only the user themselves adds rules", body = ErrorBody),
        (status = 404, description = "No such user (an id that is not a user's)", body = ErrorBody),
        (status = 409, description = "Too many rules, or the Idempotency-Key is still being answered", body = ErrorBody),
        (status = 422, description = "A bad field (the same rule twice), named in `field`", body = ErrorBody),
    ),
    security(("api_key" = ["admin"]), ("session" = [])))]
pub async fn add_rule(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    Json(new): Json<NewNotificationRule>,
) -> ApiResult<Response> {
    let user = user_id(&raw, &caller)?;
    let rule = ops::add_notification_rule(
        &state,
        &caller,
        user,
        ContactMethodId(new.contact_method_id),
        new.delay_minutes,
    )
    .await?;
    Ok(created(
        &format!("/api/v1/users/{user}/notification-rules/{}", rule.id),
        tagged(NotificationRule::from(rule)),
    ))
}

#[utoipa::path(delete, path = "/api/v1/users/{id}/notification-rules/{rule_id}", tag = "users",
    params(("id" = String, Path, description = "The caller's id, or `me`"), ("rule_id" = Uuid, Path)),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    ),
    security(("api_key" = ["admin"]), ("session" = [])))]
pub async fn remove_rule(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let (user, rule) = ids(&raw, &caller, "notification rule")?;
    ops::remove_notification_rule(&state, &caller, user, rule).await?;
    Ok(StatusCode::NO_CONTENT)
}

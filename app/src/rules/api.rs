//! Server functions for event rules: shells over `ops`.

use leptos::prelude::*;
use serde_json::Value;

use super::{RuleSetView, TestedEvent};
use crate::domain::ServiceId;
use crate::error::AppError;

/// `POST /api/rules/get` with `{"service_id": null | id}` → the scope's rules and version.
#[server(prefix = "/api", endpoint = "rules/get", input = server_fn::codec::Json)]
pub async fn get_rules(service_id: Option<ServiceId>) -> Result<RuleSetView, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::get(&state, &caller, service_id).await
}

/// `POST /api/rules/save` with `{"service_id", "version", "rules": […]}` → the saved set.
/// 409 when someone saved since `version`.
#[server(prefix = "/api", endpoint = "rules/save", input = server_fn::codec::Json)]
pub async fn save_rules(
    service_id: Option<ServiceId>,
    version: i64,
    rules: Value,
) -> Result<RuleSetView, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::save(&state, &caller, service_id, version, &rules).await
}

/// `POST /api/rules/test` with `{"service_id", "format": "events_v2", "body": "<event>",
/// "rules": null | […]}` → what the rules (the draft, if given) would do with each event.
#[server(prefix = "/api", endpoint = "rules/test", input = server_fn::codec::Json)]
pub async fn test_rules(
    service_id: Option<ServiceId>,
    format: String,
    body: String,
    #[server(default)] rules: Option<Value>,
) -> Result<Vec<TestedEvent>, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::test(&state, &caller, service_id, &format, &body, rules.as_ref()).await
}

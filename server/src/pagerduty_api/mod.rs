//! PagerDuty REST API v2 compatibility under `/pagerduty`, so PagerDuty's own clients
//! (python-pagerduty's `RestApiV2Client(base_url=".../pagerduty")`, go-pagerduty, Terraform's
//! `api_url_override`) work against OpsKnight unchanged. Handlers are shells over the features'
//! `ops`; every answer is JSON, every error PagerDuty's envelope, and nothing redirects: each
//! path is served with and without a trailing slash, and unknown paths or methods are a 404
//! envelope.
//!
//! Mappings: statuses in `refs::pd_status`, urgencies in `refs::pd_urgency`, roles in
//! `refs::pd_role`; ids are OpsKnight's UUIDs as strings, times UTC.

mod account;
mod actors;
mod contact_writes;
mod contacts;
mod error;
mod incident_log;
mod incident_shape;
mod incident_writes;
mod incidents;
mod integrations;
mod oncalls;
mod overrides;
mod paging;
mod policies;
mod query;
mod refs;
mod schedules;
mod services;
mod teams;
mod users;

use app::state::AppState;
use axum::Router;
use axum::http::{Method, Uri};
use axum::routing::{MethodRouter, any, delete, get, post, put};

pub use error::{PdError, PdResult};
pub use refs::PREFIX;

/// A method that is no route of this path: PagerDuty answers 404.
async fn no_method(method: Method, uri: Uri) -> PdError {
    PdError::not_found(&format!("{method} {}", uri.path()))
}

/// No such path under the prefix.
async fn no_route(uri: Uri) -> PdError {
    PdError::not_found(&format!("path {}", uri.path()))
}

/// Adds `path` (under the prefix) with and without a trailing slash.
fn at(router: Router<AppState>, path: &str, methods: MethodRouter<AppState>) -> Router<AppState> {
    let full = format!("{PREFIX}{path}");
    let methods = methods.fallback(no_method);
    router
        .route(&format!("{full}/"), methods.clone())
        .route(&full, methods)
}

/// The `/pagerduty/*` routes.
pub fn routes() -> Router<AppState> {
    let r = Router::new();
    let r = at(
        r,
        "/incidents",
        get(incidents::list)
            .put(incident_writes::update_many)
            .post(incident_writes::create),
    );
    let r = at(
        r,
        "/incidents/{id}",
        get(incidents::show).put(incident_writes::update),
    );
    let r = at(
        r,
        "/incidents/{id}/notes",
        get(incident_log::list_notes).post(incident_log::add_note),
    );
    let r = at(
        r,
        "/incidents/{id}/log_entries",
        get(incident_log::log_entries),
    );
    let r = at(r, "/services", get(services::list).post(services::create));
    let r = at(
        r,
        "/services/{id}",
        get(services::show)
            .put(services::update)
            .delete(services::delete),
    );
    let r = at(r, "/services/{id}/integrations", post(integrations::create));
    let r = at(
        r,
        "/services/{id}/integrations/{iid}",
        get(integrations::show).delete(integrations::delete),
    );
    let r = at(
        r,
        "/escalation_policies",
        get(policies::list).post(policies::create),
    );
    let r = at(
        r,
        "/escalation_policies/{id}",
        get(policies::show)
            .put(policies::update)
            .delete(policies::delete),
    );
    let r = at(r, "/schedules", get(schedules::list));
    let r = at(r, "/schedules/{id}", get(schedules::show));
    let r = at(
        r,
        "/schedules/{id}/overrides",
        get(overrides::list).post(overrides::create),
    );
    let r = at(
        r,
        "/schedules/{id}/overrides/{oid}",
        delete(overrides::delete),
    );
    let r = at(r, "/oncalls", get(oncalls::list));
    let r = at(r, "/users", get(users::list).post(users::create));
    let r = at(r, "/users/me", get(users::me));
    let r = at(
        r,
        "/users/{id}",
        get(users::show).put(users::update).delete(users::delete),
    );
    let r = at(r, "/users/{id}/license", get(users::license));
    let r = at(
        r,
        "/users/{id}/contact_methods",
        get(contacts::contact_methods).post(contact_writes::create_method),
    );
    let r = at(
        r,
        "/users/{id}/notification_rules",
        get(contacts::notification_rules).post(contact_writes::create_rule),
    );
    let r = at(
        r,
        "/users/{id}/notification_rules/{rid}",
        get(contact_writes::show_rule).delete(contact_writes::delete_rule),
    );
    let r = at(
        r,
        "/users/{id}/contact_methods/{cid}",
        get(contact_writes::show_method).delete(contact_writes::delete_method),
    );
    let r = at(r, "/teams", get(teams::list).post(teams::create));
    let r = at(
        r,
        "/teams/{id}",
        get(teams::show).put(teams::update).delete(teams::delete),
    );
    let r = at(r, "/teams/{id}/members", get(teams::members));
    let r = at(
        r,
        "/teams/{id}/users/{uid}",
        put(teams::put_member).delete(teams::delete_member),
    );
    let r = at(r, "/priorities", get(account::priorities));
    let r = at(r, "/priorities/{id}", get(account::show_priority));
    let r = at(r, "/vendors", get(integrations::vendors));
    let r = at(r, "/vendors/{id}", get(integrations::vendor));
    let r = at(r, "/abilities", get(account::abilities));
    let r = at(r, "/abilities/{id}", get(account::ability));
    r.route(PREFIX, any(no_route))
        .route(&format!("{PREFIX}/"), any(no_route))
        .route(&format!("{PREFIX}/{{*rest}}"), any(no_route))
}

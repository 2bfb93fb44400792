//! The status page's admin API: validation errors name the field with nothing half-written,
//! and a manual override wins over the derived status.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use common::paging::alice_then_bob;
use common::status::component;
use serde_json::json;

#[tokio::test]
async fn admin_checks_name_the_field() {
    let s = alice_then_bob(30).await;
    let (st, e) = s
        .app
        .call(
            "/api/status/components/save",
            json!({"component": {"service_id": s.service, "display_name": " ",
                                 "override_status": ""}}),
            &s.admin,
        )
        .await;
    assert_eq!(
        (st, e["field"].as_str()),
        (400, Some("display_name")),
        "{e}"
    );
    let (st, e) = s
        .app
        .call(
            "/api/status/components/save",
            json!({"component": {"service_id": s.service, "display_name": "API",
                                 "override_status": "broken"}}),
            &s.admin,
        )
        .await;
    assert_eq!(
        (st, e["field"].as_str()),
        (400, Some("override_status")),
        "{e}"
    );
    component(&s, &s.service, "API", "").await;
    let (st, e) = s
        .app
        .call(
            "/api/status/components/save",
            json!({"component": {"service_id": s.service, "display_name": "API again",
                                 "override_status": ""}}),
            &s.admin,
        )
        .await;
    assert_eq!((st, e["field"].as_str()), (400, Some("service_id")), "{e}");
    let (st, e) = s
        .app
        .call(
            "/api/status/incidents/create",
            json!({"incident": {"name": "x", "impact": "huge", "status": "investigating",
                   "body": "b"}}),
            &s.admin,
        )
        .await;
    assert_eq!((st, e["field"].as_str()), (400, Some("impact")), "{e}");
    let (st, e) = s
        .app
        .call(
            "/api/status/incidents/create",
            json!({"incident": {"name": "x", "impact": "minor", "status": "investigating",
                   "body": "b", "component_ids": [uuid::Uuid::new_v4()]}}),
            &s.admin,
        )
        .await;
    assert_eq!(
        (st, e["field"].as_str()),
        (400, Some("component_ids")),
        "{e}"
    );
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM status_incidents")
        .fetch_one(&s.app.pool)
        .await
        .unwrap();
    assert_eq!(n, 0, "no half-written incident");
    // An override wins over derived status.
    let (_, o) = s
        .app
        .call("/api/status/overview", json!({}), &s.admin)
        .await;
    let id = o["components"][0]["id"].clone();
    let (st, _) = s
        .app
        .call(
            "/api/status/components/save",
            json!({"component": {"id": id, "service_id": s.service, "display_name": "API",
                                 "override_status": "degraded_performance"}}),
            &s.admin,
        )
        .await;
    assert_eq!(st, 200);
    let (_, o) = s
        .app
        .call("/api/status/overview", json!({}), &s.admin)
        .await;
    assert_eq!(o["components"][0]["status"], "degraded_performance");
    assert_eq!(o["components"][0]["service_name"], "Payments");
}

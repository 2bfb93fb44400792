//! PagerDuty's own Python client (python-pagerduty 7, `RestApiV2Client`) against the
//! `/pagerduty` layer over TLS: `scripts/pd_client_check.py` pages incidents with `iter_all`,
//! acknowledges and resolves with `rput`, adds a note, reads on-calls and a rendered schedule,
//! creates an override and checks the client's own error handling. The client refuses http://,
//! hence the TLS listener and its self-signed certificate as the CA. Needs `.venv` with the
//! client (`scripts/install-tools.sh`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::path::PathBuf;

use app::domain::Role;
use common::{Cred, spawn_app_tls};
use serde_json::json;

#[tokio::test]
async fn the_official_python_client_works_unchanged() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let python = root.join(".venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run scripts/install-tools.sh (it installs pagerduty==7.2.0 into .venv)",
        python.display()
    );
    let app = spawn_app_tls().await;
    let cert = app.tls.as_ref().expect("a TLS app").cert.clone();
    let admin_user = app.add_user("root@example.com", Role::Admin).await;
    let admin = app.session_for(admin_user.id).await;
    let Cred::Key(key) = app.key_for(&admin_user, &["admin"]).await else {
        unreachable!()
    };
    let alice = app.add_user("alice@example.com", Role::Responder).await;
    let bob = app.add_user("bob@example.com", Role::Responder).await;
    let (s, schedule) = app
        .call(
            "/api/schedules/save",
            json!({"id": null, "name": "Primary", "description": "", "time_zone": "UTC"}),
            &admin,
        )
        .await;
    assert_eq!(s, 200, "{schedule}");
    let schedule = schedule.as_str().unwrap().to_owned();
    let (s, b) = app
        .call(
            "/api/schedules/layers/save",
            json!({"schedule_id": schedule, "layer": {"id": uuid::Uuid::new_v4(), "name": "Daily",
                "priority": 0, "participants": [alice.id, bob.id],
                "rotation": {"unit": "DAYS", "every": 1}, "start": "2026-03-07T09:00:00"}}),
            &admin,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let service = app
        .service_with_policy(
            &admin,
            "Checkout",
            json!([{"delay_minutes": 10, "channels": [],
                "targets": [{"kind": "SCHEDULE", "id": schedule}]}]),
        )
        .await;
    // More incidents than one page of the client's iteration (page size 3).
    for i in 0..7 {
        app.create_incident(&admin, &service, &format!("Outage {i}"))
            .await;
    }

    let out = tokio::process::Command::new(&python)
        .arg(root.join("scripts/pd_client_check.py"))
        .args(["--base-url", &format!("{}/pagerduty", app.base)])
        .args(["--api-key", &key])
        .arg("--ca-cert")
        .arg(&cert)
        .args(["--from-email", "root@example.com"])
        .args(["--service-id", &service])
        .args(["--schedule-id", &schedule])
        .args(["--user-id", &bob.id.to_string()])
        .args(["--now", "2026-03-08T06:30:00Z"])
        .args(["--min-incidents", "7", "--page-size", "3"])
        .output()
        .await
        .expect("run the Python client check");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "pd_client_check.py failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    assert!(stdout.contains("all checks passed"), "{stdout}\n{stderr}");
}

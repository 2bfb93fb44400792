//! Paged means mine: the people the current escalation step paged hold the incident ("Mine"
//! on /m and the desktop, the assignee column, the timeline), it moves as escalation moves,
//! and a manual assignment wins over it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::domain::Role;
use common::{Cred, TestApp, spawn_app};
use serde_json::{Value, json};

async fn mine(app: &TestApp, cred: &Cred) -> Vec<Value> {
    let (s, page) = app
        .call(
            "/api/incidents/list",
            json!({"filter": {"mine": true, "statuses": ["OPEN", "ACKNOWLEDGED"]}, "before": null, "limit": 50}),
            cred,
        )
        .await;
    assert_eq!(s, 200, "{page}");
    page["incidents"].as_array().unwrap().clone()
}

#[tokio::test]
async fn the_paged_person_holds_the_incident_until_someone_assigns_it() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let mut people = Vec::new();
    for who in ["alice", "bob", "carol", "dave"] {
        let u = app
            .add_user(&format!("{who}@example.com"), Role::Responder)
            .await;
        let cred = app.session_for(u.id).await;
        people.push((u, cred));
    }
    let [(alice, a), (bob, b), (carol, c), (dave, d)] = <[_; 4]>::try_from(people).unwrap();
    let step = |id: &app::domain::UserId| json!({"delay_minutes": 5, "targets": [{"kind": "USER", "id": id}]});
    let service = app
        .service_with_policy(
            &admin,
            "Checkout",
            json!([step(&alice.id), step(&bob.id), step(&dave.id)]),
        )
        .await;
    let _engine = app.start_engine(None);
    let id = app.create_incident(&admin, &service, "Disk full").await;
    app.settle().await;

    let alice_sees = mine(&app, &a).await;
    assert_eq!(alice_sees.len(), 1, "step 1 paged Alice: it is hers");
    assert_eq!(alice_sees[0]["assignee"], json!(alice.name));
    assert!(mine(&app, &b).await.is_empty());

    app.advance(chrono::Duration::minutes(5)).await;
    assert!(mine(&app, &a).await.is_empty(), "step 2 moved it on");
    let bob_sees = mine(&app, &b).await;
    assert_eq!(bob_sees.len(), 1);
    assert_eq!(bob_sees[0]["assignee"], json!(bob.name));

    // A manual assignment wins: step 3 pages Dave, but Carol holds it.
    let (s, r) = app
        .call(
            "/api/incidents/assign",
            json!({"id": id, "user_id": carol.id, "team_id": null}),
            &admin,
        )
        .await;
    assert_eq!(s, 200, "{r}");
    app.advance(chrono::Duration::minutes(5)).await;
    assert_eq!(mine(&app, &c).await.len(), 1);
    assert!(mine(&app, &d).await.is_empty());
    assert!(mine(&app, &b).await.is_empty());

    let held: Vec<String> = sqlx::query_scalar(
        "SELECT coalesce(details ->> 'held_by', '-') FROM incident_timeline
         WHERE kind = 'ESCALATED' ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        held,
        [
            json!([alice.name]).to_string(),
            json!([bob.name]).to_string(),
            "-".to_owned()
        ],
        "the timeline says who holds it while nobody is assigned by hand"
    );
}

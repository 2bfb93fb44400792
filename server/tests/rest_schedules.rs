//! REST v1 schedules and on-call on a real Postgres: a daily rotation rendered over a window
//! (with an override and a temporary schedule), layers and schedules changed with `If-Match`,
//! who is on call per schedule and per escalation step, 422 naming the field with nothing
//! changed, 404 for unknown ids and 403 for a key without the scope.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;
mod oncalls;

use app::domain::Role;
use common::{Cred, TestApp, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};

async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    cred: &Cred,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> (u16, reqwest::header::HeaderMap, Value) {
    app.send(method, path, cred, body, headers).await
}

struct World {
    app: TestApp,
    /// An ADMIN's session (for the server functions that set up policies and teams).
    admin: Cred,
    /// The ADMIN's key with `schedules:read` and `schedules:write`.
    key: Cred,
    alice: String,
    bob: String,
    carol: String,
}

impl World {
    async fn new() -> World {
        let app = spawn_app().await;
        let root = app.add_user("root@example.com", Role::Admin).await;
        let admin = app.session_for(root.id).await;
        let key = app
            .key_for(&root, &["schedules:read", "schedules:write"])
            .await;
        let id = |u: app::users::UserSummary| u.id.to_string();
        World {
            alice: id(app.add_user("alice@example.com", Role::Responder).await),
            bob: id(app.add_user("bob@example.com", Role::Responder).await),
            carol: id(app.add_user("carol@example.com", Role::Responder).await),
            app,
            admin,
            key,
        }
    }

    async fn get(&self, path: &str) -> (u16, reqwest::header::HeaderMap, Value) {
        send(&self.app, Method::GET, path, &self.key, None, &[]).await
    }

    async fn write(
        &self,
        method: Method,
        path: &str,
        body: Value,
        headers: &[(&str, &str)],
    ) -> (u16, reqwest::header::HeaderMap, Value) {
        send(&self.app, method, path, &self.key, Some(body), headers).await
    }

    /// 422 naming a field: the field.
    async fn refused(&self, method: Method, path: &str, body: Option<Value>) -> String {
        let (s, _, b) = send(&self.app, method, path, &self.key, body, &[]).await;
        assert_eq!(s, 422, "{path}: {b}");
        b["field"].as_str().unwrap_or_default().to_owned()
    }

    /// A UTC schedule whose one layer hands off daily at midnight: alice from 2026-03-08,
    /// then bob, then alice … → its id.
    async fn daily(&self, name: &str) -> String {
        let (s, h, b) = self
            .write(
                Method::POST,
                "/api/v1/schedules",
                json!({"name": name, "time_zone": "UTC", "layers": [{"name": "Daily",
                    "participants": [self.alice, self.bob], "rotation": {"unit": "DAYS", "every": 1},
                    "start": "2026-03-08T00:00:00"}]}),
                &[],
            )
            .await;
        assert_eq!(s, 201, "{b}");
        let id = b["id"].as_str().unwrap().to_owned();
        assert_eq!(h["location"], format!("/api/v1/schedules/{id}").as_str());
        id
    }

    /// The final schedule's entries as (start, end, user ids, sources).
    async fn rendered(&self, id: &str, since: &str, until: &str) -> Vec<(String, String, String)> {
        let (s, _, f) = self
            .get(&format!(
                "/api/v1/schedules/{id}/final-schedule?since={since}&until={until}"
            ))
            .await;
        assert_eq!(s, 200, "{f}");
        f["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                let who: Vec<String> = e["on_call"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|o| format!("{}/{}", o["user"]["id"].as_str().unwrap(), o["source"]))
                    .collect();
                (
                    e["start"].as_str().unwrap().to_owned(),
                    e["end"].as_str().unwrap().to_owned(),
                    who.join(","),
                )
            })
            .collect()
    }
}

fn entry(start: &str, end: &str, user: &str, source: &str) -> (String, String, String) {
    (start.into(), end.into(), format!("{user}/\"{source}\""))
}

#[tokio::test]
async fn a_daily_rotation_renders_its_handoffs_and_overrides_show_in_the_final_schedule() {
    let w = World::new().await;
    let id = w.daily("Primary").await;
    let (s, h, got) = w.get(&format!("/api/v1/schedules/{id}")).await;
    assert_eq!(s, 200, "{got}");
    assert!(h["etag"].to_str().unwrap().starts_with('"'));
    assert_eq!(got["time_zone"], "UTC");
    let layer = &got["layers"][0];
    assert_eq!(layer["participants"][0]["name"], "alice");
    assert_eq!(layer["participants"][1]["id"], w.bob.as_str());
    assert_eq!(layer["rotation"], json!({"unit": "DAYS", "every": 1}));

    let (since, until) = ("2026-03-08T00:00:00Z", "2026-03-11T00:00:00Z");
    assert_eq!(
        w.rendered(&id, since, until).await,
        vec![
            entry(
                "2026-03-08T00:00:00Z",
                "2026-03-09T00:00:00Z",
                &w.alice,
                "LAYER"
            ),
            entry(
                "2026-03-09T00:00:00Z",
                "2026-03-10T00:00:00Z",
                &w.bob,
                "LAYER"
            ),
            entry(
                "2026-03-10T00:00:00Z",
                "2026-03-11T00:00:00Z",
                &w.alice,
                "LAYER"
            ),
        ]
    );

    // Carol takes over from bob for six hours on the 9th.
    let (s, h, o) = w
        .write(
            Method::POST,
            &format!("/api/v1/schedules/{id}/overrides"),
            json!({"kind": "REPLACE", "user": w.carol, "replaces": w.bob,
                "start": "2026-03-09T12:00:00Z", "end": "2026-03-09T18:00:00Z", "note": "swap"}),
            &[],
        )
        .await;
    assert_eq!(s, 201, "{o}");
    let location = h["location"].to_str().unwrap().to_owned();
    assert_eq!(o["user"]["name"], "carol");
    assert_eq!(o["replaces"]["name"], "bob");
    let (s, _, again) = w.get(&location).await;
    assert_eq!((s, &again), (200, &o));
    assert_eq!(
        w.rendered(&id, since, until).await,
        vec![
            entry(
                "2026-03-08T00:00:00Z",
                "2026-03-09T00:00:00Z",
                &w.alice,
                "LAYER"
            ),
            entry(
                "2026-03-09T00:00:00Z",
                "2026-03-09T12:00:00Z",
                &w.bob,
                "LAYER"
            ),
            entry(
                "2026-03-09T12:00:00Z",
                "2026-03-09T18:00:00Z",
                &w.carol,
                "OVERRIDE"
            ),
            entry(
                "2026-03-09T18:00:00Z",
                "2026-03-10T00:00:00Z",
                &w.bob,
                "LAYER"
            ),
            entry(
                "2026-03-10T00:00:00Z",
                "2026-03-11T00:00:00Z",
                &w.alice,
                "LAYER"
            ),
        ]
    );
    let (_, _, f) = w
        .get(&format!(
            "/api/v1/schedules/{id}/final-schedule?since={since}&until={until}"
        ))
        .await;
    assert_eq!(f["gaps"], json!([]));
    // The layer's own shifts ignore the override.
    assert_eq!(f["layers"][0]["shifts"].as_array().unwrap().len(), 3);
    let (_, _, list) = w
        .get(&format!(
            "/api/v1/schedules/{id}/overrides?since={since}&until={until}"
        ))
        .await;
    assert_eq!(list["overrides"].as_array().unwrap().len(), 1);

    // The list: who is on call now (the clock is 2026-03-08 06:30 UTC).
    let (s, _, all) = w.get("/api/v1/schedules?limit=1").await;
    assert_eq!(s, 200);
    assert_eq!(
        all["schedules"][0]["on_call_now"][0]["id"],
        w.alice.as_str()
    );
    assert_eq!(all["next_cursor"], Value::Null);

    // A temporary schedule replaces everything in its window; uncovered time is a gap.
    let (s, _, t) = w
        .write(
            Method::POST,
            &format!("/api/v1/schedules/{id}/temporary-schedules"),
            json!({"start": "2026-03-10T00:00:00Z", "end": "2026-03-11T00:00:00Z",
                "shifts": [{"user": w.carol, "start": "2026-03-10T00:00:00Z", "end": "2026-03-10T12:00:00Z"}]}),
            &[],
        )
        .await;
    assert_eq!(s, 201, "{t}");
    let (_, _, f) = w
        .get(&format!(
            "/api/v1/schedules/{id}/final-schedule?since={since}&until={until}"
        ))
        .await;
    let last = &f["entries"][4];
    assert_eq!(f["entries"].as_array().unwrap().len(), 5);
    assert_eq!(last["on_call"][0]["user"]["id"], w.carol.as_str());
    assert_eq!(last["on_call"][0]["source"], "TEMPORARY");
    assert_eq!(
        f["gaps"],
        json!([{"start": "2026-03-10T12:00:00Z", "end": "2026-03-11T00:00:00Z"}])
    );

    // Deleting the override takes it out again.
    let (s, _, _) = send(&w.app, Method::DELETE, &location, &w.key, None, &[]).await;
    assert_eq!(s, 204);
    assert_eq!(w.get(&location).await.0, 404);
    assert_eq!(
        w.rendered(&id, since, "2026-03-10T00:00:00Z").await.len(),
        2
    );
}

#[tokio::test]
async fn stale_if_match_changes_nothing_and_fresh_versions_apply() {
    let w = World::new().await;
    let id = w.daily("Primary").await;
    let path = format!("/api/v1/schedules/{id}");
    let (_, h, _) = w.get(&path).await;
    let old = h["etag"].to_str().unwrap().to_owned();
    let (s, h, b) = w
        .write(
            Method::PATCH,
            &path,
            json!({"description": "Payments"}),
            &[("if-match", &old)],
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["description"], "Payments");
    let fresh = h["etag"].to_str().unwrap().to_owned();
    assert_ne!(fresh, old);
    let (s, _, err) = w
        .write(
            Method::PATCH,
            &path,
            json!({"name": "Renamed"}),
            &[("if-match", &old)],
        )
        .await;
    assert_eq!(s, 412, "{err}");
    assert_eq!(err["error"], "stale");
    let (_, _, now) = w.get(&path).await;
    assert_eq!(now["name"], "Primary");
    let (s, _, b) = w
        .write(
            Method::PATCH,
            &path,
            json!({"name": "Renamed", "time_zone": "Europe/Berlin"}),
            &[("if-match", &fresh)],
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        (b["name"].as_str(), b["time_zone"].as_str()),
        (Some("Renamed"), Some("Europe/Berlin"))
    );

    // A layer is replaced whole under its own version.
    let layer_id = b["layers"][0]["id"].as_str().unwrap().to_owned();
    let lpath = format!("{path}/layers/{layer_id}");
    let (s, h, _) = w.get(&lpath).await;
    assert_eq!(s, 200);
    let v1 = h["etag"].to_str().unwrap().to_owned();
    let body = |who: &[&str]| {
        json!({"name": "Weekly", "participants": who, "rotation": {"unit": "WEEKS", "every": 1},
            "start": "2026-03-09T09:00:00", "restrictions": [{"weekday": "Mon", "start": "09:00:00", "end": "17:00:00"}]})
    };
    let (s, _, l) = w
        .write(Method::PUT, &lpath, body(&[&w.carol]), &[("if-match", &v1)])
        .await;
    assert_eq!(s, 200, "{l}");
    assert_eq!(l["participants"][0]["name"], "carol");
    assert_eq!(l["restrictions"][0]["weekday"], "Mon");
    let (s, _, _) = w
        .write(Method::PUT, &lpath, body(&[&w.alice]), &[("if-match", &v1)])
        .await;
    assert_eq!(s, 412);
    let (_, _, l) = w.get(&lpath).await;
    assert_eq!(l["participants"][0]["name"], "carol");

    // Temporary schedules too.
    let (s, h, t) = w
        .write(
            Method::POST,
            &format!("{path}/temporary-schedules"),
            json!({"start": "2026-03-10T00:00:00Z", "end": "2026-03-11T00:00:00Z", "shifts": []}),
            &[],
        )
        .await;
    assert_eq!(s, 201, "{t}");
    let tpath = h["location"].to_str().unwrap().to_owned();
    let tv1 = h["etag"].to_str().unwrap().to_owned();
    let shifted = json!({"start": "2026-03-10T00:00:00Z", "end": "2026-03-11T00:00:00Z",
        "shifts": [{"user": w.bob, "start": "2026-03-10T00:00:00Z", "end": "2026-03-10T06:00:00Z"}]});
    let (s, _, t) = w
        .write(Method::PUT, &tpath, shifted.clone(), &[("if-match", &tv1)])
        .await;
    assert_eq!(s, 200, "{t}");
    assert_eq!(t["shifts"][0]["user"]["name"], "bob");
    assert_eq!(
        w.write(Method::PUT, &tpath, shifted, &[("if-match", &tv1)])
            .await
            .0,
        412
    );
    let (s, _, _) = send(&w.app, Method::DELETE, &tpath, &w.key, None, &[]).await;
    assert_eq!(s, 204);
    let (s, _, _) = send(&w.app, Method::DELETE, &lpath, &w.key, None, &[]).await;
    assert_eq!(s, 204);
    let (_, _, b) = w.get(&path).await;
    assert_eq!(b["layers"], json!([]));
}

/// A policy: step 1 pages the schedule, step 2 carol directly, step 3 a team's lead (bob).
#[tokio::test]
async fn bad_input_is_422_naming_the_field_and_changes_nothing() {
    let w = World::new().await;
    let id = w.daily("Primary").await;
    let layer = |participants: Value, rotation: Value| {
        json!({"name": "L", "participants": participants, "rotation": rotation,
            "start": "2026-03-08T00:00:00"})
    };
    let daily = json!({"unit": "DAYS", "every": 1});
    let new =
        |layers: Value, zone: &str| json!({"name": "Second", "time_zone": zone, "layers": layers});
    let ghost = uuid::Uuid::new_v4().to_string();
    let cases = [
        (new(json!([]), "Mars/Olympus"), "time_zone"),
        (
            new(
                json!([
                    layer(json!([w.alice]), daily.clone()),
                    layer(json!([w.bob, ghost]), daily.clone())
                ]),
                "UTC",
            ),
            "layers[1].participants[1]",
        ),
        (
            new(
                json!([layer(
                    json!([w.alice]),
                    json!({"unit": "FORTNIGHTS", "every": 1})
                )]),
                "UTC",
            ),
            "layers[0].rotation.unit",
        ),
        (
            new(
                json!([layer(json!([w.alice]), json!({"unit": "DAYS", "every": 0}))]),
                "UTC",
            ),
            "layers[0].rotation.every",
        ),
        (
            new(json!([layer(json!([]), daily.clone())]), "UTC"),
            "layers[0].participants",
        ),
        (json!({"name": "Second"}), "time_zone"),
    ];
    let (schedules, layers) = (
        w.app.count("schedules").await,
        w.app.count("schedule_layers").await,
    );
    for (body, field) in cases {
        assert_eq!(
            w.refused(Method::POST, "/api/v1/schedules", Some(body))
                .await,
            field
        );
    }
    // All or nothing: the first layer of a refused schedule is not written either.
    assert_eq!(w.app.count("schedules").await, schedules);
    assert_eq!(w.app.count("schedule_layers").await, layers);

    let path = format!("/api/v1/schedules/{id}");
    for (body, field) in [
        (
            json!({"name": "Renamed", "time_zone": "Nowhere/Else"}),
            "time_zone",
        ),
        (
            json!({"name": "Renamed", "description": "x".repeat(2001)}),
            "description",
        ),
        (json!({"name": "  "}), "name"),
        (json!({"colour": "red"}), "colour"),
    ] {
        assert_eq!(w.refused(Method::PATCH, &path, Some(body)).await, field);
    }
    let (_, _, now) = w.get(&path).await;
    assert_eq!(
        (now["name"].as_str(), now["time_zone"].as_str()),
        (Some("Primary"), Some("UTC"))
    );

    for (body, field) in [
        (
            json!({"name": "L", "participants": [w.alice], "rotation": daily, "start": "2026-03-08T00:00:00",
            "restrictions": [{"weekday": "Someday", "start": "09:00:00", "end": "17:00:00"}]}),
            "restrictions[0].weekday",
        ),
        (
            json!({"name": "L", "participants": [w.alice], "rotation": daily, "start": "2026-03-08T00:00:00Z"}),
            "start",
        ),
        (
            layer(json!([w.alice]), json!({"unit": "HOURS", "every": 400})),
            "rotation.every",
        ),
    ] {
        assert_eq!(
            w.refused(Method::POST, &format!("{path}/layers"), Some(body))
                .await,
            field
        );
    }
    assert_eq!(w.app.count("schedule_layers").await, layers);

    let overrides = format!("{path}/overrides");
    for (body, field) in [
        (
            json!({"kind": "SWAP", "user": w.carol, "start": "2026-03-09T00:00:00Z", "end": "2026-03-09T01:00:00Z"}),
            "kind",
        ),
        (
            json!({"kind": "ADD", "user": w.carol, "start": "2026-03-09T00:00:00Z", "end": "2026-03-08T01:00:00Z"}),
            "end",
        ),
        (
            json!({"kind": "REPLACE", "user": w.carol, "start": "2026-03-09T00:00:00Z", "end": "2026-03-09T01:00:00Z"}),
            "replaces",
        ),
        (
            json!({"kind": "ADD", "user": ghost, "start": "2026-03-09T00:00:00Z", "end": "2026-03-09T01:00:00Z"}),
            "user",
        ),
    ] {
        assert_eq!(w.refused(Method::POST, &overrides, Some(body)).await, field);
    }
    assert_eq!(w.app.count("schedule_overrides").await, 0);

    let temporary = format!("{path}/temporary-schedules");
    for (body, field) in [
        (
            json!({"start": "2026-03-10T00:00:00Z", "end": "2026-03-11T00:00:00Z",
            "shifts": [{"user": w.alice, "start": "2026-03-09T00:00:00Z", "end": "2026-03-10T06:00:00Z"}]}),
            "shifts[0].start",
        ),
        (
            json!({"start": "2026-03-10T00:00:00Z", "end": "2026-03-11T00:00:00Z",
            "shifts": [{"user": ghost, "start": "2026-03-10T00:00:00Z", "end": "2026-03-10T06:00:00Z"}]}),
            "shifts[0].user",
        ),
    ] {
        assert_eq!(w.refused(Method::POST, &temporary, Some(body)).await, field);
    }
    assert_eq!(w.app.count("schedule_temporary").await, 0);

    for (query, field) in [
        (
            "since=2026-03-09T00:00:00Z&until=2026-03-09T00:00:00Z",
            "until",
        ),
        (
            "since=2026-03-08T00:00:00Z&until=2026-07-08T00:00:00Z",
            "until",
        ),
        ("since=monday", "since"),
    ] {
        assert_eq!(
            w.refused(Method::GET, &format!("{path}/final-schedule?{query}"), None)
                .await,
            field
        );
        assert_eq!(
            w.refused(Method::GET, &format!("{overrides}?{query}"), None)
                .await,
            field
        );
    }
    assert_eq!(
        w.refused(Method::GET, "/api/v1/schedules?limit=0", None)
            .await,
        "limit"
    );
}

#[tokio::test]
async fn unknown_ids_are_404_in_use_is_409_and_keys_need_the_scope() {
    let w = World::new().await;
    let id = w.daily("Primary").await;
    let ghost = uuid::Uuid::new_v4();
    for path in [
        format!("/api/v1/schedules/{ghost}"),
        "/api/v1/schedules/not-a-uuid".to_owned(),
        format!("/api/v1/schedules/{ghost}/final-schedule"),
        format!("/api/v1/schedules/{ghost}/layers"),
        format!("/api/v1/schedules/{id}/layers/{ghost}"),
        format!("/api/v1/schedules/{id}/overrides/{ghost}"),
        format!("/api/v1/schedules/{id}/temporary-schedules/{ghost}"),
    ] {
        let (s, _, b) = w.get(&path).await;
        assert_eq!(s, 404, "{path}: {b}");
        assert_eq!(b["error"], "not_found");
    }
    for path in [
        format!("/api/v1/schedules/{ghost}"),
        format!("/api/v1/schedules/{id}/layers/{ghost}"),
        format!("/api/v1/schedules/{id}/overrides/{ghost}"),
        format!("/api/v1/schedules/{id}/temporary-schedules/{ghost}"),
    ] {
        let (s, _, _) = send(&w.app, Method::DELETE, &path, &w.key, None, &[]).await;
        assert_eq!(s, 404, "DELETE {path}");
    }
    let (s, _, _) = w
        .write(
            Method::PATCH,
            &format!("/api/v1/schedules/{ghost}"),
            json!({"name": "X"}),
            &[],
        )
        .await;
    assert_eq!(s, 404);
    let layer = json!({"name": "L", "participants": [w.alice], "rotation": {"unit": "DAYS", "every": 1},
        "start": "2026-03-08T00:00:00"});
    let (s, _, _) = w
        .write(
            Method::PUT,
            &format!("/api/v1/schedules/{id}/layers/{ghost}"),
            layer.clone(),
            &[],
        )
        .await;
    assert_eq!(s, 404);
    assert_eq!(w.app.count("schedule_layers").await, 1);

    // A schedule an escalation policy pages cannot be deleted.
    oncalls::policy(&w, &id).await;
    let (s, _, b) = send(
        &w.app,
        Method::DELETE,
        &format!("/api/v1/schedules/{id}"),
        &w.key,
        None,
        &[],
    )
    .await;
    assert_eq!(s, 409, "{b}");
    assert_eq!(w.app.count("schedules").await, 1);

    // Keys need the scope: reading needs schedules:read, changing schedules:write.
    let admin = w.app.add_user("other@example.com", Role::Admin).await;
    let incidents_only = w.app.key_for(&admin, &["incidents:read"]).await;
    let read_only = w.app.key_for(&admin, &["schedules:read"]).await;
    for path in [
        "/api/v1/schedules",
        "/api/v1/oncalls",
        &format!("/api/v1/schedules/{id}/final-schedule"),
    ] {
        let (s, _, b) = send(&w.app, Method::GET, path, &incidents_only, None, &[]).await;
        assert_eq!(s, 403, "{path}: {b}");
        assert_eq!(b["field"], "authorization");
        assert_eq!(
            send(&w.app, Method::GET, path, &read_only, None, &[])
                .await
                .0,
            200
        );
    }
    let (s, _, _) = send(
        &w.app,
        Method::POST,
        "/api/v1/schedules",
        &read_only,
        Some(json!({"name": "Second", "time_zone": "UTC"})),
        &[],
    )
    .await;
    assert_eq!(s, 403);
    let (s, _, _) = send(
        &w.app,
        Method::POST,
        &format!("/api/v1/schedules/{id}/layers"),
        &read_only,
        Some(layer),
        &[],
    )
    .await;
    assert_eq!(s, 403);
    assert_eq!(w.app.count("schedules").await, 1);
    assert_eq!(w.app.count("schedule_layers").await, 1);
    assert_eq!(
        send(
            &w.app,
            Method::GET,
            "/api/v1/schedules",
            &Cred::Anonymous,
            None,
            &[]
        )
        .await
        .0,
        401
    );
}

//! Postmortems on the manual clock: drafted from a real incident timeline (trigger, ack, a
//! merge, a note, resolve) with their times; refused for an unresolved, a merged-away or an
//! already written incident; Markdown rendered inert (`<script>`, `javascript:` links,
//! `<img onerror>`, raw HTML). Editing rules are in `postmortems_review.rs`, action items
//! and the export in `postmortems_actions.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use chrono::Duration;
use common::postmortems::{edit, incident, ok, resolved_with_postmortem};
use common::spawn_app;
use serde_json::json;

#[tokio::test]
async fn a_postmortem_is_drafted_from_the_incident_timeline_and_its_merged_incidents() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let (_, key) = app.service_with_key(&admin, "Checkout").await;
    // 06:30 both trigger; 06:35 ack; 06:40 b merged into a; 06:50 a note; 07:35 resolve.
    app.enqueue(&key, "trigger", "db", "critical").await;
    app.enqueue(&key, "trigger", "db-replica", "error").await;
    let (a, a_n) = incident(&app, "db").await;
    let (b, b_n) = incident(&app, "db-replica").await;
    app.clock.advance(Duration::minutes(5));
    ok(
        &app,
        "/api/incidents/acknowledge",
        json!({"ids": [a]}),
        &admin,
    )
    .await;

    // Not resolved yet: refused, nothing written.
    let (s, e) = app
        .call("/api/postmortems/create", json!({"incident_id": a}), &admin)
        .await;
    assert_eq!(s, 409, "{e}");
    assert!(
        e["message"].as_str().unwrap().contains("not resolved"),
        "{e}"
    );
    assert_eq!(app.count("postmortems").await, 0);

    app.clock.advance(Duration::minutes(5));
    ok(
        &app,
        "/api/incidents/merge",
        json!({"target_id": a, "source_ids": [b]}),
        &admin,
    )
    .await;
    app.clock.advance(Duration::minutes(10));
    ok(
        &app,
        "/api/incidents/note",
        json!({"id": a, "note": "connection pool exhausted"}),
        &admin,
    )
    .await;
    app.clock.advance(Duration::minutes(45));
    ok(&app, "/api/incidents/resolve", json!({"ids": [a]}), &admin).await;

    // The merged-away incident points at the one that covers it.
    let (s, e) = app
        .call("/api/postmortems/create", json!({"incident_id": b}), &admin)
        .await;
    assert_eq!(s, 409, "{e}");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains(&format!("merged into #{a_n}")),
        "{e}"
    );

    let id = ok(
        &app,
        "/api/postmortems/create",
        json!({"incident_id": a}),
        &admin,
    )
    .await;
    let v = ok(&app, "/api/postmortems/get", json!({"id": id}), &admin).await;
    let p = &v["postmortem"];
    assert_eq!(p["status"], "DRAFT");
    assert_eq!(p["merged"], json!([b_n]));
    assert_eq!(p["authors"], "root");
    let rows: Vec<(String, String)> = p["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["at"].as_str().unwrap().to_owned(),
                r["text"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let want: Vec<(String, String)> = [
        ("2026-03-08T06:30:00Z", "Triggered: db is down".to_owned()),
        (
            "2026-03-08T06:30:00Z",
            format!("#{b_n}: Triggered: db-replica is down"),
        ),
        ("2026-03-08T06:35:00Z", "Acknowledged by root".to_owned()),
        ("2026-03-08T06:40:00Z", format!("#{b_n}: Resolved by root")),
        (
            "2026-03-08T06:40:00Z",
            format!("#{b_n}: Merged into #{a_n}"),
        ),
        (
            "2026-03-08T06:40:00Z",
            format!("Merged #{b_n} into this incident (1 alerts moved)"),
        ),
        (
            "2026-03-08T06:50:00Z",
            "Note by root: connection pool exhausted".to_owned(),
        ),
        ("2026-03-08T07:35:00Z", "Resolved by root".to_owned()),
    ]
    .into_iter()
    .map(|(t, s)| (t.to_owned(), s))
    .collect();
    assert_eq!(rows, want);
    let summary = p["sections"]["summary"].as_str().unwrap();
    assert!(summary.contains(&format!("Incident #{a_n}")), "{summary}");
    assert!(summary.contains("**Checkout**"), "{summary}");
    assert!(summary.contains("after 1 h 5 min"), "{summary}");
    assert!(
        summary.contains(&format!("Merged into it: #{b_n}")),
        "{summary}"
    );
    assert!(
        v["html"][0][1]
            .as_str()
            .unwrap()
            .contains("<strong>Checkout</strong>"),
        "{v}"
    );

    // One per incident: a second is refused; both incidents lead to this one.
    let (s, e) = app
        .call("/api/postmortems/create", json!({"incident_id": a}), &admin)
        .await;
    assert_eq!(s, 409, "{e}");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("has a postmortem already"),
        "{e}"
    );
    for inc in [&a, &b] {
        let of = ok(
            &app,
            "/api/postmortems/of-incident",
            json!({"incident_id": inc}),
            &admin,
        )
        .await;
        assert_eq!(of, id);
    }
    let audited: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'postmortem.create'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn markdown_with_scripts_and_javascript_links_is_rendered_inert() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let (_, pm) = resolved_with_postmortem(&app, &admin, "api").await;
    let evil = "<script>alert(1)</script>\n\n[click](javascript:alert(2)) [ok](https://example.com/x)\n\n\
                <img src=x onerror=alert(3)> ![pic](javascript:alert(4))\n\n\
                <div onclick=\"alert(5)\"><iframe src=\"https://evil.example\"></iframe></div>\n\n\
                <a href=\"javascript:alert(6)\">raw</a> **fine**";
    let v = ok(
        &app,
        "/api/postmortems/update",
        json!({"id": pm, "edit": edit("Inert", json!({"summary": evil, "impact": "ok"}), json!([]))}),
        &admin,
    )
    .await;
    let html = v["html"][0][1].as_str().unwrap().to_owned();
    let preview = ok(
        &app,
        "/api/postmortems/preview",
        json!({"markdown": evil}),
        &admin,
    )
    .await;
    assert_eq!(
        preview.as_str().unwrap(),
        html,
        "the preview renders as the page does"
    );
    // The markup (text's `<` is escaped, so every `<` opens a real tag): known tags only, no
    // handlers, no script URLs. Raw HTML and `javascript:` stay visible as text.
    let tags: Vec<&str> = html
        .split('<')
        .skip(1)
        .map(|t| t.split('>').next().unwrap())
        .collect();
    for tag in &tags {
        let name = tag
            .trim_start_matches('/')
            .split([' ', '/'])
            .next()
            .unwrap();
        assert!(
            ["p", "a", "strong", "img"].contains(&name),
            "<{tag}> in {html}"
        );
        let lower = tag.to_lowercase();
        for bad in ["javascript:", "onerror", "onclick", "src="] {
            assert!(!lower.contains(bad), "{bad} in <{tag}>: {html}");
        }
    }
    assert!(
        tags.contains(&r#"img alt="pic""#),
        "the image lost its script source: {html}"
    );
    assert!(
        html.contains("&lt;script&gt;"),
        "raw HTML shows as text: {html}"
    );
    assert!(html.contains(r#"href="https://example.com/x""#), "{html}");
    assert!(
        html.contains(r#"rel="noopener noreferrer nofollow""#),
        "{html}"
    );
    assert!(html.contains("<strong>fine</strong>"), "{html}");
    // The text itself is kept as written.
    assert_eq!(v["postmortem"]["sections"]["summary"], evil);
}

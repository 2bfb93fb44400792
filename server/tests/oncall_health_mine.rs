//! `health/mine`, the personal summary of `/m/health` and the profile page: the caller's own
//! interruptions, nights interrupted, hours on call and day-off flag over the last 7 and 30
//! days, from the pages the engine really sent (the night of `oncall_health`'s world).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::Cred;
use crate::oncall_health::{World, two_overlapping_schedules, world};
use app::domain::Role;
use chrono::Duration;
use serde_json::{Value, json};

async fn mine(w: &World, cred: &Cred) -> Value {
    let (s, b) = w.app.call("/api/health/mine", json!({}), cred).await;
    assert_eq!(s, 200, "{b}");
    b
}

/// The (7-day, 30-day) values of `field` in the tally (or of `on_call_seconds`, etc.).
fn both(b: &Value, path: &[&str]) -> (Value, Value) {
    let get = |w: &Value| path.iter().fold(w.clone(), |v, k| v[*k].clone());
    (
        get(&b["windows"][0]["health"]),
        get(&b["windows"][1]["health"]),
    )
}

#[tokio::test]
async fn my_health_is_my_own_row_over_seven_and_thirty_days() {
    let w = world().await;
    two_overlapping_schedules(&w).await;
    w.page_the_night().await;

    let alice = mine(&w, &w.alice).await;
    assert_eq!(alice["time_zone"], "America/New_York", "{alice}");
    let days: Vec<&Value> = alice["windows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| &x["days"])
        .collect();
    assert_eq!(days, [&json!(7), &json!(30)], "{alice}");
    assert_eq!(
        alice["windows"][0]["health"]["user_id"],
        w.alice_id.as_str()
    );
    // SMS + call to one number once, email not at all; both in Saturday's night.
    assert_eq!(
        both(&alice, &["interruptions", "total"]),
        (json!(2), json!(2))
    );
    assert_eq!(
        both(&alice, &["interruptions", "sleep"]),
        (json!(2), json!(2))
    );
    assert_eq!(
        both(&alice, &["interruptions", "nights_interrupted"]),
        (json!(1), json!(1))
    );
    assert_eq!(
        both(&alice, &["suggest_day_off"]),
        (json!(true), json!(true))
    );
    assert_eq!(
        both(&alice, &["on_call_seconds"]),
        (json!(63_000), json!(63_000)),
        "{alice}"
    );

    // Bob's own row only: one off-hours page, no day off, no time on call.
    let bob = mine(&w, &w.bob).await;
    assert_eq!(bob["windows"][0]["health"]["user_id"], w.bob_id.as_str());
    assert_eq!(
        both(&bob, &["interruptions", "total"]),
        (json!(1), json!(1))
    );
    assert_eq!(
        both(&bob, &["interruptions", "off_hours"]),
        (json!(1), json!(1))
    );
    assert_eq!(
        both(&bob, &["suggest_day_off"]),
        (json!(false), json!(false))
    );

    // Someone never paged: zeros (the page's empty state). A workspace ADMIN gets their own
    // row too, not everyone's.
    let carol_u = w.app.add_user("carol@example.com", Role::User).await;
    let carol = mine(&w, &w.app.session_for(carol_u.id).await).await;
    assert_eq!(
        both(&carol, &["interruptions", "total"]),
        (json!(0), json!(0))
    );
    assert_eq!(both(&carol, &["on_call_seconds"]), (json!(0), json!(0)));
    let admin = mine(&w, &w.admin).await;
    assert_ne!(
        admin["windows"][0]["health"]["user_id"],
        w.alice_id.as_str()
    );
    assert_eq!(
        both(&admin, &["interruptions", "total"]),
        (json!(0), json!(0))
    );

    // Anonymous: 401.
    let (s, _) = w
        .app
        .call("/api/health/mine", json!({}), &Cred::Anonymous)
        .await;
    assert_eq!(s, 401);

    // Eight days on, the night has left the 7-day window but not the 30-day one.
    w.app.advance(Duration::days(8)).await;
    let alice = mine(&w, &w.signed_in("alice@example.com").await).await;
    assert_eq!(
        both(&alice, &["interruptions", "total"]),
        (json!(0), json!(2))
    );
    assert_eq!(
        both(&alice, &["suggest_day_off"]),
        (json!(false), json!(true))
    );
}

//! The noisiest alerts across the rollup and the live days: Postgres ranks each kind's groups
//! by rolled-up plus live count and sends back the top ones (`analytics::build`), and a group
//! the live days lift into the top keeps its rolled-up count, so the table equals the one read
//! all live.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};

use crate::analytics::{self, incident, report, setup};

#[tokio::test]
async fn noisiest_alerts_from_the_rollup_and_live_days_equal_the_all_live_table() {
    let fx = setup().await;
    // March 2: key k00 fires 15 times, k01 14 times … k14 once: 15 groups, more than the
    // table's 10 rows (the 10th, k09, has 6).
    for i in 0..15 {
        for n in 0..(15 - i) {
            let at = format!("2026-03-02T{:02}:{:02}:00Z", 1 + i, n);
            incident(
                &fx,
                &format!("k{i:02}"),
                &at,
                None,
                Some((60, false)),
                "LOW",
                None,
                1,
                false,
                &[],
            )
            .await;
        }
    }
    // Today (t0 is 2026-03-08 06:30 UTC), read live: k12 (3 rolled) fires 5 more times and
    // reaches 8, into the top 10; k13 (2 rolled) once more, still below it.
    for (key, times) in [("k12", 5), ("k13", 1)] {
        for n in 0..times {
            let at = format!(
                "2026-03-08T01:{:02}:00Z",
                n + if key == "k13" { 30 } else { 0 }
            );
            incident(
                &fx,
                key,
                &at,
                None,
                Some((60, false)),
                "LOW",
                None,
                2,
                false,
                &[],
            )
            .await;
        }
    }
    let window = json!({"from": "2026-03-01", "to": "2026-03-08"});
    let (st, live) = report(&fx, window.clone()).await;
    assert_eq!(st, 200, "{live}");
    assert_eq!(live["rolled_days"], 0);
    let labels = |r: &Value, kind: &str| -> Vec<(String, i64)> {
        r[kind]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| {
                (
                    n["label"].as_str().unwrap().to_owned(),
                    n["incidents"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    let keys = labels(&live, "noisy_keys");
    assert_eq!(keys.len(), 10);
    assert!(keys.contains(&("k12".into(), 8)), "{keys:?}");
    assert!(!keys.iter().any(|(k, _)| k == "k13"), "{keys:?}");

    analytics::rollup_first_week(&fx);
    let (_, mixed) = report(&fx, window).await;
    assert_eq!(mixed["rolled_days"], 7, "{mixed}");
    assert_eq!(mixed["live_days"], 1);
    for kind in ["noisy_keys", "noisy_titles"] {
        assert_eq!(
            live[kind], mixed[kind],
            "{kind} differs between all live and rollup + live"
        );
    }
}

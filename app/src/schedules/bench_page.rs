//! `/bench/schedules`: times the schedule engine in the browser (the WASM build) on the
//! benchmark schedule, so the in-browser figures sit next to criterion's host figures.

use leptos::prelude::*;

/// (per-call microseconds for "on call now", milliseconds for a one-year timeline).
#[cfg(feature = "hydrate")]
fn measure() -> Option<(f64, f64, usize)> {
    use crate::domain::schedule::{fixture, on_call_at, timeline};
    let perf = web_sys::window()?.performance()?;
    let schedule = fixture::large_schedule();
    let now = fixture::sample_now();
    let from = now - chrono::Duration::days(182);
    let to = from + chrono::Duration::days(365);
    // Warm up, then time enough calls for the timer's resolution.
    for _ in 0..200 {
        std::hint::black_box(on_call_at(&schedule, now));
    }
    let calls = 20_000;
    let t0 = perf.now();
    for i in 0..calls {
        let at = now + chrono::Duration::minutes(i64::from(i % 1000));
        std::hint::black_box(on_call_at(&schedule, at));
    }
    let on_call_us = (perf.now() - t0) * 1000.0 / f64::from(calls);
    let mut segments = 0;
    for _ in 0..3 {
        segments = timeline(&schedule, from, to).segments.len();
    }
    let runs = 30;
    let t1 = perf.now();
    for _ in 0..runs {
        std::hint::black_box(timeline(&schedule, from, to));
    }
    let year_ms = (perf.now() - t1) / f64::from(runs);
    Some((on_call_us, year_ms, segments))
}

/// Instants near offset changes and zones with odd offsets (`zone`, UTC instant), and wall-clock
/// times in a gap or fold (`zone`, local time): read by the server (chrono-tz) and by the
/// browser (its own tz database through `Intl`), which must agree.
const ZONE_INSTANTS: &[(&str, &str)] = &[
    ("America/New_York", "2026-03-08T06:59:59Z"),
    ("America/New_York", "2026-03-08T07:00:00Z"),
    ("America/New_York", "2026-11-01T05:59:59Z"),
    ("America/New_York", "2026-11-01T06:00:00Z"),
    ("Europe/London", "2026-03-29T00:59:59Z"),
    ("Europe/London", "2026-03-29T01:00:00Z"),
    ("Europe/Berlin", "2026-10-25T00:59:59Z"),
    ("Europe/Berlin", "2026-10-25T01:00:00Z"),
    ("Australia/Lord_Howe", "2026-10-03T15:29:59Z"),
    ("Australia/Lord_Howe", "2026-10-03T15:30:00Z"),
    ("Pacific/Chatham", "2026-09-26T13:59:59Z"),
    ("Pacific/Chatham", "2026-09-26T14:00:00Z"),
    ("Asia/Kolkata", "2026-06-01T00:00:00Z"),
    ("Asia/Kathmandu", "2026-06-01T00:00:00Z"),
    ("America/St_Johns", "2026-07-01T00:00:00Z"),
    ("Africa/Casablanca", "2026-02-20T12:00:00Z"),
    ("Africa/Casablanca", "2026-04-01T12:00:00Z"),
    ("UTC", "2026-01-01T00:00:00Z"),
];
const ZONE_LOCALS: &[(&str, &str)] = &[
    ("America/New_York", "2026-03-08T02:30:00"),
    ("America/New_York", "2026-11-01T01:30:00"),
    ("Europe/Berlin", "2026-03-29T02:15:00"),
    ("Australia/Lord_Howe", "2026-10-04T02:10:00"),
    ("Australia/Lord_Howe", "2027-04-04T01:45:00"),
];

/// Each sample as text: an instant in its zone, or the instant a wall-clock time resolves to.
fn zone_readings() -> Vec<String> {
    use crate::domain::schedule::resolve_local;
    use crate::domain::timezone::{format_zoned, lookup};
    let instants = ZONE_INSTANTS.iter().map(|(zone, at)| {
        match (lookup(zone), at.parse::<chrono::DateTime<chrono::Utc>>()) {
            (Some(tz), Ok(at)) => format_zoned(at, tz, "%Y-%m-%d %H:%M:%S"),
            _ => "unknown".to_owned(),
        }
    });
    let locals = ZONE_LOCALS.iter().map(|(zone, local)| {
        match (lookup(zone), local.parse::<chrono::NaiveDateTime>()) {
            (Some(tz), Ok(local)) => resolve_local(tz, local).to_rfc3339(),
            _ => "unknown".to_owned(),
        }
    });
    instants.chain(locals).collect()
}

/// The samples' labels, in `zone_readings` order.
fn zone_labels() -> Vec<String> {
    ZONE_INSTANTS
        .iter()
        .map(|(zone, at)| format!("{zone} at {at}"))
        .chain(
            ZONE_LOCALS
                .iter()
                .map(|(zone, local)| format!("{local} in {zone}")),
        )
        .collect()
}

#[component]
pub fn ScheduleBenchPage() -> impl IntoView {
    let result: RwSignal<Option<(f64, f64, usize)>> = RwSignal::new(None);
    // Read on the server while rendering; the browser gets these values with the page.
    let server = Resource::new(|| (), |_| async { zone_readings() });
    let browser: RwSignal<Option<Vec<String>>> = RwSignal::new(None);
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        {
            browser.set(Some(zone_readings()));
            result.set(measure());
        }
    });
    view! {
        <leptos_meta::Title text="Schedule engine benchmark · OpsKnight"/>
        <header class="page-head"><h1>"Schedule engine in this browser"</h1></header>
        <section class="card">
            <p class="muted">"5 layers, 20 participants, restrictions, 50 overrides (America/New_York). Computed by the same Rust code as the server, compiled to WebAssembly."</p>
            {move || match result.get() {
                None => view! { <p class="muted" aria-busy="true">"Measuring…"</p> }.into_any(),
                Some((on_call, year, segments)) => view! {
                    <dl class="kv" data-testid="bench">
                        <dt>"On call now"</dt><dd data-testid="bench-oncall-us">{format!("{on_call:.2}")}</dd><dd>"µs per call"</dd>
                        <dt>"One-year final timeline"</dt><dd data-testid="bench-year-ms">{format!("{year:.3}")}</dd><dd>{format!("ms ({segments} segments)")}</dd>
                    </dl>
                }.into_any(),
            }}
        </section>
        <section class="card" aria-labelledby="zones-h">
            <h2 id="zones-h" class="card__title">"Time zones: the server and this browser"</h2>
            <p class="muted small">"The server reads zones from the tz database it was built with; this page's WebAssembly asks the browser's. Each row must read the same."</p>
            <Suspense fallback=|| view! { <p class="muted" aria-busy="true">"Loading…"</p> }>
                {move || server.get().map(|readings| view! {
                    <table class="table" data-testid="zone-check">
                        <thead><tr><th>"Sample"</th><th>"Server"</th><th>"Browser"</th></tr></thead>
                        <tbody>
                            {zone_labels().into_iter().zip(readings).enumerate().map(|(i, (label, on_server))| {
                                let expected = on_server.clone();
                                let state = move || match browser.get() {
                                    None => "pending",
                                    Some(b) if b.get(i) == Some(&expected) => "same",
                                    Some(_) => "different",
                                };
                                let in_browser = move || browser.get().and_then(|b| b.get(i).cloned()).unwrap_or_else(|| "…".to_owned());
                                view! {
                                    <tr data-testid="zone-row" data-state=state>
                                        <td>{label}</td><td>{on_server}</td><td>{in_browser}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                })}
            </Suspense>
        </section>
    }
}

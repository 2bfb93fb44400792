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

#[component]
pub fn ScheduleBenchPage() -> impl IntoView {
    let result: RwSignal<Option<(f64, f64, usize)>> = RwSignal::new(None);
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        result.set(measure());
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
    }
}

//! The caller's own on-call health, one component for the phone (`/m/health`) and the desktop
//! profile page: the last 7 and 30 days' interruptions by bucket, nights interrupted, hours on
//! call and the day-off suggestion, with loading and empty states.

use leptos::prelude::*;

use super::api::my_oncall_health;
use super::bar::BucketBar;
use super::{MyHealth, MyWindow};

/// `/m/health`: "My on-call health" on the phone.
#[component]
pub fn MobileHealthPage() -> impl IntoView {
    view! {
        <leptos_meta::Title text="My on-call health · OpsKnight"/>
        <p class="m-back"><a href="/m/profile">"← Profile"</a></p>
        <h1 class="m-title">"My on-call health"</h1>
        <section class="card" aria-label="My on-call health">
            <MyHealthSummary/>
        </section>
    }
}

/// The summary itself (fetches `health/mine`).
#[component]
pub fn MyHealthSummary() -> impl IntoView {
    let data = Resource::new(|| (), |_| my_oncall_health());
    view! {
        <Transition fallback=|| view! {
            <p class="muted" aria-busy="true" data-testid="my-health-loading">"Loading your on-call health…"</p>
        }>
            {move || data.get().map(|r| match r {
                Ok(h) => view! { <Summary h=h/> }.into_any(),
                Err(e) => view! { <p class="error" role="alert">{e.user_message()}</p> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn Summary(h: MyHealth) -> impl IntoView {
    let quiet = h
        .windows
        .iter()
        .all(|w| w.health.interruptions.total == 0 && w.health.on_call_seconds == 0);
    // The longest window holds every rough night of the shorter ones.
    let longest = h.windows.iter().max_by_key(|w| w.days);
    let rough: Vec<String> = longest
        .map(|w| {
            w.health
                .interruptions
                .rough_nights
                .iter()
                .map(|d| d.format("%a %-d %b").to_string())
                .collect()
        })
        .unwrap_or_default();
    let longest_days = longest.map_or(0, |w| w.days);
    view! {
        <p class="muted small">
            "Pages by SMS, voice and push that reached you (email and chat excluded), in your time zone ("
            {h.time_zone.clone()}
            "): business hours 08–18 on weekdays, off hours 18–22 and weekends, sleep 22–08."
        </p>
        {(!rough.is_empty()).then(|| view! {
            <p class="notice my-health__day-off" role="status" data-testid="my-health-day-off">
                <span class="badge badge--high">"Suggest a day off"</span>
                " Two or more sleep interruptions in one night: the night of "
                {rough.join(", ")}"."
            </p>
        })}
        {if quiet {
            view! {
                <p class="empty" data-testid="my-health-empty">
                    {format!("No interruptions and no time on call in the last {longest_days} days.")}
                </p>
            }.into_any()
        } else {
            view! { <Windows windows=h.windows/> }.into_any()
        }}
    }
}

#[component]
fn Windows(windows: Vec<MyWindow>) -> impl IntoView {
    let heads = windows
        .iter()
        .map(|w| view! { <th scope="col" class="num">{format!("Last {} days", w.days)}</th> })
        .collect_view();
    let bars = windows
        .iter()
        .map(|w| {
            let t = &w.health.interruptions;
            let label = format!(
                "Last {} days: {} business hours, {} off hours, {} sleep",
                w.days, t.business, t.off_hours, t.sleep
            );
            view! {
                <td><BucketBar tally=t.clone() scale=t.total label=label/></td>
            }
        })
        .collect_view();
    let cells = move |f: fn(&MyWindow) -> String| {
        windows
            .iter()
            .map(|w| view! { <td class="num">{f(w)}</td> })
            .collect_view()
    };
    view! {
        <table class="table my-health" data-testid="my-health">
            <thead><tr><th scope="col">""</th>{heads}</tr></thead>
            <tbody>
                <tr><th scope="row">"Interruptions"</th>{cells(|w| w.health.interruptions.total.to_string())}</tr>
                <tr><th scope="row">"Share"</th>{bars}</tr>
                <tr><th scope="row">"Business hours"</th>{cells(|w| w.health.interruptions.business.to_string())}</tr>
                <tr><th scope="row">"Off hours"</th>{cells(|w| w.health.interruptions.off_hours.to_string())}</tr>
                <tr><th scope="row">"Sleep"</th>{cells(|w| w.health.interruptions.sleep.to_string())}</tr>
                <tr><th scope="row">"Nights interrupted"</th>{cells(|w| w.health.interruptions.nights_interrupted.to_string())}</tr>
                <tr><th scope="row">"Hours on call"</th>{cells(|w| format!("{:.1}", w.health.on_call_hours()))}</tr>
            </tbody>
        </table>
    }
}

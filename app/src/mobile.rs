//! The `/m` screens of the phone PWA. The foundation ships the shell and empty states.

use leptos::prelude::*;

use crate::components::empty::EmptyState;

#[component]
fn MobilePage(title: &'static str, body: &'static str) -> impl IntoView {
    view! {
        <leptos_meta::Title text=format!("{title} · OpsKnight")/>
        <h1 class="m-title">{title}</h1>
        <EmptyState title="Nothing here yet" body=body/>
    }
}

#[component]
pub fn MobileIncidents() -> impl IntoView {
    view! { <MobilePage title="My incidents" body="Incidents assigned to you appear here, with large buttons to acknowledge and resolve."/> }
}

#[component]
pub fn MobileOnCall() -> impl IntoView {
    view! { <MobilePage title="On call now" body="Who is on call for each schedule."/> }
}

#[component]
pub fn MobileShifts() -> impl IntoView {
    view! { <MobilePage title="My shifts" body="Your upcoming on-call shifts, in your time zone."/> }
}

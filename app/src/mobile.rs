//! The `/m` screens of the phone PWA: incidents (still an empty state), who is on call now,
//! and my shifts with the personal calendar link.

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
    view! {
        <leptos_meta::Title text="On call now · OpsKnight"/>
        <h1 class="m-title">"On call now"</h1>
        <crate::schedules::widgets::OnCallNowList/>
    }
}

#[component]
pub fn MobileShifts() -> impl IntoView {
    view! {
        <leptos_meta::Title text="My shifts · OpsKnight"/>
        <h1 class="m-title">"My shifts"</h1>
        <p class="muted small">"The next 14 days, in your time zone."</p>
        <crate::schedules::widgets::MyShiftsList/>
        <h2 class="m-subtitle">"Calendar"</h2>
        <crate::schedules::widgets::FeedControls can_manage=true/>
    }
}

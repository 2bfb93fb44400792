//! The `/m` screens of the phone PWA that are not a feature's own: who is on call now, and my
//! shifts with the personal calendar link (incidents: `incidents::mobile`).

use leptos::prelude::*;

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

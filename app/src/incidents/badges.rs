//! Status and urgency badges, readable at a glance (colour plus text).

use leptos::prelude::*;

use crate::domain::{Status, Urgency};

#[component]
pub fn StatusBadge(status: Status) -> impl IntoView {
    let class = match status {
        Status::Open => "badge badge--high",
        Status::Acknowledged => "badge badge--medium",
        Status::Snoozed | Status::Suppressed => "badge badge--low",
        Status::Resolved => "badge badge--ok",
    };
    view! { <span class=class>{status.as_str().to_lowercase()}</span> }
}

#[component]
pub fn UrgencyBadge(urgency: Urgency) -> impl IntoView {
    let class = match urgency {
        Urgency::High => "urgency urgency--high",
        Urgency::Medium => "urgency urgency--medium",
        Urgency::Low => "urgency urgency--low",
    };
    view! { <span class=class>{urgency.as_str()}</span> }
}

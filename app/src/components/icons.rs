//! Inline SVG icons (stroke icons on a 24px grid); decorative, hidden from screen readers.

use leptos::prelude::*;

/// One stroke icon by name; unknown names draw a dot.
#[component]
pub fn Icon(name: &'static str) -> impl IntoView {
    let d = match name {
        "dashboard" => "M3 3h8v8H3zM13 3h8v5h-8zM13 10h8v11h-8zM3 13h8v8H3z",
        "analytics" => "M4 20V10M10 20V4M16 20v-7M22 20H2",
        "incidents" => "M12 3l10 18H2L12 3zM12 10v5M12 18v.5",
        "services" => "M4 5h16v5H4zM4 14h16v5H4zM8 7.5h.01M8 16.5h.01",
        "policies" => "M4 6h16M7 12h13M10 18h10M4 6v12",
        "schedules" => "M4 5h16v15H4zM4 10h16M9 3v4M15 3v4",
        "teams" => {
            "M9 11a3 3 0 100-6 3 3 0 000 6zM3 20c0-3.3 2.7-6 6-6s6 2.7 6 6M17 11a3 3 0 100-6M21 20c0-3-2-5.4-4.5-5.9"
        }
        "users" => "M12 11a4 4 0 100-8 4 4 0 000 8zM4 21c0-4.4 3.6-8 8-8s8 3.6 8 8",
        "settings" => {
            "M12 15a3 3 0 100-6 3 3 0 000 6zM19 12l2-1-1-3-2 .3-1.4-1.4L17 5l-3-1-1 2h-2l-1-2-3 1 .3 2L5.9 7.3 4 7 3 10l2 1v2l-2 1 1 3 2-.3 1.4 1.4L7 20l3 1 1-2h2l1 2 3-1-.3-2 1.4-1.4 2 .3 1-3-2-1z"
        }
        "audit" => "M6 3h9l4 4v14H6zM14 3v5h5M9 12h7M9 16h7",
        "oncall" => "M12 21a9 9 0 100-18 9 9 0 000 18zM12 7v5l3 3",
        "bell" => "M6 16V11a6 6 0 0112 0v5l2 2H4l2-2zM10 20a2 2 0 004 0",
        _ => "M12 12h.01",
    };
    view! {
        <svg class="icon" viewBox="0 0 24 24" width="18" height="18" fill="none" stroke="currentColor"
            stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">
            <path d=d/>
        </svg>
    }
}

//! The stacked bar of interruptions by bucket (business hours, off hours, sleep) as inline
//! SVG: the widths are SVG attributes, because the content security policy refuses inline
//! styles.

use leptos::prelude::*;

use crate::domain::interruption::Tally;

/// `tally`'s buckets as parts of a bar whose full width stands for `scale` interruptions.
#[component]
pub fn BucketBar(tally: Tally, scale: u32, label: String) -> impl IntoView {
    let part = |n: u32| f64::from(n) * 100.0 / f64::from(scale.max(1));
    let (business, off, sleep) = (
        part(tally.business),
        part(tally.off_hours),
        part(tally.sleep),
    );
    view! {
        <svg class="health-bar" viewBox="0 0 100 10" preserveAspectRatio="none" role="img" aria-label=label>
            <rect class="health-bar__business" x="0" y="0" height="10" width=format!("{business:.2}")></rect>
            <rect class="health-bar__off" x=format!("{business:.2}") y="0" height="10" width=format!("{off:.2}")></rect>
            <rect class="health-bar__sleep" x=format!("{:.2}", business + off) y="0" height="10" width=format!("{sleep:.2}")></rect>
        </svg>
    }
}

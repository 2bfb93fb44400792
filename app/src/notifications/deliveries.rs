//! The "Pages" card of an incident: every page sent or planned, to whom, how, and its state.

use leptos::prelude::*;

use super::{Delivery, DeliveryStatus};
use crate::components::time::Time;

fn status_class(s: DeliveryStatus) -> &'static str {
    match s {
        DeliveryStatus::Sent => "badge badge--ok",
        DeliveryStatus::Failed | DeliveryStatus::Unknown => "badge badge--high",
        DeliveryStatus::Pending | DeliveryStatus::Sending => "badge badge--medium",
        DeliveryStatus::Cancelled => "badge badge--low",
    }
}

#[component]
pub fn Deliveries(deliveries: Vec<Delivery>) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="pages-h">
            <h2 id="pages-h" class="card__title">"Pages"</h2>
            {if deliveries.is_empty() {
                view! { <p class="muted">"Nobody has been paged for this incident."</p> }.into_any()
            } else {
                view! {
                    <table class="table" data-testid="deliveries">
                        <thead><tr><th>"Who"</th><th>"Via"</th><th>"Step"</th><th>"When"</th><th>"Status"</th></tr></thead>
                        <tbody>
                            {deliveries.into_iter().map(|d| view! {
                                <tr>
                                    <td>{d.user_name}</td>
                                    <td class="small">{d.channel.label()}" "<span class="mono">{d.address}</span></td>
                                    <td class="num">{if d.loop_no > 0 { format!("{} (pass {})", d.step + 1, d.loop_no + 1) } else { (d.step + 1).to_string() }}</td>
                                    <td class="nowrap small"><Time at=d.sent_at.unwrap_or(d.send_at)/></td>
                                    <td>
                                        <span class=status_class(d.status)>{d.status.label()}</span>
                                        {(d.attempts > 1).then(|| view! { <span class="muted small">{format!(" {} tries", d.attempts)}</span> })}
                                        {d.provider_status.map(|p| view! { <span class="muted small" data-testid="receipt">{format!(" {p}")}</span> })}
                                        {d.delivered_at.map(|at| view! { <div class="muted small">"delivered "<Time at=at/></div> })}
                                        {d.last_error.map(|e| view! { <div class="muted small">{e}</div> })}
                                    </td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}

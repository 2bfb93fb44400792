//! `/audit` (admins): the audit log, newest first, filterable by action, paged by "Older".

use leptos::prelude::*;

use super::api::list_audit;
use crate::components::pager::{CursorPager, current_cursor, cursor_stack, reset_cursors};
use crate::components::time::Time;

const PAGE: i64 = 50;

#[component]
pub fn AuditPage() -> impl IntoView {
    let action = RwSignal::new(String::new());
    let cursors = cursor_stack();
    let entries = Resource::new(
        move || (action.get(), current_cursor(cursors)),
        |(a, before)| list_audit(before, a, PAGE),
    );
    view! {
        <leptos_meta::Title text="Audit log · OpsKnight"/>
        <header class="page-head">
            <h1>"Audit log"</h1>
            <input class="search" type="search" placeholder="Filter by action, e.g. login. or user." aria-label="Filter by action"
                prop:value=move || action.get()
                on:input=move |ev| { action.set(event_target_value(&ev)); reset_cursors(cursors); }/>
        </header>
        <section class="card">
            <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading…"</p> }>
                {move || entries.get().map(|r| match r {
                    Ok(p) if p.entries.is_empty() => view! { <p class="muted">"No entries."</p> }.into_any(),
                    Ok(p) => {
                        let next = p.next_before;
                        view! {
                            <table class="table" data-testid="audit">
                                <thead><tr><th>"When"</th><th>"Who"</th><th>"Action"</th><th>"Target"</th><th>"IP"</th><th>"Details"</th></tr></thead>
                                <tbody>
                                    {p.entries.into_iter().map(|e| view! {
                                        <tr>
                                            <td class="nowrap"><Time at=e.at/></td>
                                            <td>{e.actor.unwrap_or_else(|| "anonymous".into())}</td>
                                            <td class="mono">{e.action}</td>
                                            <td>{e.target.unwrap_or_default()}</td>
                                            <td class="mono">{e.ip.unwrap_or_default()}</td>
                                            <td class="mono truncate" title=e.details.clone()>{e.details.clone()}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            <CursorPager cursors=cursors next=next/>
                        }.into_any()
                    }
                    Err(e) => view! { <p class="error" role="alert" data-testid="audit-error">{e.user_message()}</p> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

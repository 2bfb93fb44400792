//! Small schedule views shared by the dashboard, `/m` and the profile: who is on call now,
//! my next shifts, and a secret calendar (iCal) link with create and revoke.

use leptos::prelude::*;

use super::api::{create_feed, get_feed, my_shifts, on_call_now, revoke_feed};
use crate::components::time::Time;
use crate::domain::ScheduleId;

/// "On call now": one line per schedule, with who and until when.
#[component]
pub fn OnCallNowList() -> impl IntoView {
    let data = Resource::new(|| (), |_| on_call_now(None));
    view! {
        <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading who is on call…"</p> }>
            {move || data.get().map(|r| match r {
                Ok(list) if list.is_empty() => view! {
                    <p class="muted">"No schedules yet. "<a href="/schedules">"Create a schedule"</a>" to decide who is on call."</p>
                }.into_any(),
                Ok(list) => view! {
                    <ul class="oncall" data-testid="on-call-now">
                        {list.into_iter().map(|s| {
                            let who = if s.on_call.is_empty() {
                                view! { <span class="badge badge--high">"Nobody: coverage gap"</span> }.into_any()
                            } else {
                                view! { <strong>{s.on_call.iter().map(|p| p.name.clone()).collect::<Vec<_>>().join(", ")}</strong> }.into_any()
                            };
                            view! {
                                <li class="oncall__item">
                                    <a href=format!("/schedules/{}", s.schedule_id)>{s.schedule_name}</a>
                                    <span class="oncall__who">{who}</span>
                                    <span class="muted small">{s.until.map(|u| view! { "until " <Time at=u/> })}</span>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
                Err(e) => view! { <p class="error" role="alert">{e.user_message()}</p> }.into_any(),
            })}
        </Transition>
    }
}

/// The signed-in user's shifts in the next `days` days.
#[component]
pub fn MyShiftsList(#[prop(default = 14)] days: u32) -> impl IntoView {
    let data = Resource::new(move || days, |d| my_shifts(Some(d)));
    view! {
        <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading your shifts…"</p> }>
            {move || data.get().map(|r| match r {
                Ok(list) if list.is_empty() => view! {
                    <p class="muted">{format!("No shifts in the next {days} days.")}</p>
                }.into_any(),
                Ok(list) => view! {
                    <ul class="shifts" data-testid="my-shifts">
                        {list.into_iter().map(|s| view! {
                            <li class="shifts__item">
                                <a href=format!("/schedules/{}", s.schedule_id)>{s.schedule_name}</a>
                                <span>{move || super::timeline_view::span_text(s.start, s.end, crate::components::time::user_time_zone())}</span>
                                <span class="muted small">{crate::components::time::duration_text(s.end - s.start)}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any(),
                Err(e) => view! { <p class="error" role="alert">{e.user_message()}</p> }.into_any(),
            })}
        </Transition>
    }
}

/// A secret calendar link for a schedule (`schedule`) or for the signed-in user's own shifts.
/// The URL is shown once, when created; creating another revokes the old one.
#[component]
pub fn FeedControls(
    #[prop(optional)] schedule: Option<ScheduleId>,
    can_manage: bool,
) -> impl IntoView {
    let version = RwSignal::new(0u32);
    let live = Resource::new(move || version.get(), move |_| get_feed(schedule));
    let created: RwSignal<Option<String>> = RwSignal::new(None);
    let error: RwSignal<Option<String>> = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let create = move |_| {
        busy.set(true);
        leptos::task::spawn_local(async move {
            match create_feed(schedule).await {
                Ok(f) => {
                    created.set(f.url);
                    error.set(None);
                }
                Err(e) => error.set(Some(e.user_message())),
            }
            busy.set(false);
            version.update(|v| *v += 1);
        });
    };
    let revoke = move |_| {
        busy.set(true);
        leptos::task::spawn_local(async move {
            match revoke_feed(schedule).await {
                Ok(_) => {
                    created.set(None);
                    error.set(None);
                }
                Err(e) => error.set(Some(e.user_message())),
            }
            busy.set(false);
            version.update(|v| *v += 1);
        });
    };
    view! {
        <div class="feed" data-testid="feed">
            <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading…"</p> }>
                {move || live.get().map(|r| match r {
                    Ok(Some(f)) => view! {
                        <p class="muted small">"A calendar link is live since "<Time at=f.created_at/>". For safety its address is only shown when created; make a new one to see it again (the old one stops working)."</p>
                    }.into_any(),
                    Ok(None) => view! { <p class="muted small">"No calendar link yet. Subscribe to one from Google Calendar, Outlook or Apple Calendar; it refreshes hourly."</p> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.user_message()}</p> }.into_any(),
                })}
            </Transition>
            {move || created.get().map(|url| view! {
                <p><label class="small">"Calendar address (copy it now): "
                    <input class="mono" type="text" readonly=true value=url data-testid="feed-url" on:focus=|ev| {
                        use wasm_bindgen::JsCast;
                        if let Some(el) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) { el.select(); }
                    }/></label></p>
            })}
            {can_manage.then(|| view! {
                <div class="form__actions">
                    <button class="btn" type="button" data-testid="feed-create" disabled=move || busy.get() on:click=create>"New calendar link"</button>
                    <button class="btn btn--quiet" type="button" data-testid="feed-revoke" disabled=move || busy.get() on:click=revoke>"Revoke link"</button>
                </div>
            })}
            <p class="error" role="alert">{move || error.get()}</p>
        </div>
    }
}

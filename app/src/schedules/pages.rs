//! Desktop pages: `/schedules` (list, create) and `/schedules/:id` (the timeline with layer
//! rows and the final row, navigable by day/week/2 weeks/month; editors for layers, overrides
//! and temporary schedules that preview on the timeline before saving; the calendar link).

use crate::domain::timezone::Tz;
use chrono::{DateTime, Duration, Utc};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};

use super::api::{
    delete_layer, delete_override, delete_schedule, delete_temporary, get_schedule, list_schedules,
    save_schedule,
};
use super::forms::{Edit, FormState, LayerForm, OverrideForm, TemporaryForm, apply};
use super::timeline_view::{Range, TimelineGrid, rows, start_of_day};
use super::widgets::FeedControls;
use super::{ScheduleDetail, name_in};
use crate::components::field::Field;
use crate::components::form::FormError;
use crate::components::time::{CurrentUser, Time, user_time_zone};
use crate::domain::ScheduleId;
use crate::domain::schedule::OverrideKind;
use crate::error::AppError;

#[component]
pub fn SchedulesPage() -> impl IntoView {
    let me = expect_context::<CurrentUser>();
    let version = RwSignal::new(0u32);
    let list = Resource::new(move || version.get(), |_| list_schedules());
    let name = RwSignal::new(String::new());
    let zone = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let team = RwSignal::new(String::new());
    let teams = Resource::new(|| (), |_| crate::teams::api::list_teams());
    let error: RwSignal<Option<AppError>> = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let navigate = use_navigate();
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let tz = match zone.get_untracked().trim() {
            "" => user_time_zone().name().to_owned(),
            z => z.to_owned(),
        };
        let (n, d) = (name.get_untracked(), description.get_untracked());
        let team_id = team.get_untracked().parse().ok();
        let navigate = navigate.clone();
        busy.set(true);
        leptos::task::spawn_local(async move {
            match save_schedule(None, n, d, tz, team_id).await {
                Ok(id) => navigate(&format!("/schedules/{id}"), Default::default()),
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let err = Signal::derive(move || error.get());
    view! {
        <leptos_meta::Title text="Schedules · OpsKnight"/>
        <header class="page-head"><h1>"Schedules"</h1></header>
        <div class="stack">
            <section class="card" aria-label="Schedule list">
                <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading schedules…"</p> }>
                    {move || list.get().map(|r| match r {
                        Ok(list) if list.is_empty() => view! {
                            <p class="muted" data-testid="schedules-empty">"No schedules yet. A schedule decides who is on call: rotations of people in layers, with overrides for swaps and holidays. Create one below, add a layer, then page it from an escalation policy step."</p>
                        }.into_any(),
                        Ok(list) => view! {
                            <table class="table" data-testid="schedules">
                                <thead><tr><th>"Schedule"</th><th class="opt">"Team"</th><th>"Time zone"</th><th class="num">"Layers"</th><th>"On call now"</th></tr></thead>
                                <tbody>
                                    {list.into_iter().map(|s| view! {
                                        <tr>
                                            <td><a href=format!("/schedules/{}", s.id)>{s.name}</a><div class="muted small">{s.description}</div></td>
                                            <td class="opt">{s.team_name.unwrap_or_else(|| "—".into())}</td>
                                            <td class="mono small">{s.time_zone}</td>
                                            <td class="num">{s.layers}</td>
                                            <td>{if s.on_call.is_empty() {
                                                view! { <span class="badge badge--high">"Nobody"</span> }.into_any()
                                            } else {
                                                s.on_call.into_iter().map(|p| p.name).collect::<Vec<_>>().join(", ").into_any()
                                            }}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.user_message()}</p> }.into_any(),
                    })}
                </Transition>
            </section>
            <Transition fallback=|| ()>
                {move || me.can_write().then(|| view! {
                    <form class="card form" on:submit=create.clone() novalidate data-testid="new-schedule" aria-label="New schedule">
                        <h2 class="card__title">"New schedule"</h2>
                        <div class="form--inline form">
                            <Field name="name" label="Name" value=name error=err form="schedule"/>
                            <Field name="time_zone" label="Time zone (IANA; empty = yours)" value=zone error=err form="schedule" hint="Such as Europe/London or America/New_York"/>
                            <Field name="description" label="Description" value=description error=err form="schedule"/>
                            <crate::teams::picker::TeamPicker form="schedule" value=team error=err
                                teams=Signal::derive(move || teams.get().and_then(Result::ok).unwrap_or_default())/>
                        </div>
                        <FormError error=err fields=&["name", "time_zone", "description", "team_id"]/>
                        <div class="form__actions">
                            <button class="btn btn--primary" type="submit" data-testid="create-schedule" disabled=move || busy.get()>"Create schedule"</button>
                        </div>
                    </form>
                })}
            </Transition>
        </div>
    }
}

/// `/schedules/:id`.
#[component]
pub fn SchedulePage() -> impl IntoView {
    let me = expect_context::<CurrentUser>();
    let params = use_params_map();
    let id = Memo::new(move |_| {
        params.with(|p| p.get("id").unwrap_or_default().parse::<ScheduleId>().ok())
    });
    let range = RwSignal::new(Range::Week);
    // Window start: None = today (midnight in the viewer's zone).
    let anchor: RwSignal<Option<DateTime<Utc>>> = RwSignal::new(None);
    let version = RwSignal::new(0u32);
    let server_now = RwSignal::new(Utc::now());
    let from = Signal::derive(move || {
        let tz = user_time_zone();
        anchor
            .get()
            .unwrap_or_else(|| start_of_day(server_now.get_untracked(), tz))
    });
    let to = Signal::derive(move || from.get() + Duration::days(range.get().days()));
    let detail = Resource::new(
        move || (id.get(), from.get(), to.get(), version.get()),
        |(id, f, t, _)| async move {
            match id {
                Some(id) => get_schedule(id, f, t).await,
                None => Err(AppError::NotFound {
                    what: "schedule".into(),
                }),
            }
        },
    );
    let edit: RwSignal<Option<Edit>> = RwSignal::new(None);
    let form = RwSignal::new(FormState::Closed);
    let users = Resource::new(
        || (),
        |_| crate::users::api::list_users(String::new(), 1, 200),
    );
    let action_error: RwSignal<Option<String>> = RwSignal::new(None);
    let done = Callback::new(move |()| {
        edit.set(None);
        form.set(FormState::Closed);
        version.update(|v| *v += 1);
    });
    let zone = Signal::derive(move || {
        detail
            .get()
            .and_then(Result::ok)
            .and_then(|d| d.definition.time_zone.parse::<Tz>().ok())
            .unwrap_or(crate::domain::timezone::UTC)
    });
    let step = move |dir: i64| {
        let days = range.get_untracked().days();
        anchor.set(Some(from.get_untracked() + Duration::days(dir * days)));
    };
    let run =
        move |fut: std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), AppError>>>>| {
            leptos::task::spawn_local(async move {
                match fut.await {
                    Ok(()) => {
                        action_error.set(None);
                        version.update(|v| *v += 1);
                    }
                    Err(e) => action_error.set(Some(e.user_message())),
                }
            });
        };
    let navigate = use_navigate();
    let remove_schedule = move |sid: ScheduleId| {
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match delete_schedule(sid).await {
                Ok(()) => navigate("/schedules", Default::default()),
                Err(e) => action_error.set(Some(e.user_message())),
            }
        });
    };
    view! {
        <leptos_meta::Title text="Schedule · OpsKnight"/>
        <Transition fallback=|| view! { <header class="page-head"><h1>"Schedule"</h1></header> }>
            {move || detail.get().map(|r| match r {
                Ok(d) => {
                    server_now.set(d.now);
                    view! {
                        <header class="page-head">
                            <h1>{d.name.clone()}</h1>
                            <span class="muted mono small">{d.definition.time_zone.clone()}</span>
                            {d.team_name.clone().map(|t| view! { <span class="muted small" data-testid="schedule-team">{format!("Team {t}")}</span> })}
                            <a class="btn btn--quiet" href="/schedules">"All schedules"</a>
                        </header>
                    }.into_any()
                }
                Err(e) => view! { <header class="page-head"><h1>"Schedule"</h1></header><p class="error" role="alert">{e.user_message()}</p> }.into_any(),
            })}
        </Transition>
        <div class="stack">
            <section class="card" aria-label="Timeline">
                <div class="toolbar" role="toolbar" aria-label="Timeline range">
                    <div class="seg-buttons">
                        {Range::ALL.into_iter().map(|r| view! {
                            <button type="button" class="btn" class:btn--primary=move || range.get() == r aria-pressed=move || (range.get() == r).to_string()
                                on:click=move |_| { range.set(r); if r == Range::Day { anchor.set(None); } }>{r.label()}</button>
                        }).collect_view()}
                    </div>
                    <div class="seg-buttons">
                        <button type="button" class="btn btn--quiet" aria-label="Earlier" on:click=move |_| step(-1)>"← Earlier"</button>
                        <button type="button" class="btn btn--quiet" on:click=move |_| anchor.set(None)>"Now"</button>
                        <button type="button" class="btn btn--quiet" aria-label="Later" on:click=move |_| step(1)>"Later →"</button>
                    </div>
                    <span class="muted small" data-testid="window">{move || format!("{} → {}",
                        from.get().with_timezone(&user_time_zone()).format("%a %-d %b %Y"),
                        (to.get() - Duration::seconds(1)).with_timezone(&user_time_zone()).format("%a %-d %b %Y"))}</span>
                </div>
                {move || edit.get().is_some().then(|| view! {
                    <p class="banner" role="status" data-testid="preview-banner">"Preview: the timeline shows your unsaved change."</p>
                })}
                <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading timeline…"</p> }>
                    {move || detail.get().map(|r| match r {
                        Ok(d) => {
                            let base = d.definition.clone();
                            let people = d.people.clone();
                            let now = d.now;
                            let timeline_rows = Signal::derive(move || {
                                let mut schedule = base.clone();
                                let mut people = people.clone();
                                if let Some(e) = edit.get() {
                                    schedule = apply(schedule, &e);
                                    if let Some(Ok(page)) = users.get() {
                                        for u in page.users {
                                            if !people.iter().any(|p| p.id == u.id) {
                                                people.push(super::Person { id: u.id, name: u.name });
                                            }
                                        }
                                    }
                                }
                                rows(&schedule, &people, from.get(), to.get())
                            });
                            let pick = Callback::new(move |(u, s, e)| {
                                if me.can_write() {
                                    edit.set(None);
                                    form.set(FormState::Override(Some((u, s, e))));
                                }
                            });
                            if d.definition.layers.is_empty() && d.definition.temporary.is_empty() {
                                view! { <p class="muted" data-testid="no-layers">"This schedule has no layers yet, so nobody is on call. Add a layer: who rotates, how often, and when they hand off."</p>
                                    <TimelineGrid rows=timeline_rows from=from to=to zone=zone now=now on_pick=pick/> }.into_any()
                            } else {
                                view! { <TimelineGrid rows=timeline_rows from=from to=to zone=zone now=now on_pick=pick/>
                                    <p class="muted small">"Gaps (nobody on call) are hatched red. Hover or focus a bar for the person and times; choose a bar on the final row to cover that shift."</p> }.into_any()
                            }
                        }
                        Err(_) => ().into_any(),
                    })}
                </Transition>
            </section>
            {move || action_error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            {move || {
                let Some(sid) = id.get() else { return ().into_any() };
                let zone_now = zone.get();
                match form.get() {
                    FormState::Closed => ().into_any(),
                    FormState::Layer(l) => view! { <LayerForm schedule_id=sid layer=l zone=zone_now users=users edit=edit done=done/> }.into_any(),
                    FormState::Override(p) => view! { <OverrideForm schedule_id=sid prefill=p me=me.id() users=users edit=edit done=done/> }.into_any(),
                    FormState::Temporary(t) => view! { <TemporaryForm schedule_id=sid temporary=t users=users edit=edit done=done/> }.into_any(),
                }
            }}
            <Transition fallback=|| ()>
                {move || detail.get().and_then(Result::ok).map(|d| {
                    let write = me.can_write();
                    view! { <Parts d=d write=write form=form edit=edit run=run/> }.into_any()
                })}
            </Transition>
            <Transition fallback=|| ()>
                {move || detail.get().and_then(Result::ok).map(|d| {
                    let write = me.can_write();
                    let sid = d.id;
                    view! {
                        <SettingsCard d=d.clone() write=write on_saved=Callback::new(move |()| version.update(|v| *v += 1))/>
                        <section class="card" aria-labelledby="feed-h">
                            <h2 id="feed-h" class="card__title">"Calendar feed"</h2>
                            <p class="muted small">"A secret address with everyone's shifts on this schedule, for calendar apps. Anyone with the address can read it; revoke it if it leaks."</p>
                            <FeedControls schedule=sid can_manage=write/>
                        </section>
                        <section class="card" aria-labelledby="used-h">
                            <h2 id="used-h" class="card__title">"Used by"</h2>
                            {if d.used_by.is_empty() {
                                view! { <p class="muted">"No escalation policy pages this schedule yet. Add it as a target of a policy step."</p> }.into_any()
                            } else {
                                view! { <ul>{d.used_by.into_iter().map(|p| view! { <li><a href=format!("/policies/{}", p.id)>{p.name}</a></li> }).collect_view()}</ul> }.into_any()
                            }}
                            {write.then(|| view! {
                                <div class="form__actions"><button class="btn btn--quiet" type="button" data-testid="delete-schedule" on:click={
                                    let remove_schedule = remove_schedule.clone();
                                    move |_| remove_schedule(sid)
                                }>"Delete schedule"</button></div>
                            })}
                        </section>
                    }.into_any()
                })}
            </Transition>
        </div>
    }
}

/// Layers, overrides and temporary schedules as lists with their actions.
#[component]
fn Parts<R>(
    d: ScheduleDetail,
    write: bool,
    form: RwSignal<FormState>,
    edit: RwSignal<Option<Edit>>,
    run: R,
) -> impl IntoView
where
    R: Fn(std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), AppError>>>>)
        + Copy
        + Send
        + Sync
        + 'static,
{
    let sid = d.id;
    let tz: Tz = d
        .definition
        .time_zone
        .parse()
        .unwrap_or(crate::domain::timezone::UTC);
    let open = move |f: FormState| {
        edit.set(None);
        form.set(f);
    };
    let layers = d.definition.layers.clone();
    let people = d.people.clone();
    let overrides = d.overrides.clone();
    let temporary = d.definition.temporary.clone();
    view! {
        <section class="card" aria-labelledby="layers-h" data-testid="layers">
            <h2 id="layers-h" class="card__title">"Layers"</h2>
            {if layers.is_empty() {
                view! { <p class="muted">"No layers yet."</p> }.into_any()
            } else {
                view! {
                    <table class="table">
                        <thead><tr><th>"Layer"</th><th>"Rotation"</th><th>"People"</th><th class="num">"Priority"</th><th></th></tr></thead>
                        <tbody>
                            {layers.into_iter().map(|l| {
                                let lid = l.id;
                                let edit_layer = l.clone();
                                let who = l.participants.iter().map(|u| name_in(&people, *u)).collect::<Vec<_>>().join(" → ");
                                view! {
                                    <tr>
                                        <td>{l.name.clone()}
                                            <div class="muted small">{format!("from {} ({})", l.start.format("%a %-d %b %Y %H:%M"), tz.name())}
                                                {(!l.restrictions.is_empty()).then(|| format!(" · {} restriction window(s)", l.restrictions.len()))}</div></td>
                                        <td>{l.rotation.label()}{l.shift_minutes.map(|m| format!(", {} shifts", crate::components::time::duration_text(Duration::minutes(i64::from(m)))))}</td>
                                        <td>{who}</td>
                                        <td class="num">{l.priority}</td>
                                        <td class="actions">{write.then(|| view! {
                                            <button class="btn btn--quiet" type="button" on:click=move |_| open(FormState::Layer(Some(edit_layer.clone())))>"Edit"</button>
                                            <button class="btn btn--quiet" type="button" aria-label=format!("Delete layer {}", l.name)
                                                on:click=move |_| run(Box::pin(delete_layer(sid, lid)))>"Delete"</button>
                                        })}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
            {write.then(|| view! { <div class="form__actions"><button class="btn" type="button" data-testid="add-layer" on:click=move |_| open(FormState::Layer(None))>"Add layer"</button></div> })}
        </section>
        <section class="card" aria-labelledby="overrides-h" data-testid="overrides">
            <h2 id="overrides-h" class="card__title">"Overrides in this window"</h2>
            {if overrides.is_empty() {
                view! { <p class="muted">"No overrides here. Use one for a swap, a sick day or extra cover."</p> }.into_any()
            } else {
                let people = d.people.clone();
                view! {
                    <table class="table">
                        <thead><tr><th>"Change"</th><th>"From"</th><th>"Until"</th><th>"Note"</th><th></th></tr></thead>
                        <tbody>
                            {overrides.into_iter().map(|o| {
                                let r = o.rule;
                                let name = |u: Option<crate::domain::UserId>| u.map(|u| name_in(&people, u)).unwrap_or_default();
                                let what = match r.kind {
                                    OverrideKind::Add => format!("{} added", name(r.user)),
                                    OverrideKind::Remove => format!("{} removed", name(r.replaces)),
                                    OverrideKind::Replace => format!("{} covers {}", name(r.user), name(r.replaces)),
                                };
                                let oid = r.id;
                                view! {
                                    <tr>
                                        <td>{what}</td>
                                        <td><Time at=r.start/></td>
                                        <td><Time at=r.end/></td>
                                        <td class="muted small">{o.note}{o.created_by.map(|b| format!(" (by {b})"))}</td>
                                        <td class="actions">{write.then(|| view! {
                                            <button class="btn btn--quiet" type="button" on:click=move |_| run(Box::pin(delete_override(sid, oid)))>"Delete"</button>
                                        })}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
            {write.then(|| view! { <div class="form__actions"><button class="btn" type="button" data-testid="add-override" on:click=move |_| open(FormState::Override(None))>"Add override"</button></div> })}
        </section>
        <section class="card" aria-labelledby="temporary-h">
            <h2 id="temporary-h" class="card__title">"Temporary schedules in this window"</h2>
            {if temporary.is_empty() {
                view! { <p class="muted">"None. A temporary schedule replaces everything for a window, such as a holiday rota."</p> }.into_any()
            } else {
                view! {
                    <ul>
                        {temporary.into_iter().map(|t| {
                            let tid = t.id;
                            let again = t.clone();
                            view! {
                                <li>
                                    <Time at=t.start/>" → "<Time at=t.end/>{format!(" · {} shift(s)", t.shifts.len())}
                                    {write.then(|| view! {
                                        <button class="btn btn--quiet" type="button" on:click=move |_| open(FormState::Temporary(Some(again.clone())))>"Edit"</button>
                                        <button class="btn btn--quiet" type="button" on:click=move |_| run(Box::pin(delete_temporary(sid, tid)))>"Delete"</button>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {write.then(|| view! { <div class="form__actions"><button class="btn" type="button" data-testid="add-temporary" on:click=move |_| open(FormState::Temporary(None))>"Add temporary schedule"</button></div> })}
        </section>
    }
}

/// Name, zone and description.
#[component]
fn SettingsCard(d: ScheduleDetail, write: bool, on_saved: Callback<()>) -> impl IntoView {
    let name = RwSignal::new(d.name.clone());
    let zone = RwSignal::new(d.definition.time_zone.clone());
    let description = RwSignal::new(d.description.clone());
    let team = RwSignal::new(d.team_id.map(|t| t.to_string()).unwrap_or_default());
    let teams = Resource::new(|| (), |_| crate::teams::api::list_teams());
    let error: RwSignal<Option<AppError>> = RwSignal::new(None);
    let saved = RwSignal::new(false);
    let sid = d.id;
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (n, z, desc) = (
            name.get_untracked(),
            zone.get_untracked(),
            description.get_untracked(),
        );
        let team_id = team.get_untracked().parse().ok();
        leptos::task::spawn_local(async move {
            match save_schedule(Some(sid), n, desc, z, team_id).await {
                Ok(_) => {
                    error.set(None);
                    saved.set(true);
                    on_saved.run(());
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let err = Signal::derive(move || error.get());
    view! {
        <form class="card form" on:submit=save novalidate aria-label="Schedule settings" data-testid="schedule-settings">
            <h2 class="card__title">"Settings"</h2>
            <div class="form--inline form">
                <Field name="name" label="Name" value=name error=err form="settings"/>
                <Field name="time_zone" label="Time zone" value=zone error=err form="settings" hint="Layers keep their wall-clock handoff times when the zone changes."/>
                <Field name="description" label="Description" value=description error=err form="settings"/>
                <crate::teams::picker::TeamPicker form="settings" value=team error=err
                    teams=Signal::derive(move || teams.get().and_then(Result::ok).unwrap_or_default())/>
            </div>
            <FormError error=err fields=&["name", "time_zone", "description", "team_id"]/>
            {write.then(|| view! {
                <div class="form__actions">
                    <button class="btn" type="submit">"Save settings"</button>
                    <span class="muted small" role="status">{move || saved.get().then_some("Saved")}</span>
                </div>
            })}
        </form>
    }
}

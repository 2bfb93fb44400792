//! Editors for a schedule's layers, overrides and temporary schedules. Each form checks its
//! candidate with the domain rules as you type and, when valid, hands it to the page as an
//! `Edit`, which the timeline previews (computed in the browser) before anything is saved.

use crate::domain::timezone::Tz;
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc, Weekday};
use leptos::prelude::*;

use super::api::{create_override, save_layer, save_temporary};
use crate::components::field::Field;
use crate::components::form::FormError;
use crate::domain::schedule::{
    Layer, Override, OverrideKind, Restriction, Rotation, RotationUnit, Schedule, Temporary,
    TemporaryShift, resolve_local,
};
use crate::domain::{LayerId, OverrideId, ScheduleId, TemporaryId, UserId};
use crate::error::AppError;
use crate::users::{UserPage, UserSummary};

/// A change being previewed.
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    Layer(Layer),
    Override(Override),
    Temporary(Temporary),
}

/// `schedule` with `edit` applied (a layer or temporary schedule replaces the one with its id).
pub fn apply(mut schedule: Schedule, edit: &Edit) -> Schedule {
    match edit {
        Edit::Layer(l) => match schedule.layers.iter_mut().find(|x| x.id == l.id) {
            Some(x) => *x = l.clone(),
            None => schedule.layers.push(l.clone()),
        },
        Edit::Override(o) => schedule.overrides.push(*o),
        Edit::Temporary(t) => {
            schedule.temporary.retain(|x| x.id != t.id);
            schedule.temporary.push(t.clone());
        }
    }
    schedule
}

/// Which editor is open.
#[derive(Debug, Clone, PartialEq)]
pub enum FormState {
    Closed,
    Layer(Option<Layer>),
    /// Prefilled from a shift: (who is on call, start, end) → "cover this shift".
    Override(Option<super::timeline_view::Pick>),
    Temporary(Option<Temporary>),
}

type Users = Resource<Result<UserPage, AppError>>;

/// `2026-03-08T09:00` for a `datetime-local` input, in `tz`.
pub fn to_input(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%dT%H:%M").to_string()
}

/// A `datetime-local` value read in `tz`; errors name `field`.
pub fn from_input(field: &str, raw: &str, tz: Tz) -> Result<DateTime<Utc>, AppError> {
    NaiveDateTime::parse_from_str(raw.trim(), "%Y-%m-%dT%H:%M")
        .map(|n| resolve_local(tz, n))
        .map_err(|_| AppError::invalid(field, "enter a date and time"))
}

fn user_options(users: Users) -> Vec<UserSummary> {
    users
        .get()
        .and_then(Result::ok)
        .map(|p| p.users)
        .unwrap_or_default()
}

fn name_of(users: Users, id: UserId) -> String {
    user_options(users)
        .into_iter()
        .find(|u| u.id == id)
        .map_or_else(|| id.to_string(), |u| u.name)
}

/// A `<select>` of users bound to `value` (a user id as text, or empty).
#[component]
fn UserSelect(
    label: &'static str,
    name: &'static str,
    value: RwSignal<String>,
    users: Users,
    error: Signal<Option<AppError>>,
    #[prop(default = "Choose…")] prompt: &'static str,
) -> impl IntoView {
    let id = format!("f-{name}");
    let message = move || {
        error
            .get()
            .filter(|e| {
                e.field()
                    .is_some_and(|f| f == name || f.starts_with(&format!("{name}[")))
            })
            .map(|e| e.user_message())
    };
    view! {
        <div class="field" class:field--error=move || message().is_some()>
            <label for=id.clone()>{label}</label>
            <select id=id name=name on:change=move |ev| value.set(event_target_value(&ev)) prop:value=move || value.get()>
                <option value="">{prompt}</option>
                {move || user_options(users).into_iter().map(|u| {
                    let v = u.id.to_string();
                    let selected = value.get() == v;
                    view! { <option value=v selected=selected>{u.name}</option> }
                }).collect_view()}
            </select>
            <p class="field__error" role="alert">{message}</p>
        </div>
    }
}

async fn report(
    result: Result<(), AppError>,
    error: RwSignal<Option<AppError>>,
    done: Callback<()>,
) {
    match result {
        Ok(()) => done.run(()),
        Err(e) => error.set(Some(e)),
    }
}

/// Add or edit a rotation layer. Start and end are wall-clock in the schedule's zone.
#[component]
pub fn LayerForm(
    schedule_id: ScheduleId,
    layer: Option<Layer>,
    zone: Tz,
    users: Users,
    edit: RwSignal<Option<Edit>>,
    done: Callback<()>,
) -> impl IntoView {
    let id = layer.as_ref().map_or_else(LayerId::new, |l| l.id);
    let is_new = layer.is_none();
    let today = Utc::now().with_timezone(&zone).date_naive();
    let l = layer.unwrap_or_else(|| Layer {
        id,
        name: String::new(),
        priority: 0,
        participants: Vec::new(),
        rotation: Rotation {
            unit: RotationUnit::Weeks,
            every: 1,
        },
        start: today.and_time(NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default()),
        end: None,
        shift_minutes: None,
        restrictions: Vec::new(),
    });
    let name = RwSignal::new(l.name.clone());
    let priority = RwSignal::new(l.priority.to_string());
    let unit = RwSignal::new(l.rotation.unit.as_str().to_owned());
    let every = RwSignal::new(l.rotation.every.to_string());
    let start_date = RwSignal::new(l.start.date().format("%Y-%m-%d").to_string());
    let handoff = RwSignal::new(l.start.time().format("%H:%M").to_string());
    let end = RwSignal::new(
        l.end
            .map(|e| e.format("%Y-%m-%dT%H:%M").to_string())
            .unwrap_or_default(),
    );
    let shift_hours = RwSignal::new(
        l.shift_minutes
            .map(|m| format!("{}", f64::from(m) / 60.0))
            .unwrap_or_default(),
    );
    let participants = RwSignal::new(l.participants.clone());
    let restrictions = RwSignal::new(l.restrictions.clone());
    let pick = RwSignal::new(String::new());
    let server_error: RwSignal<Option<AppError>> = RwSignal::new(None);
    let saving = RwSignal::new(false);

    let build = move || -> Result<Layer, AppError> {
        let date = NaiveDate::parse_from_str(start_date.get().trim(), "%Y-%m-%d")
            .map_err(|_| AppError::invalid("start", "enter the first day"))?;
        let time = NaiveTime::parse_from_str(handoff.get().trim(), "%H:%M")
            .map_err(|_| AppError::invalid("handoff", "enter the handoff time"))?;
        let end = match end.get().trim() {
            "" => None,
            raw => Some(
                NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M").map_err(|_| {
                    AppError::invalid("end", "enter a date and time, or leave it empty")
                })?,
            ),
        };
        let shift_minutes = match shift_hours.get().trim() {
            "" => None,
            raw => {
                let h: f64 = raw.parse().map_err(|_| {
                    AppError::invalid("shift_minutes", "enter hours, such as 8 or 12.5")
                })?;
                if !(h > 0.0 && h < 1.0e6) {
                    return Err(AppError::invalid(
                        "shift_minutes",
                        "must be more than 0 hours",
                    ));
                }
                Some((h * 60.0).round() as u32)
            }
        };
        let layer = Layer {
            id,
            name: name.get().trim().to_owned(),
            priority: priority
                .get()
                .trim()
                .parse()
                .map_err(|_| AppError::invalid("priority", "enter a whole number"))?,
            participants: participants.get(),
            rotation: Rotation {
                unit: RotationUnit::parse(&unit.get()).unwrap_or(RotationUnit::Weeks),
                every: every
                    .get()
                    .trim()
                    .parse()
                    .map_err(|_| AppError::invalid("rotation.every", "enter a whole number"))?,
            },
            start: date.and_time(time),
            end,
            shift_minutes,
            restrictions: restrictions.get(),
        };
        layer.validate("")?;
        Ok(layer)
    };
    let local_error = Memo::new(move |_| build().err());
    Effect::new(move |_| {
        edit.set(build().ok().map(Edit::Layer));
    });
    let error = Signal::derive(move || server_error.get().or_else(|| local_error.get()));
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(layer) = build() else { return };
        saving.set(true);
        leptos::task::spawn_local(async move {
            report(save_layer(schedule_id, layer).await, server_error, done).await;
            saving.set(false);
        });
    };
    let add_person = move |_| {
        if let Ok(u) = pick.get_untracked().parse::<UserId>() {
            participants.update(|p| {
                if !p.contains(&u) {
                    p.push(u)
                }
            });
            pick.set(String::new());
        }
    };
    view! {
        <form class="card form" on:submit=save novalidate data-testid="layer-form" aria-label="Layer">
            <h2 class="card__title">{if is_new { "New layer" } else { "Edit layer" }}</h2>
            <p class="muted small">{format!("Start, handoff and end are wall-clock times in the schedule's zone ({}). Handoffs keep that time across daylight-saving changes.", zone.name())}</p>
            <div class="form--inline form">
                <Field name="name" label="Layer name" value=name error=error form="layer"/>
                <Field name="priority" label="Priority (higher wins)" kind="number" value=priority error=error form="layer"/>
                <div class="field">
                    <label for="f-layer-unit">"Rotation"</label>
                    <select id="f-layer-unit" on:change=move |ev| unit.set(event_target_value(&ev))>
                        {RotationUnit::ALL.into_iter().map(|u| {
                            let selected = unit.get_untracked() == u.as_str();
                            view! { <option value=u.as_str() selected=selected>{Rotation { unit: u, every: 1 }.label()}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <Field name="rotation.every" label="Every (units)" kind="number" value=every error=error form="layer"/>
                <Field name="start" label="First day" kind="date" value=start_date error=error form="layer"/>
                <Field name="handoff" label="Handoff time" kind="time" value=handoff error=error form="layer"/>
                <Field name="shift_minutes" label="Shift length (hours; empty = whole rotation)" kind="number" value=shift_hours error=error form="layer"/>
                <Field name="end" label="Ends (optional)" kind="datetime-local" value=end error=error form="layer"/>
            </div>
            <fieldset class="fieldset">
                <legend>"Participants, in rotation order"</legend>
                <ol class="people" data-testid="participants">
                    {move || {
                        let list = participants.get();
                        if list.is_empty() {
                            return view! { <li class="muted">"Nobody yet: add at least one person."</li> }.into_any();
                        }
                        list.into_iter().enumerate().map(|(i, u)| {
                            let who = name_of(users, u);
                            view! {
                                <li class="people__item">
                                    <span>{who.clone()}</span>
                                    <button type="button" class="btn btn--quiet" aria-label=format!("Move {who} up") on:click=move |_| participants.update(|p| if i > 0 { p.swap(i, i - 1) })>"↑"</button>
                                    <button type="button" class="btn btn--quiet" aria-label=format!("Move {who} down") on:click=move |_| participants.update(|p| if i + 1 < p.len() { p.swap(i, i + 1) })>"↓"</button>
                                    <button type="button" class="btn btn--quiet" aria-label=format!("Remove {who}") on:click=move |_| participants.update(|p| { if i < p.len() { p.remove(i); } })>"×"</button>
                                </li>
                            }
                        }).collect_view().into_any()
                    }}
                </ol>
                <div class="form--inline">
                    <UserSelect label="Person" name="participants" value=pick users=users error=error prompt="Choose a person…"/>
                    <button class="btn" type="button" data-testid="add-participant" on:click=add_person>"Add person"</button>
                </div>
            </fieldset>
            <fieldset class="fieldset">
                <legend>"Restrictions (optional): on call only inside these weekly windows"</legend>
                <ul class="windows">
                    {move || restrictions.get().into_iter().enumerate().map(|(i, r)| view! {
                        <li class="windows__item">
                            <select aria-label=format!("Window {} day", i + 1) on:change=move |ev| {
                                let d = event_target_value(&ev).parse::<Weekday>().unwrap_or(Weekday::Mon);
                                restrictions.update(|v| if let Some(x) = v.get_mut(i) { x.weekday = d });
                            }>
                                {[Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat, Weekday::Sun].into_iter().map(|d| view! {
                                    <option value=d.to_string() selected={d == r.weekday}>{d.to_string()}</option>
                                }).collect_view()}
                            </select>
                            <input type="time" aria-label=format!("Window {} start", i + 1) value=r.start.format("%H:%M").to_string() on:change=move |ev| {
                                if let Ok(t) = NaiveTime::parse_from_str(&event_target_value(&ev), "%H:%M") {
                                    restrictions.update(|v| if let Some(x) = v.get_mut(i) { x.start = t });
                                }
                            }/>
                            <span>"to"</span>
                            <input type="time" aria-label=format!("Window {} end", i + 1) value=r.end.format("%H:%M").to_string() on:change=move |ev| {
                                if let Ok(t) = NaiveTime::parse_from_str(&event_target_value(&ev), "%H:%M") {
                                    restrictions.update(|v| if let Some(x) = v.get_mut(i) { x.end = t });
                                }
                            }/>
                            <span class="muted small">{if r.end < r.start { "overnight" } else if r.end == r.start { "whole day" } else { "" }}</span>
                            <button type="button" class="btn btn--quiet" aria-label=format!("Remove window {}", i + 1) on:click=move |_| restrictions.update(|v| { if i < v.len() { v.remove(i); } })>"×"</button>
                        </li>
                    }).collect_view()}
                </ul>
                <button class="btn" type="button" on:click=move |_| restrictions.update(|v| v.push(Restriction {
                    weekday: Weekday::Mon,
                    start: NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default(),
                    end: NaiveTime::from_hms_opt(17, 0, 0).unwrap_or_default(),
                    overnight: false,
                }))>"Add window"</button>
                <p class="field__error" role="alert">{move || error.get().filter(|e| e.field().is_some_and(|f| f.starts_with("restrictions"))).map(|e| e.user_message())}</p>
            </fieldset>
            <FormError error=error fields=&["name", "priority", "rotation.every", "start", "handoff", "shift_minutes", "end", "participants"]/>
            <div class="form__actions">
                <button class="btn btn--primary" type="submit" data-testid="save-layer" disabled=move || saving.get() || local_error.get().is_some()>
                    {move || if saving.get() { "Saving…" } else { "Save layer" }}</button>
                <button class="btn btn--quiet" type="button" on:click=move |_| { edit.set(None); done.run(()); }>"Cancel"</button>
                <span class="muted small" role="status">{move || edit.get().is_some().then_some("Previewing on the timeline above; not saved yet.")}</span>
            </div>
        </form>
    }
}

/// Add, remove or replace someone for a window ("cover me"). Times in the viewer's zone.
#[component]
pub fn OverrideForm(
    schedule_id: ScheduleId,
    prefill: Option<super::timeline_view::Pick>,
    me: Option<UserId>,
    users: Users,
    edit: RwSignal<Option<Edit>>,
    done: Callback<()>,
) -> impl IntoView {
    let tz = crate::components::time::user_time_zone();
    let id = OverrideId::new();
    let now = Utc::now();
    let (kind0, replaces0, start0, end0) = match prefill {
        Some((u, s, e)) => (OverrideKind::Replace, u.to_string(), s.max(now), e),
        None => (
            OverrideKind::Add,
            String::new(),
            now,
            now + chrono::Duration::hours(8),
        ),
    };
    let kind = RwSignal::new(kind0.as_str().to_owned());
    let user = RwSignal::new(me.map(|u| u.to_string()).unwrap_or_default());
    let replaces = RwSignal::new(replaces0);
    let start = RwSignal::new(to_input(start0, tz));
    let end = RwSignal::new(to_input(end0, tz));
    let note = RwSignal::new(String::new());
    let server_error: RwSignal<Option<AppError>> = RwSignal::new(None);
    let saving = RwSignal::new(false);
    let build = move || -> Result<Override, AppError> {
        let kind = OverrideKind::parse(&kind.get()).unwrap_or(OverrideKind::Add);
        let o = Override {
            id,
            kind,
            user: (kind != OverrideKind::Remove)
                .then(|| user.get().parse().ok())
                .flatten(),
            replaces: (kind != OverrideKind::Add)
                .then(|| replaces.get().parse().ok())
                .flatten(),
            start: from_input("start", &start.get(), tz)?,
            end: from_input("end", &end.get(), tz)?,
        };
        o.validate()?;
        Ok(o)
    };
    let local_error = Memo::new(move |_| build().err());
    Effect::new(move |_| edit.set(build().ok().map(Edit::Override)));
    let error = Signal::derive(move || server_error.get().or_else(|| local_error.get()));
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(o) = build() else { return };
        let note = Some(note.get_untracked());
        saving.set(true);
        leptos::task::spawn_local(async move {
            let r = create_override(
                schedule_id,
                o.kind,
                o.user,
                o.replaces,
                o.start,
                o.end,
                note,
            )
            .await
            .map(|_| ());
            report(r, server_error, done).await;
            saving.set(false);
        });
    };
    let title = if prefill.is_some() {
        "Cover this shift"
    } else {
        "New override"
    };
    view! {
        <form class="card form" on:submit=save novalidate data-testid="override-form" aria-label="Override">
            <h2 class="card__title">{title}</h2>
            <p class="muted small">{format!("Times in your zone ({}). A replace or remove only acts while that person is actually on call.", tz.name())}</p>
            <div class="form--inline form">
                <div class="field">
                    <label for="f-override-kind">"Kind"</label>
                    <select id="f-override-kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                        <option value="REPLACE" selected={kind0 == OverrideKind::Replace}>"Replace someone"</option>
                        <option value="ADD" selected={kind0 == OverrideKind::Add}>"Add someone"</option>
                        <option value="REMOVE" selected={kind0 == OverrideKind::Remove}>"Remove someone"</option>
                    </select>
                </div>
                {move || (kind.get() != "REMOVE").then(|| view! { <UserSelect label="Who is on call" name="user" value=user users=users error=error/> })}
                {move || (kind.get() != "ADD").then(|| view! { <UserSelect label="Instead of" name="replaces" value=replaces users=users error=error/> })}
                <Field name="start" label="From" kind="datetime-local" value=start error=error form="override"/>
                <Field name="end" label="Until" kind="datetime-local" value=end error=error form="override"/>
                <Field name="note" label="Note (optional)" value=note error=error form="override"/>
            </div>
            <FormError error=error fields=&["user", "replaces", "start", "end", "note"]/>
            <div class="form__actions">
                <button class="btn btn--primary" type="submit" data-testid="save-override" disabled=move || saving.get() || local_error.get().is_some()>
                    {move || if saving.get() { "Saving…" } else { "Save override" }}</button>
                <button class="btn btn--quiet" type="button" on:click=move |_| { edit.set(None); done.run(()); }>"Cancel"</button>
                <span class="muted small" role="status">{move || edit.get().is_some().then_some("Previewing on the timeline above; not saved yet.")}</span>
            </div>
        </form>
    }
}

#[derive(Debug, Clone, PartialEq)]
struct ShiftRow {
    user: String,
    start: String,
    end: String,
}

/// Fixed shifts that replace the whole schedule inside a window. Times in the viewer's zone.
#[component]
pub fn TemporaryForm(
    schedule_id: ScheduleId,
    temporary: Option<Temporary>,
    users: Users,
    edit: RwSignal<Option<Edit>>,
    done: Callback<()>,
) -> impl IntoView {
    let tz = crate::components::time::user_time_zone();
    let now = Utc::now();
    let t = temporary.unwrap_or_else(|| Temporary {
        id: TemporaryId::new(),
        start: now,
        end: now + chrono::Duration::days(1),
        shifts: Vec::new(),
    });
    let id = t.id;
    let start = RwSignal::new(to_input(t.start, tz));
    let end = RwSignal::new(to_input(t.end, tz));
    let rows = RwSignal::new(
        t.shifts
            .iter()
            .map(|s| ShiftRow {
                user: s.user.to_string(),
                start: to_input(s.start, tz),
                end: to_input(s.end, tz),
            })
            .collect::<Vec<_>>(),
    );
    let server_error: RwSignal<Option<AppError>> = RwSignal::new(None);
    let saving = RwSignal::new(false);
    let build = move || -> Result<Temporary, AppError> {
        let mut shifts = Vec::new();
        for (i, r) in rows.get().iter().enumerate() {
            shifts.push(TemporaryShift {
                user: r.user.parse().map_err(|_| {
                    AppError::invalid(format!("shifts[{i}].user"), "choose a person")
                })?,
                start: from_input(&format!("shifts[{i}].start"), &r.start, tz)?,
                end: from_input(&format!("shifts[{i}].end"), &r.end, tz)?,
            });
        }
        let t = Temporary {
            id,
            start: from_input("start", &start.get(), tz)?,
            end: from_input("end", &end.get(), tz)?,
            shifts,
        };
        t.validate()?;
        Ok(t)
    };
    let local_error = Memo::new(move |_| build().err());
    Effect::new(move |_| edit.set(build().ok().map(Edit::Temporary)));
    let error = Signal::derive(move || server_error.get().or_else(|| local_error.get()));
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(t) = build() else { return };
        saving.set(true);
        leptos::task::spawn_local(async move {
            report(save_temporary(schedule_id, t).await, server_error, done).await;
            saving.set(false);
        });
    };
    view! {
        <form class="card form" on:submit=save novalidate data-testid="temporary-form" aria-label="Temporary schedule">
            <h2 class="card__title">"Temporary schedule"</h2>
            <p class="muted small">{format!("Inside this window only these shifts count: layers and overrides are ignored, and uncovered time is a gap. Times in your zone ({}).", tz.name())}</p>
            <div class="form--inline form">
                <Field name="start" label="From" kind="datetime-local" value=start error=error form="temporary"/>
                <Field name="end" label="Until" kind="datetime-local" value=end error=error form="temporary"/>
            </div>
            <ul class="windows">
                {move || rows.get().into_iter().enumerate().map(|(i, r)| {
                    let set = move |f: fn(&mut ShiftRow, String), v: String| rows.update(|rs| if let Some(x) = rs.get_mut(i) { f(x, v) });
                    view! {
                        <li class="windows__item">
                            <select aria-label=format!("Shift {} person", i + 1) on:change=move |ev| set(|x, v| x.user = v, event_target_value(&ev))>
                                <option value="">"Choose a person…"</option>
                                {user_options(users).into_iter().map(|u| {
                                    let v = u.id.to_string();
                                    let selected = v == r.user;
                                    view! { <option value=v selected=selected>{u.name}</option> }
                                }).collect_view()}
                            </select>
                            <input type="datetime-local" aria-label=format!("Shift {} start", i + 1) value=r.start.clone() on:change=move |ev| set(|x, v| x.start = v, event_target_value(&ev))/>
                            <span>"to"</span>
                            <input type="datetime-local" aria-label=format!("Shift {} end", i + 1) value=r.end.clone() on:change=move |ev| set(|x, v| x.end = v, event_target_value(&ev))/>
                            <button type="button" class="btn btn--quiet" aria-label=format!("Remove shift {}", i + 1) on:click=move |_| rows.update(|rs| { if i < rs.len() { rs.remove(i); } })>"×"</button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <button class="btn" type="button" on:click=move |_| rows.update(|rs| rs.push(ShiftRow { user: String::new(), start: start.get_untracked(), end: end.get_untracked() }))>"Add shift"</button>
            <FormError error=error fields=&["start", "end"]/>
            <div class="form__actions">
                <button class="btn btn--primary" type="submit" data-testid="save-temporary" disabled=move || saving.get() || local_error.get().is_some()>
                    {move || if saving.get() { "Saving…" } else { "Save temporary schedule" }}</button>
                <button class="btn btn--quiet" type="button" on:click=move |_| { edit.set(None); done.run(()); }>"Cancel"</button>
            </div>
        </form>
    }
}

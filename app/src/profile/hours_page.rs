//! The profile's "Working and quiet hours" card: days, from and to for each, on the wall
//! clock of the person's own time zone.

use leptos::prelude::*;

use super::hours::{UpdateHours, get_hours};
use crate::components::field::Field;
use crate::components::form::{FormError, action_error, successes};
use crate::domain::conditions::WeeklyHours;
use crate::domain::window::DAYS;
use crate::error::AppError;

/// One set of hours being edited: on or off, days, from, to.
#[derive(Clone, Copy)]
struct Draft {
    on: RwSignal<bool>,
    days: RwSignal<Vec<String>>,
    from: RwSignal<String>,
    to: RwSignal<String>,
}

impl Draft {
    fn new(from: &str, to: &str) -> Draft {
        Draft {
            on: RwSignal::new(false),
            days: RwSignal::new(Vec::new()),
            from: RwSignal::new(from.to_owned()),
            to: RwSignal::new(to.to_owned()),
        }
    }

    fn load(&self, h: Option<WeeklyHours>) {
        self.on.set(h.is_some());
        if let Some(h) = h {
            self.days.set(h.days);
            self.from.set(h.from);
            self.to.set(h.to);
        }
    }

    fn value(&self) -> Option<WeeklyHours> {
        self.on.get_untracked().then(|| WeeklyHours {
            days: self.days.get_untracked(),
            from: self.from.get_untracked(),
            to: self.to.get_untracked(),
        })
    }
}

#[component]
pub fn HoursCard() -> impl IntoView {
    let save = ServerAction::<UpdateHours>::new();
    let error = action_error(save);
    let saved = successes(save);
    let hours = Resource::new(move || saved.get(), |_| get_hours());
    let working = Draft::new("09:00", "17:00");
    let quiet = Draft::new("22:00", "07:00");
    let zone = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(Ok(h)) = hours.get() {
            zone.set(h.time_zone);
            working.load(h.working_hours);
            quiet.load(h.quiet_hours);
        }
    });
    view! {
        <section class="card" aria-labelledby="hours-h">
            <h2 id="hours-h" class="card__title">"Working and quiet hours"</h2>
            <p class="muted small">{move || format!(
                "In your time zone ({}). A policy step can page only outside the working hours of the people on call; during quiet hours low-urgency pages wait until the quiet hours end (high urgency always pages).",
                zone.get())}</p>
            <form class="form" data-testid="hours-form" on:submit=move |ev| {
                ev.prevent_default();
                save.dispatch(UpdateHours { working_hours: working.value(), quiet_hours: quiet.value() });
            } novalidate>
                <HoursFields legend="Working hours" draft=working error=error
                    from_name="working_hours.from" to_name="working_hours.to"/>
                <HoursFields legend="Quiet hours" draft=quiet error=error
                    from_name="quiet_hours.from" to_name="quiet_hours.to"/>
                <FormError error=error fields=&["working_hours.from", "working_hours.to", "quiet_hours.from", "quiet_hours.to"]/>
                <div class="form__actions">
                    <button class="btn btn--primary" type="submit" disabled=move || save.pending().get()>"Save hours"</button>
                    {move || (saved.get() > 0 && error.get().is_none()).then(|| view! { <span class="muted" role="status">"Saved."</span> })}
                </div>
            </form>
        </section>
    }
}

#[component]
fn HoursFields(
    legend: &'static str,
    draft: Draft,
    error: Signal<Option<AppError>>,
    from_name: &'static str,
    to_name: &'static str,
) -> impl IntoView {
    view! {
        <fieldset class="field">
            <legend>{legend}</legend>
            <label class="check"><input type="checkbox" prop:checked=move || draft.on.get()
                on:change=move |e| draft.on.set(event_target_checked(&e))/>{format!(" Set {}", legend.to_lowercase())}</label>
            {move || draft.on.get().then(|| view! {
                <div>
                    {DAYS.map(|d| view! {
                        <label class="check"><input type="checkbox"
                            prop:checked=move || draft.days.get().iter().any(|x| x == d)
                            on:change=move |e| { let on = event_target_checked(&e); draft.days.update(|v| { v.retain(|x| x != d); if on { v.push(d.to_owned()); } }); }/>
                            {format!(" {d}")}</label>
                    }).collect_view()}
                    <p class="muted small">"No day ticked: every day. An end before the start runs past midnight."</p>
                    <Field name=from_name label="From (HH:MM)" value=draft.from error=error/>
                    <Field name=to_name label="To (HH:MM)" value=draft.to error=error/>
                </div>
            })}
        </fieldset>
    }
}

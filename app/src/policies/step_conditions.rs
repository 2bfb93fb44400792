//! The conditions part of one step in the policy editor: "only during" a weekly window in a
//! zone, and "only outside the on-call people's working hours".

use leptos::prelude::*;

use super::{Step, StepConditions};
use crate::domain::window::{DAYS, TimeWindow};

/// Changes step `index`'s conditions with `f`; none left is `None`.
fn edit(steps: RwSignal<Vec<Step>>, index: usize, f: impl FnOnce(&mut StepConditions)) {
    steps.update(|s| {
        if let Some(st) = s.get_mut(index) {
            let mut c = st.conditions.take().unwrap_or_default();
            f(&mut c);
            st.conditions = (!c.is_empty()).then_some(c);
        }
    });
}

/// Changes the step's window with `f`, if it has one.
fn edit_window(steps: RwSignal<Vec<Step>>, index: usize, f: impl FnOnce(&mut TimeWindow)) {
    edit(steps, index, |c| {
        if let Some(w) = c.when.as_mut() {
            f(w);
        }
    });
}

#[component]
pub fn StepConditionsEditor(index: usize, steps: RwSignal<Vec<Step>>) -> impl IntoView {
    let conditions = move || {
        steps.with(|s| {
            s.get(index)
                .and_then(|s| s.conditions.clone())
                .unwrap_or_default()
        })
    };
    let window = move || conditions().when;
    let n = index + 1;
    view! {
        <div class="step__conditions" data-testid="step-conditions">
            <label class="check"><input type="checkbox" aria-label=format!("Step {n} only during a weekly window")
                prop:checked=move || window().is_some()
                on:change=move |e| {
                    let on = event_target_checked(&e);
                    let zone = crate::components::time::user_time_zone().name().to_owned();
                    edit(steps, index, |c| c.when = on.then(|| TimeWindow {
                        zone,
                        days: DAYS[..5].iter().map(|d| (*d).to_owned()).collect(),
                        from: "09:00".into(),
                        to: "17:00".into(),
                    }));
                }/>" Only during"</label>
            {move || window().map(|w| view! {
                <span class="step__window">
                    {DAYS.map(|d| {
                        let on = w.days.iter().any(|x| x == d);
                        view! {
                            <label class="check"><input type="checkbox" prop:checked=on
                                on:change=move |e| {
                                    let on = event_target_checked(&e);
                                    edit_window(steps, index, |w| { w.days.retain(|x| x != d); if on { w.days.push(d.to_owned()); } });
                                }/>{format!(" {d}")}</label>
                        }
                    }).collect_view()}
                    <input class="step__time" aria-label=format!("Step {n} from (HH:MM)") prop:value=w.from.clone()
                        on:change=move |e| { let v = event_target_value(&e); edit_window(steps, index, |w| w.from = v); }/>
                    "–"
                    <input class="step__time" aria-label=format!("Step {n} to (HH:MM)") prop:value=w.to.clone()
                        on:change=move |e| { let v = event_target_value(&e); edit_window(steps, index, |w| w.to = v); }/>
                    <input class="step__zone" aria-label=format!("Step {n} time zone") prop:value=w.zone.clone()
                        on:change=move |e| { let v = event_target_value(&e); edit_window(steps, index, |w| w.zone = v); }/>
                </span>
            })}
            <label class="check"><input type="checkbox" aria-label=format!("Step {n} only outside working hours")
                prop:checked=move || conditions().outside_working_hours
                on:change=move |e| { let on = event_target_checked(&e); edit(steps, index, |c| c.outside_working_hours = on); }/>
                " Only outside the on-call people's working hours"</label>
        </div>
    }
}

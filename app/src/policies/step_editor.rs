//! One step of the policy editor: its delay, channel override, targets (add, remove) and
//! its place in the order (move up, move down, remove).

use leptos::prelude::*;

use super::{Step, Target};
use crate::domain::escalation::TargetKind;
use crate::profile::ContactKind;

fn move_item<T>(v: &mut [T], from: usize, up: bool) {
    let to = if up {
        from.checked_sub(1)
    } else {
        Some(from + 1)
    };
    if let Some(to) = to.filter(|t| *t < v.len()) {
        v.swap(from, to);
    }
}

#[component]
pub fn StepEditor(
    index: usize,
    steps: RwSignal<Vec<Step>>,
    error: Signal<Option<crate::error::AppError>>,
    users: Resource<Result<crate::users::UserPage, crate::error::AppError>>,
    teams: Resource<Result<Vec<crate::teams::TeamSummary>, crate::error::AppError>>,
    schedules: Resource<Result<Vec<crate::schedules::ScheduleSummary>, crate::error::AppError>>,
) -> impl IntoView {
    let delay = move || steps.with(|s| s.get(index).map_or(0, |s| s.delay_minutes).to_string());
    let targets =
        move || steps.with(|s| s.get(index).map(|s| s.targets.clone()).unwrap_or_default());
    let channel = move || {
        steps.with(|s| {
            s.get(index)
                .map(|s| channels_value(&s.channels))
                .unwrap_or_default()
        })
    };
    let kind = RwSignal::new("USER".to_owned());
    let pick = RwSignal::new(String::new());
    let field = format!("steps[{index}]");
    let message = move || {
        error
            .get()
            .filter(|e| e.field().is_some_and(|f| f.starts_with(&field)))
            .map(|e| e.user_message())
    };
    let add_target = move |_| {
        let (Some(k), Ok(id)) = (
            TargetKind::parse(&kind.get_untracked()),
            pick.get_untracked().parse::<uuid::Uuid>(),
        ) else {
            return;
        };
        let label = match k {
            TargetKind::User => users
                .get_untracked()
                .and_then(Result::ok)
                .and_then(|p| p.users.into_iter().find(|u| u.id.0 == id).map(|u| u.name)),
            TargetKind::Team | TargetKind::TeamLead => teams
                .get_untracked()
                .and_then(Result::ok)
                .and_then(|l| l.into_iter().find(|t| t.id.0 == id).map(|t| t.name)),
            TargetKind::Schedule => schedules
                .get_untracked()
                .and_then(Result::ok)
                .and_then(|l| l.into_iter().find(|t| t.id.0 == id).map(|t| t.name)),
        };
        steps.update(|s| {
            if let Some(step) = s.get_mut(index)
                && !step.targets.iter().any(|t| t.kind == k && t.id == id)
            {
                step.targets.push(Target {
                    kind: k,
                    id,
                    name: label.unwrap_or_default(),
                });
            }
        });
    };
    view! {
        <li class="step card" data-testid="step">
            <div class="step__head">
                <strong>{format!("Step {}", index + 1)}</strong>
                <label>"then wait "
                    <input class="step__delay" type="number" min="1" max="1440" aria-label=format!("Step {} delay in minutes", index + 1)
                        prop:value=delay on:input=move |ev| {
                            let v = event_target_value(&ev).trim().parse::<i32>().unwrap_or(0);
                            steps.update(|s| if let Some(st) = s.get_mut(index) { st.delay_minutes = v; });
                        }/>
                    " min"</label>
                <label>"Channels "
                    <select aria-label=format!("Step {} channels", index + 1) on:change=move |ev| {
                        let c = parse_channels(&event_target_value(&ev));
                        steps.update(|s| if let Some(st) = s.get_mut(index) { st.channels = c; });
                    }>
                        {move || {
                            let current = channel();
                            let mut options = channel_options();
                            if !options.iter().any(|(v, _)| *v == current) {
                                let kinds = parse_channels(&current);
                                options.push((current.clone(), kinds.iter().map(|k| k.label()).collect::<Vec<_>>().join(" + ")));
                            }
                            options.into_iter().map(|(value, label)| {
                                let selected = value == current;
                                view! { <option value=value selected=selected>{label}</option> }
                            }).collect_view()
                        }}
                    </select>
                </label>
                <span class="step__tools">
                    <button class="btn btn--quiet" type="button" aria-label=format!("Move step {} up", index + 1)
                        on:click=move |_| steps.update(|s| move_item(s, index, true))>"↑"</button>
                    <button class="btn btn--quiet" type="button" aria-label=format!("Move step {} down", index + 1)
                        on:click=move |_| steps.update(|s| move_item(s, index, false))>"↓"</button>
                    <button class="btn btn--quiet" type="button" aria-label=format!("Remove step {}", index + 1)
                        on:click=move |_| steps.update(|s| { if index < s.len() { s.remove(index); } })>"Remove"</button>
                </span>
            </div>
            <ul class="targets">
                {move || {
                    let list = targets();
                    if list.is_empty() {
                        return view! { <li class="muted">"No targets yet: add a user, a team or a schedule."</li> }.into_any();
                    }
                    list.into_iter().enumerate().map(|(ti, t)| view! {
                        <li class="target">
                            <span class="badge">{t.kind.label()}</span>" "{t.name.clone()}
                            <button class="btn btn--quiet" type="button" aria-label=format!("Remove {}", t.name)
                                on:click=move |_| steps.update(|s| if let Some(st) = s.get_mut(index) && ti < st.targets.len() { st.targets.remove(ti); })>"×"</button>
                        </li>
                    }).collect_view().into_any()
                }}
            </ul>
            <div class="step__add">
                <select aria-label=format!("Step {} target kind", index + 1) on:change=move |ev| { kind.set(event_target_value(&ev)); pick.set(String::new()); }>
                    {TargetKind::ALL.into_iter().map(|k| view! { <option value=k.as_str()>{k.label()}</option> }).collect_view()}
                </select>
                <Transition fallback=|| view! { <select disabled=true></select> }>
                    {move || {
                        let k = TargetKind::parse(&kind.get()).unwrap_or(TargetKind::User);
                        let options: Vec<(String, String)> = match k {
                            TargetKind::User => users.get().and_then(Result::ok).map(|p| p.users.into_iter().map(|u| (u.id.to_string(), format!("{} ({})", u.name, u.email))).collect()).unwrap_or_default(),
                            TargetKind::Team | TargetKind::TeamLead => teams.get().and_then(Result::ok).map(|l| l.into_iter().map(|t| (t.id.to_string(), t.name)).collect()).unwrap_or_default(),
                            TargetKind::Schedule => schedules.get().and_then(Result::ok).map(|l| l.into_iter().map(|t| (t.id.to_string(), t.name)).collect()).unwrap_or_default(),
                        };
                        let prompt = match k {
                            TargetKind::User => "Choose a user…",
                            TargetKind::Schedule => "Choose a schedule…",
                            _ => "Choose a team…",
                        };
                        view! {
                            <select aria-label=format!("Step {} target", index + 1) data-testid="target-pick" on:change=move |ev| pick.set(event_target_value(&ev))>
                                <option value="">{prompt}</option>
                                {options.into_iter().map(|(v, l)| view! { <option value=v>{l}</option> }).collect_view()}
                            </select>
                        }
                    }}
                </Transition>
                <button class="btn" type="button" data-testid="add-target" on:click=add_target>"Add target"</button>
            </div>
            <super::step_conditions::StepConditionsEditor index=index steps=steps/>
            <p class="field__error" role="alert">{message}</p>
        </li>
    }
}

/// A step's channel set as the picker's option value: kind names, comma-joined.
fn channels_value(channels: &[ContactKind]) -> String {
    let mut sorted = channels.to_vec();
    sorted.sort();
    sorted.dedup();
    sorted
        .iter()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

fn parse_channels(value: &str) -> Vec<ContactKind> {
    value.split(',').filter_map(ContactKind::parse).collect()
}

/// The picker's choices: each person's own rules, both phone kinds, or one kind (from the one
/// list of contact kinds).
fn channel_options() -> Vec<(String, String)> {
    let phones: Vec<ContactKind> = ContactKind::ALL
        .into_iter()
        .filter(|k| k.is_phone())
        .collect();
    let mut out = vec![
        (String::new(), "Each person's rules".to_owned()),
        (channels_value(&phones), "Phone (SMS and voice)".to_owned()),
    ];
    out.extend(
        ContactKind::ALL
            .into_iter()
            .map(|k| (k.as_str().to_owned(), format!("{} only", k.label()))),
    );
    out
}

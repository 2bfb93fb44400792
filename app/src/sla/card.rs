//! The service page's "SLA targets" card: the targets in force, and (for those who may change
//! the service) a row editor: scope, acknowledge and resolve targets, and the warning.

use leptos::prelude::*;

use super::SlaTarget;
use super::api::SaveSla;
use crate::components::form::{FormError, action_error};
use crate::domain::{ServiceId, Urgency};

/// One editable row: the scope as `""`, `U:HIGH` or `P:P1`, and the three numbers as typed.
#[derive(Clone)]
struct Row {
    scope: RwSignal<String>,
    ack: RwSignal<String>,
    resolve: RwSignal<String>,
    warn: RwSignal<String>,
}

const SCOPES: [(&str, &str); 9] = [
    ("", "Every incident"),
    ("U:HIGH", "High urgency"),
    ("U:MEDIUM", "Medium urgency"),
    ("U:LOW", "Low urgency"),
    ("P:P1", "Priority P1"),
    ("P:P2", "Priority P2"),
    ("P:P3", "Priority P3"),
    ("P:P4", "Priority P4"),
    ("P:P5", "Priority P5"),
];

fn row(t: &SlaTarget) -> Row {
    let scope = match (&t.urgency, &t.priority) {
        (Some(u), _) => format!("U:{}", u.as_str()),
        (_, Some(p)) => format!("P:{p}"),
        _ => String::new(),
    };
    let n = |v: Option<i32>| v.map(|v| v.to_string()).unwrap_or_default();
    Row {
        scope: RwSignal::new(scope),
        ack: RwSignal::new(n(t.ack_minutes)),
        resolve: RwSignal::new(n(t.resolve_minutes)),
        warn: RwSignal::new(n(t.warn_minutes)),
    }
}

fn number(raw: &str) -> Option<i32> {
    let t = raw.trim();
    // Not a number: 0, refused with the field named.
    (!t.is_empty()).then(|| t.parse::<i32>().unwrap_or(0))
}

fn target(r: &Row) -> SlaTarget {
    let scope = r.scope.get_untracked();
    SlaTarget {
        urgency: scope.strip_prefix("U:").and_then(Urgency::parse),
        priority: scope.strip_prefix("P:").map(str::to_owned),
        ack_minutes: number(&r.ack.get_untracked()),
        resolve_minutes: number(&r.resolve.get_untracked()),
        warn_minutes: number(&r.warn.get_untracked()),
    }
}

fn describe(t: &SlaTarget) -> String {
    let part = |what: &str, v: Option<i32>| v.map(|m| format!("{what} within {m} min"));
    let mut parts: Vec<String> = [
        part("acknowledge", t.ack_minutes),
        part("resolve", t.resolve_minutes),
    ]
    .into_iter()
    .flatten()
    .collect();
    if let Some(w) = t.warn_minutes {
        parts.push(format!("warn {w} min before the acknowledge target"));
    }
    format!("{}: {}", t.scope(), parts.join(", "))
}

#[component]
pub fn SlaCard(
    service: ServiceId,
    targets: Vec<SlaTarget>,
    write: bool,
    saved: ServerAction<SaveSla>,
) -> impl IntoView {
    let rows = RwSignal::new(targets.iter().map(row).collect::<Vec<_>>());
    let error = action_error(saved);
    let invalid = move |i: usize, f: &'static str| {
        move || {
            error
                .get()
                .and_then(|e| e.field().map(|x| x == format!("targets[{i}].{f}")))
                .unwrap_or(false)
                .then_some("true")
        }
    };
    view! {
        <section class="card" aria-labelledby="sla-h" data-testid="sla">
            <h2 id="sla-h" class="card__title">"SLA targets"</h2>
            {if targets.is_empty() {
                view! { <p class="muted">"No targets: incidents of this service are not measured against an SLA."</p> }.into_any()
            } else {
                view! { <ul class="plain">{targets.iter().map(|t| view! { <li>{describe(t)}</li> }).collect_view()}</ul> }.into_any()
            }}
            <p class="muted small">"The most specific target applies (a priority's, then an urgency's, then the service's). Snoozed time does not count."</p>
            {write.then(|| view! {
                <form class="form" on:submit=move |ev| {
                    ev.prevent_default();
                    let targets = rows.get_untracked().iter().map(target).collect();
                    saved.dispatch(SaveSla { service_id: service, targets });
                } novalidate>
                    <table class="table table--compact">
                        <thead><tr><th>"Applies to"</th><th>"Acknowledge (min)"</th><th>"Resolve (min)"</th><th>"Warn before (min)"</th><th></th></tr></thead>
                        <tbody>
                            {move || rows.get().into_iter().enumerate().map(|(i, r)| view! {
                                <tr>
                                    <td><select aria-label=format!("Target {} applies to", i + 1) aria-invalid=invalid(i, "urgency")
                                        prop:value=move || r.scope.get() on:change=move |ev| r.scope.set(event_target_value(&ev))>
                                        {SCOPES.iter().map(|(v, l)| view! { <option value=*v>{*l}</option> }).collect_view()}
                                    </select></td>
                                    <td><input type="number" min="1" aria-label=format!("Target {} acknowledge minutes", i + 1) aria-invalid=invalid(i, "ack_minutes")
                                        prop:value=move || r.ack.get() on:input=move |ev| r.ack.set(event_target_value(&ev))/></td>
                                    <td><input type="number" min="1" aria-label=format!("Target {} resolve minutes", i + 1) aria-invalid=invalid(i, "resolve_minutes")
                                        prop:value=move || r.resolve.get() on:input=move |ev| r.resolve.set(event_target_value(&ev))/></td>
                                    <td><input type="number" min="1" aria-label=format!("Target {} warning minutes", i + 1) aria-invalid=invalid(i, "warn_minutes")
                                        prop:value=move || r.warn.get() on:input=move |ev| r.warn.set(event_target_value(&ev))/></td>
                                    <td><button class="btn btn--quiet" type="button" on:click=move |_| rows.update(|v| { v.remove(i); })>"Remove"</button></td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    <FormError error=error/>
                    <div class="form__actions">
                        <button class="btn btn--quiet" type="button" on:click=move |_| rows.update(|v| v.push(row(&SlaTarget::default())))>"Add target"</button>
                        <button class="btn" type="submit">"Save SLA targets"</button>
                        {move || matches!(saved.value().get(), Some(Ok(_))).then(|| view! { <span class="muted" role="status">"Saved"</span> })}
                    </div>
                </form>
            })}
        </section>
    }
}

/// The one reading of a state as a badge: (class, text, title). Breached (red), at risk
/// (amber, inside the warning window), otherwise `None` (the incident page shows the next due
/// time or "met"; a list shows nothing).
pub fn flag(sla: &super::SlaState) -> Option<(&'static str, &'static str, &'static str)> {
    if sla.breached() {
        let title = if sla.ack_breached {
            "The acknowledge target was missed"
        } else {
            "The resolve target was missed"
        };
        return Some(("badge badge--high", "SLA breached", title));
    }
    sla.at_risk.then_some((
        "badge badge--medium",
        "SLA at risk",
        "The acknowledge target is near",
    ))
}

/// The incident page's SLA badge: breached (red), at risk, or the next due time.
#[component]
pub fn SlaBadge(sla: super::SlaState, resolved: bool) -> impl IntoView {
    use crate::components::time::Time;
    if let Some((class, text, title)) = flag(&sla) {
        return view! { <span class=class data-testid="sla-badge" title=title>{text}</span> }
            .into_any();
    }
    let next = if resolved { None } else { sla.next_due_at };
    match next {
        Some(due) => view! {
            <span class="badge badge--medium" data-testid="sla-badge">"SLA due " <Time at=due/></span>
        }
        .into_any(),
        None => view! { <span class="badge badge--ok" data-testid="sla-badge">"SLA met"</span> }.into_any(),
    }
}

/// The lists' compact SLA badge: only when breached or at risk (same reading as [`SlaBadge`]).
#[component]
pub fn SlaFlag(sla: Option<super::SlaState>) -> impl IntoView {
    sla.as_ref().and_then(flag).map(|(class, text, title)| {
        view! { <span class=format!("{class} badge--compact") data-testid="sla-flag" title=title>{text}</span> }
    })
}

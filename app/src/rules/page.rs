//! The rule editor (`/rules` for the global rules, `/services/:id/rules` for a service's):
//! ordered rules with their conditions and actions, saved as one version, and the test panel
//! that runs a pasted event through the draft without ingesting it.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::api::{SaveRules, TestRules, get_rules};
use super::draft::{CondRow, RuleRow, list_json};
use super::{FORMATS, Op, RuleSetView};
use crate::components::form::{action_error, successes};
use crate::components::time::Time;
use crate::domain::ServiceId;
use crate::domain::window::DAYS;
use crate::error::AppError;

const FIELDS: [&str; 9] = [
    "summary",
    "source",
    "severity",
    "action",
    "payload.severity",
    "custom_details.env",
    "labels.alertname",
    "labels.severity",
    "labels.cluster",
];

#[component]
pub fn GlobalRulesPage() -> impl IntoView {
    view! { <RulesPage service=Signal::derive(|| None)/> }
}

#[component]
pub fn ServiceRulesPage() -> impl IntoView {
    let params = use_params_map();
    let id = Signal::derive(move || {
        params.with(|p| p.get("id").and_then(|s| s.parse::<ServiceId>().ok()))
    });
    view! { <RulesPage service=id/> }
}

#[component]
fn RulesPage(service: Signal<Option<ServiceId>>) -> impl IntoView {
    let save = ServerAction::<SaveRules>::new();
    // Only a successful save reloads: a refused one keeps the draft and names the field.
    let saved = successes(save);
    let set = Resource::new(move || (service.get(), saved.get()), |(s, _)| get_rules(s));
    view! {
        <leptos_meta::Title text="Event rules · OpsKnight"/>
        <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading rules…"</p> }>
            {move || set.get().map(|r| match r {
                Ok(v) => view! { <Editor view=v save=save/> }.into_any(),
                Err(e) => view! { <p class="error" role="alert">{e.user_message()}</p> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn Editor(view: RuleSetView, save: ServerAction<SaveRules>) -> impl IntoView {
    let service = view.service_id;
    let global = service.is_none();
    let scope_name = match service {
        None => "Global rules".to_owned(),
        Some(id) => view
            .services
            .iter()
            .find(|(s, _)| *s == id)
            .map_or("Service".to_owned(), |(_, n)| n.clone()),
    };
    let zone = crate::components::time::user_time_zone().name().to_owned();
    let rows = RwSignal::new(
        view.rules
            .as_array()
            .map(|a| a.iter().map(RuleRow::from_json).collect::<Vec<_>>())
            .unwrap_or_default(),
    );
    let version = view.version;
    let error = action_error(save);
    let services = StoredValue::new(view.services.clone());
    let zone = StoredValue::new(zone);
    let add = move |_| {
        rows.update(|v| {
            let n = v.len() + 1;
            v.push(RuleRow::blank(n, &zone.get_value()));
        })
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(SaveRules {
            service_id: service,
            version,
            rules: list_json(&rows.get_untracked()),
        });
    };
    let saved_line = match view.updated_at {
        Some(at) => view! {
            {format!("Version {version}, saved ")}<Time at=at/>
            {view.updated_by.clone().map(|b| format!(" by {b}")).unwrap_or_default()}
        }
        .into_any(),
        None => "Not saved yet".into_any(),
    };
    view! {
        <header class="page-head">
            <h1>{format!("Event rules · {scope_name}")}</h1>
            {match service {
                Some(id) => view! { <a href={format!("/services/{id}")}>"Back to the service"</a> }.into_any(),
                None => view! { <a href="/services">"Services"</a> }.into_any(),
            }}
        </header>
        <p class="muted">
            {if global {
                "Global rules see every event first, in order; the first enabled match applies. They may route an event to another service, whose own rules then apply."
            } else {
                "Rules run in order on each event of this service, after the global rules; the first enabled match applies."
            }}
        </p>
        <p class="muted" data-testid="rules-meta">{saved_line}" · "{format!("{} dropped in the last 24 hours", view.dropped_24h)}</p>
        <div class="rules-layout">
            <form class="stack" on:submit=submit novalidate aria-label="Rules">
                {move || rows.get().is_empty().then(|| view! {
                    <p class="empty" data-testid="rules-empty">"No rules: every event opens or joins an incident as the service says."</p>
                })}
                <For each=move || rows.get().into_iter().enumerate() key=|(i, r)| (*i, r.key) let:item>
                    <RuleCard index=item.0 row=item.1 rows=rows global=global services=services error=error/>
                </For>
                {move || error.get().map(|e| view! {
                    <p class="error" role="alert" data-testid="rules-error">
                        {e.field().map(|f| format!("{f}: ")).unwrap_or_default()}{e.user_message()}
                    </p>
                })}
                {move || save.value().get().and_then(Result::ok).map(|v| view! {
                    <p class="muted" role="status">{format!("Saved as version {}.", v.version)}</p>
                })}
                <div class="form__actions">
                    <button class="btn" type="button" on:click=add>"Add rule"</button>
                    <button class="btn btn--primary" type="submit" disabled=move || save.pending().get()>"Save rules"</button>
                </div>
            </form>
            <TestPanel service=service rows=rows/>
        </div>
    }
}

#[component]
fn RuleCard(
    index: usize,
    row: RuleRow,
    rows: RwSignal<Vec<RuleRow>>,
    global: bool,
    services: StoredValue<Vec<(ServiceId, String)>>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let n = index + 1;
    let id = move |part: &str| format!("r{n}-{part}");
    let prefix = format!("rules[{index}]");
    let mine = move || {
        error
            .get()
            .filter(|e| e.field().is_some_and(|f| f.starts_with(&prefix)))
            .is_some()
    };
    let shift = move |by: isize| {
        rows.update(|v| {
            let j = index as isize + by;
            if j >= 0 && (j as usize) < v.len() {
                v.swap(index, j as usize);
            }
        })
    };
    let remove = move |_| {
        rows.update(|v| {
            v.remove(index);
        })
    };
    let add_cond = move |_| {
        row.conds
            .update(|c| c.push(CondRow::new("summary", "contains", "", false)))
    };
    view! {
        <fieldset class="card rule" class:rule--error=mine data-testid="rule">
            <legend class="rule__head">
                <span class="rule__n">{n}</span>
                <label class="visually-hidden" for=id("name")>"Rule name"</label>
                <input id=id("name") class="rule__name" prop:value=move || row.name.get() on:input=move |e| row.name.set(event_target_value(&e))/>
                <label class="check"><input type="checkbox" prop:checked=move || row.enabled.get() on:change=move |e| row.enabled.set(event_target_checked(&e))/>" Enabled"</label>
                <span class="rule__tools">
                    <button class="btn btn--quiet" type="button" aria-label=format!("Move rule {n} up") on:click=move |_| shift(-1)>"↑"</button>
                    <button class="btn btn--quiet" type="button" aria-label=format!("Move rule {n} down") on:click=move |_| shift(1)>"↓"</button>
                    <button class="btn btn--quiet" type="button" aria-label=format!("Delete rule {n}") on:click=remove>"Delete"</button>
                </span>
            </legend>
            {move || match row.raw_when.get() {
                Some(raw) => view! {
                    <label for=id("when")>"Conditions (JSON: nested beyond what the form shows)"</label>
                    <textarea id=id("when") class="mono" rows="6" prop:value=raw on:input=move |e| row.raw_when.set(Some(event_target_value(&e)))></textarea>
                }.into_any(),
                None => view! { <Conditions n=n row=row/> }.into_any(),
            }}
            <div class="rule__conds-tools">
                {move || row.raw_when.get().is_none().then(|| view! {
                    <button class="btn btn--quiet" type="button" on:click=add_cond>"Add condition"</button>
                })}
            </div>
            <h3 class="rule__sub">"Then"</h3>
            <div class="rule__then">
                <label class="check"><input type="checkbox" data-testid="then-drop" prop:checked=move || row.drop.get() on:change=move |e| row.drop.set(event_target_checked(&e))/>" Drop (count it, open nothing)"</label>
                <label class="check"><input type="checkbox" data-testid="then-suppress" prop:checked=move || row.suppress.get() on:change=move |e| row.suppress.set(event_target_checked(&e))/>" Suppress (open it SUPPRESSED, page nobody)"</label>
                <label>"Urgency "<select prop:value=move || row.urgency.get() on:change=move |e| row.urgency.set(event_target_value(&e))>
                    <option value="">"unchanged"</option><option value="HIGH">"High"</option><option value="MEDIUM">"Medium"</option><option value="LOW">"Low"</option>
                </select></label>
                <label>"Priority "<select prop:value=move || row.priority.get() on:change=move |e| row.priority.set(event_target_value(&e))>
                    <option value="">"unchanged"</option>
                    {crate::incidents::PRIORITIES.into_iter().map(|p| view! { <option value=p>{p}</option> }).collect_view()}
                </select></label>
                {global.then(|| view! {
                    <label>"Route to "<select prop:value=move || row.route_to.get() on:change=move |e| row.route_to.set(event_target_value(&e))>
                        <option value="">"its own service"</option>
                        {services.get_value().into_iter().map(|(id, name)| view! { <option value=id.to_string()>{name}</option> }).collect_view()}
                    </select></label>
                })}
                <label>"Dedup key "<input class="mono" placeholder="{{labels.alertname}}/{{labels.cluster}}" prop:value=move || row.dedup_key.get() on:input=move |e| row.dedup_key.set(event_target_value(&e))/></label>
                <label>"Note "<input prop:value=move || row.note.get() on:input=move |e| row.note.set(event_target_value(&e))/></label>
            </div>
        </fieldset>
    }
}

#[component]
fn Conditions(n: usize, row: RuleRow) -> impl IntoView {
    let list_id = format!("r{n}-fields");
    view! {
        <div class="rule__when">
            <label>"When "<select prop:value=move || row.mode.get() on:change=move |e| row.mode.set(event_target_value(&e))>
                <option value="all">"all of"</option><option value="any">"any of"</option>
            </select>" these hold:"</label>
            <datalist id=list_id.clone()>{FIELDS.map(|f| view! { <option value=f></option> }).collect_view()}</datalist>
            <For each=move || row.conds.get() key=|c| c.key let:c>
                <div class="cond" data-testid="condition">
                    <label class="check"><input type="checkbox" prop:checked=move || c.negate.get() on:change=move |e| c.negate.set(event_target_checked(&e))/>" not"</label>
                    <input class="mono" aria-label="Field" list=list_id.clone() prop:value=move || c.field.get() on:input=move |e| c.field.set(event_target_value(&e))/>
                    <select aria-label="Operator" prop:value=move || c.op.get() on:change=move |e| c.op.set(event_target_value(&e))>
                        {Op::ALL.map(|o| view! { <option value=o.as_str()>{o.label()}</option> }).collect_view()}
                    </select>
                    <input aria-label="Value" class="mono" disabled=move || c.op.get() == "exists" prop:value=move || c.value.get() on:input=move |e| c.value.set(event_target_value(&e))/>
                    <button class="btn btn--quiet" type="button" aria-label="Remove condition" on:click=move |_| row.conds.update(|v| v.retain(|x| x.key != c.key))>"×"</button>
                </div>
            </For>
            <label class="check"><input type="checkbox" prop:checked=move || row.timed.get() on:change=move |e| row.timed.set(event_target_checked(&e))/>" Only at certain times"</label>
            {move || row.timed.get().then(|| view! {
                <div class="cond cond--time">
                    <input aria-label="Time zone" prop:value=move || row.zone.get() on:input=move |e| row.zone.set(event_target_value(&e))/>
                    {DAYS.map(|d| view! {
                        <label class="check"><input type="checkbox"
                            prop:checked=move || row.days.get().iter().any(|x| x == d)
                            on:change=move |e| {
                                let on = event_target_checked(&e);
                                row.days.update(|v| { v.retain(|x| x != d); if on { v.push(d.to_owned()); } });
                            }/>{format!(" {d}")}</label>
                    }).collect_view()}
                    <input aria-label="From" class="mono" size="5" prop:value=move || row.from.get() on:input=move |e| row.from.set(event_target_value(&e))/>
                    "–"
                    <input aria-label="To" class="mono" size="5" prop:value=move || row.to.get() on:input=move |e| row.to.set(event_target_value(&e))/>
                </div>
            })}
        </div>
    }
}

#[component]
fn TestPanel(service: Option<ServiceId>, rows: RwSignal<Vec<RuleRow>>) -> impl IntoView {
    let test = ServerAction::<TestRules>::new();
    let format = RwSignal::new("events_v2".to_owned());
    let body = RwSignal::new(String::new());
    let run = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        test.dispatch(TestRules {
            service_id: service,
            format: format.get_untracked(),
            body: body.get_untracked(),
            rules: Some(list_json(&rows.get_untracked())),
        });
    };
    view! {
        <section class="card" aria-labelledby="test-h" data-testid="test-panel">
            <h2 id="test-h" class="card__title">"Test an event"</h2>
            <p class="muted">"Paste an event as your tool sends it. It runs through the rules on this page (saved or not); nothing is ingested."</p>
            <form class="form" on:submit=run novalidate>
                <label for="t-format">"Format"</label>
                <select id="t-format" prop:value=move || format.get() on:change=move |e| format.set(event_target_value(&e))>
                    {FORMATS.map(|(v, l)| view! { <option value=v>{l}</option> }).collect_view()}
                </select>
                <label for="t-body">"Event"</label>
                <textarea id="t-body" class="mono" rows="10" prop:value=move || body.get() on:input=move |e| body.set(event_target_value(&e))></textarea>
                <div class="form__actions"><button class="btn btn--primary" type="submit">"Test"</button></div>
            </form>
            {move || test.pending().get().then(|| view! { <p class="muted" aria-busy="true">"Testing…"</p> })}
            {move || test.value().get().map(|r| match r {
                Ok(results) => view! {
                    <ol class="tested" data-testid="test-results">
                        {results.into_iter().map(|t| view! {
                            <li>
                                <p><strong>{t.summary}</strong>" "<span class="muted">{format!("({})", t.action)}</span></p>
                                <p class="muted">{if t.matched.is_empty() { "No rule matched".to_owned() } else { format!("Matched: {}", t.matched.join(", ")) }}</p>
                                <ul>{t.outcome.into_iter().map(|o| view! { <li>{o}</li> }).collect_view()}</ul>
                            </li>
                        }).collect_view()}
                    </ol>
                }.into_any(),
                Err(e) => view! { <p class="error" role="alert">{e.field().map(|f| format!("{f}: ")).unwrap_or_default()}{e.user_message()}</p> }.into_any(),
            })}
        </section>
    }
}

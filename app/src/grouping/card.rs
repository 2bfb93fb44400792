//! The service page's "Alert grouping and flap guard" card: what is on, and (for those who
//! may change the service) a form to change it.

use leptos::prelude::*;

use super::NoiseSettings;
use super::api::SaveNoise;
use crate::components::field::Field;
use crate::components::form::{FormError, action_error};
use crate::domain::ServiceId;

fn number(raw: &str) -> Option<i32> {
    let t = raw.trim();
    // Not a number: -1, refused with the field named.
    (!t.is_empty()).then(|| t.parse::<i32>().unwrap_or(-1))
}

fn text(v: Option<i32>) -> String {
    v.map(|n| n.to_string()).unwrap_or_default()
}

/// One line saying what grouping and the flap guard do on this service.
fn summary(s: &NoiseSettings) -> (String, String) {
    let grouping = match (&s.group_template, s.group_window_minutes) {
        (Some(t), Some(w)) => format!("Alerts with the same {t} join one incident for {w} min."),
        _ => "Off: only alerts with the same dedup key join an incident.".to_owned(),
    };
    let flap = match (s.flap_count, s.flap_window_minutes) {
        (Some(n), Some(m)) => {
            format!("On: a key that opens {n} incidents within {m} min stays open as flapping.")
        }
        _ => "Off: every resolve resolves; every re-trigger pages again.".to_owned(),
    };
    (grouping, flap)
}

#[component]
pub fn NoiseCard(
    service: ServiceId,
    settings: NoiseSettings,
    write: bool,
    saved: ServerAction<SaveNoise>,
) -> impl IntoView {
    let (grouping, flap) = summary(&settings);
    let template = RwSignal::new(settings.group_template.clone().unwrap_or_default());
    let window = RwSignal::new(text(settings.group_window_minutes));
    let count = RwSignal::new(text(settings.flap_count));
    let flap_window = RwSignal::new(text(settings.flap_window_minutes));
    let error = action_error(saved);
    view! {
        <section class="card" aria-labelledby="noise-h" data-testid="noise">
            <h2 id="noise-h" class="card__title">"Alert grouping and flap guard"</h2>
            <dl class="kv">
                <dt>"Grouping"</dt><dd data-testid="noise-grouping">{grouping}</dd>
                <dt>"Flap guard"</dt><dd data-testid="noise-flap">{flap}</dd>
            </dl>
            {write.then(|| view! {
                <form class="form form--inline" on:submit=move |ev| {
                    ev.prevent_default();
                    let t = template.get_untracked();
                    saved.dispatch(SaveNoise {
                        service_id: service,
                        settings: NoiseSettings {
                            group_template: (!t.trim().is_empty()).then_some(t),
                            group_window_minutes: number(&window.get_untracked()),
                            flap_count: number(&count.get_untracked()),
                            flap_window_minutes: number(&flap_window.get_untracked()),
                        },
                    });
                } novalidate>
                    <Field name="group_template" form="noise" label="Group key" value=template error=error
                        hint="e.g. {{labels.alertname}}/{{labels.cluster}}. Empty: no grouping."/>
                    <Field name="group_window_minutes" form="noise" label="Group window (minutes)" kind="number" value=window error=error/>
                    <Field name="flap_count" form="noise" label="Flapping after (incidents)" kind="number" value=count error=error
                        hint="Empty: no flap guard."/>
                    <Field name="flap_window_minutes" form="noise" label="Within (minutes)" kind="number" value=flap_window error=error/>
                    <FormError error=error fields=&["group_template", "group_window_minutes", "flap_count", "flap_window_minutes"]/>
                    <div class="form__actions">
                        <button class="btn" type="submit">"Save grouping"</button>
                        {move || matches!(saved.value().get(), Some(Ok(_))).then(|| view! { <span class="muted" role="status">"Saved"</span> })}
                    </div>
                </form>
            })}
        </section>
    }
}

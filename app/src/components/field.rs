//! A labelled form field that shows its server-side validation error inline.

use leptos::prelude::*;

use crate::error::AppError;

/// `error` holds the last error of the form; the field shows it when it names `name`.
#[component]
pub fn Field(
    name: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    error: Signal<Option<AppError>>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] autocomplete: Option<&'static str>,
    /// Distinguishes element ids when two forms on one page have a field of the same name.
    #[prop(optional)]
    form: Option<&'static str>,
) -> impl IntoView {
    let id = match form {
        Some(f) => format!("f-{f}-{name}"),
        None => format!("f-{name}"),
    };
    let err_id = format!("{id}-err");
    let message = move || {
        error
            .get()
            .filter(|e| e.field() == Some(name))
            .map(|e| e.user_message())
    };
    view! {
        <div class="field" class:field--error=move || message().is_some()>
            <label for=id.clone()>{label}</label>
            <input
                id=id
                name=name
                type=kind
                autocomplete=autocomplete
                aria-invalid=move || message().is_some().to_string()
                aria-describedby=err_id.clone()
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
            {hint.map(|h| view! { <p class="field__hint">{h}</p> })}
            <p class="field__error" id=err_id role="alert">{message}</p>
        </div>
    }
}

//! Form helpers shared by pages: a select field, the inline error of a form, and the count
//! of an action's successes (what a form's data reloads on).

use leptos::prelude::*;

use crate::error::AppError;

/// A labelled `<select>` that shows its server-side validation error inline.
#[component]
pub fn SelectField(
    name: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    error: Signal<Option<AppError>>,
    options: Vec<(&'static str, &'static str)>,
) -> impl IntoView {
    let id = format!("f-{name}");
    let err_id = format!("f-{name}-err");
    let message = move || {
        error
            .get()
            .filter(|e| e.field() == Some(name))
            .map(|e| e.user_message())
    };
    view! {
        <div class="field" class:field--error=move || message().is_some()>
            <label for=id.clone()>{label}</label>
            <select id=id name=name aria-describedby=err_id.clone()
                on:change=move |ev| value.set(event_target_value(&ev))>
                {options.into_iter().map(|(v, text)| view! {
                    <option value=v selected=move || value.get() == v>{text}</option>
                }).collect_view()}
            </select>
            <p class="field__error" id=err_id role="alert">{message}</p>
        </div>
    }
}

/// The form's error when it names no field (or a field the form does not show).
#[component]
pub fn FormError(
    error: Signal<Option<AppError>>,
    #[prop(optional)] fields: &'static [&'static str],
) -> impl IntoView {
    move || {
        error
            .get()
            .filter(|e| e.field().is_none_or(|f| !fields.contains(&f)))
            .map(|e| view! { <p class="error" role="alert">{e.user_message()}</p> })
    }
}

/// The last error of a server action.
pub fn action_error<I, O>(action: ServerAction<I>) -> Signal<Option<AppError>>
where
    I: server_fn::ServerFn<Output = O, Error = AppError> + Clone + Send + Sync + 'static,
    O: Clone + Send + Sync + 'static,
{
    Signal::derive(move || action.value().get().and_then(Result::err))
}

/// Counts the action's successful completions. A resource keyed on it loads again after a
/// save, but not after a refused one, so the form keeps what was typed beside the error.
pub fn successes<I, O>(action: ServerAction<I>) -> Memo<u32>
where
    I: server_fn::ServerFn<Output = O, Error = AppError> + Clone + Send + Sync + 'static,
    O: Clone + Send + Sync + 'static,
{
    Memo::new(move |prev: Option<&u32>| {
        let n = prev.copied().unwrap_or(0);
        if matches!(action.value().get(), Some(Ok(_))) {
            n + 1
        } else {
            n
        }
    })
}

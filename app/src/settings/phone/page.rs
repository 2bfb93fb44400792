//! The Settings cards for phone paging: which provider (Twilio or an HTTP SMS gateway) and
//! where its settings come from, a form with write-only secrets, and a test-SMS button.

use leptos::prelude::*;

use super::PhoneView;
use super::api::{ClearPhone, SavePhone, TestPhone, get_phone};
use crate::components::field::Field;
use crate::components::form::{FormError, SelectField, action_error, successes};
use crate::settings::MailSource;

const FIELDS: &[&str] = &[
    "provider",
    "account_sid",
    "auth_token",
    "from",
    "api_url",
    "url",
    "method",
    "headers",
    "body",
    "secret",
];

/// The phone provider card and the test-SMS card.
#[component]
pub fn PhoneSettings() -> impl IntoView {
    let save = ServerAction::<SavePhone>::new();
    let clear = ServerAction::<ClearPhone>::new();
    let saved = successes(save);
    let phone = Resource::new(
        move || (saved.get(), clear.version().get()),
        |_| get_phone(),
    );
    view! {
        <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading…"</p> }>
            {move || phone.get().map(|r| match r {
                Ok(v) => view! { <PhoneForm view=v save=save clear=clear/> }.into_any(),
                Err(e) => view! { <p class="error" role="alert">{e.user_message()}</p> }.into_any(),
            })}
        </Transition>
        <TestSms/>
    }
}

fn source_text(v: &PhoneView) -> String {
    let provider = v.provider.map_or("", |p| p.label());
    match v.source {
        MailSource::Settings => format!(
            "Paging phones through {provider}, with the settings saved here. They override the environment on every instance."
        ),
        MailSource::Environment => format!(
            "Paging phones through {provider}, configured by the server's environment. Saving here overrides it."
        ),
        MailSource::None => {
            "No phone provider is configured: nobody can be paged by SMS or call, and phone numbers cannot be verified.".into()
        }
    }
}

#[component]
fn PhoneForm(
    view: PhoneView,
    save: ServerAction<SavePhone>,
    clear: ServerAction<ClearPhone>,
) -> impl IntoView {
    let provider = RwSignal::new(
        view.provider
            .unwrap_or(super::PhoneProvider::Twilio)
            .as_str()
            .to_owned(),
    );
    let account_sid = RwSignal::new(view.account_sid.clone());
    let auth_token = RwSignal::new(String::new());
    let from = RwSignal::new(view.from.clone());
    let api_url = RwSignal::new(view.api_url.clone());
    let url = RwSignal::new(view.url.clone());
    let method = RwSignal::new(view.method.clone());
    let headers = RwSignal::new(String::new());
    let body = RwSignal::new(view.body.clone());
    let secret = RwSignal::new(String::new());
    let error = action_error(save);
    let saved = view.source == MailSource::Settings;
    let token_hint = if view.auth_token_set {
        "A token is in use. Leave empty to keep it; a new one keeps the old one valid for callbacks."
    } else {
        "From the Twilio console. Stored encrypted."
    };
    let headers_hint = if view.headers_set {
        "Headers are saved. Leave empty to keep them."
    } else {
        r#"Optional JSON object, e.g. {"X-Api-Key":"…"}. Stored encrypted."#
    };
    let secret_hint = if view.secret_set {
        "A secret is saved. Leave empty to keep it."
    } else {
        "At least 16 characters. The gateway sends it as Authorization: Bearer … with replies to /api/sms-gateway/inbound."
    };
    let twilio = move || provider.get() == "twilio";
    let some = |s: String| (!s.is_empty()).then_some(s);
    let source_class = if view.source == MailSource::None {
        "notice notice--error"
    } else {
        "muted"
    };
    view! {
        <section class="card" aria-labelledby="phone-h">
            <h2 id="phone-h" class="card__title">"Phone paging (SMS and voice)"</h2>
            <p class=source_class data-testid="phone-source">{source_text(&view)}</p>
            <form class="form form--inline" on:submit=move |ev| {
                ev.prevent_default();
                save.dispatch(SavePhone {
                    provider: provider.get_untracked(),
                    account_sid: account_sid.get_untracked(),
                    auth_token: some(auth_token.get_untracked()),
                    from: from.get_untracked(),
                    api_url: api_url.get_untracked(),
                    url: url.get_untracked(),
                    method: method.get_untracked(),
                    headers: some(headers.get_untracked()),
                    body: body.get_untracked(),
                    secret: some(secret.get_untracked()),
                });
            } novalidate>
                <SelectField name="provider" label="Provider" value=provider error=error options=vec![
                    ("twilio", "Twilio"), ("gateway", "HTTP SMS gateway")]/>
                <Show when=twilio fallback=move || view! {
                    <Field name="url" label="Gateway URL" form="phone" value=url error=error hint="Every SMS and call is one request to it"/>
                    <SelectField name="method" label="Method" value=method error=error options=vec![("POST", "POST"), ("PUT", "PUT")]/>
                    <Field name="headers" label="Headers" form="phone" value=headers error=error hint=headers_hint autocomplete="off"/>
                    <Field name="body" label="Body template" form="phone" value=body error=error hint="JSON using {{to}}, {{body}}, {{incident_url}} and {{kind}}"/>
                    <Field name="secret" label="Reply secret" form="phone" kind="password" value=secret error=error hint=secret_hint autocomplete="new-password"/>
                }>
                    <Field name="account_sid" label="Account SID" form="phone" value=account_sid error=error hint="AC followed by 32 hex digits" autocomplete="off"/>
                    <Field name="auth_token" label="Auth token" form="phone" kind="password" value=auth_token error=error hint=token_hint autocomplete="new-password"/>
                    <Field name="from" label="From number" form="phone" kind="tel" value=from error=error hint="E.164, e.g. +14155550100"/>
                    <Field name="api_url" label="API URL" form="phone" value=api_url error=error hint="https://api.twilio.com, or a Twilio-compatible provider"/>
                </Show>
                <FormError error=error fields=FIELDS/>
                <div class="form__actions">
                    <button class="btn btn--primary" type="submit" disabled=move || save.pending().get()
                        aria-busy=move || save.pending().get().to_string()>"Save phone settings"</button>
                    {move || matches!(save.value().get(), Some(Ok(_))).then(|| view! { <span class="muted" role="status">"Saved"</span> })}
                    {saved.then(|| view! {
                        <button class="btn btn--quiet" type="button" on:click=move |_| { clear.dispatch(ClearPhone {}); }>"Forget saved phone settings"</button>
                    })}
                </div>
            </form>
        </section>
    }
}

#[component]
fn TestSms() -> impl IntoView {
    let test = ServerAction::<TestPhone>::new();
    let to = RwSignal::new(String::new());
    let error = action_error(test);
    view! {
        <section class="card" aria-labelledby="test-sms-h">
            <h2 id="test-sms-h" class="card__title">"Send a test SMS"</h2>
            <form class="form form--inline" on:submit=move |ev| {
                ev.prevent_default();
                test.dispatch(TestPhone { to: to.get_untracked() });
            } novalidate>
                <Field name="to" label="To" form="phone-test" kind="tel" value=to error=error hint="E.164, e.g. +14155550123"/>
                <FormError error=error fields=&["to"]/>
                <div class="form__actions">
                    <button class="btn" type="submit" disabled=move || test.pending().get()
                        aria-busy=move || test.pending().get().to_string()>"Send test SMS"</button>
                    {move || matches!(test.value().get(), Some(Ok(()))).then(|| view! { <span class="notice notice--ok" role="status">"Sent. Check the phone."</span> })}
                </div>
            </form>
        </section>
    }
}

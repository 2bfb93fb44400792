//! `/settings` (admins): email delivery, phone paging (`phone::page`), the chat apps
//! (`chat::page`), team access (`access::page`) and the Web Push key.
//! Shows where email settings come from (saved here, the environment, or nowhere), saves them
//! with a write-only password, and sends a test email.

use leptos::prelude::*;

use super::api::{ClearSmtp, SaveSmtp, TestSmtp, get_smtp};
use super::{MailSource, SmtpView};
use crate::components::field::Field;
use crate::components::form::{FormError, SelectField, action_error, successes};

#[component]
pub fn SettingsPage() -> impl IntoView {
    let save = ServerAction::<SaveSmtp>::new();
    let clear = ServerAction::<ClearSmtp>::new();
    let saved = successes(save);
    let smtp = Resource::new(move || (saved.get(), clear.version().get()), |_| get_smtp());
    view! {
        <leptos_meta::Title text="Settings · OpsKnight"/>
        <header class="page-head"><h1>"Settings"</h1><a href="/settings/status">"Status page"</a></header>
        <div class="stack">
            <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading…"</p> }>
                {move || smtp.get().map(|r| match r {
                    Ok(v) => view! { <SmtpForm view=v save=save clear=clear/> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.user_message()}</p> }.into_any(),
                })}
            </Transition>
            <TestEmail/>
            <super::phone::page::PhoneSettings/>
            <super::chat::page::ChatCard/>
            <crate::sso::page::SsoCard/>
            <super::access::page::AccessCard/>
            <crate::channels::card::ChannelsCard service=None write=true/>
            <PushKey/>
        </div>
    }
}

/// The Web Push (VAPID) key: its public half, and rotation.
#[component]
fn PushKey() -> impl IntoView {
    let rotate = ServerAction::<crate::push::api::PushRotateKey>::new();
    let key = Resource::new(
        move || rotate.version().get(),
        |_| crate::push::api::push_key(),
    );
    view! {
        <section class="card" aria-labelledby="vapid-h">
            <h2 id="vapid-h" class="card__title">"Web Push key"</h2>
            <p class="muted small">"Made on first start; the private half is stored encrypted. After a rotation, devices keep working with the old key until they next open OpsKnight and subscribe again."</p>
            <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading…"</p> }>
                {move || key.get().map(|r| match r {
                    Ok(k) => view! { <p><code class="mono small break" data-testid="vapid-key">{k}</code></p> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.user_message()}</p> }.into_any(),
                })}
            </Transition>
            <button class="btn" type="button" disabled=move || rotate.pending().get()
                aria-busy=move || rotate.pending().get().to_string()
                on:click=move |_| { rotate.dispatch(crate::push::api::PushRotateKey {}); }>"Rotate the key"</button>
            <crate::components::form::FormError error=Signal::derive(move || rotate.value().get().and_then(Result::err))/>
        </section>
    }
}

#[component]
fn SmtpForm(
    view: SmtpView,
    save: ServerAction<SaveSmtp>,
    clear: ServerAction<ClearSmtp>,
) -> impl IntoView {
    let host = RwSignal::new(view.host.clone());
    let port = RwSignal::new(view.port.to_string());
    let security = RwSignal::new(view.security.as_str().to_owned());
    let username = RwSignal::new(view.username.clone());
    let password = RwSignal::new(String::new());
    let from = RwSignal::new(view.from.clone());
    let error = action_error(save);
    let source = match view.source {
        MailSource::Settings => "Using the settings saved here. They override OPSKNIGHT_SMTP_URL.",
        MailSource::Environment => {
            "Using OPSKNIGHT_SMTP_URL from the server's environment. Saving here overrides it."
        }
        MailSource::None => {
            "Email is not configured: nobody can be paged by email, and invite links must be copied by hand."
        }
    };
    let password_hint = if view.password_set {
        "A password is saved. Leave empty to keep it."
    } else {
        "Optional."
    };
    let saved = view.source == MailSource::Settings;
    view! {
        <section class="card" aria-labelledby="smtp-h">
            <h2 id="smtp-h" class="card__title">"Email delivery (SMTP)"</h2>
            <p class={if view.source == MailSource::None { "notice notice--error" } else { "muted" }} data-testid="smtp-source">{source}</p>
            <form class="form form--inline" on:submit=move |ev| {
                ev.prevent_default();
                let pw = password.get_untracked();
                save.dispatch(SaveSmtp {
                    host: host.get_untracked(),
                    port: port.get_untracked().trim().parse().unwrap_or(0),
                    security: security.get_untracked(),
                    username: username.get_untracked(),
                    password: (!pw.is_empty()).then_some(pw),
                    from: from.get_untracked(),
                });
            } novalidate>
                <Field name="host" label="Host" value=host error=error hint="e.g. smtp.example.com"/>
                <Field name="port" label="Port" kind="number" value=port error=error/>
                <SelectField name="security" label="Security" value=security error=error options=vec![
                    ("STARTTLS", "STARTTLS (587)"), ("TLS", "TLS (465)"), ("NONE", "None (local relay only)")]/>
                <Field name="username" label="User" value=username error=error autocomplete="off"/>
                <Field name="password" label="Password" kind="password" value=password error=error hint=password_hint autocomplete="new-password"/>
                <Field name="from" label="From" value=from error=error hint="e.g. OpsKnight <pager@example.com>"/>
                <FormError error=error fields=&["host", "port", "security", "username", "password", "from"]/>
                <div class="form__actions">
                    <button class="btn btn--primary" type="submit" disabled=move || save.pending().get()>"Save email settings"</button>
                    {move || matches!(save.value().get(), Some(Ok(_))).then(|| view! { <span class="muted" role="status">"Saved"</span> })}
                    {saved.then(|| view! {
                        <button class="btn btn--quiet" type="button" on:click=move |_| { clear.dispatch(ClearSmtp {}); }>"Forget saved settings"</button>
                    })}
                </div>
            </form>
        </section>
    }
}

#[component]
fn TestEmail() -> impl IntoView {
    let test = ServerAction::<TestSmtp>::new();
    let to = RwSignal::new(String::new());
    let error = action_error(test);
    view! {
        <section class="card" aria-labelledby="test-h">
            <h2 id="test-h" class="card__title">"Send a test email"</h2>
            <form class="form form--inline" on:submit=move |ev| {
                ev.prevent_default();
                test.dispatch(TestSmtp { to: to.get_untracked() });
            } novalidate>
                <Field name="to" label="To" kind="email" value=to error=error/>
                <FormError error=error fields=&["to"]/>
                <div class="form__actions">
                    <button class="btn" type="submit" disabled=move || test.pending().get()>"Send test email"</button>
                    {move || matches!(test.value().get(), Some(Ok(()))).then(|| view! { <span class="notice notice--ok" role="status">"Sent. Check the inbox."</span> })}
                </div>
            </form>
        </section>
    }
}

//! `/profile` and `/m/profile`: your name and time zone, contact methods, password, sessions,
//! your on-call health (`health::mine`; a link to `/m/health` on the phone) and API keys.

use leptos::prelude::*;

use super::ContactKind;
use super::api::{
    AddContactMethod, ChangePassword, RemoveContactMethod, RevokeSession, UpdateProfile,
    list_contact_methods, list_sessions,
};
use super::phone_test::TestButton;
use super::verify::{ResendContactCode, VerifyCode, VerifyContactMethod, VerifyStatus};
use crate::auth::api::LogoutEverywhere;
use crate::components::field::Field;
use crate::components::form::{FormError, SelectField, action_error};
use crate::components::time::{CurrentUser, Time};

#[component]
pub fn ProfilePage(#[prop(optional)] mobile: bool) -> impl IntoView {
    view! {
        <leptos_meta::Title text="Profile · OpsKnight"/>
        {if mobile {
            view! { <h1 class="m-title">"Profile"</h1> }.into_any()
        } else {
            view! { <header class="page-head"><h1>"Profile"</h1></header> }.into_any()
        }}
        <div class="stack">
            {view! { <Details/> }.into_any()}
            {view! { <ContactMethods/> }.into_any()}
            {view! { <crate::notifications::rules_page::NotificationRules/> }.into_any()}
            {view! { <super::hours_page::HoursCard/> }.into_any()}
            {view! { <crate::push::widget::PushDevices/> }.into_any()}
            {view! { <TelegramCard/> }.into_any()}
            {view! { <Password/> }.into_any()}
            {view! { <Sessions/> }.into_any()}
            {if mobile {
                view! {
                    <section class="card" aria-labelledby="my-health-h">
                        <h2 id="my-health-h" class="card__title">"My on-call health"</h2>
                        <p class="muted small">"Your interruptions, nights interrupted and hours on call over the last 7 and 30 days."</p>
                        <a class="btn" href="/m/health">"Open my on-call health"</a>
                    </section>
                }.into_any()
            } else {
                view! {
                    <section class="card" aria-labelledby="my-health-h">
                        <h2 id="my-health-h" class="card__title">"My on-call health"</h2>
                        <crate::health::mine::MyHealthSummary/>
                        <p class="small"><a href="/oncall-health">"On-call health"</a></p>
                    </section>
                }.into_any()
            }}
            {view! {
                <section class="card" aria-labelledby="shifts-h">
                    <h2 id="shifts-h" class="card__title">"My shifts and calendar"</h2>
                    <crate::schedules::widgets::MyShiftsList/>
                    <p class="muted small">"A secret calendar address with your shifts on every schedule."</p>
                    <crate::schedules::widgets::FeedControls can_manage=true/>
                </section>
            }.into_any()}
            {view! { <crate::apikeys::page::ApiKeys/> }.into_any()}
            {mobile.then(|| view! { <crate::components::layout::Account mobile=true/> }.into_any())}
        </div>
    }
}

#[component]
fn Details() -> impl IntoView {
    let user = expect_context::<CurrentUser>().0;
    let name = RwSignal::new(String::new());
    let tz = RwSignal::new(String::new());
    let action = ServerAction::<UpdateProfile>::new();
    let error = action_error(action);
    Effect::new(move |_| {
        if let Some(Ok(u)) = user.get() {
            name.set(u.name);
            tz.set(u.time_zone);
        }
    });
    Effect::new(move |_| {
        if matches!(action.value().get(), Some(Ok(_))) {
            user.refetch();
        }
    });
    let saved = move || matches!(action.value().get(), Some(Ok(_)));
    view! {
        <section class="card" aria-labelledby="details-h">
            <h2 id="details-h" class="card__title">"Details"</h2>
            <form class="form form--inline" on:submit=move |ev| {
                ev.prevent_default();
                action.dispatch(UpdateProfile { name: name.get_untracked(), time_zone: tz.get_untracked() });
            } novalidate>
                <Field name="name" label="Name" value=name error=error autocomplete="name"/>
                <Field name="time_zone" label="Time zone" value=tz error=error
                    hint="IANA name, e.g. Europe/Berlin. Times across OpsKnight are shown in this zone."/>
                <FormError error=error fields=&["name", "time_zone"]/>
                <div class="form__actions">
                    <button class="btn btn--primary" type="submit" disabled=move || action.pending().get()>"Save"</button>
                    <Show when=saved><span class="muted" role="status">"Saved"</span></Show>
                </div>
            </form>
        </section>
    }
}

#[component]
fn ContactMethods() -> impl IntoView {
    let add = ServerAction::<AddContactMethod>::new();
    let remove = ServerAction::<RemoveContactMethod>::new();
    let verify = ServerAction::<VerifyContactMethod>::new();
    let resend = ServerAction::<ResendContactCode>::new();
    let methods = Resource::new(
        move || {
            (
                add.version().get(),
                remove.version().get(),
                verify.version().get(),
            )
        },
        |_| list_contact_methods(),
    );
    let kind = RwSignal::new(ContactKind::Sms.as_str().to_owned());
    let address = RwSignal::new(String::new());
    let label = RwSignal::new(String::new());
    let secret = RwSignal::new(String::new());
    let error = action_error(add);
    Effect::new(move |_| {
        if matches!(add.value().get(), Some(Ok(_))) {
            address.set(String::new());
            label.set(String::new());
            secret.set(String::new());
        }
    });
    let hint = move || {
        ContactKind::parse(&kind.get())
            .map(|k| k.address_hint())
            .unwrap_or_default()
    };
    view! {
        <section class="card" aria-labelledby="contact-h">
            <h2 id="contact-h" class="card__title">"Contact methods"</h2>
            <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading…"</p> }>
                {move || methods.get().map(|r| match r {
                    Ok(list) if list.is_empty() => view! {
                        <p class="muted">"No contact methods yet. Add a phone number for SMS or voice calls, or another email."</p>
                    }.into_any(),
                    Ok(list) => view! {
                        <table class="table" data-testid="contact-methods">
                            <thead><tr><th>"Label"</th><th>"Type"</th><th>"Address"</th><th class="opt">"Status"</th><th class="num"></th></tr></thead>
                            <tbody>
                                {list.into_iter().map(|m| view! {
                                    <tr>
                                        <td>{m.label}</td>
                                        <td>{m.kind.label()}</td>
                                        <td class="mono">{m.address.clone()}</td>
                                        <td class="opt">{if m.stopped_at.is_some() {
                                            view! { <span class="badge badge--high">"stopped"</span> }.into_any()
                                        } else if m.verified {
                                            view! { <span class="badge badge--ok">"verified"</span> }.into_any()
                                        } else {
                                            view! { <span class="badge badge--low">"unverified"</span> }.into_any()
                                        }}</td>
                                        <td class="num">
                                            <button class="btn btn--quiet" type="button"
                                                on:click=move |_| { remove.dispatch(RemoveContactMethod { id: m.id }); }>"Remove"</button>
                                        </td>
                                    </tr>
                                    {(m.verified && m.kind.is_phone()).then(|| view! {
                                        <tr class="verify-row"><td colspan="5"><TestButton id=m.id address=m.address.clone()/></td></tr>
                                    })}
                                    {m.stopped_at.is_some().then(|| view! {
                                        <tr class="verify-row"><td colspan="5" class="muted small" data-testid="stopped-note">
                                            "This number replied STOP, so it gets no SMS pages. Text START to the OpsKnight number to turn them back on."
                                        </td></tr>
                                    })}
                                    {(!m.verified && m.kind.is_phone()).then(|| view! {
                                        <tr class="verify-row"><td colspan="5">
                                            <VerifyCode id=m.id address=m.address.clone() verify=verify resend=resend/>
                                        </td></tr>
                                    })}
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.user_message()}</p> }.into_any(),
                })}
            </Transition>
            <VerifyStatus verify=verify resend=resend/>
            <form class="form form--inline" on:submit=move |ev| {
                ev.prevent_default();
                let token = secret.get_untracked();
                add.dispatch(AddContactMethod {
                    kind: kind.get_untracked(),
                    address: address.get_untracked(),
                    label: label.get_untracked(),
                    secret: (!token.trim().is_empty()).then_some(token),
                });
            } novalidate>
                <SelectField name="kind" label="Type" value=kind error=error options=ContactKind::ALL.into_iter().filter(|k| k.typed()).map(|k| (k.as_str(), k.label())).collect()/>
                <Field name="address" label="Address" value=address error=error/>
                <Show when=move || kind.get() == "NTFY">
                    <Field name="secret" label="Access token (optional)" kind="password" value=secret error=error
                        hint="For a protected topic: tk_…" autocomplete="off"/>
                </Show>
                <Field name="label" label="Label" value=label error=error hint="e.g. Work mobile"/>
                <p class="muted small" data-testid="address-hint">{hint}</p>
                <FormError error=error fields=&["kind", "address", "label", "secret"]/>
                <div class="form__actions">
                    <button class="btn" type="submit" disabled=move || add.pending().get()>"Add contact method"</button>
                </div>
            </form>
        </section>
    }
}

/// Link Telegram: a one-time `/start` code for the bot (and its t.me link).
#[component]
fn TelegramCard() -> impl IntoView {
    let link = ServerAction::<super::api::TelegramLink>::new();
    view! {
        <section class="card" aria-labelledby="telegram-h">
            <h2 id="telegram-h" class="card__title">"Telegram"</h2>
            <p class="muted small">"Get pages from the OpsKnight Telegram bot, with Acknowledge and Resolve buttons. Linking adds Telegram to your contact methods."</p>
            {move || match link.value().get() {
                Some(Ok(l)) => view! {
                    <div class="stack stack--tight" data-testid="telegram-code">
                        {l.url.clone().map(|u| view! {
                            <p><a class="btn btn--primary" href=u target="_blank" rel="noopener">"Open the bot in Telegram"</a></p>
                        })}
                        <p class="small">"Or send the bot this message, within 15 minutes:"</p>
                        <p><code class="mono">{l.command.clone()}</code></p>
                    </div>
                }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e.user_message()}</p> }.into_any(),
                None => view! {
                    <button class="btn" type="button" data-testid="telegram-link" disabled=move || link.pending().get()
                        on:click=move |_| { link.dispatch(super::api::TelegramLink {}); }>"Link Telegram"</button>
                }.into_any(),
            }}
        </section>
    }
}

#[component]
fn Password() -> impl IntoView {
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let action = ServerAction::<ChangePassword>::new();
    let error = action_error(action);
    let done = move || matches!(action.value().get(), Some(Ok(())));
    view! {
        <section class="card" aria-labelledby="password-h">
            <h2 id="password-h" class="card__title">"Password"</h2>
            <form class="form form--inline" on:submit=move |ev| {
                ev.prevent_default();
                action.dispatch(ChangePassword { current_password: current.get_untracked(), new_password: new.get_untracked() });
            } novalidate>
                <Field name="current_password" label="Current password" kind="password" value=current error=error autocomplete="current-password"/>
                <Field name="new_password" label="New password" kind="password" value=new error=error autocomplete="new-password"
                    hint="At least 12 characters. Changing it signs out your other devices."/>
                <FormError error=error fields=&["current_password", "new_password"]/>
                <div class="form__actions">
                    <button class="btn" type="submit" disabled=move || action.pending().get()>"Change password"</button>
                    <Show when=done><span class="muted" role="status">"Password changed; other sessions signed out"</span></Show>
                </div>
            </form>
        </section>
    }
}

#[component]
fn Sessions() -> impl IntoView {
    let revoke = ServerAction::<RevokeSession>::new();
    let everywhere = ServerAction::<LogoutEverywhere>::new();
    let sessions = Resource::new(move || revoke.version().get(), |_| list_sessions());
    Effect::new(move |_| {
        if matches!(everywhere.value().get(), Some(Ok(_))) {
            let _ = window().location().set_href("/login");
        }
    });
    view! {
        <section class="card" aria-labelledby="sessions-h">
            <h2 id="sessions-h" class="card__title">"Sessions"</h2>
            <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading…"</p> }>
                {move || sessions.get().map(|r| match r {
                    Ok(list) => view! {
                        <table class="table" data-testid="sessions">
                            <thead><tr><th>"Device"</th><th class="opt">"IP"</th><th class="opt">"Signed in"</th><th>"Last active"</th><th class="num"></th></tr></thead>
                            <tbody>
                                {list.into_iter().map(|s| view! {
                                    <tr>
                                        <td class="truncate">{s.user_agent.unwrap_or_else(|| "unknown".into())}
                                            {s.current.then(|| view! { " " <span class="badge badge--ok">"this device"</span> })}</td>
                                        <td class="mono opt">{s.ip.unwrap_or_default()}</td>
                                        <td class="opt"><Time at=s.created_at/></td>
                                        <td><Time at=s.last_seen_at/></td>
                                        <td class="num">{(!s.current).then(|| view! {
                                            <button class="btn btn--quiet" type="button"
                                                on:click=move |_| { revoke.dispatch(RevokeSession { id: s.id }); }>"Sign out"</button>
                                        })}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.user_message()}</p> }.into_any(),
                })}
            </Transition>
            <button class="btn" type="button" on:click=move |_| { everywhere.dispatch(LogoutEverywhere {}); }>
                "Sign out everywhere"
            </button>
        </section>
    }
}

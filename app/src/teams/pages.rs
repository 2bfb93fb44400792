//! `/teams` (list; admins create) and `/teams/:id` (members, roles, lead; editable by admins
//! and the team's owners and admins).

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::TeamRole;
use super::api::{CreateTeam, RemoveTeamMember, SetTeamMember, get_team, list_teams};
use crate::components::field::Field;
use crate::components::form::{FormError, SelectField, action_error};
use crate::components::time::CurrentUser;
use crate::domain::{Role, TeamId, UserId};

#[component]
pub fn TeamsPage() -> impl IntoView {
    let me = expect_context::<CurrentUser>().0;
    let create = ServerAction::<CreateTeam>::new();
    let teams = Resource::new(move || create.version().get(), |_| list_teams());
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let error = action_error(create);
    view! {
        <leptos_meta::Title text="Teams · OpsKnight"/>
        <header class="page-head"><h1>"Teams"</h1></header>
        <div class="stack">
            <Transition fallback=|| ()>
                {move || matches!(me.get(), Some(Ok(u)) if u.role == Role::Admin).then(|| view! {
                    <section class="card" aria-labelledby="team-new-h">
                        <h2 id="team-new-h" class="card__title">"New team"</h2>
                        <form class="form form--inline" on:submit=move |ev| {
                            ev.prevent_default();
                            create.dispatch(CreateTeam { name: name.get_untracked(), description: description.get_untracked() });
                        } novalidate>
                            <Field name="name" label="Name" value=name error=error/>
                            <Field name="description" label="Description" value=description error=error/>
                            <FormError error=error fields=&["name", "description"]/>
                            <div class="form__actions"><button class="btn btn--primary" type="submit">"Create team"</button></div>
                        </form>
                    </section>
                })}
            </Transition>
            <section class="card" aria-label="Team list">
                <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading teams…"</p> }>
                    {move || teams.get().map(|r| match r {
                        Ok(list) if list.is_empty() => view! {
                            <p class="muted">"No teams yet. A team owns services and can be paged as a group or through its lead."</p>
                        }.into_any(),
                        Ok(list) => view! {
                            <table class="table" data-testid="teams">
                                <thead><tr><th>"Team"</th><th>"Lead"</th><th class="num">"Members"</th></tr></thead>
                                <tbody>
                                    {list.into_iter().map(|t| view! {
                                        <tr>
                                            <td><a href=format!("/teams/{}", t.id)>{t.name}</a>
                                                <div class="muted small">{t.description}</div></td>
                                            <td>{t.lead.unwrap_or_else(|| "none".into())}</td>
                                            <td class="num">{t.member_count}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.user_message()}</p> }.into_any(),
                    })}
                </Transition>
            </section>
        </div>
    }
}

#[component]
pub fn TeamPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|s| s.parse::<TeamId>().ok()));
    let set = ServerAction::<SetTeamMember>::new();
    let remove = ServerAction::<RemoveTeamMember>::new();
    let team = Resource::new(
        move || (id(), set.version().get(), remove.version().get()),
        |(id, ..)| async move {
            match id {
                Some(id) => get_team(id).await,
                None => Err(crate::error::AppError::NotFound {
                    what: "team".into(),
                }),
            }
        },
    );
    let error = Signal::derive(move || {
        set.value()
            .get()
            .and_then(Result::err)
            .or_else(|| remove.value().get().and_then(Result::err))
    });
    view! {
        <leptos_meta::Title text="Team · OpsKnight"/>
        <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading team…"</p> }>
            {move || team.get().map(|r| match r {
                Ok(d) => {
                    let team_id = d.team.id;
                    let manage = d.can_manage;
                    view! {
                        <header class="page-head"><h1>{d.team.name.clone()}</h1><a href="/teams">"All teams"</a></header>
                        <p class="muted">{d.team.description.clone()}</p>
                        <FormError error=error/>
                        <section class="card" aria-labelledby="members-h">
                            <h2 id="members-h" class="card__title">"Members"</h2>
                            {if d.members.is_empty() {
                                view! { <p class="muted">"No members yet."</p> }.into_any()
                            } else {
                                view! {
                                    <table class="table" data-testid="members">
                                        <thead><tr><th>"Name"</th><th>"Email"</th><th>"Team role"</th><th>"Lead"</th>
                                            {manage.then(|| view! { <th class="num"></th> })}</tr></thead>
                                        <tbody>
                                            {d.members.into_iter().map(|m| {
                                                let uid = m.user_id;
                                                let role = m.role;
                                                let lead = m.is_lead;
                                                view! {
                                                    <tr>
                                                        <td>{m.name.clone()}{lead.then(|| view! { " " <span class="badge badge--ok">"lead"</span> })}</td>
                                                        <td class="mono">{m.email}</td>
                                                        <td>{if manage {
                                                            view! {
                                                                <select aria-label=format!("Team role of {}", m.name)
                                                                    on:change=move |ev| { set.dispatch(SetTeamMember { team_id, user_id: uid, role: event_target_value(&ev), is_lead: lead }); }>
                                                                    {TeamRole::ALL.into_iter().map(|r| view! { <option value=r.as_str() selected=r == role>{r.as_str()}</option> }).collect_view()}
                                                                </select>
                                                            }.into_any()
                                                        } else { role.as_str().into_any() }}</td>
                                                        <td>{if manage {
                                                            view! { <input type="checkbox" aria-label=format!("{} is lead", m.name) prop:checked=lead
                                                                on:change=move |ev| { set.dispatch(SetTeamMember { team_id, user_id: uid, role: role.as_str().into(), is_lead: event_target_checked(&ev) }); }/> }.into_any()
                                                        } else { (if lead { "yes" } else { "" }).into_any() }}</td>
                                                        {manage.then(|| view! {
                                                            <td class="num"><button class="btn btn--quiet" type="button"
                                                                on:click=move |_| { remove.dispatch(RemoveTeamMember { team_id, user_id: uid }); }>"Remove"</button></td>
                                                        })}
                                                    </tr>
                                                }
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                }.into_any()
                            }}
                            {manage.then(|| view! { <AddMember team_id=team_id action=set/> })}
                        </section>
                        <crate::apikeys::team_keys::TeamApiKeys team_id=team_id manage=manage/>
                    }.into_any()
                }
                Err(e) => view! { <p class="error" role="alert">{e.user_message()}</p> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn AddMember(team_id: TeamId, action: ServerAction<SetTeamMember>) -> impl IntoView {
    let users = Resource::new(
        || (),
        |_| crate::users::api::list_users(String::new(), 1, 200),
    );
    let user = RwSignal::new(String::new());
    let role = RwSignal::new("MEMBER".to_owned());
    let error = action_error(action);
    view! {
        <form class="form form--inline" on:submit=move |ev| {
            ev.prevent_default();
            if let Ok(user_id) = user.get_untracked().parse::<UserId>() {
                action.dispatch(SetTeamMember { team_id, user_id, role: role.get_untracked(), is_lead: false });
            }
        } novalidate>
            <div class="field">
                <label for="f-user_id">"Add member"</label>
                <Transition fallback=|| view! { <select id="f-user_id" disabled=true><option>"Loading users…"</option></select> }>
                    {move || users.get().map(|r| {
                        let list = r.map(|p| p.users).unwrap_or_default();
                        view! {
                            <select id="f-user_id" on:change=move |ev| user.set(event_target_value(&ev))>
                                <option value="">"Choose a user…"</option>
                                {list.into_iter().map(|u| view! {
                                    <option value=u.id.to_string()>{format!("{} <{}>", u.name, u.email)}</option>
                                }).collect_view()}
                            </select>
                        }
                    })}
                </Transition>
            </div>
            <SelectField name="role" label="Team role" value=role error=error
                options=vec![("MEMBER", "Member"), ("ADMIN", "Admin"), ("OWNER", "Owner")]/>
            <div class="form__actions"><button class="btn" type="submit">"Add"</button></div>
        </form>
    }
}

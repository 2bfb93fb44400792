//! The authorization matrix: every server function and every page, called as anonymous, a
//! USER in the team, a USER outside it, a RESPONDER, an ADMIN, API keys with and without
//! the needed scope, and keys with the scope owned by a RESPONDER and a USER. Each cell
//! asserts allow or deny; a denied call must change no row of any table.
//! A server function or page without a row fails the test. The team rows call every write on
//! what a team owns as its OWNER, a MEMBER, an outsider and a workspace ADMIN
//! (`common::authz::team`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::collections::BTreeSet;

use app::auth::gate::{PAGES, PageAccess};
use common::authz::team::{Owned, check_team_row, steps, team_setup};
use common::authz::{Fixture, WHO, check_row, creds, random, setup};
use common::{Cred, spawn_app};
use serde_json::{Value, json};

/// (server function path, expectations, key scope that suffices, body).
type Row = (
    &'static str,
    &'static str,
    &'static str,
    fn(&Fixture) -> Value,
);

/// Bodies are chosen so an allowed call does not disturb later cells (an invalid field, an
/// unknown id, or a no-op change): the check under test happens before any of that.
const ROWS: &[Row] = &[
    (
        "/api/auth/login",
        "AAAAAAA",
        "admin",
        |_| json!({"email": "not-an-email", "password": "x"}),
    ),
    ("/api/auth/logout", "AAAAAAA", "admin", |_| json!({})),
    ("/api/auth/me", "DAAAAAA", "incidents:read", |_| json!({})),
    ("/api/auth/logout-everywhere", "DAAAAAD", "admin", |_| {
        json!({})
    }),
    (
        "/api/auth/forgot-password",
        "AAAAAAA",
        "admin",
        |_| json!({"email": "nobody@example.com"}),
    ),
    (
        "/api/auth/link-info",
        "AAAAAAA",
        "admin",
        |_| json!({"token": "nope", "purpose": "invite"}),
    ),
    (
        "/api/auth/accept-invite",
        "AAAAAAA",
        "admin",
        |_| json!({"token": "nope", "password": "correct-horse-battery"}),
    ),
    (
        "/api/auth/reset-password",
        "AAAAAAA",
        "admin",
        |_| json!({"token": "nope", "password": "correct-horse-battery"}),
    ),
    ("/api/setup/status", "AAAAAAA", "admin", |_| json!({})),
    (
        "/api/setup/complete",
        "AAAAAAA",
        "admin",
        |_| json!({"code": "", "email": "x@example.com", "name": "X", "password": "correct-horse-battery"}),
    ),
    ("/api/system/status", "DAAAAAA", "incidents:read", |_| {
        json!({})
    }),
    (
        "/api/users/list",
        "DAAAAAA",
        "incidents:read",
        |_| json!({"query": "", "page": 1, "per_page": 10}),
    ),
    (
        "/api/users/invite",
        "DDDDAAD",
        "admin",
        |_| json!({"email": "not-an-email", "name": "N", "role": "USER"}),
    ),
    (
        "/api/users/reset-link",
        "DDDDAAD",
        "admin",
        |_| json!({"user_id": random()}),
    ),
    (
        "/api/users/set-role",
        "DDDDAAD",
        "admin",
        |f| json!({"user_id": f.target, "role": "RESPONDER"}),
    ),
    (
        "/api/users/set-status",
        "DDDDAAD",
        "admin",
        |f| json!({"user_id": f.target, "status": "ACTIVE"}),
    ),
    ("/api/apikeys/list", "DAAAAAD", "admin", |_| json!({})),
    (
        "/api/apikeys/create",
        "DAAAAAD",
        "admin",
        |_| json!({"name": "", "scopes": ["incidents:read"], "expires_in_days": null}),
    ),
    (
        "/api/apikeys/revoke",
        "DAAAAAD",
        "admin",
        |_| json!({"id": random()}),
    ),
    (
        "/api/apikeys/list-all",
        "DDDDAAD",
        "admin",
        |_| json!({"owner": null, "live_only": false, "before": null, "limit": 10}),
    ),
    (
        "/api/apikeys/list-all",
        "DDDDAAD",
        "admin",
        |f| json!({"owner": f.target, "live_only": false, "before": null, "limit": 10}),
    ),
    // A team's keys: its members read them, its OWNER/ADMIN members (the USER in the team is
    // its OWNER) and ADMINs make and revoke them.
    (
        "/api/apikeys/team/list",
        "DADDAAD",
        "admin",
        |f| json!({"team_id": f.team}),
    ),
    (
        "/api/apikeys/team/create",
        "DADDAAD",
        "admin",
        |f| json!({"team_id": f.team, "name": "", "scopes": ["incidents:read"], "expires_in_days": null}),
    ),
    (
        "/api/apikeys/team/revoke",
        "DADDAAD",
        "admin",
        |f| json!({"team_id": f.team, "id": random()}),
    ),
    // Anyone's sessions: ADMIN.
    (
        "/api/sessions/list",
        "DDDDAAD",
        "admin",
        |f| json!({"user_id": f.target}),
    ),
    (
        "/api/sessions/revoke",
        "DDDDAAD",
        "admin",
        |f| json!({"user_id": f.target, "id": random()}),
    ),
    (
        "/api/sessions/revoke-all",
        "DDDDAAD",
        "admin",
        |_| json!({"user_id": random()}),
    ),
    (
        "/api/profile/update",
        "DAAAAAD",
        "admin",
        |_| json!({"name": "N", "time_zone": "Mars/Olympus"}),
    ),
    (
        "/api/profile/change-password",
        "DAAAAAD",
        "admin",
        |_| json!({"current_password": "wrong-wrong-wrong", "new_password": "correct-horse-battery"}),
    ),
    ("/api/profile/contact-methods", "DAAAAAD", "admin", |_| {
        json!({})
    }),
    (
        "/api/profile/contact-methods/add",
        "DAAAAAD",
        "admin",
        |_| json!({"kind": "SMS", "address": "555-0100", "label": "Cell"}),
    ),
    (
        "/api/profile/contact-methods/remove",
        "DAAAAAD",
        "admin",
        |_| json!({"id": random()}),
    ),
    (
        "/api/profile/contact-methods/verify",
        "DAAAAAD",
        "admin",
        |_| json!({"id": random(), "code": "123456"}),
    ),
    (
        "/api/profile/contact-methods/resend",
        "DAAAAAD",
        "admin",
        |_| json!({"id": random()}),
    ),
    (
        "/api/profile/contact-methods/test",
        "DAAAAAD",
        "admin",
        |_| json!({"id": random()}),
    ),
    ("/api/profile/sessions", "DAAAAAD", "admin", |_| json!({})),
    ("/api/profile/telegram/link", "DAAAAAD", "admin", |_| {
        json!({})
    }),
    (
        "/api/profile/sessions/revoke",
        "DAAAAAD",
        "admin",
        |_| json!({"id": random()}),
    ),
    (
        "/api/teams/list",
        "DAAAAAA",
        "incidents:read",
        |_| json!({}),
    ),
    (
        "/api/teams/get",
        "DAAAAAA",
        "incidents:read",
        |f| json!({"id": f.team}),
    ),
    (
        "/api/teams/create",
        "DDDDAAD",
        "admin",
        |_| json!({"name": "", "description": ""}),
    ),
    (
        "/api/teams/update",
        "DADDAAD",
        "admin",
        |f| json!({"id": f.team, "name": "", "description": ""}),
    ),
    (
        "/api/teams/delete",
        "DDDDAAD",
        "admin",
        |_| json!({"id": random()}),
    ),
    (
        "/api/teams/set-member",
        "DADDAAD",
        "admin",
        |f| json!({"team_id": f.team, "user_id": f.target, "role": "MEMBER", "is_lead": false}),
    ),
    (
        "/api/teams/remove-member",
        "DADDAAD",
        "admin",
        |f| json!({"team_id": f.team, "user_id": random()}),
    ),
    (
        "/api/audit/list",
        "DDDDAAD",
        "admin",
        |_| json!({"before": null, "action": "", "limit": 10}),
    ),
    ("/api/settings/smtp", "DDDDAAD", "admin", |_| json!({})),
    (
        "/api/settings/smtp/save",
        "DDDDAAD",
        "admin",
        |_| json!({"host": "", "port": 25, "security": "NONE", "username": "", "password": null, "from": "x@example.com"}),
    ),
    (
        "/api/settings/smtp/clear",
        "DDDDAAD",
        "admin",
        |_| json!({}),
    ),
    (
        "/api/settings/smtp/test",
        "DDDDAAD",
        "admin",
        |_| json!({"to": "not-an-email"}),
    ),
    ("/api/settings/phone", "DDDDAAD", "admin", |_| json!({})),
    ("/api/settings/chat", "DDDDAAD", "admin", |_| json!({})),
    (
        "/api/settings/chat/slack",
        "DDDDAAD",
        "admin",
        |_| json!({"bot_token": "not-a-token", "signing_secret": null}),
    ),
    (
        "/api/settings/chat/telegram",
        "DDDDAAD",
        "admin",
        |_| json!({"bot_token": "not-a-token"}),
    ),
    (
        "/api/settings/chat/clear",
        "DDDDAAD",
        "admin",
        |_| json!({"app": "neither"}),
    ),
    ("/api/settings/access", "DDDDAAD", "admin", |_| json!({})),
    // The defaults: an allowed save leaves the rules as they were for later cells.
    (
        "/api/settings/access/save",
        "DDDDAAD",
        "admin",
        |_| json!({"outsiders_see_team_objects": true, "schedules_admin_only": false}),
    ),
    // Single sign-on: the sign-in page's options are public; the settings are ADMIN-only (an
    // allowed save is refused on its issuer, so nothing is saved for later cells).
    ("/api/auth/sso-options", "AAAAAAA", "admin", |_| json!({})),
    ("/api/settings/sso", "DDDDAAD", "admin", |_| json!({})),
    ("/api/settings/sso/save", "DDDDAAD", "admin", |_| {
        json!({"form": {"enabled": true, "issuer": "not a url", "client_id": "x",
                "client_secret": "y", "scopes": "openid", "label": "SSO", "auto_provision": false,
                "default_role": "RESPONDER", "allowed_domains": "", "role_rules": [],
                "team_rules": [], "password_login": "EVERYONE", "break_glass_user": null}})
    }),
    ("/api/settings/sso/clear", "DDDDAAD", "admin", |_| json!({})),
    (
        "/api/settings/phone/save",
        "DDDDAAD",
        "admin",
        |_| json!({"provider": "gateway", "url": "ftp://bad"}),
    ),
    ("/api/settings/phone/clear", "DDDDAAD", "admin", |_| {
        json!({})
    }),
    (
        "/api/settings/phone/test",
        "DDDDAAD",
        "admin",
        |_| json!({"to": "not-a-number"}),
    ),
    ("/api/jobs/overview", "DDDDAAD", "admin", |_| json!({})),
    ("/api/jobs/retry", "DDDDAAD", "admin", |_| json!({"id": -1})),
    (
        "/api/jobs/cancel",
        "DDDDAAD",
        "admin",
        |_| json!({"id": -1}),
    ),
    ("/api/policies/list", "DAAAAAD", "services:read", |_| {
        json!({})
    }),
    (
        "/api/policies/get",
        "DAAAAAD",
        "services:read",
        |_| json!({"id": random()}),
    ),
    (
        "/api/policies/preview",
        "DAAAAAD",
        "services:read",
        |_| json!({"id": random()}),
    ),
    (
        "/api/policies/create",
        "DDDAAAD",
        "services:write",
        |_| json!({"name": "", "description": "", "repeat_count": 0, "steps": []}),
    ),
    (
        "/api/policies/update",
        "DDDAAAD",
        "services:write",
        |_| json!({"id": random(), "name": "", "description": "", "repeat_count": 0, "steps": []}),
    ),
    (
        "/api/policies/delete",
        "DDDAAAD",
        "services:write",
        |_| json!({"id": random()}),
    ),
    ("/api/schedules/list", "DAAAAAD", "schedules:read", |_| {
        json!({})
    }),
    (
        "/api/schedules/get",
        "DAAAAAD",
        "schedules:read",
        |_| json!({"id": random(), "from": "2026-03-01T00:00:00Z", "to": "2026-03-02T00:00:00Z"}),
    ),
    (
        "/api/schedules/save",
        "DDDAAAD",
        "schedules:write",
        |_| json!({"id": null, "name": "", "description": "", "time_zone": "UTC"}),
    ),
    (
        "/api/schedules/delete",
        "DDDAAAD",
        "schedules:write",
        |_| json!({"id": random()}),
    ),
    (
        "/api/schedules/layers/save",
        "DDDAAAD",
        "schedules:write",
        |_| {
            json!({"schedule_id": random(), "layer": {"id": random(), "name": "L", "priority": 0,
            "participants": [], "rotation": {"unit": "DAYS", "every": 1}, "start": "2026-03-01T09:00:00"}})
        },
    ),
    (
        "/api/schedules/layers/delete",
        "DDDAAAD",
        "schedules:write",
        |_| json!({"schedule_id": random(), "layer_id": random()}),
    ),
    (
        "/api/schedules/overrides/create",
        "DDDAAAD",
        "schedules:write",
        |_| {
            json!({"schedule_id": random(), "kind": "ADD", "user": null, "replaces": null,
            "start": "2026-03-01T00:00:00Z", "end": "2026-03-01T00:00:00Z"})
        },
    ),
    (
        "/api/schedules/overrides/delete",
        "DDDAAAD",
        "schedules:write",
        |_| json!({"schedule_id": random(), "id": random()}),
    ),
    (
        "/api/schedules/temporary/save",
        "DDDAAAD",
        "schedules:write",
        |_| {
            json!({"schedule_id": random(), "temporary": {"id": random(),
            "start": "2026-03-01T00:00:00Z", "end": "2026-03-01T00:00:00Z", "shifts": []}})
        },
    ),
    (
        "/api/schedules/temporary/delete",
        "DDDAAAD",
        "schedules:write",
        |_| json!({"schedule_id": random(), "id": random()}),
    ),
    (
        "/api/schedules/on-call",
        "DAAAAAD",
        "schedules:read",
        |_| json!({}),
    ),
    (
        "/api/schedules/my-shifts",
        "DAAAAAD",
        "schedules:read",
        |_| json!({"days": 0}),
    ),
    // Without a schedule id these act on the caller's own calendar link.
    (
        "/api/schedules/feeds/get",
        "DAAAAAD",
        "admin",
        |_| json!({}),
    ),
    ("/api/schedules/feeds/create", "DAAAAAD", "admin", |_| {
        json!({})
    }),
    ("/api/schedules/feeds/revoke", "DAAAAAD", "admin", |_| {
        json!({})
    }),
    (
        "/api/profile/notification-rules",
        "DAAAAAD",
        "admin",
        |_| json!({}),
    ),
    (
        "/api/profile/notification-rules/add",
        "DAAAAAD",
        "admin",
        |_| json!({"contact_method_id": random(), "delay_minutes": -1}),
    ),
    (
        "/api/profile/notification-rules/remove",
        "DAAAAAD",
        "admin",
        |_| json!({"id": random()}),
    ),
    // The signed token is the credential: anyone may try one.
    (
        "/api/ack-link/info",
        "AAAAAAA",
        "admin",
        |_| json!({"token": "nope"}),
    ),
    (
        "/api/ack-link/confirm",
        "AAAAAAA",
        "admin",
        |_| json!({"token": "nope"}),
    ),
    // Chat buttons' links act as, or link to, the signed-in caller.
    (
        "/api/chat/ack-info",
        "DAAAAAD",
        "incidents:read",
        |_| json!({"token": "nope"}),
    ),
    (
        "/api/chat/ack",
        "DAAAAAD",
        "incidents:write",
        |_| json!({"token": "nope"}),
    ),
    (
        "/api/chat/link-info",
        "DAAAAAD",
        "admin",
        |_| json!({"token": "nope"}),
    ),
    (
        "/api/chat/link",
        "DAAAAAD",
        "admin",
        |_| json!({"token": "nope"}),
    ),
    ("/api/services/list", "DAAAAAD", "services:read", |_| {
        json!({})
    }),
    ("/api/heartbeats/list", "DAAAAAD", "services:read", |_| {
        json!({})
    }),
    (
        "/api/heartbeats/create",
        "DDDAAAD",
        "services:write",
        |_| json!({"service_id": random(), "name": "x", "period_secs": 60, "grace_secs": 60}),
    ),
    (
        "/api/heartbeats/rotate",
        "DDDAAAD",
        "services:write",
        |_| json!({"id": random()}),
    ),
    (
        "/api/heartbeats/delete",
        "DDDAAAD",
        "services:write",
        |_| json!({"id": random()}),
    ),
    (
        "/api/maintenance/list",
        "DAAAAAD",
        "services:read",
        |_| json!({"service_id": null}),
    ),
    (
        "/api/maintenance/create",
        "DDDAAAD",
        "services:write",
        |_| {
            json!({"window": {"name": "", "service_ids": [], "kind": "ONCE", "zone": "UTC",
            "starts_at": "", "ends_at": ""}})
        },
    ),
    (
        "/api/maintenance/cancel",
        "DDDAAAD",
        "services:write",
        |_| json!({"id": random()}),
    ),
    (
        "/api/health/report",
        "DAAAAAD",
        "schedules:read",
        |_| json!({"days": 30, "team_id": null}),
    ),
    ("/api/health/mine", "DAAAAAD", "schedules:read", |_| {
        json!({})
    }),
    (
        "/api/health/weekly-report",
        "DADDAAD",
        "admin",
        |f| json!({"team_id": f.team, "enabled": false}),
    ),
    (
        "/api/postmortems/list",
        "DAAAAAD",
        "incidents:read",
        |_| json!({"status": null}),
    ),
    (
        "/api/postmortems/get",
        "DAAAAAD",
        "incidents:read",
        |_| json!({"id": random()}),
    ),
    (
        "/api/postmortems/of-incident",
        "DAAAAAD",
        "incidents:read",
        |f| json!({"incident_id": f.incident}),
    ),
    (
        "/api/postmortems/preview",
        "DAAAAAD",
        "incidents:read",
        |_| json!({"markdown": "**x**"}),
    ),
    (
        "/api/postmortems/create",
        "DDDAAAD",
        "incidents:write",
        |f| json!({"incident_id": f.incident}),
    ),
    (
        "/api/postmortems/update",
        "DDDAAAD",
        "incidents:write",
        |_| {
            json!({"id": random(), "edit": {"title": "x", "authors": "", "sections": {},
            "timeline": []}})
        },
    ),
    (
        "/api/postmortems/status",
        "DDDAAAD",
        "incidents:write",
        |_| json!({"id": random(), "status": "IN_REVIEW"}),
    ),
    (
        "/api/postmortems/actions/save",
        "DDDAAAD",
        "incidents:write",
        |_| {
            json!({"id": random(), "action": {"title": "x", "kind": "PREVENT", "due_on": "",
            "status": "OPEN"}})
        },
    ),
    (
        "/api/postmortems/actions/delete",
        "DDDAAAD",
        "incidents:write",
        |_| json!({"id": random(), "action_id": random()}),
    ),
    (
        "/api/rules/get",
        "DAAAAAD",
        "services:read",
        |_| json!({"service_id": null}),
    ),
    ("/api/status/overview", "DDDDAAD", "admin", |_| json!({})),
    (
        "/api/status/settings",
        "DDDDAAD",
        "admin",
        |_| json!({"page_name": "", "show_maintenance": true}),
    ),
    ("/api/status/components/save", "DDDDAAD", "admin", |_| {
        json!({"component": {"service_id": random(), "display_name": "", "group_name": "",
            "position": 0, "override_status": ""}})
    }),
    (
        "/api/status/components/delete",
        "DDDDAAD",
        "admin",
        |_| json!({"id": random()}),
    ),
    ("/api/status/incidents/create", "DDDDAAD", "admin", |_| {
        json!({"incident": {"name": "x", "impact": "huge", "status": "investigating",
            "body": "x", "component_ids": []}})
    }),
    (
        "/api/status/incidents/update",
        "DDDDAAD",
        "admin",
        |_| json!({"id": random(), "status": "resolved", "body": "x"}),
    ),
    (
        "/api/rules/save",
        "DDDDAAD",
        "admin",
        |_| json!({"service_id": null, "version": 0, "rules": [{"name": "", "then": {}}]}),
    ),
    (
        "/api/rules/test",
        "DAAAAAD",
        "services:read",
        |_| json!({"service_id": null, "format": "events_v2", "body": "{}"}),
    ),
    (
        "/api/services/get",
        "DAAAAAD",
        "services:read",
        |_| json!({"id": random()}),
    ),
    (
        "/api/services/create",
        "DDDAAAD",
        "services:write",
        |_| json!({"name": "", "description": "", "team_id": null, "urgency_rule": "SEVERITY", "ack_timeout_secs": null}),
    ),
    (
        "/api/services/noise",
        "DAAAAAD",
        "services:read",
        |_| json!({"service_id": random()}),
    ),
    (
        "/api/services/noise/save",
        "DDDAAAD",
        "services:write",
        |_| {
            json!({"service_id": random(), "settings": {"group_template": null,
            "group_window_minutes": null, "flap_count": null, "flap_window_minutes": null}})
        },
    ),
    (
        "/api/services/sla",
        "DAAAAAD",
        "services:read",
        |_| json!({"service_id": random()}),
    ),
    (
        "/api/services/sla/save",
        "DDDAAAD",
        "services:write",
        |_| json!({"service_id": random(), "targets": [{"ack_minutes": 15}]}),
    ),
    (
        "/api/services/update",
        "DDDAAAD",
        "services:write",
        |_| json!({"id": random(), "name": "", "description": "", "team_id": null, "urgency_rule": "SEVERITY", "ack_timeout_secs": null}),
    ),
    (
        "/api/services/channels/list",
        "DAAAAAD",
        "services:read",
        |_| json!({"service_id": random()}),
    ),
    (
        "/api/services/channels/add",
        "DDDAAAD",
        "services:write",
        |_| json!({"service_id": random(), "kind": "nope", "target": "x", "events": []}),
    ),
    (
        "/api/services/channels/update",
        "DDDAAAD",
        "services:write",
        |_| json!({"id": random(), "events": ["triggered"], "enabled": true}),
    ),
    (
        "/api/services/channels/remove",
        "DDDAAAD",
        "services:write",
        |_| json!({"id": random()}),
    ),
    (
        "/api/services/channels/rotate_secret",
        "DDDAAAD",
        "services:write",
        |_| json!({"id": random()}),
    ),
    (
        "/api/services/channels/test",
        "DDDAAAD",
        "services:write",
        |_| json!({"id": random()}),
    ),
    (
        "/api/services/channels/deliveries",
        "DAAAAAD",
        "services:read",
        |_| json!({"id": random(), "before": null, "limit": 10}),
    ),
    (
        "/api/services/channels/redeliver",
        "DDDAAAD",
        "services:write",
        |_| json!({"id": random(), "delivery_id": 1}),
    ),
    (
        "/api/integrations/create",
        "DDDAAAD",
        "services:write",
        |_| json!({"service_id": random(), "kind": "nope", "name": "x", "rate_limit_per_min": null}),
    ),
    (
        "/api/integrations/rotate",
        "DDDAAAD",
        "services:write",
        |_| json!({"id": random()}),
    ),
    (
        "/api/integrations/update",
        "DDDAAAD",
        "services:write",
        |_| json!({"id": random(), "enabled": true, "rate_limit_per_min": 0}),
    ),
    (
        "/api/incidents/list",
        "DAAAAAD",
        "incidents:read",
        |_| json!({"filter": {}, "before": null, "limit": 10}),
    ),
    ("/api/push/key", "DAAAAAA", "incidents:read", |_| json!({})),
    (
        "/api/push/subscribe",
        "DAAAAAD",
        "admin",
        |_| json!({"subscription": {"endpoint": "", "p256dh": "", "auth": "", "device": ""}}),
    ),
    ("/api/push/devices", "DAAAAAD", "admin", |_| json!({})),
    (
        "/api/push/remove",
        "DAAAAAD",
        "admin",
        |_| json!({"id": random()}),
    ),
    ("/api/push/rotate-key", "DDDDAAD", "admin", |_| json!({})),
    (
        "/api/analytics/overview",
        "DAAAAAD",
        "incidents:read",
        |_| json!({}),
    ),
    (
        "/api/analytics/report",
        "DAAAAAD",
        "incidents:read",
        |_| json!({"filter": {"days": 7}}),
    ),
    (
        "/api/search",
        "DAAAAAD",
        "incidents:read",
        |_| json!({"query": "x"}),
    ),
    (
        "/api/incidents/counters",
        "DAAAAAD",
        "incidents:read",
        |_| json!({}),
    ),
    (
        "/api/incidents/get",
        "DAAAAAD",
        "incidents:read",
        |f| json!({"id": f.incident}),
    ),
    (
        "/api/incidents/create",
        "DDDAAAD",
        "incidents:write",
        |_| json!({"service_id": random(), "title": "", "description": "", "urgency": "HIGH"}),
    ),
    // A USER acts only on incidents of their team's services (or assigned to them).
    (
        "/api/incidents/acknowledge",
        "DADAAAD",
        "incidents:write",
        |f| json!({"ids": [f.incident]}),
    ),
    (
        "/api/incidents/snooze",
        "DADAAAD",
        "incidents:write",
        |f| json!({"ids": [f.incident], "minutes": 0}),
    ),
    (
        "/api/incidents/resolve",
        "DADAAAD",
        "incidents:write",
        |f| json!({"ids": [f.incident]}),
    ),
    (
        "/api/incidents/reopen",
        "DADAAAD",
        "incidents:write",
        |f| json!({"ids": [f.incident]}),
    ),
    (
        "/api/incidents/note",
        "DADAAAD",
        "incidents:write",
        |f| json!({"id": f.incident, "note": ""}),
    ),
    (
        "/api/incidents/assign",
        "DADAAAD",
        "incidents:write",
        |f| json!({"id": f.incident, "user_id": random(), "team_id": null}),
    ),
    (
        "/api/incidents/escalate",
        "DADAAAD",
        "incidents:write",
        |f| json!({"id": f.incident}),
    ),
    (
        "/api/incidents/merge",
        "DADAAAD",
        "incidents:write",
        |f| json!({"target_id": random(), "source_ids": [f.incident]}),
    ),
    (
        "/api/incidents/set-priority",
        "DADAAAD",
        "incidents:write",
        |f| json!({"id": f.incident, "priority": "P9"}),
    ),
    ("/api/profile/hours", "DAAAAAD", "admin", |_| json!({})),
    (
        "/api/profile/hours/update",
        "DAAAAAD",
        "admin",
        |_| json!({"working_hours": {"days": [], "from": "9", "to": "17:00"}, "quiet_hours": null}),
    ),
];

#[tokio::test]
async fn every_server_function_has_a_row() {
    let registered: BTreeSet<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.to_owned())
        .collect();
    let listed: BTreeSet<String> = ROWS.iter().map(|r| r.0.to_owned()).collect();
    let missing: Vec<_> = registered.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "server functions without an authz row: {missing:?}"
    );
    let stale: Vec<_> = listed.difference(&registered).collect();
    assert!(
        stale.is_empty(),
        "authz rows for unknown server functions: {stale:?}"
    );
}

#[tokio::test]
async fn every_server_function_allows_and_denies_as_the_matrix_says() {
    let app = spawn_app().await;
    let (p, fx) = setup(&app).await;
    let mut failures = Vec::new();
    for (path, expect, scope, body) in ROWS {
        failures.extend(
            check_row(&app, &p, path, expect, scope, |cred| {
                let body = body(&fx);
                let app = &app;
                async move { app.call(path, body, &cred).await }
            })
            .await,
        );
    }
    assert!(
        failures.is_empty(),
        "authz matrix violations:\n{}",
        failures.join("\n")
    );
}

#[tokio::test]
async fn every_page_route_has_a_row_and_is_gated() {
    // Every route the router knows is in the gate's table, and the other way round.
    let routes: BTreeSet<String> = leptos_axum::generate_route_list(app::App)
        .iter()
        .map(|r| r.path().to_owned())
        .collect();
    let listed: BTreeSet<String> = PAGES.iter().map(|(p, _)| (*p).to_owned()).collect();
    assert_eq!(
        routes, listed,
        "router pages and app::auth::gate::PAGES differ"
    );

    let app = spawn_app().await;
    let (p, fx) = setup(&app).await;
    let mut failures = Vec::new();
    for (pattern, access) in PAGES {
        let path = pattern.replace("{id}", &fx.team);
        let creds = creds(&app, &p, "admin").await;
        for (i, cred) in creds.iter().enumerate() {
            let (status, location) = app.page(&path, cred).await;
            let want = match (access, i) {
                (PageAccess::Public, _) => 200,
                (_, 0) => 303,
                (PageAccess::Admin, 4 | 5) => 200,
                (PageAccess::Admin, _) => 403,
                (PageAccess::SignedIn, _) => 200,
            };
            if status != want {
                failures.push(format!(
                    "GET {path} as {}: want {want}, got {status}",
                    WHO[i]
                ));
            }
            if status == 303 && !location.as_deref().unwrap_or("").contains("login?next=") {
                failures.push(format!("GET {path} as anonymous: redirect to {location:?}"));
            }
        }
    }
    // The other HTTP routes are public by design: health for load balancers, metrics for
    // Prometheus (no personal data).
    for route in ["/health", "/api/health", "/metrics"] {
        let (status, _) = app.page(route, &Cred::Anonymous).await;
        if status != 200 {
            failures.push(format!("GET {route}: want 200, got {status}"));
        }
    }
    assert!(
        failures.is_empty(),
        "page gate violations:\n{}",
        failures.join("\n")
    );
}

/// A team row: (server function path, expectations per `common::authz::team::TEAM_WHO`, body
/// built from the objects made fresh for the call).
type TeamRow = (&'static str, &'static str, fn(&Owned) -> Value);

/// Every write on what a team owns, and on unowned objects (today's rules: any RESPONDER).
/// Bodies are valid, so an allowed call succeeds.
const TEAM_ROWS: &[TeamRow] = &[
    ("/api/services/create", "ADDA", |o| {
        json!({"name": format!("new-{}", o.tag), "description": "", "team_id": o.team,
            "urgency_rule": "SEVERITY", "ack_timeout_secs": null})
    }),
    ("/api/maintenance/create", "ADDA", |o| {
        json!({"window": {"name": "patching", "service_ids": [o.service], "kind": "ONCE",
            "zone": "UTC", "starts_at": "2030-01-01T00:00", "ends_at": "2030-01-01T02:00"}})
    }),
    ("/api/rules/save", "ADDA", |o| {
        json!({"service_id": o.service, "version": 0,
            "rules": [{"name": "quiet", "then": {"suppress": true}}]})
    }),
    ("/api/services/noise/save", "ADDA", |o| {
        json!({"service_id": o.service, "settings": {"group_template": "{{labels.alertname}}",
            "group_window_minutes": 10, "flap_count": 3, "flap_window_minutes": 10}})
    }),
    (
        "/api/services/sla/save",
        "ADDA",
        |o| json!({"service_id": o.service, "targets": [{"ack_minutes": 15, "resolve_minutes": 120}]}),
    ),
    ("/api/services/update", "ADDA", |o| {
        json!({"id": o.service, "name": format!("renamed-{}", o.tag), "description": "",
            "team_id": o.team, "urgency_rule": "HIGH", "ack_timeout_secs": null})
    }),
    (
        "/api/integrations/create",
        "ADDA",
        |o| json!({"service_id": o.service, "kind": "webhook", "name": "more", "rate_limit_per_min": null}),
    ),
    (
        "/api/integrations/rotate",
        "ADDA",
        |o| json!({"id": o.integration}),
    ),
    (
        "/api/heartbeats/create",
        "ADDA",
        |o| json!({"service_id": o.service, "name": "cron", "period_secs": 300, "grace_secs": 60}),
    ),
    (
        "/api/heartbeats/rotate",
        "ADDA",
        |o| json!({"id": o.heartbeat}),
    ),
    (
        "/api/heartbeats/delete",
        "ADDA",
        |o| json!({"id": o.heartbeat}),
    ),
    (
        "/api/integrations/update",
        "ADDA",
        |o| json!({"id": o.integration, "enabled": false, "rate_limit_per_min": 60}),
    ),
    ("/api/services/channels/add", "ADDA", |o| {
        json!({"service_id": o.service, "kind": "WEBHOOK", "target": "https://example.com/other",
            "events": ["resolved"]})
    }),
    (
        "/api/services/channels/update",
        "ADDA",
        |o| json!({"id": o.channel, "events": ["resolved"], "enabled": false}),
    ),
    (
        "/api/services/channels/remove",
        "ADDA",
        |o| json!({"id": o.channel}),
    ),
    (
        "/api/services/channels/rotate_secret",
        "ADDA",
        |o| json!({"id": o.channel}),
    ),
    (
        "/api/services/channels/test",
        "ADDA",
        |o| json!({"id": o.channel}),
    ),
    (
        "/api/services/channels/redeliver",
        "ADDA",
        |o| json!({"id": o.channel, "delivery_id": o.delivery}),
    ),
    ("/api/policies/create", "ADDA", |o| {
        json!({"name": format!("new-{}", o.tag), "description": "", "team_id": o.team,
            "repeat_count": 1, "steps": steps(&o.admin)})
    }),
    ("/api/policies/update", "ADDA", |o| {
        json!({"id": o.policy, "name": format!("renamed-{}", o.tag), "description": "",
            "team_id": o.team, "repeat_count": 2, "steps": steps(&o.admin)})
    }),
    ("/api/policies/delete", "ADDA", |o| json!({"id": o.policy})),
    ("/api/schedules/save", "ADDA", |o| {
        json!({"id": o.schedule, "name": format!("renamed-{}", o.tag), "description": "",
            "time_zone": "Europe/Berlin", "team_id": o.team})
    }),
    (
        "/api/schedules/delete",
        "ADDA",
        |o| json!({"id": o.schedule}),
    ),
    ("/api/schedules/layers/save", "ADDA", |o| {
        json!({"schedule_id": o.schedule, "layer": {"id": o.layer, "name": "Weekly", "priority": 0,
            "participants": [o.admin], "rotation": {"unit": "WEEKS", "every": 1},
            "start": "2026-03-01T09:00:00"}})
    }),
    (
        "/api/schedules/layers/delete",
        "ADDA",
        |o| json!({"schedule_id": o.schedule, "layer_id": o.layer}),
    ),
    ("/api/schedules/overrides/create", "ADDA", |o| {
        json!({"schedule_id": o.schedule, "kind": "ADD", "user": o.admin, "replaces": null,
            "start": "2026-03-12T00:00:00Z", "end": "2026-03-12T06:00:00Z", "note": null})
    }),
    (
        "/api/schedules/overrides/delete",
        "ADDA",
        |o| json!({"schedule_id": o.schedule, "id": o.override_id}),
    ),
    ("/api/schedules/temporary/save", "ADDA", |o| {
        json!({"schedule_id": o.schedule, "temporary": {"id": o.temporary,
            "start": "2026-03-10T00:00:00Z", "end": "2026-03-10T12:00:00Z", "shifts": []}})
    }),
    (
        "/api/schedules/temporary/delete",
        "ADDA",
        |o| json!({"schedule_id": o.schedule, "id": o.temporary}),
    ),
    (
        "/api/schedules/feeds/create",
        "ADDA",
        |o| json!({"schedule_id": o.schedule}),
    ),
    (
        "/api/schedules/feeds/revoke",
        "ADDA",
        |o| json!({"schedule_id": o.schedule}),
    ),
];

/// Moves between owners and writes on unowned objects: (label, path, expectations, body).
/// Moving needs the OWNER/ADMIN role on both teams (nobody but a workspace ADMIN has it on
/// the other team); out of a team needs it on that team; into one from nowhere needs it there.
type TeamMove = (
    &'static str,
    &'static str,
    &'static str,
    fn(&Owned) -> Value,
);

const TEAM_MOVES: &[TeamMove] = &[
    (
        "service to another team",
        "/api/services/update",
        "DDDA",
        |o| {
            json!({"id": o.service, "name": format!("svc-{}", o.tag), "description": "",
            "team_id": o.other, "urgency_rule": "SEVERITY", "ack_timeout_secs": null})
        },
    ),
    ("service to no team", "/api/services/update", "ADDA", |o| {
        json!({"id": o.service, "name": format!("svc-{}", o.tag), "description": "",
            "team_id": null, "urgency_rule": "SEVERITY", "ack_timeout_secs": null})
    }),
    (
        "unowned service into the team",
        "/api/services/update",
        "ADDA",
        |o| {
            json!({"id": o.unowned_service, "name": format!("svc-u-{}", o.tag), "description": "",
            "team_id": o.team, "urgency_rule": "SEVERITY", "ack_timeout_secs": null})
        },
    ),
    (
        "policy to another team",
        "/api/policies/update",
        "DDDA",
        |o| {
            json!({"id": o.policy, "name": format!("pol-{}", o.tag), "description": "",
            "team_id": o.other, "repeat_count": 0, "steps": steps(&o.admin)})
        },
    ),
    (
        "schedule to another team",
        "/api/schedules/save",
        "DDDA",
        |o| {
            json!({"id": o.schedule, "name": format!("sch-{}", o.tag), "description": "",
            "time_zone": "UTC", "team_id": o.other})
        },
    ),
    // Unowned: today's rules, any RESPONDER.
    ("unowned service", "/api/services/update", "AAAA", |o| {
        json!({"id": o.unowned_service, "name": format!("svc-u2-{}", o.tag), "description": "",
            "team_id": null, "urgency_rule": "LOW", "ack_timeout_secs": null})
    }),
    ("new unowned service", "/api/services/create", "AAAA", |o| {
        json!({"name": format!("new-u-{}", o.tag), "description": "", "team_id": null,
            "urgency_rule": "SEVERITY", "ack_timeout_secs": null})
    }),
    ("unowned policy", "/api/policies/update", "AAAA", |o| {
        json!({"id": o.unowned_policy, "name": format!("pol-u2-{}", o.tag), "description": "",
            "repeat_count": 3, "steps": steps(&o.admin)})
    }),
    ("unowned schedule", "/api/schedules/save", "AAAA", |o| {
        json!({"id": o.unowned_schedule, "name": format!("sch-u2-{}", o.tag), "description": "x",
            "time_zone": "UTC"})
    }),
    (
        "new schedule for the team",
        "/api/schedules/save",
        "ADDA",
        |o| {
            json!({"id": null, "name": format!("new-{}", o.tag), "description": "",
            "time_zone": "UTC", "team_id": o.team})
        },
    ),
];

/// Server functions on services (with their heartbeats), integrations, policies and schedules that only read (the
/// team rule only hides what they read): every other one there needs a team row.
const TEAM_READS: &[&str] = &[
    "/api/heartbeats/list",
    "/api/rules/get",
    "/api/rules/test",
    "/api/services/list",
    "/api/services/get",
    "/api/services/noise",
    "/api/services/sla",
    "/api/services/channels/list",
    "/api/services/channels/deliveries",
    "/api/policies/list",
    "/api/policies/get",
    "/api/policies/preview",
    "/api/schedules/list",
    "/api/schedules/get",
    "/api/schedules/on-call",
    "/api/schedules/my-shifts",
    "/api/schedules/feeds/get",
];

#[tokio::test]
async fn every_write_on_what_a_team_owns_has_a_team_row() {
    let team_rows: BTreeSet<&str> = TEAM_ROWS.iter().map(|r| r.0).collect();
    let missing: Vec<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.to_owned())
        .filter(|p| {
            [
                "/api/services/",
                "/api/heartbeats/",
                "/api/rules/",
                "/api/integrations/",
                "/api/policies/",
                "/api/schedules/",
            ]
            .iter()
            .any(|prefix| p.starts_with(prefix))
        })
        .filter(|p| !team_rows.contains(p.as_str()) && !TEAM_READS.contains(&p.as_str()))
        .collect();
    assert!(missing.is_empty(), "writes without a team row: {missing:?}");
}

#[tokio::test]
async fn writes_on_what_a_team_owns_need_its_owner_or_admin_role() {
    let app = spawn_app().await;
    let p = team_setup(&app).await;
    let rows = TEAM_ROWS
        .iter()
        .map(|(path, expect, body)| (*path, *path, *expect, *body))
        .chain(TEAM_MOVES.iter().map(|(l, p, e, b)| (*l, *p, *e, *b)));
    let mut failures = Vec::new();
    for (label, path, expect, body) in rows {
        failures.extend(
            check_team_row(&app, &p, label, expect, |cred, objects| {
                let body = body(&objects);
                let app = &app;
                async move { app.call(path, body, &cred).await }
            })
            .await,
        );
    }
    assert!(
        failures.is_empty(),
        "team rule violations:\n{}",
        failures.join("\n")
    );
}

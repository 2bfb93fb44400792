//! The server's integration tests, in one binary: one link instead of one per file, and one
//! template database per run. Each module is one concern (its file's `//!` line says which);
//! run one with `cargo test -p server --test integration <module>::`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

mod admin_access;
mod auth_sessions;
mod authz_matrix;
mod authz_rest;
mod bundle;
mod channels;
mod chat_settings;
mod chat_webhooks;
mod cli;
mod command_center;
mod enums;
mod escalation;
mod event_rules;
mod fuzz_events;
mod gateway;
mod grouping;
mod heartbeats;
mod http_foundation;
mod identity;
mod ingest;
mod maintenance;
mod merge;
mod paged_mine;
mod pagerduty_api;
mod pagerduty_api_python;
mod personal_pages;
mod phone_settings;
mod push;
mod realtime;
mod receivers;
mod rest_resources;
mod rest_schedules;
mod rest_v1;
mod schedules;
mod service_channels;
mod settings;
mod setup_flow;
mod slack;
mod sms;
mod sso;
mod statuspage;
mod step_batch;
mod tasks;
mod team_keys;
mod team_permissions;
mod telegram;
mod time_aware;
mod tls;
mod verification;
mod voice;

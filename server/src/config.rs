//! Command-line and environment configuration (clap derive). Every option has an env var.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// OpsKnight: self-hosted incident management and on-call paging.
///
/// With no subcommand, `opsknight` runs `serve`.
#[derive(Parser, Debug)]
#[command(name = "opsknight", version, about, long_about = None)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Option<Command>,

    /// `serve` options, accepted without the subcommand too.
    #[command(flatten)]
    pub serve: ServeArgs,
}

/// Options shared by every subcommand: where the data lives and how to log.
#[derive(Args, Clone)]
pub struct GlobalArgs {
    /// Directory for OpsKnight's data: the embedded PostgreSQL cluster and generated keys.
    #[arg(
        long,
        global = true,
        env = "OPSKNIGHT_DATA_DIR",
        default_value = "./.opsknight"
    )]
    pub data_dir: PathBuf,

    /// PostgreSQL URL. When unset, a private cluster is started in the data dir.
    #[arg(long, global = true, env = "DATABASE_URL")]
    pub database_url: Option<String>,

    /// A direct (session) URL of the same database, for when DATABASE_URL goes through a
    /// transaction-mode pooler such as PgBouncer: LISTEN and migrations use it, and the pooled
    /// connections keep no prepared statements between transactions.
    #[arg(long, global = true, env = "OPSKNIGHT_DATABASE_DIRECT_URL")]
    pub database_direct_url: Option<String>,

    /// A read replica of the same database, reached the same way as DATABASE_URL: the
    /// incident list, analytics and the audit log read from it (they may lag a little).
    #[arg(long, global = true, env = "OPSKNIGHT_DATABASE_READ_URL")]
    pub database_read_url: Option<String>,

    /// Log format: human-readable text or one JSON object per line.
    #[arg(long, global = true, env = "OPSKNIGHT_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Log filter in `tracing` syntax, e.g. `info` or `opsknight_server=debug,sqlx=warn`.
    #[arg(long, global = true, env = "OPSKNIGHT_LOG", default_value = "info")]
    pub log: String,

    /// Maximum connections in the database pool.
    #[arg(long, global = true, env = "OPSKNIGHT_DB_MAX_CONNECTIONS", default_value_t = 20,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub db_max_connections: u32,

    /// Seconds to wait for the database at start before giving up.
    #[arg(long, global = true, env = "OPSKNIGHT_DB_CONNECT_TIMEOUT", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=600))]
    pub db_connect_timeout: u64,

    /// Seconds a piece of work waits for a free pool connection before it gives up (a request
    /// then answers 503 with Retry-After; a job retries).
    #[arg(long, global = true, env = "OPSKNIGHT_DB_ACQUIRE_TIMEOUT", default_value_t = 5,
          value_parser = clap::value_parser!(u64).range(1..=600))]
    pub db_acquire_timeout: u64,
}

impl GlobalArgs {
    pub fn connect_timeout(&self) -> Duration {
        Duration::from_secs(self.db_connect_timeout)
    }
}

/// The database URL may hold a password: Debug shows it redacted.
impl fmt::Debug for GlobalArgs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GlobalArgs")
            .field("data_dir", &self.data_dir)
            .field(
                "database_url",
                &self.database_url.as_deref().map(redact_url),
            )
            .field(
                "database_direct_url",
                &self.database_direct_url.as_deref().map(redact_url),
            )
            .field(
                "database_read_url",
                &self.database_read_url.as_deref().map(redact_url),
            )
            .field("log_format", &self.log_format)
            .field("log", &self.log)
            .field("db_max_connections", &self.db_max_connections)
            .field("db_connect_timeout", &self.db_connect_timeout)
            .field("db_acquire_timeout", &self.db_acquire_timeout)
            .finish()
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s + 3 => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the web server, the API and the workers (the default).
    Serve(Box<ServeArgs>),
    /// Apply database migrations and exit.
    Migrate,
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API keys.
    #[command(subcommand)]
    Apikey(ApiKeyCommand),
    /// Recompute the analytics rollup for a span of UTC days (a backfill), then exit.
    Rollup(RollupArgs),
}

#[derive(Args, Debug)]
pub struct RollupArgs {
    /// The first UTC day to recompute (YYYY-MM-DD).
    #[arg(long, env = "OPSKNIGHT_ROLLUP_FROM")]
    pub from: String,
    /// The last UTC day to recompute (YYYY-MM-DD); today when unset.
    #[arg(long, env = "OPSKNIGHT_ROLLUP_TO")]
    pub to: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum ApiKeyCommand {
    /// Create an API key for a user and print it (shown once), for bootstrap scripts.
    Create(ApiKeyCreateArgs),
}

#[derive(Args, Debug)]
pub struct ApiKeyCreateArgs {
    /// The owner's email. The key acts with this user's role, narrowed by its scopes.
    #[arg(long, env = "OPSKNIGHT_APIKEY_EMAIL")]
    pub email: String,
    /// Comma-separated scopes: events:write, incidents:read, incidents:write, services:read,
    /// services:write, schedules:read, schedules:write, admin.
    #[arg(long, env = "OPSKNIGHT_APIKEY_SCOPES", value_delimiter = ',')]
    pub scopes: Vec<String>,
    /// A name to recognise the key by.
    #[arg(long, env = "OPSKNIGHT_APIKEY_NAME", default_value = "bootstrap")]
    pub name: String,
    /// Days until the key expires; unset for no expiry.
    #[arg(long, env = "OPSKNIGHT_APIKEY_EXPIRES_DAYS")]
    pub expires_days: Option<i64>,
}

#[derive(Args, Clone)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "OPSKNIGHT_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,

    /// Directory with the built site (`pkg/` with the WASM, JS and CSS, plus public assets).
    #[arg(long, env = "OPSKNIGHT_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,

    /// Seconds to let in-flight requests finish on shutdown.
    #[arg(long, env = "OPSKNIGHT_SHUTDOWN_TIMEOUT", default_value_t = 20,
          value_parser = clap::value_parser!(u64).range(1..=600))]
    pub shutdown_timeout: u64,

    /// Seconds a request may take to produce its answer; past it the answer is 503 with
    /// Retry-After (a slow or stalled database never hangs a client). Event streams are not
    /// cut: the limit covers their start only.
    #[arg(long, env = "OPSKNIGHT_REQUEST_TIMEOUT", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub request_timeout: u64,

    /// The URL people reach OpsKnight at, used in links inside emails
    /// (e.g. `https://opsknight.example.com`). Defaults to `http://<addr>` (`https://` with TLS).
    #[arg(long, env = "OPSKNIGHT_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// A host name of its own for the public status page (e.g. `status.example.com`):
    /// requests for it get only the status page, at `/`. Unset: the page is at `/status`.
    #[arg(long, env = "OPSKNIGHT_STATUS_HOST")]
    pub status_host: Option<String>,

    /// Serve HTTPS (HTTP/1.1 and HTTP/2) with this PEM certificate chain; needs `--tls-key`.
    /// Reloaded on SIGHUP or when the file changes. Unset: plain HTTP.
    #[arg(long, env = "OPSKNIGHT_TLS_CERT")]
    pub tls_cert: Option<PathBuf>,

    /// The PEM private key of `--tls-cert`.
    #[arg(long, env = "OPSKNIGHT_TLS_KEY")]
    pub tls_key: Option<PathBuf>,

    /// Serve HTTPS with a self-signed certificate for localhost, made once in
    /// `<data dir>/tls/` (for a quick start; browsers will warn).
    #[arg(long, env = "OPSKNIGHT_TLS_SELF_SIGNED", default_value_t = false)]
    pub tls_self_signed: bool,

    /// SMTP server for invite and password-reset emails, e.g.
    /// `smtp://user:pass@mail.example.com:587?tls=required` or `smtps://…:465`.
    /// Unset: no email is sent and admins copy links from the UI.
    #[arg(long, env = "OPSKNIGHT_SMTP_URL")]
    pub smtp_url: Option<String>,

    /// Ingestion workers. Events are sharded over them by (service, dedup key); each commits
    /// what has queued up for it as one transaction (group commit).
    #[arg(long, env = "OPSKNIGHT_INGEST_WORKERS", default_value_t = 4,
          value_parser = clap::value_parser!(u16).range(1..=64))]
    pub ingest_workers: u16,

    /// The sender of OpsKnight's emails.
    #[arg(
        long,
        env = "OPSKNIGHT_SMTP_FROM",
        default_value = "OpsKnight <opsknight@localhost>"
    )]
    pub smtp_from: String,

    /// Keys that encrypt secrets at rest (AES-256-GCM) and sign acknowledge links: a
    /// comma-separated list of base64 32-byte keys, newest first (`openssl rand -base64 32`).
    /// The first encrypts and signs; all decrypt and verify, so rotate by prepending.
    /// Unset: a key is generated once into `<data dir>/secret.key` (mode 0600).
    #[arg(long, env = "OPSKNIGHT_SECRET_KEYS", hide_env_values = true)]
    pub secret_keys: Option<String>,

    /// Jobs (escalation steps, pages, timers) this instance runs at once.
    #[arg(long, env = "OPSKNIGHT_ENGINE_CONCURRENCY", default_value_t = 8,
          value_parser = clap::value_parser!(u16).range(1..=256))]
    pub engine_concurrency: u16,

    /// Service-channel deliveries (webhooks) this instance sends at once, on slots of their
    /// own, so a slow destination never holds up a page.
    #[arg(long, env = "OPSKNIGHT_DELIVERY_CONCURRENCY", default_value_t = 16,
          value_parser = clap::value_parser!(u16).range(1..=256))]
    pub delivery_concurrency: u16,

    /// Deliveries to one destination (a webhook URL, a chat channel) this instance sends at
    /// once; more wait their turn, so one slow destination holds only this many slots.
    #[arg(long, env = "OPSKNIGHT_DELIVERY_PER_DESTINATION", default_value_t = 4,
          value_parser = clap::value_parser!(u16).range(1..=256))]
    pub delivery_per_destination: u16,

    /// Seconds a claimed job is held before another instance may take it over (after a
    /// crash). A send gets at most half of it (and at most 30 s).
    #[arg(long, env = "OPSKNIGHT_JOB_LEASE_SECS", default_value_t = 60,
          value_parser = clap::value_parser!(u32).range(10..=3600))]
    pub job_lease_secs: u32,

    /// Days to keep resolved incidents (with their alerts, timeline and pages).
    #[arg(long, env = "OPSKNIGHT_RETENTION_INCIDENT_DAYS", default_value_t = 365,
          value_parser = clap::value_parser!(u32).range(1..=36500))]
    pub retention_incident_days: u32,

    /// Days to keep the alerts of resolved incidents.
    #[arg(long, env = "OPSKNIGHT_RETENTION_ALERT_DAYS", default_value_t = 90,
          value_parser = clap::value_parser!(u32).range(1..=36500))]
    pub retention_alert_days: u32,

    /// Days to keep finished jobs (completed, cancelled, failed for good).
    #[arg(long, env = "OPSKNIGHT_RETENTION_JOB_DAYS", default_value_t = 7,
          value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub retention_job_days: u32,

    /// Least seconds between two SMS to one number; pages due meanwhile go out as one bundle.
    #[arg(long, env = "OPSKNIGHT_SMS_INTERVAL_SECS", default_value_t = 30,
          value_parser = clap::value_parser!(u32).range(0..=3600))]
    pub sms_interval_secs: u32,

    /// Least seconds between two calls to one number; pages due meanwhile go out as one call.
    #[arg(long, env = "OPSKNIGHT_CALL_INTERVAL_SECS", default_value_t = 120,
          value_parser = clap::value_parser!(u32).range(0..=3600))]
    pub call_interval_secs: u32,

    /// Internal addresses outbound webhooks may call, as comma-separated CIDR blocks (e.g.
    /// `10.20.0.0/16,192.168.1.5`). Unset: loopback, private, link-local, shared (CGNAT),
    /// multicast, reserved and cloud-metadata addresses are all refused.
    #[arg(long, env = "OPSKNIGHT_EGRESS_ALLOW", default_value = "")]
    pub egress_allow: String,

    #[command(flatten)]
    pub twilio: crate::notify::twilio::TwilioArgs,

    #[command(flatten)]
    pub gateway: crate::notify::gateway::GatewayArgs,

    #[command(flatten)]
    pub chat: crate::chat::config::ChatArgs,

    #[command(flatten)]
    pub sso: crate::sso::config::SsoArgs,
}

/// The SMTP URL may hold a password: Debug shows it redacted.
impl fmt::Debug for ServeArgs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServeArgs")
            .field("addr", &self.addr)
            .field("site_root", &self.site_root)
            .field("shutdown_timeout", &self.shutdown_timeout)
            .field("public_url", &self.public_url)
            .field("status_host", &self.status_host)
            .field("smtp_url", &self.smtp_url.as_deref().map(redact_url))
            .field("smtp_from", &self.smtp_from)
            .field("ingest_workers", &self.ingest_workers)
            .field(
                "secret_keys",
                &self.secret_keys.as_ref().map(|_| "[redacted]"),
            )
            .field("engine_concurrency", &self.engine_concurrency)
            .field("delivery_concurrency", &self.delivery_concurrency)
            .field("delivery_per_destination", &self.delivery_per_destination)
            .field("job_lease_secs", &self.job_lease_secs)
            .field("retention_incident_days", &self.retention_incident_days)
            .field("retention_alert_days", &self.retention_alert_days)
            .field("retention_job_days", &self.retention_job_days)
            .field("sms_interval_secs", &self.sms_interval_secs)
            .field("call_interval_secs", &self.call_interval_secs)
            .field("twilio", &self.twilio)
            .field("gateway", &self.gateway)
            .field("chat", &self.chat)
            .finish()
    }
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create a user. The password is read from stdin; when stdin is a terminal or empty,
    /// one is generated and printed once.
    Add(UserAddArgs),
}

#[derive(Args, Debug)]
pub struct UserAddArgs {
    /// Email address (unique, case-insensitive).
    #[arg(long, env = "OPSKNIGHT_USER_EMAIL")]
    pub email: String,
    /// Display name.
    #[arg(long, env = "OPSKNIGHT_USER_NAME")]
    pub name: String,
    /// Role: admin, responder or user.
    #[arg(long, env = "OPSKNIGHT_USER_ROLE", default_value = "user")]
    pub role: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact_url("postgres://u:pw@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact_url("postgres://h/db"), "postgres://h/db");
        let g = Cli::try_parse_from(["opsknight", "--database-url", "postgres://a:hunter2@x/y"])
            .unwrap();
        assert!(!format!("{:?}", g.global).contains("hunter2"));
    }

    #[test]
    fn serve_is_the_default() {
        let cli = Cli::try_parse_from(["opsknight", "--addr", "127.0.0.1:4000"]).unwrap();
        assert!(cli.command.is_none());
        assert_eq!(cli.serve.addr.port(), 4000);
        assert!(Cli::try_parse_from(["opsknight", "--addr", "nope"]).is_err());
    }
}

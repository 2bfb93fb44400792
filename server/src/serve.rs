//! `opsknight serve`: bind, open the database, migrate, issue a setup code, serve, shut down cleanly.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use app::clock::{SharedClock, SystemClock};
use app::state::AppState;
use axum::serve::ListenerExt;
use leptos::config::{Env, LeptosOptions};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::config::{GlobalArgs, ServeArgs};
use crate::database::{self, Database};
use crate::http::{self, HttpMetrics};

/// Site options for the Leptos shell: where `/pkg` lives and what the bundle is called.
pub fn leptos_options(site_root: &Path, addr: SocketAddr) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("opsknight")
        .site_root(site_root.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .env(Env::PROD)
        .build()
}

/// The configured SMTP mailer, if any.
fn mailer(args: &ServeArgs) -> anyhow::Result<Option<Arc<dyn app::mail::Mailer>>> {
    match args.smtp_url.as_deref().filter(|u| !u.is_empty()) {
        None => {
            tracing::info!(
                "no SMTP configured: invite and reset links are shown to admins to copy"
            );
            Ok(None)
        }
        Some(url) => Ok(Some(Arc::new(crate::notify::email::SmtpMailer::from_url(
            url,
            &args.smtp_from,
        )?))),
    }
}

/// `--public-url` without a trailing slash, or `http://<addr>`.
pub fn public_url(args: &ServeArgs, addr: SocketAddr) -> anyhow::Result<String> {
    let Some(raw) = args.public_url.as_deref().filter(|u| !u.is_empty()) else {
        let tls = args.tls_cert.is_some() || args.tls_self_signed;
        return Ok(format!("{}://{addr}", if tls { "https" } else { "http" }));
    };
    let ok = (raw.starts_with("http://") || raw.starts_with("https://"))
        && raw
            .split_once("://")
            .is_some_and(|(_, rest)| !rest.is_empty());
    anyhow::ensure!(
        ok,
        "--public-url (OPSKNIGHT_PUBLIC_URL): {raw:?} must be an http:// or https:// URL"
    );
    Ok(raw.trim_end_matches('/').to_owned())
}

/// The phone providers from the settings: Twilio or the gateway, not both.
fn phones(args: &ServeArgs) -> anyhow::Result<crate::notify::Phones> {
    let twilio = args.twilio.config()?.map(Arc::new);
    let gateway = args.gateway.config()?.map(Arc::new);
    if twilio.is_some() && gateway.is_some() {
        anyhow::bail!(
            "OPSKNIGHT_SMS_GATEWAY_URL: set either Twilio (OPSKNIGHT_TWILIO_*) or the SMS gateway, not both"
        );
    }
    Ok(crate::notify::Phones { twilio, gateway })
}

pub async fn serve(global: &GlobalArgs, args: &ServeArgs) -> anyhow::Result<()> {
    // Validate options that need no I/O before anything starts.
    mailer(args)?;
    public_url(args, args.addr)?;
    phones(args)?;
    egress_allow(args)?;
    args.chat.config(&public_url(args, args.addr)?)?;
    crate::keys::check(args.secret_keys.as_deref())?;
    let tls = match crate::tls::files(
        args.tls_cert.as_deref(),
        args.tls_key.as_deref(),
        args.tls_self_signed,
        &global.data_dir,
    )? {
        Some(files) => Some((crate::tls::load(&files).await?, files)),
        None => None,
    };
    // Bind first: a busy or invalid address fails before any database work.
    let listener = TcpListener::bind(args.addr)
        .await
        .with_context(|| format!("cannot listen on {}", args.addr))?;
    let db = Database::open(global).await?;
    let result = match crate::keys::load(args.secret_keys.as_deref(), &global.data_dir) {
        Ok(keys) => run(&db, listener, tls, args, Arc::new(keys)).await,
        Err(e) => Err(e),
    };
    let closed = db.close().await;
    result.and(closed)
}

async fn run(
    db: &Database,
    listener: TcpListener,
    tls: Option<(axum_server::tls_rustls::RustlsConfig, crate::tls::TlsFiles)>,
    args: &ServeArgs,
    keys: Arc<app::secrets::Keyring>,
) -> anyhow::Result<()> {
    database::migrate(db.pool.sessions()).await?;
    if !args.site_root.join("pkg").is_dir() {
        tracing::warn!(site_root = %args.site_root.display(),
            "no built site (pkg/) under the site root: pages render but will not hydrate; build it with `cargo xtask build`");
    }

    let clock: SharedClock = Arc::new(SystemClock);
    let addr = listener.local_addr().context("read listening address")?;
    let public = public_url(args, addr)?;
    if let Some(code) = app::setup::store::issue_code(&db.pool, clock.now())
        .await
        .map_err(|e| anyhow::anyhow!("issue setup code: {e}"))?
    {
        tracing::warn!(
            setup_code = %code,
            "no user exists yet: open {public}/setup and enter setup code {code} \
             (or run `opsknight user add --role admin`)"
        );
    }
    let phones = crate::notify::PhoneSource::new(
        db.pool.clone(),
        keys.clone(),
        public.clone(),
        phones(args)?,
    );
    let state = AppState {
        phone: phones.clone(),
        pool: db.pool.clone(),
        clock,
        leptos_options: leptos_options(&args.site_root, addr),
        mailer: app::mail::MailerSource::new(mailer(args)?, Some(crate::notify::email::builder())),
        public_url: public,
        keys,
        sso_env: args.sso.config()?.map(std::sync::Arc::new),
        event_formats: std::sync::Arc::new(crate::integrations::Receivers),
    };
    // The Web Push (VAPID) key is made on first start and sealed with the keyring.
    let (_, vapid) = app::push::store::ensure_key(&state.pool, &state.keys, state.clock.now())
        .await
        .context("create the Web Push (VAPID) key")?;
    tracing::info!(public_key = %vapid, "web push ready");
    let outbound = crate::outbound::Outbound::new(egress_allow(args)?)?
        .with_saved_chat(
            args.chat.config(&state.public_url)?,
            state.pool.clone(),
            state.keys.clone(),
        )
        .with_per_destination(usize::from(args.delivery_per_destination));
    if outbound.chat_environment().slack.is_some() {
        tracing::info!("Slack app ready: /api/slack/interactive and /api/slack/commands");
    }
    let chat_tasks = crate::chat::start(state.clone(), outbound.clone());
    let mut engine = crate::engine::Engine::new(
        state.pool.clone(),
        state.clock.clone(),
        state.mailer.clone(),
        state.keys.clone(),
        state.public_url.clone(),
        outbound.clone(),
    );
    engine = engine.with_phones(phones.clone());
    match app::phone::PhoneSource::environment(&*phones) {
        Some(app::settings::phone::PhoneSettings::Twilio(t)) => {
            tracing::info!(from = %t.from, "SMS and voice paging through Twilio (unless Settings override it)");
        }
        Some(app::settings::phone::PhoneSettings::Gateway(g)) => {
            tracing::info!(url = %g.url, "SMS and voice paging through the HTTP gateway (unless Settings override it)");
        }
        None => {}
    }
    engine.concurrency = usize::from(args.engine_concurrency);
    engine.delivery_concurrency = usize::from(args.delivery_concurrency);
    engine.lease = chrono::Duration::seconds(i64::from(args.job_lease_secs));
    engine.phone_limits = app::notifications::store::bundle::Limits {
        sms: chrono::Duration::seconds(i64::from(args.sms_interval_secs)),
        voice: chrono::Duration::seconds(i64::from(args.call_interval_secs)),
    };
    engine.retention = crate::engine::Retention {
        incident_days: i64::from(args.retention_incident_days),
        alert_days: i64::from(args.retention_alert_days),
        job_days: i64::from(args.retention_job_days),
    };
    let engine = engine.start();
    let ingestor = crate::ingest::Ingestor::start(
        state.pool.clone(),
        state.clock.clone(),
        usize::from(args.ingest_workers),
    );
    let metrics = Arc::new(HttpMetrics::default());
    metrics.watch_engine(engine.claimed_counter());
    let status_scheme = if state.public_url.starts_with("https://") {
        "https"
    } else {
        "http"
    };
    let app = http::router_with(
        state,
        metrics,
        ingestor,
        phones,
        outbound,
        Duration::from_secs(args.request_timeout),
    );
    let app = http::status::host::layer(app, args.status_host.clone(), status_scheme);

    let (stop_tx, mut stop_rx) = watch::channel(false);
    tokio::spawn(async move {
        wait_for_signal().await;
        let _ = stop_tx.send(true);
    });
    let timeout = Duration::from_secs(args.shutdown_timeout);
    match tls {
        None => serve_plain(listener, app, stop_rx, timeout).await?,
        Some((config, files)) => {
            let reload = crate::tls::watch(config.clone(), files);
            let handle = axum_server::Handle::new();
            let stopper = handle.clone();
            tokio::spawn(async move {
                let _ = stop_rx.wait_for(|stop| *stop).await;
                tracing::info!("shutting down: finishing in-flight requests");
                stopper.graceful_shutdown(Some(timeout));
            });
            tracing::info!(%addr, "OpsKnight listening on https://{addr} (HTTP/1.1 and HTTP/2)");
            let listener = listener.into_std().context("hand the listener to TLS")?;
            crate::tls::serve(listener, app, config, handle)
                .await
                .context("https server")?;
            reload.abort();
        }
    }
    engine.stop().await;
    if let Some(task) = chat_tasks {
        task.abort();
    }
    Ok(())
}

/// Plain HTTP until `stop`, then up to `timeout` for in-flight requests.
async fn serve_plain(
    listener: TcpListener,
    app: axum::Router,
    mut stop_rx: watch::Receiver<bool>,
    timeout: Duration,
) -> anyhow::Result<()> {
    let addr = listener.local_addr().context("read listening address")?;
    let mut graceful_rx = stop_rx.clone();
    let app = app.into_make_service_with_connect_info::<SocketAddr>();
    // No Nagle: a streamed page is written in several small pieces, and on a kept-alive
    // connection each would otherwise wait for the client's delayed ACK (40 ms).
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
    });
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        let _ = graceful_rx.wait_for(|stop| *stop).await;
        tracing::info!("shutting down: finishing in-flight requests");
    });
    tracing::info!(%addr, "OpsKnight listening on http://{addr}");
    tokio::select! {
        res = server => res.context("http server")?,
        _ = async {
            let _ = stop_rx.wait_for(|stop| *stop).await;
            tokio::time::sleep(timeout).await;
        } => tracing::warn!("connections still open after {}s; closing them", timeout.as_secs()),
    }
    Ok(())
}

/// SIGINT (Ctrl-C) or SIGTERM.
async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) {
        (Ok(mut int), Ok(mut term)) => {
            tokio::select! {
                _ = int.recv() => tracing::info!("SIGINT received"),
                _ = term.recv() => tracing::info!("SIGTERM received"),
            }
        }
        _ => {
            tracing::error!("cannot install signal handlers; stop with SIGKILL only");
            std::future::pending::<()>().await;
        }
    }
}

/// `OPSKNIGHT_EGRESS_ALLOW`: internal CIDR blocks outbound webhooks may call.
fn egress_allow(args: &ServeArgs) -> anyhow::Result<app::domain::egress::AllowList> {
    app::domain::egress::AllowList::parse(&args.egress_allow)
        .map_err(|e| anyhow::anyhow!("invalid OPSKNIGHT_EGRESS_ALLOW: {e}"))
}

//! Native TLS: the certificate and key (PEM files, or one made on first start with
//! `--tls-self-signed`), the rustls listener serving HTTP/1.1 and HTTP/2 (ALPN), and the
//! reload that swaps the certificate in place on SIGHUP or when either file changes, so open
//! connections keep theirs and new handshakes get the new one.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use anyhow::Context;
use axum::Router;
use axum_server::Handle;
use axum_server::tls_rustls::RustlsConfig;

/// Marks a request that arrived over our own TLS listener (cookies are then `Secure`).
pub use app::auth::session::OverTls;

/// Where the certificate and its key are read from.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// How often the files are checked for a change (SIGHUP reloads at once).
const WATCH_EVERY: Duration = Duration::from_secs(2);

/// The certificate files from the flags: both of `--tls-cert` and `--tls-key`, or
/// `--tls-self-signed` (a certificate for localhost made in `data_dir/tls` if none is there),
/// or none (plain HTTP).
pub fn files(
    cert: Option<&Path>,
    key: Option<&Path>,
    self_signed: bool,
    data_dir: &Path,
) -> anyhow::Result<Option<TlsFiles>> {
    match (cert, key, self_signed) {
        (Some(_), Some(_), true) => anyhow::bail!(
            "--tls-self-signed (OPSKNIGHT_TLS_SELF_SIGNED) and --tls-cert/--tls-key: choose one"
        ),
        (Some(cert), Some(key), false) => Ok(Some(TlsFiles {
            cert: cert.to_owned(),
            key: key.to_owned(),
        })),
        (Some(_), None, _) => anyhow::bail!(
            "--tls-key (OPSKNIGHT_TLS_KEY) is required with --tls-cert (OPSKNIGHT_TLS_CERT)"
        ),
        (None, Some(_), _) => anyhow::bail!(
            "--tls-cert (OPSKNIGHT_TLS_CERT) is required with --tls-key (OPSKNIGHT_TLS_KEY)"
        ),
        (None, None, true) => self_signed_in(&data_dir.join("tls")).map(Some),
        (None, None, false) => Ok(None),
    }
}

/// A self-signed certificate for `localhost`, `127.0.0.1` and `::1` in `dir` (made once; kept
/// across restarts so browsers' exceptions stay valid).
pub fn self_signed_in(dir: &Path) -> anyhow::Result<TlsFiles> {
    let files = TlsFiles {
        cert: dir.join("cert.pem"),
        key: dir.join("key.pem"),
    };
    if files.cert.is_file() && files.key.is_file() {
        return Ok(files);
    }
    let names = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    let made =
        rcgen::generate_simple_self_signed(names).context("generate a self-signed certificate")?;
    std::fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
    write_private(&files.key, made.signing_key.serialize_pem().as_bytes())?;
    std::fs::write(&files.cert, made.cert.pem())
        .with_context(|| format!("write {}", files.cert.display()))?;
    tracing::warn!(cert = %files.cert.display(), "made a self-signed TLS certificate; browsers will warn until you trust it");
    Ok(files)
}

fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("write {}", path.display()))?;
    f.write_all(bytes)
        .with_context(|| format!("write {}", path.display()))
}

/// Reads the files into a server configuration (ALPN: h2, http/1.1).
pub async fn load(files: &TlsFiles) -> anyhow::Result<RustlsConfig> {
    RustlsConfig::from_pem_file(&files.cert, &files.key)
        .await
        .with_context(|| {
            format!(
                "read the TLS certificate {} and key {} (PEM)",
                files.cert.display(),
                files.key.display()
            )
        })
}

fn modified(files: &TlsFiles) -> (Option<SystemTime>, Option<SystemTime>) {
    let at = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    (at(&files.cert), at(&files.key))
}

/// Reloads `config` from `files` on SIGHUP and whenever either file's modification time
/// changes. A bad new pair is logged and the old certificate kept.
pub fn watch(config: RustlsConfig, files: TlsFiles) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let mut hup = signal(SignalKind::hangup()).ok();
        let mut seen = modified(&files);
        let mut tick = tokio::time::interval(WATCH_EVERY);
        loop {
            let by_signal = tokio::select! {
                _ = tick.tick() => false,
                Some(()) = async { match hup.as_mut() { Some(h) => h.recv().await, None => std::future::pending().await } } => true,
            };
            let now = modified(&files);
            if !by_signal && now == seen {
                continue;
            }
            seen = now;
            match config.reload_from_pem_file(&files.cert, &files.key).await {
                Ok(()) => {
                    tracing::info!(cert = %files.cert.display(), by_signal, "TLS certificate reloaded")
                }
                Err(e) => tracing::error!(error = %e, cert = %files.cert.display(),
                    "cannot reload the TLS certificate; keeping the current one"),
            }
        }
    })
}

/// Serves `app` over TLS on `listener` until `handle` is told to shut down. Requests carry the
/// `OverTls` marker.
pub async fn serve(
    listener: std::net::TcpListener,
    app: Router,
    config: RustlsConfig,
    handle: Handle<SocketAddr>,
) -> std::io::Result<()> {
    let app = app.layer(axum::Extension(OverTls));
    // No Nagle, as on the plain listener: a handshake or a streamed page is written in several
    // small pieces, and each would otherwise wait for the client's delayed ACK (40 ms).
    let acceptor = axum_server::tls_rustls::RustlsAcceptor::new(config)
        .acceptor(axum_server::accept::NoDelayAcceptor::new());
    axum_server::from_tcp(listener)?
        .acceptor(acceptor)
        .handle(handle)
        .serve(app.into_make_service_with_connect_info::<SocketAddr>())
        .await
}

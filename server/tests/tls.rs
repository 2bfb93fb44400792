//! Native TLS: HTTP/2 and HTTP/1.1 over our own listener (with curl), `Secure` session
//! cookies over TLS only, and a certificate reload under load that fails no request.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use app::domain::Role;
use common::{PASSWORD, spawn_app, spawn_app_tls};

/// Polls `check` every 20 ms until it gives `Some` (at most 15 s), else fails naming `what`.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<()>>,
{
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while check().await.is_none() {
        assert!(std::time::Instant::now() < deadline, "never saw {what}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

fn curl(args: &[&str]) -> String {
    let out = std::process::Command::new("curl")
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "curl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn curl_talks_http2_and_http1_over_tls() {
    let app = spawn_app_tls().await;
    let cert = app.tls.as_ref().unwrap().cert.to_str().unwrap().to_owned();
    let url = app.url("/api/health");
    let (url2, cert2) = (url.clone(), cert.clone());
    let h2 = tokio::task::spawn_blocking(move || {
        curl(&[
            "-s",
            "--http2",
            "--cacert",
            &cert2,
            "-o",
            "/dev/null",
            "-w",
            "%{http_version} %{http_code}",
            &url2,
        ])
    })
    .await
    .unwrap();
    assert_eq!(h2, "2 200");
    let h1 = tokio::task::spawn_blocking(move || {
        curl(&[
            "-s",
            "--http1.1",
            "--cacert",
            &cert,
            "-o",
            "/dev/null",
            "-w",
            "%{http_version} %{http_code}",
            &url,
        ])
    })
    .await
    .unwrap();
    assert_eq!(h1, "1.1 200");
}

async fn login_cookie(app: &common::TestApp) -> String {
    app.add_user("amy@example.com", Role::Responder).await;
    let res = app
        .post_json(
            "/api/auth/login",
            serde_json::json!({"email": "amy@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(res.status(), 200);
    res.headers()["set-cookie"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn session_cookies_are_secure_over_tls_only() {
    let tls = spawn_app_tls().await;
    assert!(login_cookie(&tls).await.contains("; Secure"));
    let plain = spawn_app().await;
    assert!(!login_cookie(&plain).await.contains("Secure"));
}

#[tokio::test]
async fn a_new_certificate_is_served_without_failing_a_request() {
    let app = spawn_app_tls().await;
    let files = app.tls.clone().unwrap();
    let old_pem = std::fs::read(&files.cert).unwrap();
    let next = tempfile::tempdir().unwrap();
    let new = opsknight_server::tls::self_signed_in(next.path()).unwrap();
    let new_pem = std::fs::read(&new.cert).unwrap();
    assert_ne!(old_pem, new_pem);

    // Load: keep-alive clients and a client that opens a new connection per request, all
    // trusting both certificates.
    let both = || {
        reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(&old_pem).unwrap())
            .add_root_certificate(reqwest::Certificate::from_pem(&new_pem).unwrap())
    };
    let (ok, failed) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut load = Vec::new();
    for n in 0..4 {
        let client = if n == 0 {
            both().pool_max_idle_per_host(0)
        } else {
            both()
        }
        .build()
        .unwrap();
        let (url, ok, failed, stop) = (
            app.url("/api/health"),
            ok.clone(),
            failed.clone(),
            stop.clone(),
        );
        load.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                match client.get(&url).send().await {
                    Ok(r) if r.status() == 200 => ok.fetch_add(1, Ordering::Relaxed),
                    _ => failed.fetch_add(1, Ordering::Relaxed),
                };
            }
        }));
    }
    let reload = opsknight_server::tls::watch(
        files.config.clone(),
        opsknight_server::tls::TlsFiles {
            cert: files.cert.clone(),
            key: files.key.clone(),
        },
    );
    eventually("load running", || async {
        (ok.load(Ordering::Relaxed) > 50).then_some(())
    })
    .await;
    // Replace both files (write beside, then rename, as certbot and friends do).
    for (from, to) in [(&new.key, &files.key), (&new.cert, &files.cert)] {
        let tmp = to.with_extension("tmp");
        std::fs::copy(from, &tmp).unwrap();
        std::fs::rename(&tmp, to).unwrap();
    }
    // A client that trusts only the new certificate gets through once it is served.
    let only_new = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&new_pem).unwrap())
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let url = app.url("/api/health");
    eventually("the new certificate served", || async {
        only_new
            .get(&url)
            .send()
            .await
            .ok()
            .filter(|r| r.status() == 200)
            .map(|_| ())
    })
    .await;
    let at_reload = ok.load(Ordering::Relaxed);
    eventually("load after the reload", || async {
        (ok.load(Ordering::Relaxed) > at_reload + 50).then_some(())
    })
    .await;
    stop.store(true, Ordering::Relaxed);
    for t in load {
        t.await.unwrap();
    }
    reload.abort();
    assert_eq!(
        failed.load(Ordering::Relaxed),
        0,
        "requests failed during the reload"
    );
    assert!(ok.load(Ordering::Relaxed) > 100);
}

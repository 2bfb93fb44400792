//! SSE fan-out load: connects `CLIENTS` (default 1,000) clients to `/api/realtime/stream`,
//! then `ROUNDS` times opens an incident through `/v2/enqueue` and measures, for every client,
//! the time from just before the POST to the moment that client read the change. Prints
//! p50 / p99 / max and how many deliveries were missed, and the server's RSS (from
//! `/proc/<SERVER_PID>/status`) before and with the clients connected. With `CHECK=1` it
//! exits 1 when the budget is missed: p99 ≥ 250 ms, any delivery missing, or RSS ≥ 150 MiB.
//!
//! Env: BASE, API_KEY (an admin key), ROUTING_KEY, SERVER_PID, CLIENTS, ROUNDS, CHECK.
//! Run by `scripts/bench-sse.sh`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr
)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use std::sync::RwLock;

use tokio::sync::mpsc;

fn env(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

fn rss_kib(pid: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

#[tokio::main]
async fn main() {
    let base = env("BASE", "http://127.0.0.1:3000");
    let key = env("API_KEY", "");
    let routing_key = env("ROUTING_KEY", "");
    let pid = env("SERVER_PID", "");
    let clients: usize = env("CLIENTS", "1000").parse().unwrap();
    let rounds: usize = env("ROUNDS", "20").parse().unwrap();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();

    let rss_before = rss_kib(&pid);
    // The round's marker and start time, shared by every client task.
    let round: Arc<RwLock<(String, Instant)>> =
        Arc::new(RwLock::new((String::from("none"), Instant::now())));
    let (tx, mut rx) = mpsc::unbounded_channel::<(usize, f64)>();
    let (ready_tx, mut ready_rx) = mpsc::unbounded_channel::<()>();
    let connect_start = Instant::now();
    for _ in 0..clients {
        let http = http.clone();
        let (url, key) = (format!("{base}/api/realtime/stream"), key.clone());
        let (round, tx, ready_tx) = (round.clone(), tx.clone(), ready_tx.clone());
        tokio::spawn(async move {
            let mut res = http.get(url).bearer_auth(key).send().await.unwrap();
            assert_eq!(res.status(), 200);
            ready_tx.send(()).unwrap();
            let mut seen = String::new();
            // The end of the previous chunk, in case a frame is split across two.
            let mut window = String::new();
            while let Ok(Some(chunk)) = res.chunk().await {
                let cut = window.len().saturating_sub(64);
                let cut = (cut..=window.len())
                    .find(|i| window.is_char_boundary(*i))
                    .unwrap_or(0);
                window.drain(..cut);
                window.push_str(&String::from_utf8_lossy(&chunk));
                let (marker, started) = round.read().unwrap().clone();
                if window.contains(&marker) && seen != marker {
                    let ms = started.elapsed().as_secs_f64() * 1000.0;
                    let n: usize = marker.rsplit('-').next().unwrap().parse().unwrap();
                    seen = marker;
                    let _ = tx.send((n, ms));
                }
            }
        });
    }
    for _ in 0..clients {
        ready_rx.recv().await.unwrap();
    }
    let connect_ms = connect_start.elapsed().as_secs_f64() * 1000.0;
    let rss_connected = rss_kib(&pid);

    let mut all: Vec<f64> = Vec::with_capacity(clients * rounds);
    let mut missed = 0usize;
    let mut rss_peak = rss_connected.unwrap_or(0);
    for n in 0..rounds {
        let marker = format!("sse-bench-{}-{n}", std::process::id());
        *round.write().unwrap() = (marker.clone(), Instant::now());
        let res = http
            .post(format!("{base}/v2/enqueue"))
            .json(&serde_json::json!({"routing_key": routing_key, "event_action": "trigger",
                "dedup_key": marker, "payload": {"summary": marker, "source": "bench", "severity": "critical"}}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 202);
        let mut got = 0;
        let deadline = tokio::time::sleep(Duration::from_secs(5));
        tokio::pin!(deadline);
        while got < clients {
            tokio::select! {
                m = rx.recv() => {
                    let (k, ms) = m.unwrap();
                    if k == n { all.push(ms); got += 1; }
                }
                _ = &mut deadline => break,
            }
        }
        missed += clients - got;
        rss_peak = rss_peak.max(rss_kib(&pid).unwrap_or(0));
    }
    all.sort_by(|a, b| a.total_cmp(b));
    println!(
        "sse fan-out: {clients} clients connected in {connect_ms:.0} ms; {rounds} incident changes"
    );
    println!(
        "  delivery (POST sent -> client read), {} samples: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; missed {missed}",
        all.len(),
        percentile(&all, 0.50),
        percentile(&all, 0.99),
        all.last().copied().unwrap_or(f64::NAN),
    );
    let mib =
        |k: Option<u64>| k.map_or("?".to_owned(), |k| format!("{:.1} MiB", k as f64 / 1024.0));
    println!(
        "  server RSS: {} before, {} with {clients} clients, {} peak during the rounds",
        mib(rss_before),
        mib(rss_connected),
        mib(Some(rss_peak))
    );
    if env("CHECK", "0") == "1" {
        let p99 = percentile(&all, 0.99);
        let over = p99.is_nan() || p99 >= 250.0 || missed > 0 || rss_peak >= 150 * 1024;
        if over {
            eprintln!("sse fan-out: over budget (p99 < 250 ms, none missed, RSS < 150 MiB)");
            std::process::exit(1);
        }
    }
}

//! A TCP proxy that makes a database slow on purpose (this kernel has no netem): every chunk
//! it forwards, in either direction, is delivered `delay` milliseconds after it was read, and
//! in `stall` mode nothing is delivered until the mode changes. Used by the chaos suite's R5.
//!
//! Usage: `latency_proxy LISTEN UPSTREAM CONTROL`, e.g.
//! `latency_proxy 127.0.0.1:6500 127.0.0.1:5432 127.0.0.1:6501`. The control port takes one
//! command per connection and answers `ok`: `delay MS` (0 for none), `stall`, `flow`.
//! It prints `ready` on stdout once both ports listen.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, mpsc};
use tokio::time::Instant;

/// What every connection obeys, changed through the control port.
#[derive(Default)]
struct Faults {
    delay_ms: AtomicU64,
    stalled: AtomicBool,
    /// Woken when `stall` ends.
    flowing: Notify,
}

impl Faults {
    fn apply(&self, command: &str) -> Result<(), String> {
        let mut words = command.split_whitespace();
        match (words.next(), words.next(), words.next()) {
            (Some("delay"), Some(ms), None) => {
                let ms = ms
                    .parse()
                    .map_err(|_| format!("delay: not a number: {ms}"))?;
                self.delay_ms.store(ms, Ordering::SeqCst);
            }
            (Some("stall"), None, None) => self.stalled.store(true, Ordering::SeqCst),
            (Some("flow"), None, None) => {
                self.stalled.store(false, Ordering::SeqCst);
                self.flowing.notify_waiters();
            }
            _ => return Err(format!("unknown command: {command}")),
        }
        Ok(())
    }

    /// Returns once traffic may flow.
    async fn wait_flowing(&self) {
        loop {
            let woken = self.flowing.notified();
            if !self.stalled.load(Ordering::SeqCst) {
                return;
            }
            woken.await;
        }
    }
}

/// Reads chunks and stamps each with the moment it is due on the other side.
async fn read_side(
    mut from: OwnedReadHalf,
    to: mpsc::UnboundedSender<(Instant, Vec<u8>)>,
    faults: Arc<Faults>,
) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                let due =
                    Instant::now() + Duration::from_millis(faults.delay_ms.load(Ordering::SeqCst));
                if to.send((due, buf[..n].to_vec())).is_err() {
                    return;
                }
            }
        }
    }
}

/// Writes the chunks in order, each no sooner than it is due and never while stalled.
async fn write_side(
    mut to: OwnedWriteHalf,
    mut chunks: mpsc::UnboundedReceiver<(Instant, Vec<u8>)>,
    faults: Arc<Faults>,
) {
    while let Some((due, bytes)) = chunks.recv().await {
        tokio::time::sleep_until(due).await;
        faults.wait_flowing().await;
        if to.write_all(&bytes).await.is_err() {
            return;
        }
    }
    let _ = to.shutdown().await;
}

async fn proxy(client: TcpStream, upstream: String, faults: Arc<Faults>) {
    let Ok(server) = TcpStream::connect(&upstream).await else {
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    let (up_tx, up_rx) = mpsc::unbounded_channel();
    let (down_tx, down_rx) = mpsc::unbounded_channel();
    tokio::join!(
        read_side(client_read, up_tx, faults.clone()),
        write_side(server_write, up_rx, faults.clone()),
        read_side(server_read, down_tx, faults.clone()),
        write_side(client_write, down_rx, faults),
    );
}

async fn control(stream: TcpStream, faults: Arc<Faults>) {
    let (read, mut write) = stream.into_split();
    let mut line = String::new();
    if BufReader::new(read).read_line(&mut line).await.is_err() {
        return;
    }
    let answer = match faults.apply(line.trim()) {
        Ok(()) => "ok\n".to_owned(),
        Err(e) => format!("error: {e}\n"),
    };
    let _ = write.write_all(answer.as_bytes()).await;
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [listen, upstream, control_addr] = args.as_slice() else {
        eprintln!(
            "usage: latency_proxy LISTEN UPSTREAM CONTROL \
             (e.g. 127.0.0.1:6500 127.0.0.1:5432 127.0.0.1:6501)"
        );
        std::process::exit(2);
    };
    let faults = Arc::new(Faults::default());
    let listener = TcpListener::bind(listen).await?;
    let controls = TcpListener::bind(control_addr).await?;
    println!("ready");
    let control_faults = faults.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = controls.accept().await {
            tokio::spawn(control(stream, control_faults.clone()));
        }
    });
    loop {
        let (client, _) = listener.accept().await?;
        tokio::spawn(proxy(client, upstream.clone(), faults.clone()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A proxy in front of an echo server, on ephemeral ports.
    async fn start() -> (String, Arc<Faults>) {
        let echo = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let upstream = echo.local_addr().unwrap().to_string();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = echo.accept().await {
                tokio::spawn(async move {
                    let (mut r, mut w) = s.split();
                    let _ = tokio::io::copy(&mut r, &mut w).await;
                });
            }
        });
        let front = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = front.local_addr().unwrap().to_string();
        let faults = Arc::new(Faults::default());
        let f = faults.clone();
        tokio::spawn(async move {
            while let Ok((c, _)) = front.accept().await {
                tokio::spawn(proxy(c, upstream.clone(), f.clone()));
            }
        });
        (addr, faults)
    }

    async fn round_trip(addr: &str) -> Duration {
        let mut s = TcpStream::connect(addr).await.unwrap();
        let started = Instant::now();
        s.write_all(b"ping").await.unwrap();
        let mut got = [0u8; 4];
        tokio::time::timeout(Duration::from_secs(10), s.read_exact(&mut got))
            .await
            .expect("an echo within 10 s")
            .unwrap();
        assert_eq!(&got, b"ping");
        started.elapsed()
    }

    #[tokio::test]
    async fn a_delay_applies_each_way_and_stall_holds_until_flow() {
        let (addr, faults) = start().await;
        assert!(round_trip(&addr).await < Duration::from_millis(150));

        faults.apply("delay 150").unwrap();
        let slow = round_trip(&addr).await;
        assert!(
            slow >= Duration::from_millis(300),
            "two delayed legs: {slow:?}"
        );

        faults.apply("delay 0").unwrap();
        faults.apply("stall").unwrap();
        let mut s = TcpStream::connect(&addr).await.unwrap();
        s.write_all(b"held").await.unwrap();
        let mut got = [0u8; 4];
        let held = tokio::time::timeout(Duration::from_millis(300), s.read_exact(&mut got)).await;
        assert!(held.is_err(), "nothing passes while stalled");
        faults.apply("flow").unwrap();
        tokio::time::timeout(Duration::from_secs(10), s.read_exact(&mut got))
            .await
            .expect("the held bytes arrive once flowing")
            .unwrap();
        assert_eq!(&got, b"held");
    }

    #[test]
    fn bad_commands_are_refused() {
        let faults = Faults::default();
        assert!(faults.apply("delay soon").is_err());
        assert!(faults.apply("jitter 5").is_err());
        assert!(faults.apply("stall now").is_err());
    }
}

//! `cargo xtask watch`: build, serve, and on every source change rebuild and restart the
//! server. A failed build keeps the running server and waits for the next change.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context;

use crate::{Layout, WatchArgs};

/// What a change in triggers a rebuild (relative to the workspace root).
const WATCHED: &[&str] = &[
    "app",
    "frontend",
    "server/src",
    "style",
    "public",
    "migrations",
    "Cargo.toml",
    "Cargo.lock",
];
/// How often the tree is scanned, and how long it must be quiet before a rebuild.
const POLL: Duration = Duration::from_millis(500);
const QUIET: Duration = Duration::from_millis(300);

pub fn run(layout: &Layout, args: &WatchArgs) -> anyhow::Result<()> {
    crate::build(layout, &args.build)?;
    let mut server = Some(start_server(layout, args)?);
    let mut seen = fingerprint(&layout.root);
    loop {
        std::thread::sleep(POLL);
        let now = fingerprint(&layout.root);
        if now == seen {
            continue;
        }
        // Let an editor finish writing (format on save, several files).
        let mut settled = now;
        loop {
            std::thread::sleep(QUIET);
            let again = fingerprint(&layout.root);
            if again == settled {
                break;
            }
            settled = again;
        }
        seen = settled;
        tracing::info!("change detected: rebuilding");
        let started = Instant::now();
        match crate::build(layout, &args.build) {
            Ok(()) => {
                if let Some(old) = server.take() {
                    stop_server(old)?;
                }
                server = Some(start_server(layout, args)?);
                tracing::info!("restarted after {:.1} s", started.elapsed().as_secs_f64());
            }
            Err(e) => tracing::error!("build failed, the old server keeps running: {e:#}"),
        }
    }
}

fn start_server(layout: &Layout, args: &WatchArgs) -> anyhow::Result<Child> {
    let binary = layout.server_binary(args.build.release);
    Command::new(&binary)
        .arg("serve")
        .arg("--site-root")
        .arg(&layout.site)
        .args(&args.serve_args)
        .current_dir(&layout.root)
        .spawn()
        .with_context(|| format!("starting {}", binary.display()))
}

/// SIGTERM (the server drains requests and stops its embedded PostgreSQL), then waits.
fn stop_server(mut child: Child) -> anyhow::Result<()> {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if child.try_wait()?.is_some() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    tracing::warn!("the server did not stop within 30 s; killing it");
    child.kill()?;
    child.wait()?;
    Ok(())
}

/// The newest modification time and the number of files under the watched paths.
fn fingerprint(root: &Path) -> (Option<SystemTime>, usize) {
    let mut newest = None;
    let mut count = 0;
    let mut stack: Vec<PathBuf> = WATCHED.iter().map(|p| root.join(p)).collect();
    while let Some(path) = stack.pop() {
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            let skip = path
                .file_name()
                .is_some_and(|n| n == "node_modules" || n == "target");
            if let (false, Ok(entries)) = (skip, std::fs::read_dir(&path)) {
                stack.extend(entries.flatten().map(|e| e.path()));
            }
        } else {
            count += 1;
            newest = newest.max(meta.modified().ok());
        }
    }
    (newest, count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edit_or_a_new_file_changes_the_fingerprint() {
        let dir = tempfile::tempdir().expect("tempdir");
        let src = dir.path().join("app/src");
        std::fs::create_dir_all(&src).expect("mkdir");
        std::fs::write(src.join("lib.rs"), "a").expect("write");
        let before = fingerprint(dir.path());
        assert_eq!(before.1, 1);
        std::fs::write(src.join("new.rs"), "b").expect("write");
        let added = fingerprint(dir.path());
        assert_ne!(added, before);
        // A later mtime on an existing file.
        let file = std::fs::File::options()
            .write(true)
            .open(src.join("lib.rs"))
            .expect("open");
        file.set_modified(SystemTime::now() + Duration::from_secs(60))
            .expect("touch");
        assert_ne!(fingerprint(dir.path()), added);
        // node_modules and target are ignored.
        std::fs::create_dir_all(dir.path().join("app/node_modules")).expect("mkdir");
        let settled = fingerprint(dir.path());
        std::fs::write(dir.path().join("app/node_modules/x.js"), "c").expect("write");
        assert_eq!(fingerprint(dir.path()), settled);
    }
}

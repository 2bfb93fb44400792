//! The lifecycle's layering, checked on the sources: what sits below it (jobs, the outbox,
//! policies, the live NOTIFYs, reads) never calls up into it or into incident writes, and the
//! lifecycle never calls back into incident writes.

use std::path::{Path, PathBuf};

const UP: [&str; 3] = [
    "crate::lifecycle",
    "incidents::store",
    "super::store::ingest",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// Every reference to `UP` in `paths` (files or directories under `app/src`).
fn calls_up(paths: &[&str]) -> Vec<String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    for p in paths {
        let path = src.join(p);
        if path.is_dir() {
            rust_files(&path, &mut files);
        } else {
            files.push(path);
        }
    }
    assert!(!files.is_empty());
    let mut found = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        for (n, line) in text.lines().enumerate() {
            if UP.iter().any(|up| line.contains(up)) {
                found.push(format!("{}:{}: {}", f.display(), n + 1, line.trim()));
            }
        }
    }
    found
}

#[test]
fn nothing_below_the_lifecycle_calls_up_into_it() {
    let below = [
        "jobs/store.rs",
        "jobs/tasks.rs",
        "notifications/store",
        "policies/store.rs",
        "policies/store",
        "incidents/notify.rs",
        "incidents/reads.rs",
    ];
    let found = calls_up(&below);
    assert!(
        found.is_empty(),
        "calls up into the lifecycle:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_lifecycle_does_not_call_back_into_incident_writes() {
    let found: Vec<String> = calls_up(&["lifecycle"])
        .into_iter()
        .filter(|l| !l.contains("lifecycle/layering.rs") && !l.contains("//"))
        .filter(|l| !l.contains("crate::lifecycle"))
        .collect();
    assert!(
        found.is_empty(),
        "the lifecycle calls back up:\n{}",
        found.join("\n")
    );
}

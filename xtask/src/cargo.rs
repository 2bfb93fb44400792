//! Running cargo from the build tool: the target dir, the WASM build, the server build.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};

use anyhow::{Context, bail};

/// The cargo that runs us (`CARGO`), else `cargo` on PATH, without the variables `cargo run`
/// set for this process: build scripts that watch one of them (ring watches
/// `CARGO_MANIFEST_DIR`) would otherwise rebuild whenever the caller changes.
fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    for (name, _) in std::env::vars_os() {
        if name.to_str().is_some_and(set_by_cargo_run) {
            cmd.env_remove(name);
        }
    }
    cmd
}

/// Variables cargo sets for the crate it runs (not the ones a user sets to configure cargo).
fn set_by_cargo_run(name: &str) -> bool {
    name == "OUT_DIR"
        || name.starts_with("CARGO_PKG_")
        || matches!(
            name,
            "CARGO_MANIFEST_DIR"
                | "CARGO_MANIFEST_PATH"
                | "CARGO_MANIFEST_LINKS"
                | "CARGO_CRATE_NAME"
                | "CARGO_BIN_NAME"
                | "CARGO_PRIMARY_PACKAGE"
                | "CARGO_TARGET_TMPDIR"
                | "CARGO_RUSTC_CURRENT_DIR"
        )
}

/// Cargo's target directory for this workspace, as cargo itself resolves it
/// (`CARGO_TARGET_DIR`, `build.target-dir`, else `<root>/target`).
pub fn target_dir(root: &Path) -> anyhow::Result<PathBuf> {
    let out = cargo()
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(root)
        .output()
        .context("running cargo metadata")?;
    if !out.status.success() {
        bail!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let meta: serde_json::Value =
        serde_json::from_slice(&out.stdout).context("reading cargo metadata")?;
    meta.get("target_directory")
        .and_then(|v| v.as_str())
        .map(PathBuf::from)
        .context("cargo metadata has no target_directory")
}

/// `cargo build` of the browser crate for wasm32, in its own target dir (`front_target`) so
/// it runs at the same time as the server build instead of waiting for cargo's lock on the
/// shared one. Its rustflags (`erase_components`, and `--emit-relocs`, which the splitter
/// needs) come from `.cargo/config.toml`.
pub fn build_wasm(root: &Path, front_target: &Path, args: &crate::BuildArgs) -> anyhow::Result<()> {
    let mut cmd = cargo();
    cmd.current_dir(root)
        .arg("--quiet")
        .arg("build")
        .arg("--target-dir")
        .arg(front_target)
        .args([
            "--package=frontend",
            "--lib",
            "--target=wasm32-unknown-unknown",
            if args.release {
                "--profile=wasm-release"
            } else {
                "--profile=dev"
            },
        ]);
    if args.timings {
        cmd.arg("--timings");
    }
    let status = cmd.status().context("running cargo build (wasm)")?;
    if !status.success() {
        bail!("cargo build of the WASM client failed ({status})");
    }
    Ok(())
}

/// Starts `cargo build` of the `opsknight` binary; [`wait`] for it.
pub fn spawn_server_build(
    layout: &crate::Layout,
    args: &crate::BuildArgs,
) -> anyhow::Result<Child> {
    let mut cmd = cargo();
    cmd.current_dir(&layout.root)
        .args(["build", "--package=server", "--bin=opsknight"]);
    if args.release {
        cmd.arg("--release");
    }
    if args.timings {
        cmd.arg("--timings");
    }
    cmd.spawn().context("starting cargo build (server)")
}

/// Waits for a child process and fails when it did.
pub fn wait(mut child: Child, what: &str) -> anyhow::Result<()> {
    let status = child
        .wait()
        .with_context(|| format!("waiting for {what}"))?;
    if !status.success() {
        bail!("{what} failed ({status})");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_cargo_run_sets_is_dropped() {
        for name in [
            "CARGO_MANIFEST_DIR",
            "CARGO_PKG_NAME",
            "CARGO_PKG_VERSION",
            "OUT_DIR",
        ] {
            assert!(set_by_cargo_run(name), "{name}");
        }
        for name in [
            "CARGO_TARGET_DIR",
            "CARGO_HOME",
            "CARGO_BUILD_JOBS",
            "CARGO",
            "PATH",
        ] {
            assert!(!set_by_cargo_run(name), "{name}");
        }
    }
}

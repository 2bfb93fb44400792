//! The build's tools from npm (`scripts/node_modules`, installed by scripts/install-tools.sh):
//! wasm-opt (binaryen), terser (JS) and lightningcss (CSS).

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

/// The path of an npm tool, or an error saying how to install it.
pub fn tool(root: &Path, name: &str) -> anyhow::Result<PathBuf> {
    let path = root.join("scripts/node_modules/.bin").join(name);
    anyhow::ensure!(
        path.exists(),
        "{} is missing: run scripts/install-tools.sh (it installs the build tools from npm)",
        path.display()
    );
    Ok(path)
}

/// Runs a tool; its stderr becomes the error when it fails.
pub fn run(tool: &Path, args: &[&OsStr]) -> anyhow::Result<()> {
    let out = Command::new(tool)
        .args(args)
        .output()
        .with_context(|| format!("running {}", tool.display()))?;
    if !out.status.success() {
        bail!(
            "{} failed ({}): {}",
            tool.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

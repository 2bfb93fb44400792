//! Assembling the site: the bundle in `pkg/`, the stylesheet, `public/`; checked,
//! precompressed, and swapped into place in one rename so a server never sees half a site.

use std::path::Path;

use anyhow::Context;

use crate::Layout;
use crate::compress::{self, Report};
use crate::wasm::{self, Compiled, OUTPUT_NAME};

/// Builds the site next to the current one, checks it, and swaps it in.
pub fn assemble(layout: &Layout, compiled: &Compiled, release: bool) -> anyhow::Result<Report> {
    let staging = layout.site.with_file_name("site.new");
    remove_dir(&staging)?;
    let pkg = staging.join("pkg");
    std::fs::create_dir_all(&pkg).with_context(|| format!("creating {}", pkg.display()))?;

    let mut stage = Stage::start();
    let (main, mut modules) = wasm::split(compiled, &pkg)?;
    stage.done("split");
    modules.push(wasm::bindgen(&main, &pkg)?);
    stage.done("wasm-bindgen");
    let js = pkg.join(format!("{OUTPUT_NAME}.js"));
    if release {
        wasm::optimize(&layout.root, &modules)?;
        stage.done("wasm-opt");
        // terser with compress + mangle on the ES module, as cargo-leptos' swc minify did.
        let terser = crate::npm::tool(&layout.root, "terser")?;
        crate::npm::run(
            &terser,
            &[
                js.as_os_str(),
                "--module".as_ref(),
                "--compress".as_ref(),
                "--mangle".as_ref(),
                "--output".as_ref(),
                js.as_os_str(),
            ],
        )?;
    }
    stylesheet(layout, &pkg, release)?;
    copy_dir(&layout.root.join("public"), &staging)?;
    stage.done("JS, CSS and public/");
    crate::check::site(&staging)?;
    let report = compress::precompress(&pkg)?;
    stage.done("precompress");

    let old = layout.site.with_file_name("site.old");
    remove_dir(&old)?;
    if layout.site.exists() {
        std::fs::rename(&layout.site, &old)
            .with_context(|| format!("moving {} aside", layout.site.display()))?;
    }
    std::fs::rename(&staging, &layout.site)
        .with_context(|| format!("moving the new site to {}", layout.site.display()))?;
    remove_dir(&old)?;
    Ok(report)
}

/// Logs how long each step of the site took.
struct Stage(std::time::Instant);

impl Stage {
    fn start() -> Self {
        Self(std::time::Instant::now())
    }

    fn done(&mut self, what: &str) {
        tracing::info!("{what}: {:.1} s", self.0.elapsed().as_secs_f64());
        self.0 = std::time::Instant::now();
    }
}

/// `style/main.css` → `pkg/opsknight.css` through lightningcss: lowered for the browserslist
/// `defaults` targets (as cargo-leptos did), minified in release builds.
fn stylesheet(layout: &Layout, pkg: &Path, release: bool) -> anyhow::Result<()> {
    let tool = crate::npm::tool(&layout.root, "lightningcss")?;
    let source = layout.root.join("style/main.css");
    let out = pkg.join(format!("{OUTPUT_NAME}.css"));
    let mut args = vec![
        "--targets".as_ref(),
        "defaults".as_ref(),
        source.as_os_str(),
        "--output-file".as_ref(),
        out.as_os_str(),
    ];
    if release {
        args.insert(0, "--minify".as_ref());
    }
    crate::npm::run(&tool, &args)
}

/// Copies a directory tree into another (created as needed).
fn copy_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let dest = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &dest)?;
        } else {
            std::fs::copy(entry.path(), &dest)
                .with_context(|| format!("copying {}", entry.path().display()))?;
        }
    }
    Ok(())
}

fn remove_dir(dir: &Path) -> anyhow::Result<()> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("removing {}", dir.display()))
        }
        _ => Ok(()),
    }
}

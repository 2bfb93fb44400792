//! The browser bundle: compile the WASM, split it at the `#[lazy]` split points, write the JS
//! bindings, optimise every module with wasm-opt.

use anyhow::Context;
use std::path::{Path, PathBuf};

use crate::Layout;

/// The name the server and the hydration scripts use: `/pkg/opsknight.{js,wasm}`.
pub const OUTPUT_NAME: &str = "opsknight";
/// The split loader the main module imports (the name leptos' `HydrationScripts` expects).
pub const SPLIT_LOADER: &str = "__wasm_split.______________________.js";
/// What the split modules each page needs are called (read by leptos on the server).
pub const SPLIT_MANIFEST: &str = "__wasm_split_manifest.json";

/// wasm-opt's flags. `-O1`, not `-Oz`: on the split main module `-Oz` broke hydration (a
/// marker-node cast hit `unreachable`), and `-O1` output is also smaller after brotli.
const WASM_OPT_FLAGS: &[&str] = &[
    "-O1",
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
];

/// The compiled, not yet split module.
pub struct Compiled {
    pub wasm: PathBuf,
}

/// `cargo build` of `frontend` for wasm32 with the bundle's profile.
pub fn compile(layout: &Layout, args: &crate::BuildArgs) -> anyhow::Result<Compiled> {
    let release = args.release;
    crate::cargo::build_wasm(&layout.root, &layout.front_target(), args)?;
    let wasm = layout
        .front_target()
        .join("wasm32-unknown-unknown")
        .join(if release { "wasm-release" } else { "debug" })
        .join("frontend.wasm");
    anyhow::ensure!(wasm.is_file(), "cargo wrote no {}", wasm.display());
    Ok(Compiled { wasm })
}

/// Splits the module into `pkg`: the main module (returned, still to be bound), one module per
/// split point and the chunks they share, the JS loader and the manifest.
pub fn split(compiled: &Compiled, pkg: &Path) -> anyhow::Result<(PathBuf, Vec<PathBuf>)> {
    let input = std::fs::read(&compiled.wasm)
        .with_context(|| format!("reading {}", compiled.wasm.display()))?;
    let main_out = compiled.wasm.with_file_name("frontend_split.wasm");
    let main_module = format!("./{OUTPUT_NAME}.js");
    let link_name = format!("./{SPLIT_LOADER}");
    let mut opts = wasm_split_cli_support::Options::new(&input);
    opts.output_dir = pkg;
    opts.main_out_path = &main_out;
    opts.main_module = &main_module;
    opts.link_name = &link_name;
    let split = wasm_split_cli_support::transform(opts)
        .map_err(|e| anyhow::anyhow!("splitting the WASM module: {e:#}"))?;
    let manifest = serde_json::to_string_pretty(&split.prefetch_map)?;
    std::fs::write(pkg.join(SPLIT_MANIFEST), manifest)?;
    anyhow::ensure!(
        !split.prefetch_map.is_empty(),
        "the WASM module has no split points: was it linked with --emit-relocs?"
    );
    Ok((main_out, split.split_modules))
}

/// wasm-bindgen (the library, at Cargo.lock's version) on the split main module: writes
/// `opsknight.js` and `opsknight.wasm` into `pkg`.
pub fn bindgen(main: &Path, pkg: &Path) -> anyhow::Result<PathBuf> {
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(main)
        .out_name(OUTPUT_NAME)
        .web(true)?
        // The split modules call the main module's functions by their linker names.
        .keep_lld_exports(true)
        .demangle(false)
        .typescript(false)
        .generate(pkg)
        .context("wasm-bindgen")?;
    // leptos' hydration scripts load `<name>.wasm`, not wasm-bindgen's `<name>_bg.wasm`.
    let bound = pkg.join(format!("{OUTPUT_NAME}_bg.wasm"));
    let wasm = pkg.join(format!("{OUTPUT_NAME}.wasm"));
    std::fs::rename(&bound, &wasm)
        .with_context(|| format!("renaming {} to {}", bound.display(), wasm.display()))?;
    Ok(wasm)
}

/// `wasm-opt -O1` on every module in place, two at a time.
pub fn optimize(root: &Path, modules: &[PathBuf]) -> anyhow::Result<()> {
    // npm's binaryen (Debian's wasm-opt 108 silently breaks hydration).
    let tool = crate::npm::tool(root, "wasm-opt")?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    for batch in modules.chunks(threads.max(1)) {
        std::thread::scope(|s| {
            let runs: Vec<_> = batch
                .iter()
                .map(|file| s.spawn(|| run_wasm_opt(&tool, file)))
                .collect();
            runs.into_iter().try_for_each(|run| {
                run.join()
                    .map_err(|_| anyhow::anyhow!("a wasm-opt thread panicked"))?
            })
        })?;
    }
    Ok(())
}

fn run_wasm_opt(tool: &Path, file: &Path) -> anyhow::Result<()> {
    let mut args: Vec<&std::ffi::OsStr> = WASM_OPT_FLAGS.iter().map(|f| f.as_ref()).collect();
    args.extend([file.as_os_str(), "-o".as_ref(), file.as_os_str()]);
    crate::npm::run(tool, &args)
}

#[cfg(test)]
mod tests {
    /// The version of a package in the workspace's Cargo.lock.
    fn locked(name: &str) -> Vec<String> {
        let lock = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.lock"))
            .expect("Cargo.lock");
        let header = format!("name = \"{name}\"\nversion = \"");
        lock.match_indices(&header)
            .filter_map(|(at, _)| {
                let rest = &lock[at + header.len()..];
                rest.split('"').next().map(str::to_owned)
            })
            .collect()
    }

    #[test]
    fn the_bindings_generator_is_exactly_the_wasm_bindgen_in_cargo_lock() {
        let bindgen = locked("wasm-bindgen");
        assert_eq!(
            bindgen.len(),
            1,
            "one wasm-bindgen in Cargo.lock: {bindgen:?}"
        );
        assert_eq!(locked("wasm-bindgen-cli-support"), bindgen);
    }
}

//! The site's file list against what refers to it: the hydration scripts, the split manifest
//! and loader, the service worker's cached list and the web app manifest. A build that would
//! make any of them 404 fails here instead of in a browser.

use std::path::Path;

use anyhow::Context;

use crate::wasm::{OUTPUT_NAME, SPLIT_LOADER, SPLIT_MANIFEST};

/// The split points `app::pages` declares; `pages::preload` loads one of them before hydrating.
pub const SPLIT_POINTS: &[&str] = &["phone_page", "desk_page"];

/// Every problem found, or nothing.
pub fn site(site: &Path) -> anyhow::Result<()> {
    let problems = problems(site)?;
    anyhow::ensure!(
        problems.is_empty(),
        "the site in {} is incomplete:\n  {}",
        site.display(),
        problems.join("\n  ")
    );
    Ok(())
}

/// What is missing from `site`, as one line each.
pub fn problems(site: &Path) -> anyhow::Result<Vec<String>> {
    let pkg = site.join("pkg");
    let mut missing = Vec::new();
    // (site path, what refers to it)
    let mut needed: Vec<(String, String)> = Vec::new();
    let mut need = |path: String, why: &str| needed.push((path, why.to_owned()));
    // What leptos' HydrationScripts links on every page.
    for ext in ["js", "wasm", "css"] {
        need(format!("/pkg/{OUTPUT_NAME}.{ext}"), "every page");
    }
    need(format!("/pkg/{SPLIT_LOADER}"), "the main module's imports");
    // The modules each split point needs (the server preloads them; the loader fetches them).
    let manifest_path = pkg.join(SPLIT_MANIFEST);
    let manifest: std::collections::BTreeMap<String, Vec<String>> = serde_json::from_str(
        &std::fs::read_to_string(&manifest_path)
            .with_context(|| format!("reading {}", manifest_path.display()))?,
    )
    .with_context(|| format!("parsing {}", manifest_path.display()))?;
    // Keys are `<split point>_<hash>`.
    for point in SPLIT_POINTS {
        let prefix = format!("{point}_");
        if !manifest.keys().any(|k| k.starts_with(&prefix)) {
            missing.push(format!(
                "split point {point} (app::pages) is not in {SPLIT_MANIFEST}"
            ));
        }
    }
    for (point, stems) in &manifest {
        for stem in stems {
            need(format!("/pkg/{stem}.wasm"), &format!("split point {point}"));
        }
    }
    let loader = std::fs::read_to_string(pkg.join(SPLIT_LOADER)).unwrap_or_default();
    for name in quoted_names(&loader, ".wasm") {
        need(format!("/pkg/{name}"), SPLIT_LOADER);
    }
    // The service worker's precache list (SHELL).
    let sw = std::fs::read_to_string(site.join("sw.js")).context("reading sw.js")?;
    let shell = sw_shell(&sw).context("sw.js has no `const SHELL = [...]` list")?;
    for path in shell {
        need(path, "sw.js SHELL");
    }
    // The web app manifest's icons.
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(site.join("manifest.webmanifest"))
            .context("reading manifest.webmanifest")?,
    )
    .context("parsing manifest.webmanifest")?;
    let icons = manifest.get("icons").and_then(|i| i.as_array());
    for src in icons
        .into_iter()
        .flatten()
        .filter_map(|i| i.get("src")?.as_str())
    {
        need(src.to_owned(), "manifest.webmanifest");
    }
    for (path, why) in needed {
        if !site.join(path.trim_start_matches('/')).is_file() {
            missing.push(format!("{path} (referenced by {why}) does not exist"));
        }
    }
    Ok(missing)
}

/// The string literals of `const SHELL = [ ... ];` in the service worker.
fn sw_shell(sw: &str) -> Option<Vec<String>> {
    let start = sw.find("const SHELL = [")? + "const SHELL = [".len();
    let body = &sw[start..start + sw[start..].find("];")?];
    Some(
        body.split(',')
            .map(|s| s.trim().trim_matches(|c| c == '\'' || c == '"'))
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
    )
}

/// File names ending in `ext` that appear in quotes in a JS file (`"./chunk_3.wasm"`).
fn quoted_names<'a>(js: &'a str, ext: &'a str) -> impl Iterator<Item = String> + 'a {
    js.split(['"', '\'', '`'])
        .filter(move |s| s.ends_with(ext) && !s.contains(char::is_whitespace))
        .map(|s| s.trim_start_matches("./").to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SW: &str =
        "const CACHE = 'x';\nconst SHELL = [\n  '/offline.html',\n  '/pkg/opsknight.css',\n];\n";

    fn write(site: &Path, path: &str, body: &str) {
        let file = site.join(path);
        std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
        std::fs::write(file, body).expect("write");
    }

    fn complete_site() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        let site = dir.path();
        for f in [
            "pkg/opsknight.js",
            "pkg/opsknight.wasm",
            "pkg/opsknight.css",
        ] {
            write(site, f, "x");
        }
        write(
            site,
            &format!("pkg/{SPLIT_LOADER}"),
            "fetch(new URL(\"./chunk_1.wasm\", import.meta.url))",
        );
        write(
            site,
            &format!("pkg/{SPLIT_MANIFEST}"),
            r#"{"phone_page_12":["chunk_1","split_phone_page_12"],"desk_page_34":["chunk_1","split_desk_page_34"]}"#,
        );
        for f in [
            "pkg/chunk_1.wasm",
            "pkg/split_phone_page_12.wasm",
            "pkg/split_desk_page_34.wasm",
        ] {
            write(site, f, "x");
        }
        write(site, "sw.js", SW);
        write(site, "offline.html", "x");
        write(
            site,
            "manifest.webmanifest",
            r#"{"icons":[{"src":"/icons/a.png"}]}"#,
        );
        write(site, "icons/a.png", "x");
        dir
    }

    #[test]
    fn a_complete_site_passes() {
        let dir = complete_site();
        assert_eq!(problems(dir.path()).expect("checked"), Vec::<String>::new());
    }

    #[test]
    fn each_missing_reference_is_named() {
        for (remove, expect) in [
            ("pkg/opsknight.wasm", "/pkg/opsknight.wasm"),
            ("pkg/split_phone_page_12.wasm", "split point phone_page_12"),
            ("pkg/chunk_1.wasm", "/pkg/chunk_1.wasm"),
            ("offline.html", "sw.js SHELL"),
            ("icons/a.png", "manifest.webmanifest"),
            (SPLIT_LOADER, SPLIT_LOADER),
        ] {
            let dir = complete_site();
            let path = if remove == SPLIT_LOADER {
                format!("pkg/{SPLIT_LOADER}")
            } else {
                remove.to_owned()
            };
            std::fs::remove_file(dir.path().join(path)).expect("remove");
            let found = problems(dir.path()).expect("checked");
            assert!(
                found.iter().any(|p| p.contains(expect)),
                "removing {remove}: {found:?}"
            );
        }
    }

    #[test]
    fn a_manifest_without_a_split_point_is_refused() {
        let dir = complete_site();
        write(
            dir.path(),
            &format!("pkg/{SPLIT_MANIFEST}"),
            r#"{"phone_page_12":["split_phone_page_12"]}"#,
        );
        let found = problems(dir.path()).expect("checked");
        assert!(found.iter().any(|p| p.contains("desk_page")), "{found:?}");
    }

    #[test]
    fn the_shell_list_is_read_from_the_service_worker() {
        assert_eq!(
            sw_shell(SW),
            Some(vec![
                "/offline.html".to_owned(),
                "/pkg/opsknight.css".to_owned()
            ])
        );
        assert_eq!(sw_shell("const OTHER = [];"), None);
    }

    #[test]
    fn the_real_service_worker_caches_the_bundle_and_the_split_loader() {
        let sw = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../public/sw.js"))
            .expect("public/sw.js");
        let shell = sw_shell(&sw).expect("SHELL list");
        for path in [
            format!("/pkg/{OUTPUT_NAME}.js"),
            format!("/pkg/{OUTPUT_NAME}.wasm"),
            format!("/pkg/{OUTPUT_NAME}.css"),
            format!("/pkg/{SPLIT_LOADER}"),
        ] {
            assert!(shell.contains(&path), "{path} not in {shell:?}");
        }
    }
}

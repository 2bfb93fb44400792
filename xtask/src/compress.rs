//! Precompressed copies of the bundle (`<file>.br`, brotli quality 11; `<file>.gz`, gzip -9),
//! which the server sends to browsers that accept them, and the size report of what a first
//! load fetches.

use std::fmt;
use std::io::Write;
use std::path::Path;

use anyhow::Context;

use crate::wasm::{OUTPUT_NAME, SPLIT_LOADER};

/// Bytes of a set of files, raw and compressed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Sizes {
    pub files: usize,
    pub raw: usize,
    pub gzip: usize,
    pub brotli: usize,
}

impl Sizes {
    fn add(&mut self, raw: usize, gzip: usize, brotli: usize) {
        self.files += 1;
        self.raw += raw;
        self.gzip += gzip;
        self.brotli += brotli;
    }
}

/// What every first load fetches (main module, JS glue, split loader, CSS: all of `/m`) and
/// what other pages fetch on demand (the split modules).
#[derive(Debug, Default)]
pub struct Report {
    pub main: Sizes,
    pub split: Sizes,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kb = |n: usize| n as f64 / 1024.0;
        write!(
            f,
            "main (every first load; all of /m): {} files, {:.1} KB raw, {:.1} KB gzip, {:.1} KB brotli; \
             split modules (fetched by other pages): {} files, {:.1} KB raw, {:.1} KB brotli",
            self.main.files,
            kb(self.main.raw),
            kb(self.main.gzip),
            kb(self.main.brotli),
            self.split.files,
            kb(self.split.raw),
            kb(self.split.brotli),
        )
    }
}

/// Is this file part of every first load?
fn is_main(name: &str) -> bool {
    name == SPLIT_LOADER
        || name
            .strip_prefix(OUTPUT_NAME)
            .is_some_and(|ext| matches!(ext, ".js" | ".wasm" | ".css"))
}

/// Writes `.br` and `.gz` beside every `.js`, `.wasm`, `.css` and `.json` file of `pkg`, one
/// thread per file (brotli at quality 11 is most of the work).
pub fn precompress(pkg: &Path) -> anyhow::Result<Report> {
    let mut names: Vec<String> = std::fs::read_dir(pkg)
        .with_context(|| format!("reading {}", pkg.display()))?
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_, _>>()?;
    names.retain(|name| {
        name.rsplit_once('.')
            .is_some_and(|(_, ext)| matches!(ext, "js" | "wasm" | "css" | "json"))
    });
    names.sort();
    let sizes = std::thread::scope(|s| {
        let runs: Vec<_> = names
            .iter()
            .map(|name| s.spawn(move || compress_file(&pkg.join(name))))
            .collect();
        runs.into_iter()
            .map(|run| {
                run.join()
                    .map_err(|_| anyhow::anyhow!("a compression thread panicked"))?
            })
            .collect::<anyhow::Result<Vec<_>>>()
    })?;
    let mut report = Report::default();
    for (name, (raw, gz, br)) in names.iter().zip(sizes) {
        if name.ends_with(".json") {
            // The split manifest: read by the server, never sent.
            continue;
        }
        if is_main(name) {
            tracing::info!("  {name:<44} {raw:>10} B raw {gz:>9} B gzip {br:>9} B brotli");
            report.main.add(raw, gz, br);
        } else {
            report.split.add(raw, gz, br);
        }
    }
    Ok(report)
}

/// Writes `<file>.br` and `<file>.gz`; returns the three sizes.
fn compress_file(path: &Path) -> anyhow::Result<(usize, usize, usize)> {
    let raw = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let binary = path.extension().is_some_and(|e| e == "wasm");
    let br = brotli(&raw, binary)?;
    let gz = gzip(&raw)?;
    let with_ext = |ext: &str| {
        let mut name = path.as_os_str().to_owned();
        name.push(ext);
        std::path::PathBuf::from(name)
    };
    std::fs::write(with_ext(".br"), &br)?;
    std::fs::write(with_ext(".gz"), &gz)?;
    Ok((raw.len(), gz.len(), br.len()))
}

/// Brotli at quality 11, the generic mode for WASM and the text mode for the rest.
fn brotli(raw: &[u8], binary: bool) -> anyhow::Result<Vec<u8>> {
    let params = ::brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        size_hint: raw.len(),
        mode: if binary {
            ::brotli::enc::backward_references::BrotliEncoderMode::BROTLI_MODE_GENERIC
        } else {
            ::brotli::enc::backward_references::BrotliEncoderMode::BROTLI_MODE_TEXT
        },
        ..Default::default()
    };
    let mut out = Vec::with_capacity(raw.len() / 3);
    ::brotli::BrotliCompress(&mut &raw[..], &mut out, &params).context("brotli")?;
    Ok(out)
}

fn gzip(raw: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut enc = flate2::write::GzEncoder::new(
        Vec::with_capacity(raw.len() / 3),
        flate2::Compression::best(),
    );
    enc.write_all(raw)?;
    Ok(enc.finish()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn first_load_files_are_the_main_module_glue_loader_and_css() {
        for name in [
            "opsknight.js",
            "opsknight.wasm",
            "opsknight.css",
            SPLIT_LOADER,
        ] {
            assert!(is_main(name), "{name}");
        }
        for name in [
            "phone_page.wasm",
            "chunk_3.wasm",
            "opsknight.json",
            "opsknight_bg.wasm",
        ] {
            assert!(!is_main(name), "{name}");
        }
    }

    #[test]
    fn copies_decompress_to_the_original_and_are_counted() {
        let dir = tempfile::tempdir().expect("tempdir");
        let text = "body { color: red; }\n".repeat(200);
        std::fs::write(dir.path().join("opsknight.css"), &text).expect("write");
        std::fs::write(
            dir.path().join("desk_page.wasm"),
            [0u8, 97, 115, 109, 1, 0, 0, 0],
        )
        .expect("write");
        std::fs::write(dir.path().join("robots.txt"), "x").expect("write");
        let report = precompress(dir.path()).expect("precompress");
        assert_eq!(report.main.files, 1);
        assert_eq!(report.main.raw, text.len());
        assert_eq!(report.split.files, 1);
        let br = std::fs::read(dir.path().join("opsknight.css.br")).expect("br");
        let mut back = String::new();
        ::brotli::Decompressor::new(&br[..], 4096)
            .read_to_string(&mut back)
            .expect("brotli decodes");
        assert_eq!(back, text);
        let gz = std::fs::read(dir.path().join("opsknight.css.gz")).expect("gz");
        let mut back = String::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_string(&mut back)
            .expect("gzip decodes");
        assert_eq!(back, text);
        assert!(!dir.path().join("robots.txt.br").exists());
    }
}

// Writes <file>.br (brotli, quality 11) and <file>.gz (gzip -9) next to each asset of the site
// root's pkg/ directory, which the server then sends to browsers that accept them (ServeDir
// precompressed). Prints the bytes of what every page loads first (the main WASM module, its
// JS glue and the split loader, the CSS) and of the split modules other pages fetch on demand.
// The first load of /m is measured in a real browser by end2end/tests/bundle.spec.ts.
// Usage: node scripts/precompress.mjs <site-root>
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, gzipSync, constants } from "node:zlib";

const [root = "target/site"] = process.argv.slice(2);
const pkg = join(root, "pkg");
const sum = () => ({ files: 0, raw: 0, gz: 0, br: 0 });
const main = sum();
const split = sum();
for (const name of readdirSync(pkg).sort()) {
  if (!/\.(js|wasm|css|json)$/.test(name)) continue;
  const path = join(pkg, name);
  const raw = readFileSync(path);
  const br = brotliCompressSync(raw, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 11,
      [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
      [constants.BROTLI_PARAM_MODE]: name.endsWith(".wasm") ? constants.BROTLI_MODE_GENERIC : constants.BROTLI_MODE_TEXT,
    },
  });
  const gz = gzipSync(raw, { level: 9 });
  writeFileSync(`${path}.br`, br);
  writeFileSync(`${path}.gz`, gz);
  if (name.endsWith(".json")) continue; // the split manifest: read by the server, never sent
  const isMain = /^(opsknight\.(js|wasm|css)|__wasm_split\..*\.js)$/.test(name);
  const t = isMain ? main : split;
  t.files += 1;
  t.raw += raw.length;
  t.gz += gz.length;
  t.br += br.length;
  if (isMain) {
    console.log(`  ${name.padEnd(44)} ${raw.length.toLocaleString().padStart(10)} B raw  ${gz.length.toLocaleString().padStart(9)} B gzip  ${br.length.toLocaleString().padStart(9)} B brotli`);
  }
}
const kb = (n) => (n / 1024).toFixed(1);
console.log(`main (every first load; all of /m): ${main.files} files, ${kb(main.raw)} KB raw, ${kb(main.gz)} KB gzip, ${kb(main.br)} KB brotli`);
console.log(`split modules (fetched by other pages): ${split.files} files, ${kb(split.raw)} KB raw, ${kb(split.br)} KB brotli`);

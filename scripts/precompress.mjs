// Writes <file>.br (brotli, quality 11) and <file>.gz (gzip -9) next to each asset of the site
// root's pkg/ directory, which the server then sends to browsers that accept them (ServeDir
// precompressed). Prints the first-load bytes of /m (JS + WASM + CSS) raw, gzip and brotli.
// Usage: node scripts/precompress.mjs <site-root> [--budget-kb N]  (exit 1 above the budget)
import { readdirSync, readFileSync, writeFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, gzipSync, constants } from "node:zlib";

const [root = "target/site", ...rest] = process.argv.slice(2);
const budgetAt = rest.indexOf("--budget-kb");
const budget = budgetAt >= 0 ? Number(rest[budgetAt + 1]) : null;
const pkg = join(root, "pkg");
const totals = { raw: 0, gz: 0, br: 0 };
for (const name of readdirSync(pkg)) {
  if (!/\.(js|wasm|css)$/.test(name)) continue;
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
  totals.raw += raw.length;
  totals.gz += gz.length;
  totals.br += br.length;
  console.log(`  ${name.padEnd(18)} ${raw.length.toLocaleString().padStart(10)} B raw  ${gz.length.toLocaleString().padStart(9)} B gzip  ${br.length.toLocaleString().padStart(9)} B brotli`);
}
const kb = (n) => (n / 1024).toFixed(1);
console.log(`first load of /m (JS + WASM + CSS): ${kb(totals.raw)} KB raw, ${kb(totals.gz)} KB gzip, ${kb(totals.br)} KB brotli`);
if (budget !== null && totals.br > budget * 1024) {
  console.error(`over the ${budget} KB brotli budget by ${kb(totals.br - budget * 1024)} KB`);
  process.exit(1);
}

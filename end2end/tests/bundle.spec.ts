// The phone's first load: what a browser fetches to show and hydrate /m, measured in the
// bytes the server sends when the browser accepts brotli. Budget: 300 KB of JS, WASM and CSS.
// Then the desktop pages, whose code sits in a split WASM module, still load and work.
import { test, expect } from "@playwright/test";
import * as http from "node:http";
import { collectConsoleErrors, expectNoConsoleErrors, signIn, waitForHydration } from "./helpers";

const BUDGET = 300 * 1024;

/** The body size and Content-Encoding of a GET that accepts only brotli. */
function brotliSize(url: string): Promise<{ bytes: number; encoding: string }> {
  return new Promise((resolve, reject) => {
    http.get(url, { headers: { "accept-encoding": "br" } }, (res) => {
      let bytes = 0;
      res.on("data", (chunk: Buffer) => { bytes += chunk.length; });
      res.on("end", () => resolve({ bytes, encoding: String(res.headers["content-encoding"] ?? "identity") }));
      res.on("error", reject);
    }).on("error", reject);
  });
}

test("a first load of /m fetches at most 300 KB of JS, WASM and CSS after brotli", async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, serviceWorkers: "block" });
  await signIn(context.request);
  const page = await context.newPage();
  const errors = collectConsoleErrors(page);
  const assets = new Set<string>();
  page.on("request", (req) => {
    const url = new URL(req.url());
    if (/\.(js|wasm|css)$/.test(url.pathname)) assets.add(req.url());
  });
  await page.goto("/m");
  await waitForHydration(page);
  await page.waitForLoadState("networkidle");
  // It is the live, interactive list: the phone's own code is in what was fetched.
  await expect(page.getByRole("heading", { level: 1, name: "Incidents" })).toBeVisible();

  let total = 0;
  const lines: string[] = [];
  for (const url of [...assets].sort()) {
    const { bytes, encoding } = await brotliSize(url);
    expect(encoding, url).toBe("br");
    total += bytes;
    lines.push(`  ${new URL(url).pathname.padEnd(48)} ${bytes.toLocaleString().padStart(9)} B`);
  }
  console.log(`first load of /m: ${assets.size} files, ${total.toLocaleString()} B brotli (${(total / 1024).toFixed(1)} KB; budget 300 KB)\n${lines.join("\n")}`);
  expect([...assets].some((u) => u.endsWith(".wasm")), "the WASM was fetched").toBe(true);
  expect(total).toBeLessThanOrEqual(BUDGET);

  // The desktop's code is not part of that load; navigating there fetches it and works.
  const before = assets.size;
  await page.goto("/incidents");
  await waitForHydration(page);
  await expect(page.getByRole("heading", { level: 1, name: "Incidents" })).toBeVisible();
  expect(assets.size).toBeGreaterThan(before);
  await expectNoConsoleErrors(errors);
  await context.close();
});

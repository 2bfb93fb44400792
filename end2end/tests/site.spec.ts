// The built site against what refers to it: every asset a page, the service worker or the web
// app manifest asks for exists. `cargo xtask build` checks the same list on disk; this checks
// it through the server, as a browser sees it.
import { test, expect, Response } from "@playwright/test";
import { collectConsoleErrors, expectNoConsoleErrors, signIn, waitForHydration } from "./helpers";

/** Same-origin, non-API answers of 400 and above, as "status path". */
function watchAssets(page: import("@playwright/test").Page, origin: string): string[] {
  const bad: string[] = [];
  page.on("response", (res: Response) => {
    const url = new URL(res.url());
    if (url.origin !== origin || url.pathname.startsWith("/api/")) return;
    if (res.status() >= 400) bad.push(`${res.status()} ${url.pathname}`);
  });
  page.on("requestfailed", (req) => {
    const url = new URL(req.url());
    if (url.origin === origin && !url.pathname.startsWith("/api/")) bad.push(`failed ${url.pathname}`);
  });
  return bad;
}

test("no asset of /, /m, or a page behind either split point answers 404", async ({ browser, baseURL }) => {
  const origin = new URL(baseURL!).origin;
  const context = await browser.newContext({ serviceWorkers: "block" });
  await signIn(context.request);
  const page = await context.newPage();
  const errors = collectConsoleErrors(page);
  const bad = watchAssets(page, origin);
  const fetched = new Set<string>();
  page.on("request", (req) => {
    const url = new URL(req.url());
    if (url.pathname.startsWith("/pkg/")) fetched.add(url.pathname);
  });
  // The main module alone (/m), the desktop split (/, /incidents), the phone split (/m/oncall).
  for (const path of ["/m", "/", "/incidents", "/m/oncall", "/m/profile"]) {
    await page.goto(path);
    await waitForHydration(page);
    await page.waitForLoadState("networkidle");
  }
  expect(bad, bad.join("\n")).toEqual([]);
  // Both split points' modules were really fetched, not only the main module.
  expect([...fetched].some((p) => /split_desk_page_.*\.wasm$/.test(p)), [...fetched].join(" ")).toBe(true);
  expect([...fetched].some((p) => /split_phone_page_.*\.wasm$/.test(p)), [...fetched].join(" ")).toBe(true);
  await expectNoConsoleErrors(errors);
  await context.close();
});

test("every file the service worker precaches, the split manifest lists and the app manifest names exists", async ({ request }) => {
  const missing: string[] = [];
  const get = async (path: string) => {
    const res = await request.get(path);
    if (res.status() !== 200) missing.push(`${res.status()} ${path}`);
    return res;
  };
  // sw.js: `const SHELL = [ '...', ... ];`
  const sw = await (await get("/sw.js")).text();
  const shell = /const SHELL = \[([^\]]*)\]/.exec(sw);
  expect(shell, "sw.js has a SHELL list").not.toBeNull();
  const shellPaths = [...shell![1].matchAll(/'([^']+)'/g)].map((m) => m[1]);
  expect(shellPaths).toContain("/pkg/__wasm_split.______________________.js");
  for (const path of shellPaths) await get(path);
  // The modules each split point needs (what the server preloads for a page).
  const splits = (await (await get("/pkg/__wasm_split_manifest.json")).json()) as Record<string, string[]>;
  expect(Object.keys(splits).sort().map((k) => k.replace(/_\d+$/, ""))).toEqual(["desk_page", "phone_page"]);
  for (const stems of Object.values(splits)) for (const stem of stems) await get(`/pkg/${stem}.wasm`);
  // The web app manifest's icons.
  const manifest = await (await get("/manifest.webmanifest")).json();
  for (const icon of manifest.icons) await get(icon.src);
  expect(missing, missing.join("\n")).toEqual([]);
});

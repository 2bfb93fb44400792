// The desktop shell: server-rendered HTML, the WASM bundle, hydration, navigation, 404.
import { test, expect } from "@playwright/test";
import { collectConsoleErrors, expectNoConsoleErrors, screenshot, signIn, waitForHydration } from "./helpers";

test.beforeEach(async ({ page }) => { await signIn(page.request); });

test("server renders the shell and serves the wasm bundle", async ({ page }) => {
  const request = page.request;
  const res = await request.get("/");
  expect(res.status()).toBe(200);
  const html = await res.text();
  expect(html).toMatch(/<nav [^>]*aria-label="Main"/);
  expect(html).toMatch(/<span>Escalation policies(<!>)?<\/span>/);
  const wasm = html.match(/\/pkg\/[\w.-]+\.wasm/);
  expect(wasm, "HTML references a /pkg/*.wasm file").not.toBeNull();
  const bundle = await request.get(wasm![0]);
  expect(bundle.status()).toBe(200);
  expect(bundle.headers()["content-type"]).toBe("application/wasm");
  expect((await bundle.body()).length).toBeGreaterThan(10_000);
});

test("the server-rendered page is complete without JavaScript", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1366, height: 860 } });
  await signIn(context.request);
  const page = await context.newPage();
  await page.goto("/");
  await expect(page.getByRole("heading", { level: 1, name: "Dashboard" })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link")).toHaveCount(11);
  await expect(page.locator("body")).not.toHaveAttribute("data-hydrated", "true");
  await screenshot(page, "desktop-ssr-no-js");
  await context.close();
});

test("hydrates, navigates client-side and toggles the theme", async ({ page }) => {
  const errors = collectConsoleErrors(page);
  await page.goto("/");
  await waitForHydration(page);
  await expect(page.getByRole("heading", { level: 1, name: "Dashboard" })).toBeVisible();
  await expect(page.getByTestId("system-status")).toContainText("reachable");
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link")).toHaveCount(11);
  await screenshot(page, "desktop-dashboard-light");

  // A client-side theme change proves the WASM hydrated the page.
  const html = page.locator("html");
  await expect(html).toHaveAttribute("data-theme", "system");
  await page.getByTestId("theme-toggle").click();
  await expect(html).toHaveAttribute("data-theme", "dark");
  await screenshot(page, "desktop-dashboard-dark");

  // The choice survives a reload: the server renders it from the cookie.
  await page.reload();
  await expect(html).toHaveAttribute("data-theme", "dark");
  await waitForHydration(page);

  // Router navigation without a full page load.
  await nav.getByRole("link", { name: "Incidents" }).click();
  await expect(page).toHaveURL(/\/incidents$/);
  await expect(page.getByRole("heading", { level: 1, name: "Incidents" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Incidents" })).toHaveAttribute("aria-current", "page");

  // Back to light for the other tests' screenshots.
  await page.getByTestId("theme-toggle").click();
  await expect(html).toHaveAttribute("data-theme", "light");
  await expectNoConsoleErrors(errors);
});

test("keyboard users can skip to the content", async ({ page }) => {
  await page.goto("/");
  await waitForHydration(page);
  await page.keyboard.press("Tab");
  const skip = page.getByRole("link", { name: "Skip to content" });
  await expect(skip).toBeFocused();
  await screenshot(page, "desktop-skip-link-focused");
  await page.keyboard.press("Enter");
  await expect(page.locator("#main")).toBeFocused();
});

test("unknown pages answer 404 with a helpful page", async ({ page }) => {
  const res = await page.goto("/no-such-page");
  expect(res?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  await screenshot(page, "desktop-404");
});

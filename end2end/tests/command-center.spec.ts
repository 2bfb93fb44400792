// The desktop command center (counters that move live, recent incidents, response times,
// global search, keyboard shortcuts) and the screenshots of every main view in both themes.
import { test, expect, Page } from "@playwright/test";
import { collectConsoleErrors, expectNoConsoleErrors, screenshot, signIn, waitForHydration } from "./helpers";

const PHONE_UA =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 15_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/15.0 Mobile/15E148 Safari/604.1";

async function routingKey(page: Page, name: string): Promise<string> {
  const svc = await page.request.post("/api/services/create", {
    data: { name, description: "", team_id: null, urgency_rule: "SEVERITY", ack_timeout_secs: null },
  });
  expect(svc.status(), await svc.text()).toBe(200);
  const integ = await page.request.post("/api/integrations/create", {
    data: { service_id: (await svc.json()).id, kind: "events_v2", name: "main", rate_limit_per_min: null },
  });
  return (await integ.json()).routing_key;
}

async function trigger(page: Page, key: string, summary: string, severity = "critical") {
  const res = await page.request.post("/v2/enqueue", {
    data: { routing_key: key, event_action: "trigger", dedup_key: summary, payload: { summary, source: "db-1", severity } },
  });
  expect(res.status()).toBe(202);
}

test("counters move live, search finds a service, and the keyboard works the incident list", async ({ page }) => {
  const errors = collectConsoleErrors(page);
  await signIn(page.request);
  const service = `Ledger ${Date.now()}`;
  const key = await routingKey(page, service);
  await trigger(page, key, "Ledger replica lag 40s");
  await page.goto("/");
  await waitForHydration(page);
  await expect(page.getByTestId("live")).toHaveAttribute("data-state", "on");
  const open = page.getByTestId("counter-open").locator(".counter__value");
  const before = Number(await open.textContent());
  expect(before).toBeGreaterThanOrEqual(1);
  await expect(page.getByTestId("recent-incidents")).toContainText("Ledger replica lag 40s");
  await expect(page.getByTestId("response-times")).toContainText("MTTA");
  await trigger(page, key, "Ledger write errors", "error");
  await expect(open).toHaveText(String(before + 1));
  await expect(page.getByTestId("recent-incidents")).toContainText("Ledger write errors");
  await screenshot(page, "dashboard-light");

  // `/` focuses the global search; Enter opens the highlighted hit.
  await page.keyboard.press("/");
  await expect(page.locator("#global-search")).toBeFocused();
  await page.keyboard.type(service.slice(0, 12));
  await expect(page.getByTestId("search-results")).toContainText(service);
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("ArrowUp");
  const hit = page.getByTestId("search-results").getByRole("option").filter({ hasText: service });
  await hit.getByRole("link").click();
  await expect(page.getByRole("heading", { level: 1, name: service })).toBeVisible();

  // `?` shows the help; on the list, j moves, a acknowledges the current incident.
  await page.goto("/incidents");
  await waitForHydration(page);
  await page.keyboard.press("?");
  await expect(page.getByTestId("shortcuts-help")).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(page.getByTestId("shortcuts-help")).toHaveCount(0);
  const rows = page.getByTestId("incidents").locator("tbody tr");
  await page.keyboard.press("j");
  await expect(rows.first()).toHaveClass(/row--cursor/);
  await page.keyboard.press("j");
  await expect(rows.nth(1)).toHaveClass(/row--cursor/);
  await page.keyboard.press("k");
  await expect(rows.first()).toHaveClass(/row--cursor/);
  await expect(rows.first()).toContainText("Ledger write errors");
  await page.keyboard.press("a");
  await expect(rows.first()).toContainText("acknowledged");
  await expectNoConsoleErrors(errors);
});

test("a desktop action shows its result at once and rolls back with a toast when it fails", async ({ page }) => {
  const errors = collectConsoleErrors(page);
  await signIn(page.request);
  const key = await routingKey(page, `Cache ${Date.now()}`);
  const title = `Cache eviction storm ${Date.now()}`;
  await trigger(page, key, title);
  await page.goto("/incidents");
  await waitForHydration(page);
  const row = page.getByTestId("incidents").locator("tbody tr").filter({ hasText: title });
  await expect(row).toContainText("open");

  // The server answers only when the test says so, and then with a 503.
  let answer!: () => void;
  const answered = new Promise<void>((resolve) => { answer = resolve; });
  await page.route("**/api/incidents/resolve", async (route) => {
    await answered;
    await route.fulfill({
      status: 503, contentType: "application/json",
      body: JSON.stringify({ error: "unavailable", message: "the database is unavailable" }),
    });
  });
  await row.getByRole("checkbox").check();
  const resolveButton = page.getByRole("button", { name: "Resolve", exact: true });
  await resolveButton.click();
  // Optimistic: resolved before the server has answered, and the button is busy.
  await expect(row).toContainText("resolved");
  await expect(resolveButton).toHaveAttribute("aria-busy", "true");
  answer();
  // Rolled back to what the server says, and a toast says why.
  await expect(row).toContainText("open");
  await expect(page.getByTestId("toasts")).toContainText("Could not resolve the incident: The database is unavailable");
  await expect(resolveButton).toHaveAttribute("aria-busy", "false");
  await page.unroute("**/api/incidents/resolve");
  // The browser logs the 503 it was sent; anything else is a fault.
  await expectNoConsoleErrors(errors.filter((e) => !/status of 503/.test(e)));
});

test("screenshots: dashboard, incident list and detail, /m list and detail, light and dark", async ({ page, browser, baseURL }) => {
  await signIn(page.request);
  const key = await routingKey(page, `Search API ${Date.now()}`);
  await trigger(page, key, "Search p99 above 800 ms");
  await trigger(page, key, "Indexer backlog 12k documents", "warning");
  for (const theme of ["light", "dark"]) {
    await page.context().addCookies([{ name: "ok_theme", value: theme, url: baseURL! }]);
    await page.goto("/");
    await waitForHydration(page);
    await expect(page.locator("html")).toHaveAttribute("data-theme", theme);
    await screenshot(page, `dashboard-${theme}`);
    await page.goto("/incidents");
    await waitForHydration(page);
    await screenshot(page, `incidents-list-${theme}`);
    await page.getByTestId("incidents").getByRole("link", { name: "Search p99 above 800 ms" }).first().click();
    await expect(page.getByRole("heading", { level: 1, name: "Search p99 above 800 ms" })).toBeVisible();
    await screenshot(page, `incident-detail-${theme}`);

    const phone = await browser.newContext({
      baseURL, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, userAgent: PHONE_UA,
    });
    await phone.addCookies([{ name: "ok_theme", value: theme, url: baseURL! }]);
    const m = await phone.newPage();
    await signIn(m.request);
    await m.goto("/m");
    await waitForHydration(m);
    await m.getByRole("link", { name: "All open" }).click();
    const card = m.getByTestId("m-incidents").locator("li", { hasText: "Search p99 above 800 ms" });
    await expect(card).toBeVisible();
    await screenshot(m, `mobile-incidents-${theme}`);
    await card.getByRole("link").click();
    await expect(m.getByTestId("m-incident")).toContainText("Search p99 above 800 ms");
    await expect(m.getByTestId("timeline")).toContainText("triggered");
    await screenshot(m, `mobile-incident-detail-${theme}`);
    // Nothing overflows a 360 px phone either.
    await m.setViewportSize({ width: 360, height: 740 });
    const overflow = await m.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await phone.close();
  }
});

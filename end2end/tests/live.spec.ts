// The live command center and the phone PWA together: an event shows up on the open desktop
// list without a reload; a phone (second browser context) acknowledges it and the desktop
// sees that live; an acknowledgement tapped offline is queued and lands when the network
// returns; /m is installable and controlled by its service worker.
import { test, expect, chromium, Browser, BrowserContext, Page } from "@playwright/test";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { collectConsoleErrors, expectNoConsoleErrors, screenshot, signIn, waitForHydration } from "./helpers";

const PHONE_UA =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 15_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/15.0 Mobile/15E148 Safari/604.1";

async function phoneContext(browser: Browser, baseURL: string, theme?: string): Promise<BrowserContext> {
  const ctx = await browser.newContext({
    baseURL, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, userAgent: PHONE_UA,
  });
  if (theme) await ctx.addCookies([{ name: "ok_theme", value: theme, url: baseURL }]);
  return ctx;
}

/** A service with an Events v2 integration; returns its routing key. */
async function serviceWithKey(page: Page, name: string): Promise<string> {
  const svc = await page.request.post("/api/services/create", {
    data: { name, description: "", team_id: null, urgency_rule: "SEVERITY", ack_timeout_secs: null },
  });
  expect(svc.status(), await svc.text()).toBe(200);
  const integ = await page.request.post("/api/integrations/create", {
    data: { service_id: (await svc.json()).id, kind: "events_v2", name: "main", rate_limit_per_min: null },
  });
  expect(integ.status(), await integ.text()).toBe(200);
  return (await integ.json()).routing_key;
}

async function trigger(page: Page, key: string, dedup: string, summary: string) {
  const res = await page.request.post("/v2/enqueue", {
    data: { routing_key: key, event_action: "trigger", dedup_key: dedup, payload: { summary, source: "web-1", severity: "critical" } },
  });
  expect(res.status()).toBe(202);
}

test("an event appears live on the desktop, a phone acknowledges it, and an offline ack lands later", async ({ page, browser, baseURL }) => {
  const errors = collectConsoleErrors(page);
  await signIn(page.request);
  const key = await serviceWithKey(page, `Live checkout ${Date.now()}`);
  await page.goto("/incidents");
  await waitForHydration(page);
  await expect(page.getByTestId("live")).toHaveAttribute("data-state", "on");

  // 1. No reload: the new incident is on the list within a second of the 202.
  const summary = `Checkout latency ${Date.now()}`;
  const sent = Date.now();
  await trigger(page, key, "live-1", summary);
  const row = page.getByTestId("incidents").locator("tbody tr", { hasText: summary });
  await expect(row).toBeVisible({ timeout: 1000 });
  console.log(`live: incident on the desktop list ${Date.now() - sent} ms after the 202`);
  await expect(row).toContainText("open");

  // 2. The phone acknowledges it; the desktop row changes in place.
  const phone = await phoneContext(browser, baseURL!);
  const m = await phone.newPage();
  const phoneErrors = collectConsoleErrors(m);
  await signIn(m.request);
  await m.goto("/m");
  await waitForHydration(m);
  await m.getByRole("link", { name: "All open" }).click();
  const card = m.getByTestId("m-incidents").locator("li", { hasText: summary });
  await expect(card).toBeVisible();
  const ackBox = await card.getByRole("button", { name: "Acknowledge" }).boundingBox();
  expect(ackBox!.height).toBeGreaterThanOrEqual(48);
  await card.getByRole("button", { name: "Acknowledge" }).click();
  await expect(card).toContainText("acknowledged");
  await expect(row).toContainText("acknowledged");

  // 3. Offline: the ack is queued on the phone, the desktop still sees it open; back online,
  // the queued ack is sent and both views show it acknowledged.
  await m.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 15_000 });
  const summary2 = `Queue depth ${Date.now()}`;
  await trigger(page, key, "live-2", summary2);
  const card2 = m.getByTestId("m-incidents").locator("li", { hasText: summary2 });
  await expect(card2).toBeVisible();
  const row2 = page.getByTestId("incidents").locator("tbody tr", { hasText: summary2 });
  await expect(row2).toContainText("open");
  await phone.setOffline(true);
  await card2.getByRole("button", { name: "Acknowledge" }).click();
  await expect(card2.getByTestId("queued")).toBeVisible();
  await expect(card2).toContainText("acknowledged");
  await screenshot(m, "mobile-offline-queued");
  const stillOpen = await page.request.post("/api/incidents/list", {
    data: { filter: { query: summary2 }, before: null, limit: 5 },
  });
  expect((await stillOpen.json()).incidents[0].status).toBe("OPEN");
  await expect(row2).toContainText("open");
  await phone.setOffline(false);
  await expect(row2).toContainText("acknowledged", { timeout: 10_000 });
  await expect(card2.getByTestId("queued")).toHaveCount(0, { timeout: 10_000 });
  await expect(m.getByTestId("toasts")).toContainText("offline acknowledgement was sent");

  await expectNoConsoleErrors(errors);
  // The phone's console saw its stream drop while offline; nothing else.
  expect(phoneErrors.filter((e) => !/ERR_INTERNET_DISCONNECTED|EventSource|network/i.test(e))).toEqual([]);
  await phone.close();
});

test("/m is an installable PWA controlled by its service worker, with an offline page", async ({ launchOptions, baseURL }) => {
  // Installability is judged only outside incognito: a persistent profile, like a real phone's.
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "opsknight-pwa-"));
  const phone = await chromium.launchPersistentContext(profile, {
    ...launchOptions, baseURL, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true,
    deviceScaleFactor: 2, userAgent: PHONE_UA,
  });
  const m = await phone.newPage();
  await signIn(m.request);
  await m.goto("/m");
  await waitForHydration(m);
  await m.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 15_000 });
  const scope = await m.evaluate(async () => (await navigator.serviceWorker.getRegistration())!.scope);
  expect(scope).toBe(`${baseURL}/`);
  const cdp = await phone.newCDPSession(m);
  const { installabilityErrors } = await cdp.send("Page.getInstallabilityErrors");
  expect(installabilityErrors).toEqual([]);
  const manifest = await (await m.request.get("/manifest.webmanifest")).json();
  expect(manifest.start_url).toBe("/m");
  expect(manifest.display).toBe("standalone");
  expect(manifest.icons.map((i: { sizes: string; purpose: string }) => `${i.sizes} ${i.purpose}`))
    .toEqual(["192x192 any", "512x512 any", "512x512 maskable"]);
  // Offline, a navigation gets the cached offline page.
  await phone.setOffline(true);
  await m.goto("/m/oncall").catch(() => undefined);
  await expect(m.getByRole("heading", { level: 1, name: "You are offline" })).toBeVisible();
  await screenshot(m, "mobile-offline-page");
  await phone.setOffline(false);
  await phone.close();
  fs.rmSync(profile, { recursive: true, force: true });
});

test("a phone landing on the desktop pages is offered /m", async ({ browser, baseURL }) => {
  const phone = await phoneContext(browser, baseURL!);
  const p = await phone.newPage();
  await signIn(p.request);
  await p.goto("/incidents");
  await waitForHydration(p);
  await expect(p.getByTestId("phone-offer")).toBeVisible();
  await p.getByTestId("phone-offer").getByRole("link", { name: "Open the mobile view" }).click();
  await expect(p).toHaveURL(/\/m$/);
  await phone.close();
});

test("the event log shows each inbound event as it arrives", async ({ page }) => {
  const errors = collectConsoleErrors(page);
  await signIn(page.request);
  const key = await serviceWithKey(page, `Event log ${Date.now()}`);
  await page.goto("/events");
  await waitForHydration(page);
  await expect(page.getByText("Listening")).toBeVisible();
  await expect(page.getByTestId("event-log-empty")).toBeVisible();
  await trigger(page, key, "log-1", "Webhook wiring test");
  const log = page.getByTestId("event-log");
  await expect(log.locator("tbody tr").first()).toContainText("Webhook wiring test");
  await expect(log.locator("tbody tr").first()).toContainText("trigger");
  await expect(log.locator("tbody tr").first()).toContainText("log-1");
  await expectNoConsoleErrors(errors);
});

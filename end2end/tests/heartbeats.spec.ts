// Heartbeat monitors in the browser: add one on the Heartbeats page, see its ping URL once,
// ping it, fail it (down at once, with an incident), and ping it back up (the incident
// resolves). Going late takes at least a minute of real time (the shortest period), so the
// spec shows the states a signal changes at once; the deadlines are covered on the manual
// clock in server/tests/heartbeats.rs.
import { test, expect } from "@playwright/test";
import { collectConsoleErrors, expectNoConsoleErrors, screenshot, signIn, waitForHydration } from "./helpers";

test("a heartbeat is added in the UI, pinged, failed and pinged back up", async ({ page }) => {
  const errors = collectConsoleErrors(page);
  await signIn(page.request);
  const tag = Date.now().toString(36);
  const serviceName = `Cron jobs ${tag}`;
  const svc = await (await page.request.post("/api/services/create", {
    data: { name: serviceName, description: "", team_id: null, urgency_rule: "SEVERITY", ack_timeout_secs: null },
  })).json();

  await page.goto("/services");
  await waitForHydration(page);
  await page.getByRole("link", { name: "Heartbeats", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Heartbeats" })).toBeVisible();

  // A refused form names its field.
  const name = `nightly-backup-${tag}`;
  await page.getByLabel("Service", { exact: true }).selectOption({ label: serviceName });
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Period (minutes)").fill("0");
  await page.getByRole("button", { name: "Add heartbeat" }).click();
  await expect(page.locator("#f-period_secs-err")).toContainText("from 60 seconds");

  await page.getByLabel("Period (minutes)").fill("1440");
  await page.getByLabel("Grace (minutes)").fill("30");
  await page.getByRole("button", { name: "Add heartbeat" }).click();
  const url = page.getByTestId("ping-url");
  await expect(url).toContainText("/api/heartbeat/");
  await expect(page.getByTestId("heartbeat-example")).toContainText("curl -fsS");
  const token = (await url.innerText()).trim().split("/").pop()!;
  expect(token).toMatch(/^[a-z0-9]{32}$/);

  const row = page.getByTestId("heartbeat").filter({ hasText: name });
  const badge = row.getByTestId("heartbeat-state");
  await expect(badge).toHaveText("new");
  await expect(row).toContainText("never");
  await expect(row).toContainText("1 d");
  await expect(row).toContainText("30 min");

  // A ping (the list reads itself again every few seconds).
  const pinged = await page.request.post(`/api/heartbeat/${token}`);
  expect(pinged.status()).toBe(200);
  expect((await pinged.json()).state).toBe("up");
  await expect(badge).toHaveText("up", { timeout: 10_000 });
  await expect(row).not.toContainText("never");

  // A failure: down at once, and an incident on the service.
  const failed = await page.request.get(`/api/heartbeat/${token}/fail`);
  expect(failed.status()).toBe(200);
  await expect(badge).toHaveText("down", { timeout: 10_000 });
  const incidents = async () => (await (await page.request.post("/api/incidents/list", {
    data: { filter: { service_id: svc.id }, before: null, limit: 10 },
  })).json()).incidents;
  const opened = await incidents();
  expect(opened).toHaveLength(1);
  expect(opened[0].title).toContain("reported a failure");
  expect(opened[0].status).toBe("OPEN");
  await screenshot(page, "heartbeats");

  // The next ping brings it back up and resolves the incident.
  expect((await page.request.post(`/api/heartbeat/${token}`)).status()).toBe(200);
  await expect(badge).toHaveText("up", { timeout: 10_000 });
  await expect.poll(async () => (await incidents())[0].status).toBe("RESOLVED");

  // A wrong token is a 404 and changes nothing.
  const other = token.endsWith("x") ? "y" : "x";
  const wrong = await page.request.post(`/api/heartbeat/${token.slice(0, -1)}${other}`);
  expect(wrong.status()).toBe(404);
  expect((await wrong.json()).error).toBe("not_found");
  await expectNoConsoleErrors(errors);
});

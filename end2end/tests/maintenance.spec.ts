// Maintenance windows in the browser: schedule one on a service from /maintenance, see the
// service page say "In maintenance until …", send an event that opens a SUPPRESSED incident,
// and cancel the window.
import { test, expect } from "@playwright/test";
import { collectConsoleErrors, expectNoConsoleErrors, screenshot, signIn, waitForHydration } from "./helpers";

test("a maintenance window is scheduled, holds a service's new incidents, and is cancelled", async ({ page }) => {
  const errors = collectConsoleErrors(page);
  await signIn(page.request);
  const svc = await (await page.request.post("/api/services/create", {
    data: { name: "Warehouse DB", description: "", team_id: null, urgency_rule: "SEVERITY", ack_timeout_secs: null },
  })).json();
  const integration = await (await page.request.post("/api/integrations/create", {
    data: { service_id: svc.id, kind: "events_v2", name: "main", rate_limit_per_min: null },
  })).json();

  await page.goto("/maintenance");
  await waitForHydration(page);
  await expect(page.getByRole("heading", { level: 1, name: "Maintenance windows" })).toBeVisible();
  // A bad form is named field by field and writes nothing.
  await page.getByRole("button", { name: "Schedule" }).click();
  await expect(page.locator("#f-name-err")).toContainText("required");

  await page.getByLabel("Name").fill("Warehouse DB upgrade");
  await page.getByLabel("Warehouse DB").check();
  // Started already, ends far ahead: in effect now, whatever the browser's zone.
  await page.getByLabel("Starts").fill("2020-01-01T00:00");
  await page.getByLabel("Ends").fill("2099-01-01T00:00");
  await page.getByRole("button", { name: "Schedule" }).click();
  const table = page.getByTestId("maintenance-windows");
  await expect(table).toContainText("Warehouse DB upgrade");
  await expect(table).toContainText("in maintenance");
  await screenshot(page, "maintenance");

  await page.goto(`/services/${svc.id}`);
  await waitForHydration(page);
  await expect(page.getByTestId("maintenance-banner")).toContainText("In maintenance until");

  const sent = await page.request.post("/v2/enqueue", { data: {
    routing_key: integration.routing_key, event_action: "trigger", dedup_key: "wh-1",
    payload: { summary: "replication lag on warehouse-db", source: "warehouse-db", severity: "critical" },
  } });
  expect(sent.status()).toBe(202);
  const list = await (await page.request.post("/api/incidents/list", { data: {
    filter: { statuses: ["SUPPRESSED"], urgencies: [], service_id: svc.id, team_id: null, mine: false, query: "" },
    before: null, limit: 50,
  } })).json();
  expect(list.incidents.map((i: { title: string }) => i.title)).toEqual(["replication lag on warehouse-db"]);

  await page.goto("/maintenance");
  await waitForHydration(page);
  await table.getByRole("row", { name: /Warehouse DB upgrade/ }).getByRole("button", { name: "Cancel" }).click();
  await expect(table.getByRole("row", { name: /Warehouse DB upgrade/ })).toContainText("cancelled");
  await expectNoConsoleErrors(errors);
});

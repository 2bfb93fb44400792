// Analytics in the browser: incidents from the Events API show up in the summary; the
// filters (a plain GET form) narrow the report and survive a reload; the charts carry a table
// view; CSV links download; an SLA target is saved on the service page and an incident shows
// its SLA badge. Screenshots at desktop size, in both themes.
import { test, expect } from "@playwright/test";
import { collectConsoleErrors, expectNoConsoleErrors, screenshot, signIn, waitForHydration } from "./helpers";

test("analytics filters narrow the report, charts have tables, and tables export as CSV", async ({ page }) => {
  const errors = collectConsoleErrors(page);
  await signIn(page.request);
  const svc = await (await page.request.post("/api/services/create", {
    data: { name: "Analytics API", description: "", team_id: null, urgency_rule: "SEVERITY", ack_timeout_secs: null },
  })).json();
  const integration = await (await page.request.post("/api/integrations/create", {
    data: { service_id: svc.id, kind: "events_v2", name: "prom", rate_limit_per_min: null },
  })).json();
  const saved = await page.request.post("/api/services/sla/save", {
    data: { service_id: svc.id, targets: [{ ack_minutes: 15, resolve_minutes: 120, warn_minutes: 5 }] },
  });
  expect(saved.status()).toBe(200);
  for (const [key, severity] of [["a-1", "critical"], ["a-2", "critical"], ["a-3", "warning"]]) {
    const sent = await page.request.post("/v2/enqueue", { data: {
      routing_key: integration.routing_key, event_action: "trigger", dedup_key: key,
      payload: { summary: `Analytics ${key}`, source: "prometheus", severity },
    } });
    expect(sent.status()).toBe(202);
  }

  await page.goto(`/analytics?service=${svc.id}`);
  await waitForHydration(page);
  await expect(page.getByTestId("kpi-incidents")).toContainText("3");
  await expect(page.getByRole("img", { name: "Incidents opened per UTC day" })).toBeVisible();
  await page.getByText("Show as a table").first().click();
  await expect(page.getByRole("cell", { name: "3" }).first()).toBeVisible();
  await screenshot(page, "analytics");

  // The urgency filter through the form: the URL carries it and the figures follow.
  await page.getByLabel("Urgency").selectOption("HIGH");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/urgency=HIGH/);
  await expect(page.getByTestId("kpi-incidents")).toContainText("2");
  await page.reload();
  await expect(page.getByTestId("kpi-incidents")).toContainText("2");

  const csv = await page.request.get(`/analytics/export/services.csv?service=${svc.id}`);
  expect(csv.status()).toBe(200);
  expect(await csv.text()).toContain("Analytics API,3,");

  // A bad window is named.
  await page.goto("/analytics?days=0");
  await expect(page.getByTestId("analytics-error")).toContainText(/between 1 and 366/i);

  // The SLA card on the service page, and the incident's badge.
  await page.goto(`/services/${svc.id}`);
  await waitForHydration(page);
  await expect(page.getByTestId("sla")).toContainText("acknowledge within 15 min");
  const list = await (await page.request.post("/api/incidents/list", { data: {
    filter: { statuses: [], urgencies: [], service_id: svc.id, team_id: null, mine: false, query: "" },
    before: null, limit: 50,
  } })).json();
  await page.goto(`/incidents/${list.incidents[0].id}`);
  await expect(page.getByTestId("sla-badge")).toContainText(/SLA due|SLA breached/);
  await page.emulateMedia({ colorScheme: "dark" });
  await page.goto(`/analytics?service=${svc.id}`);
  await waitForHydration(page);
  await screenshot(page, "analytics-dark");
  await expectNoConsoleErrors(errors);
});

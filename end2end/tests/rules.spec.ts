// Event rules in the browser: build a rule in a service's editor (a condition and an action),
// test it with a pasted Events v2 payload, save it, and see a real event follow it.
import { test, expect } from "@playwright/test";
import { collectConsoleErrors, expectNoConsoleErrors, screenshot, signIn, waitForHydration } from "./helpers";

test("a rule is built in the editor, tested with a pasted event, saved, and applied at ingest", async ({ page }) => {
  const errors = collectConsoleErrors(page);
  await signIn(page.request);
  const svc = await (await page.request.post("/api/services/create", {
    data: { name: "Rules demo", description: "", team_id: null, urgency_rule: "SEVERITY", ack_timeout_secs: null },
  })).json();
  const integration = await (await page.request.post("/api/integrations/create", {
    data: { service_id: svc.id, kind: "events_v2", name: "main", rate_limit_per_min: null },
  })).json();

  await page.goto(`/services/${svc.id}`);
  await waitForHydration(page);
  await page.getByRole("link", { name: "Event rules" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Event rules · Rules demo" })).toBeVisible();
  await expect(page.getByTestId("rules-empty")).toBeVisible();

  await page.getByRole("button", { name: "Add rule" }).click();
  const rule = page.getByTestId("rule").first();
  await rule.getByLabel("Rule name").fill("Staging is noise");
  const cond = rule.getByTestId("condition").first();
  await cond.getByLabel("Field").fill("custom_details.env");
  await cond.getByLabel("Operator").selectOption("equals");
  await cond.getByLabel("Value").fill("staging");
  await rule.getByTestId("then-drop").check();

  // The test panel runs the unsaved draft.
  const panel = page.getByTestId("test-panel");
  await panel.getByLabel("Event").fill(JSON.stringify({
    routing_key: "x", event_action: "trigger",
    payload: { summary: "disk full on stg-db-1", source: "stg-db-1", severity: "critical", custom_details: { env: "staging" } },
  }, null, 2));
  await panel.getByRole("button", { name: "Test" }).click();
  const results = panel.getByTestId("test-results");
  await expect(results).toContainText("Matched: Rule 1 “Staging is noise”");
  await expect(results).toContainText("Dropped");
  await screenshot(page, "rules-editor");

  // A bad regex is named on its rule.
  await cond.getByLabel("Operator").selectOption("matches");
  await cond.getByLabel("Value").fill("((a{100}){100}){100}");
  await page.getByRole("button", { name: "Save rules" }).click();
  await expect(page.getByTestId("rules-error")).toContainText("rules[0].when.all[0].value");
  await cond.getByLabel("Operator").selectOption("equals");
  await cond.getByLabel("Value").fill("staging");
  await page.getByRole("button", { name: "Save rules" }).click();
  await expect(page.getByTestId("rules-meta")).toContainText("Version 1");

  // A real event: dropped and counted, no incident.
  const sent = await page.request.post("/v2/enqueue", { data: {
    routing_key: integration.routing_key, event_action: "trigger", dedup_key: "stg-1",
    payload: { summary: "disk full on stg-db-1", source: "stg-db-1", severity: "critical", custom_details: { env: "staging" } },
  } });
  expect(sent.status()).toBe(202);
  await expect.poll(async () => {
    const r = await (await page.request.post("/api/rules/get", { data: { service_id: svc.id } })).json();
    return r.dropped_24h;
  }, { timeout: 10_000 }).toBe(1);
  await page.reload();
  await waitForHydration(page);
  await expect(page.getByTestId("rules-meta")).toContainText("1 dropped in the last 24 hours");
  await expect(page.getByTestId("rule").first().getByLabel("Rule name")).toHaveValue("Staging is noise");
  await screenshot(page, "rules-saved");
  await expectNoConsoleErrors(errors);
});

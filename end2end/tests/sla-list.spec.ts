// The incident lists' SLA badge: an incident of a service that must be acknowledged within
// 2 minutes, with a warning 1 minute before, is "at risk" from its first minute on; the
// desktop list (/incidents) and the phone list (/m, at 390x844) show the compact badge once
// a reload reads it (the state is computed when the list is read).
import { test, expect } from "@playwright/test";
import { collectConsoleErrors, expectNoConsoleErrors, signIn, waitForHydration } from "./helpers";

test("the incident lists show an SLA badge for an incident at risk", async ({ page, browser }) => {
  test.setTimeout(180_000);
  const errors = collectConsoleErrors(page);
  await signIn(page.request);
  const svc = await (await page.request.post("/api/services/create", {
    data: { name: "SLA list badge", description: "", team_id: null, urgency_rule: "SEVERITY", ack_timeout_secs: null },
  })).json();
  const integration = await (await page.request.post("/api/integrations/create", {
    data: { service_id: svc.id, kind: "events_v2", name: "main", rate_limit_per_min: null },
  })).json();
  const saved = await page.request.post("/api/services/sla/save", {
    data: { service_id: svc.id, targets: [{ ack_minutes: 2, resolve_minutes: 60, warn_minutes: 1 }] },
  });
  expect(saved.status()).toBe(200);
  const sent = await page.request.post("/v2/enqueue", { data: {
    routing_key: integration.routing_key, event_action: "trigger", dedup_key: "sla-list-1",
    payload: { summary: "SLA list badge check", source: "e2e", severity: "critical" },
  } });
  expect(sent.status()).toBe(202);
  const list = await (await page.request.post("/api/incidents/list", { data: {
    filter: { statuses: [], urgencies: [], service_id: svc.id, team_id: null, mine: false, query: "" },
    before: null, limit: 50,
  } })).json();
  const number = list.incidents[0].number;
  expect(list.incidents[0].sla.ack_due_at).toBeTruthy();

  // Desktop: within the first minute nothing is flagged; from the warning window on, "SLA at risk".
  const row = page.locator(`tr[data-incident="${number}"]`);
  await expect(async () => {
    await page.goto("/incidents");
    await waitForHydration(page);
    await expect(row.getByTestId("sla-flag")).toContainText(/SLA at risk|SLA breached/, { timeout: 2_000 });
  }).toPass({ timeout: 150_000, intervals: [5_000] });

  // Phone: the same badge on the card.
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const m = await phone.newPage();
  await signIn(m.request);
  await m.goto("/m?view=all");
  await waitForHydration(m);
  await expect(m.locator(`[data-incident="${number}"]`).getByTestId("sla-flag"))
    .toContainText(/SLA at risk|SLA breached/);
  await phone.close();
  await expectNoConsoleErrors(errors);
});

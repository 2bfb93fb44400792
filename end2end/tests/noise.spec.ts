// Noise control in the browser, beyond rules and windows: a service's alert grouping set on
// its page (a bad key named at its field, then two alerts of one group joining one incident),
// a policy step limited to office hours in the editor, and a person's quiet hours on the
// profile page.
import { test, expect } from "@playwright/test";
import { collectConsoleErrors, expectNoConsoleErrors, screenshot, signIn, waitForHydration } from "./helpers";

test("alert grouping is set on the service page and two alerts of a group open one incident", async ({ page }) => {
  const errors = collectConsoleErrors(page);
  await signIn(page.request);
  const svc = await (await page.request.post("/api/services/create", {
    data: { name: "Cluster API", description: "", team_id: null, urgency_rule: "SEVERITY", ack_timeout_secs: null },
  })).json();
  const integration = await (await page.request.post("/api/integrations/create", {
    data: { service_id: svc.id, kind: "events_v2", name: "prom", rate_limit_per_min: null },
  })).json();

  await page.goto(`/services/${svc.id}`);
  await waitForHydration(page);
  const card = page.getByTestId("noise");
  await expect(card.getByTestId("noise-grouping")).toContainText("Off");
  await card.getByLabel("Group key").fill("static text");
  await card.getByLabel("Group window (minutes)").fill("30");
  await card.getByRole("button", { name: "Save grouping" }).click();
  await expect(page.locator("#f-noise-group_template-err")).toContainText(/needs at least one/i);
  await card.getByLabel("Group key").fill("{{custom_details.alertname}}/{{custom_details.cluster}}");
  await card.getByLabel("Flapping after (incidents)").fill("3");
  await card.getByLabel("Within (minutes)").fill("10");
  await card.getByRole("button", { name: "Save grouping" }).click();
  await expect(card.getByTestId("noise-grouping")).toContainText("join one incident for 30 min");
  await expect(card.getByTestId("noise-flap")).toContainText("opens 3 incidents within 10 min");
  await screenshot(page, "service-grouping");

  for (const key of ["node-1", "node-2"]) {
    const sent = await page.request.post("/v2/enqueue", { data: {
      routing_key: integration.routing_key, event_action: "trigger", dedup_key: key,
      payload: { summary: `KubeNodeNotReady ${key}`, source: "prometheus", severity: "critical",
        custom_details: { alertname: "KubeNodeNotReady", cluster: "eu-1" } },
    } });
    expect(sent.status()).toBe(202);
  }
  const list = await (await page.request.post("/api/incidents/list", { data: {
    filter: { statuses: [], urgencies: [], service_id: svc.id, team_id: null, mine: false, query: "" },
    before: null, limit: 50,
  } })).json();
  expect(list.incidents.map((i: { alert_count: number }) => i.alert_count)).toEqual([2]);
  await expectNoConsoleErrors(errors);
});

test("a policy step is limited to office hours in the editor", async ({ page }) => {
  const errors = collectConsoleErrors(page);
  await signIn(page.request);
  await page.goto("/policies");
  await waitForHydration(page);
  await page.getByRole("link", { name: "New policy" }).click();
  await page.getByLabel("Name", { exact: true }).fill("Office hours first");
  await page.getByLabel("Step 1 target", { exact: true }).selectOption({ label: "Ada Admin (ada@example.com)" });
  await page.getByTestId("step").first().getByRole("button", { name: "Add target" }).click();
  await page.getByLabel("Step 1 only during a weekly window").check();
  await page.getByLabel("Step 1 time zone").fill("Mars/Olympus");
  await page.getByTestId("save-policy").click();
  await expect(page.getByRole("alert").first()).toContainText("time zone");
  await page.getByLabel("Step 1 time zone").fill("Europe/Berlin");
  await page.getByTestId("save-policy").click();
  await expect(page.getByRole("heading", { level: 1, name: "Edit escalation policy" })).toBeVisible();
  await screenshot(page, "policy-step-conditions");
  const policyId = page.url().split("/").pop();
  const policy = await (await page.request.post("/api/policies/get", { data: { id: policyId } })).json();
  expect(policy.steps[0].conditions.when).toEqual({
    zone: "Europe/Berlin", days: ["mon", "tue", "wed", "thu", "fri"], from: "09:00", to: "17:00",
  });
  await expectNoConsoleErrors(errors);
});

test("quiet hours are set on the profile page", async ({ page }) => {
  const errors = collectConsoleErrors(page);
  await signIn(page.request);
  await page.goto("/profile");
  await waitForHydration(page);
  const form = page.getByTestId("hours-form");
  await form.getByLabel("Set quiet hours").check();
  await page.locator("#f-quiet_hours\\.from").fill("22:00");
  await page.locator("#f-quiet_hours\\.to").fill("7am");
  await form.getByRole("button", { name: "Save hours" }).click();
  await expect(page.locator("#f-quiet_hours\\.to-err")).toContainText("HH:MM");
  await page.locator("#f-quiet_hours\\.to").fill("07:00");
  await form.getByRole("button", { name: "Save hours" }).click();
  await expect(form.getByRole("status")).toContainText("Saved");
  await screenshot(page, "profile-hours");
  const hours = await (await page.request.post("/api/profile/hours", { data: {} })).json();
  expect(hours.quiet_hours).toEqual({ days: [], from: "22:00", to: "07:00" });
  await expectNoConsoleErrors(errors);
});

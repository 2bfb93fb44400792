// Escalation in the browser: build a two-step policy in the editor (add, reorder), read the
// "who would be paged now" preview, give it to a service, and watch an event's page show
// up on the incident. This server has no SMTP, so the page is recorded as failed, visibly.
import { test, expect } from "@playwright/test";
import { collectConsoleErrors, expectNoConsoleErrors, screenshot, signIn, waitForHydration } from "./helpers";

test("a policy is built in the editor, previewed, and pages when an event arrives", async ({ page }) => {
  const errors = collectConsoleErrors(page);
  await signIn(page.request);
  const team = await (await page.request.post("/api/teams/create", { data: { name: "Night shift", description: "" } })).json();

  await page.goto("/policies");
  await waitForHydration(page);
  await page.getByRole("link", { name: "New policy" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "New escalation policy" })).toBeVisible();
  await page.getByLabel("Name", { exact: true }).fill("Payments primary");
  await page.getByLabel("Repeat (0–9 more passes)").fill("1");
  // Step 1: Ada herself.
  await page.getByLabel("Step 1 target", { exact: true }).selectOption({ label: "Ada Admin (ada@example.com)" });
  await page.getByTestId("step").first().getByRole("button", { name: "Add target" }).click();
  await expect(page.getByTestId("step").first()).toContainText("Ada Admin");
  // Step 2: the whole (empty) night shift team, after 10 minutes.
  await page.getByTestId("add-step").click();
  await page.getByLabel("Step 1 delay in minutes").fill("10");
  await page.getByLabel("Step 2 target kind").selectOption("TEAM");
  await page.getByLabel("Step 2 target", { exact: true }).selectOption({ label: "Night shift" });
  await page.getByTestId("step").nth(1).getByRole("button", { name: "Add target" }).click();
  await expect(page.getByTestId("step").nth(1)).toContainText("Night shift");
  await page.getByTestId("save-policy").click();
  await expect(page.getByRole("heading", { level: 1, name: "Edit escalation policy" })).toBeVisible();
  const preview = page.getByTestId("preview");
  await expect(preview).toContainText("Step 1Ada Admin");
  await expect(preview).toContainText("nobody: this step is skipped");
  await screenshot(page, "policy-editor");

  // Reorder: the team first. The preview follows the saved order.
  await waitForHydration(page);
  await page.getByRole("button", { name: "Move step 2 up" }).click();
  await page.getByTestId("save-policy").click();
  await expect(page.getByRole("status").filter({ hasText: "Saved" })).toBeVisible();
  await expect(preview.locator("li").first()).toContainText("nobody");
  await expect(preview.locator("li").nth(1)).toContainText("Ada Admin");
  const policyId = page.url().split("/").pop();
  // Put Ada first again through the API, then give the policy to a service.
  const policy = await (await page.request.post("/api/policies/get", { data: { id: policyId } })).json();
  const steps = [policy.steps[1], policy.steps[0]];
  expect((await page.request.post("/api/policies/update", { data: { id: policyId, name: policy.name, description: "", repeat_count: 0, steps } })).status()).toBe(200);
  const svc = await (await page.request.post("/api/services/create", {
    data: { name: "Ledger", description: "", team_id: team.id, urgency_rule: "SEVERITY", ack_timeout_secs: null, escalation_policy_id: policyId },
  })).json();
  expect(svc.escalation_policy_name).toBe("Payments primary");
  // Deleting a policy in use is refused.
  expect((await page.request.post("/api/policies/delete", { data: { id: policyId } })).status()).toBe(409);

  const integ = await (await page.request.post("/api/integrations/create", {
    data: { service_id: svc.id, kind: "events_v2", name: "prod", rate_limit_per_min: null },
  })).json();
  const res = await page.request.post("/v2/enqueue", {
    data: { routing_key: integ.routing_key, event_action: "trigger", dedup_key: "ledger-lag", payload: { summary: "Ledger replication lag 90s", source: "ledger-2", severity: "critical" } },
  });
  expect(res.status()).toBe(202);
  const list = await (await page.request.post("/api/incidents/list", { data: { filter: { service_id: svc.id }, before: null, limit: 5 } })).json();
  await page.goto(`/incidents/${list.incidents[0].id}`);
  await waitForHydration(page);
  // The engine pages step 1 at once; without SMTP the page fails and says why.
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId("deliveries")).toContainText("failed", { timeout: 1000 });
  }).toPass({ timeout: 15_000 });
  await expect(page.getByTestId("deliveries")).toContainText("email is not configured");
  await expect(page.getByTestId("timeline")).toContainText("escalated");
  await screenshot(page, "incident-pages");
  await expectNoConsoleErrors(errors);
});

test("admins see the job queue and email settings; a bad acknowledge link says so", async ({ page }) => {
  const errors = collectConsoleErrors(page);
  await signIn(page.request);
  await page.goto("/jobs");
  await waitForHydration(page);
  await expect(page.getByTestId("queue-depth")).toContainText("ESCALATION");
  await screenshot(page, "job-queue");

  await page.goto("/settings");
  await waitForHydration(page);
  await expect(page.getByTestId("smtp-source")).toContainText("not configured");
  await page.getByLabel("Host").fill("smtp.example.com");
  await page.getByLabel("Port").fill("0");
  await page.getByLabel("From", { exact: true }).fill("OpsKnight <pager@example.com>");
  await page.getByRole("button", { name: "Save email settings" }).click();
  await expect(page.locator("#f-port-err")).toContainText("between 1 and 65535");
  await screenshot(page, "settings");

  await page.goto("/ack?token=not-a-token");
  await expect(page.getByRole("alert")).toContainText("not valid");
  await expectNoConsoleErrors(errors);
});

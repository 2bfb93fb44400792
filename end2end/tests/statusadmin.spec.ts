// The status page's admin screen: add a component for a service at /settings/status, publish
// a hand-written incident, and see both on the public page /status.
import { test, expect } from "@playwright/test";
import { collectConsoleErrors, expectNoConsoleErrors, screenshot, signIn, waitForHydration } from "./helpers";

test("an admin adds a component and publishes an incident that /status shows", async ({ page }) => {
  const errors = collectConsoleErrors(page);
  await signIn(page.request);
  const run = Date.now().toString(36);
  const created = await page.request.post("/api/services/create", {
    data: { name: `Payments ${run}`, description: "", team_id: null, urgency_rule: "SEVERITY", ack_timeout_secs: null },
  });
  expect(created.status(), await created.text()).toBe(200);
  const svc = await created.json();
  const display = `Card payments ${run}`;
  const title = `Card payments failing ${run}`;

  await page.goto("/settings/status");
  await waitForHydration(page);
  await expect(page.getByRole("heading", { level: 1, name: "Status page" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Open the public page" })).toHaveAttribute("target", "_blank");

  // A component without a display name is refused, the field named.
  const form = page.getByTestId("status-component-form");
  await form.locator("#f-sc-service_id").selectOption(svc.id);
  await form.getByRole("button", { name: "Save component" }).click();
  await expect(page.locator("#f-display_name-err")).toContainText("required");

  await form.getByLabel("Display name").fill(display);
  await form.getByLabel("Group").fill("Checkout");
  await form.getByRole("button", { name: "Save component" }).click();
  const table = page.getByTestId("status-components");
  await expect(table.getByRole("row", { name: new RegExp(display) })).toContainText("Operational");

  const incident = page.getByTestId("status-incident-form");
  await incident.locator("#f-si-name").fill(title);
  await incident.locator("#f-si-impact").selectOption("major");
  await incident.getByLabel(display).check();
  await incident.locator("#f-si-body").fill("Some card payments fail; we are looking into it.");
  await incident.getByRole("button", { name: "Publish incident" }).click();
  await expect(page.getByTestId("status-incidents").getByRole("heading", { name: title })).toBeVisible();
  await screenshot(page, "status-admin");
  await expectNoConsoleErrors(errors);

  await page.goto("/status");
  await expect(page.getByText(display).first()).toBeVisible();
  await expect(page.getByText(title).first()).toBeVisible();
});

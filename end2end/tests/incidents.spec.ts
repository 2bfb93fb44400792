// From a routing key to a resolved incident in the browser: create a service and an Events v2
// integration, send an event like a monitoring tool would, then acknowledge, note and resolve.
import { test, expect } from "@playwright/test";
import { collectConsoleErrors, expectNoConsoleErrors, screenshot, signIn, waitForHydration } from "./helpers";

test("a monitoring event becomes an incident that responders work from the list and the detail page", async ({ page }) => {
  const errors = collectConsoleErrors(page);
  await signIn(page.request);
  await page.goto("/services");
  await waitForHydration(page);
  await page.getByLabel("Name", { exact: true }).fill("Checkout API");
  await page.getByLabel("Description").fill("Payments and carts");
  await page.getByRole("button", { name: "Create service" }).click();
  await page.getByTestId("services").getByRole("link", { name: "Checkout API" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Checkout API" })).toBeVisible();
  await page.getByLabel("Integration name").fill("Production monitoring");
  await page.getByRole("button", { name: "Add integration" }).click();
  const key = (await page.getByTestId("routing-key").textContent())!.trim();
  expect(key).toMatch(/^[a-z0-9]{32}$/);
  await expect(page.getByTestId("integration-example")).toContainText("/v2/enqueue");
  await screenshot(page, "service-detail");

  for (const [dedup, summary, severity] of [["db-disk", "Disk 95% on db-1", "critical"], ["api-5xx", "5xx rate above 2%", "warning"]]) {
    const res = await page.request.post("/v2/enqueue", {
      data: { routing_key: key, event_action: "trigger", dedup_key: dedup, payload: { summary, source: "db-1", severity } },
    });
    expect(res.status()).toBe(202);
    expect(await res.text()).toBe(`{"status":"success","message":"Event processed","dedup_key":"${dedup}"}`);
  }

  await page.goto("/incidents");
  await waitForHydration(page);
  const table = page.getByTestId("incidents");
  await page.getByRole("search").getByLabel("Service").selectOption({ label: "Checkout API" });
  await expect(table.locator("tbody tr")).toHaveCount(2);
  await expect(table).toContainText("Disk 95% on db-1");
  await expect(table).toContainText("HIGH");
  await screenshot(page, "incidents-list");
  await page.getByLabel(/Select incident \d+/).first().check();
  await page.getByRole("button", { name: "Acknowledge" }).click();
  await expect(table.locator("tbody tr").first()).toContainText("acknowledged");

  await table.getByRole("link", { name: "Disk 95% on db-1" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Disk 95% on db-1" })).toBeVisible();
  await page.getByLabel("Add a note").fill("Rotating logs on db-1");
  await page.getByRole("button", { name: "Add note" }).click();
  await expect(page.getByTestId("timeline")).toContainText("Rotating logs on db-1");
  await page.getByLabel("Assignee").selectOption({ label: "Ada Admin" });
  await expect(page.getByTestId("timeline")).toContainText("assigned");
  await page.getByLabel("Priority").selectOption("P1");
  await expect(page.getByLabel("Priority")).toHaveValue("P1");
  await page.getByTestId("incident-actions").getByRole("button", { name: "Resolve" }).click();
  await expect(page.getByTestId("incident-actions").getByRole("button", { name: "Reopen" })).toBeVisible();
  await expect(page.getByTestId("timeline")).toContainText("resolved");
  await screenshot(page, "incident-detail");
  await expectNoConsoleErrors(errors);
});

// On-call health in the browser: /oncall-health shows the caller's table with its window
// filter, a team's owners pick the team and turn its weekly report on.
import { test, expect } from "@playwright/test";
import { collectConsoleErrors, expectNoConsoleErrors, screenshot, signIn, waitForHydration } from "./helpers";

test("on-call health shows who carried the load and turns a team's weekly report on", async ({ page }) => {
  const errors = collectConsoleErrors(page);
  await signIn(page.request);
  const team = await (await page.request.post("/api/teams/create", {
    data: { name: `Health crew ${Date.now()}`, description: "" },
  })).json();

  await page.goto("/oncall-health");
  await waitForHydration(page);
  await expect(page.getByRole("heading", { level: 1, name: "On-call health" })).toBeVisible();
  await page.getByLabel("Window").selectOption("7");
  await expect(page.getByText(/Everyone paged or on call/)).toBeVisible({ timeout: 10_000 });

  await page.getByLabel("Team", { exact: true }).selectOption(team.id);
  await expect(page.getByRole("heading", { name: `${team.name}: who carried the load` })).toBeVisible({ timeout: 10_000 });
  const weekly = page.getByLabel("Email the weekly on-call report to the team's owners");
  await expect(weekly).not.toBeChecked();
  await weekly.check();
  await expect(weekly).toBeChecked({ timeout: 10_000 });
  const report = await (await page.request.post("/api/health/report", { data: { days: 7, team_id: team.id } })).json();
  expect(report.weekly_report).toBe(true);
  await screenshot(page, "oncall-health");
  await expectNoConsoleErrors(errors);
});

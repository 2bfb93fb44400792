// My on-call health on the phone: /m/health at 390×844 shows the signed-in responder's last
// 7 and 30 days (or the empty state), is linked from /m/profile, and fits the screen.
import { test, expect } from "@playwright/test";
import { collectConsoleErrors, expectNoConsoleErrors, screenshot, signIn, waitForHydration } from "./helpers";

test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

test("my on-call health opens from the phone profile and shows my summary", async ({ page }) => {
  const errors = collectConsoleErrors(page);
  await signIn(page.request);

  await page.goto("/m/profile");
  await waitForHydration(page);
  const link = page.getByRole("link", { name: "Open my on-call health" });
  await expect(link).toBeVisible({ timeout: 10_000 });
  await link.click();
  await expect(page).toHaveURL(/\/m\/health$/);
  await expect(page.getByRole("heading", { level: 1, name: "My on-call health" })).toBeVisible();

  // Either the table of both windows or the empty state, once loaded.
  const table = page.getByTestId("my-health");
  const empty = page.getByTestId("my-health-empty");
  await expect(table.or(empty)).toBeVisible({ timeout: 10_000 });
  if (await table.isVisible()) {
    await expect(table.getByRole("columnheader", { name: "Last 7 days" })).toBeVisible();
    await expect(table.getByRole("columnheader", { name: "Last 30 days" })).toBeVisible();
    await expect(table.getByRole("rowheader", { name: "Nights interrupted" })).toBeVisible();
    await expect(table.getByRole("rowheader", { name: "Hours on call" })).toBeVisible();
  } else {
    await expect(empty).toHaveText(/No interruptions and no time on call in the last 30 days/);
  }
  // Nothing wider than the phone.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);

  // A direct load (server-rendered, then hydrated) shows the same.
  await page.goto("/m/health");
  await waitForHydration(page);
  await expect(table.or(empty)).toBeVisible({ timeout: 10_000 });
  await screenshot(page, "oncall-health-mobile");
  await expectNoConsoleErrors(errors);
});

// The /m phone shell at 390x844: tab bar, 48px touch targets, client-side tab navigation.
import { test, expect } from "@playwright/test";
import { collectConsoleErrors, expectNoConsoleErrors, screenshot, waitForHydration } from "./helpers";

test("the /m shell renders at 390x844 with a usable tab bar", async ({ page }) => {
  const errors = collectConsoleErrors(page);
  await page.goto("/m");
  await waitForHydration(page);
  await expect(page.getByRole("heading", { level: 1, name: "My incidents" })).toBeVisible();
  const tabs = page.getByRole("navigation", { name: "Sections" }).getByRole("link");
  await expect(tabs).toHaveCount(4);
  for (const tab of await tabs.all()) {
    const box = await tab.boundingBox();
    expect(box!.height).toBeGreaterThanOrEqual(48);
    expect(box!.width).toBeGreaterThanOrEqual(48);
  }
  // Nothing overflows the phone's width.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await screenshot(page, "mobile-home-light");

  await tabs.filter({ hasText: "On call" }).click();
  await expect(page).toHaveURL(/\/m\/oncall$/);
  await expect(page.getByRole("heading", { level: 1, name: "On call now" })).toBeVisible();

  await page.getByTestId("theme-toggle").click();
  await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
  await screenshot(page, "mobile-oncall-dark");
  await page.getByTestId("theme-toggle").click();
  await page.getByTestId("theme-toggle").click();
  await expect(page.locator("html")).toHaveAttribute("data-theme", "system");
  await expectNoConsoleErrors(errors);
});

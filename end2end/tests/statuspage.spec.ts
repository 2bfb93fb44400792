// The public status page in the browser, with and without JavaScript, at desktop size and at
// 390×844: a component set up through the admin API, a hand-written incident, the page's
// banner, components with uptime bars, and the subscribe form (plain HTML, no script needed).
import { test, expect, type Page } from "@playwright/test";
import { collectConsoleErrors, expectNoConsoleErrors, screenshot, signIn } from "./helpers";

async function seed(page: Page, suffix: string) {
  await signIn(page.request);
  const svc = await (await page.request.post("/api/services/create", {
    data: { name: `Status e2e ${suffix}`, description: "", team_id: null, urgency_rule: "SEVERITY", ack_timeout_secs: null },
  })).json();
  const saved = await page.request.post("/api/status/components/save", {
    data: { component: { service_id: svc.id, display_name: `Public API ${suffix}`, group_name: "Core", position: 0, override_status: "" } },
  });
  expect(saved.status()).toBe(200);
  const incident = await page.request.post("/api/status/incidents/create", {
    data: { incident: { name: `Slow logins ${suffix}`, impact: "minor", status: "investigating",
                        body: "We are looking into slow sign-ins.", component_ids: [await saved.json()] } },
  });
  expect(incident.status()).toBe(200);
}

async function checkPage(page: Page, suffix: string) {
  await page.goto("/status");
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await expect(page.getByRole("status").first()).toContainText(/Outage|Operational|Maintenance/);
  await expect(page.getByRole("heading", { name: "Current issues" })).toBeVisible();
  await expect(page.getByRole("heading", { name: `Slow logins ${suffix}` })).toBeVisible();
  await expect(page.getByText(`Public API ${suffix}`).first()).toBeVisible();
  await expect(page.getByText(/% uptime/).first()).toBeAttached();
  await expect(page.getByLabel("Email address")).toBeVisible();
  await expect(page.getByRole("button", { name: "Subscribe" })).toBeVisible();
}

for (const size of [{ name: "desktop", width: 1280, height: 800 }, { name: "phone", width: 390, height: 844 }]) {
  test.describe(`status page at ${size.name} size`, () => {
    test.use({ viewport: { width: size.width, height: size.height } });

    test("renders with JavaScript", async ({ page }) => {
      const errors = collectConsoleErrors(page);
      await seed(page, `${size.name}-js`);
      await checkPage(page, `${size.name}-js`);
      const json = await (await page.request.get("/status/api/v2/summary.json")).json();
      expect(["none", "minor", "major", "critical"]).toContain(json.status.indicator);
      if (size.name === "phone") {
        // Nothing wider than the screen.
        const wide = await page.evaluate(() => document.documentElement.scrollWidth);
        expect(wide).toBeLessThanOrEqual(size.width);
      }
      await screenshot(page, `status-${size.name}-js`);
      await expectNoConsoleErrors(errors);
    });

    test.describe("without JavaScript", () => {
      test.use({ javaScriptEnabled: false });

      test("renders and the subscribe form works", async ({ page }) => {
        await seed(page, `${size.name}-nojs`);
        await checkPage(page, `${size.name}-nojs`);
        await screenshot(page, `status-${size.name}-nojs`);
        await page.getByLabel("Email address").fill(`reader-${size.name}@example.com`);
        await page.getByRole("button", { name: "Subscribe" }).click();
        await expect(page.getByRole("heading", { level: 1, name: "Check your email" })).toBeVisible();
      });
    });
  });
}

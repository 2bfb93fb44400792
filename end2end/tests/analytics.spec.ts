// Analytics in the browser: incidents from the Events API show up in the summary; the
// filters (a plain GET form) narrow the report and survive a reload; the charts carry a table
// view; CSV links download; an SLA target is saved on the service page and an incident shows
// its SLA badge. At desktop size and at 390×844 (nothing wider than the phone's screen);
// screenshots in both themes.
import { test, expect } from "@playwright/test";
import { collectConsoleErrors, expectNoConsoleErrors, screenshot, signIn, waitForHydration } from "./helpers";

for (const size of [{ name: "desktop", width: 1280, height: 800 }, { name: "phone", width: 390, height: 844 }]) {
  test.describe(`analytics at ${size.name} size`, () => {
    test.use({ viewport: { width: size.width, height: size.height } });

    test("analytics filters narrow the report, charts have tables, and tables export as CSV", async ({ page }) => {
      const errors = collectConsoleErrors(page);
      await signIn(page.request);
      const name = `Analytics API ${size.name}`;
      const svc = await (await page.request.post("/api/services/create", {
        data: { name, description: "", team_id: null, urgency_rule: "SEVERITY", ack_timeout_secs: null },
      })).json();
      const integration = await (await page.request.post("/api/integrations/create", {
        data: { service_id: svc.id, kind: "events_v2", name: "prom", rate_limit_per_min: null },
      })).json();
      const saved = await page.request.post("/api/services/sla/save", {
        data: { service_id: svc.id, targets: [{ ack_minutes: 15, resolve_minutes: 120, warn_minutes: 5 }] },
      });
      expect(saved.status()).toBe(200);
      for (const [key, severity] of [["a-1", "critical"], ["a-2", "critical"], ["a-3", "warning"]]) {
        const sent = await page.request.post("/v2/enqueue", { data: {
          routing_key: integration.routing_key, event_action: "trigger", dedup_key: key,
          payload: { summary: `Analytics ${size.name} ${key}`, source: "prometheus", severity },
        } });
        expect(sent.status()).toBe(202);
      }

      await page.goto(`/analytics?service=${svc.id}`);
      await waitForHydration(page);
      await expect(page.getByTestId("kpi-incidents")).toContainText("3");
      await expect(page.getByRole("img", { name: "Incidents opened per UTC day" })).toBeVisible();
      await page.getByText("Show as a table").first().click();
      await expect(page.getByRole("cell", { name: "3" }).first()).toBeVisible();
      if (size.name === "phone") {
        const wide = await page.evaluate(() => document.documentElement.scrollWidth);
        expect(wide).toBeLessThanOrEqual(size.width);
      }
      await screenshot(page, `analytics-${size.name}`);

      // The urgency filter through the form: the URL carries it and the figures follow.
      await page.getByLabel("Urgency").selectOption("HIGH");
      await page.getByRole("button", { name: "Apply" }).click();
      await expect(page).toHaveURL(/urgency=HIGH/);
      await expect(page.getByTestId("kpi-incidents")).toContainText("2");
      await page.reload();
      await expect(page.getByTestId("kpi-incidents")).toContainText("2");

      const csv = await page.request.get(`/analytics/export/services.csv?service=${svc.id}`);
      expect(csv.status()).toBe(200);
      expect(await csv.text()).toContain(`${name},3,`);

      // A bad window is named.
      await page.goto("/analytics?days=0");
      await expect(page.getByTestId("analytics-error")).toContainText(/between 1 and 366/i);

      // The SLA card on the service page, and the incident's badge.
      await page.goto(`/services/${svc.id}`);
      await waitForHydration(page);
      await expect(page.getByTestId("sla")).toContainText("acknowledge within 15 min");
      const list = await (await page.request.post("/api/incidents/list", { data: {
        filter: { statuses: [], urgencies: [], service_id: svc.id, team_id: null, mine: false, query: "" },
        before: null, limit: 50,
      } })).json();
      await page.goto(`/incidents/${list.incidents[0].id}`);
      await expect(page.getByTestId("sla-badge")).toContainText(/SLA due|SLA breached/);
      await page.emulateMedia({ colorScheme: "dark" });
      await page.goto(`/analytics?service=${svc.id}`);
      await waitForHydration(page);
      await screenshot(page, `analytics-${size.name}-dark`);
      await expectNoConsoleErrors(errors);
    });
  });
}

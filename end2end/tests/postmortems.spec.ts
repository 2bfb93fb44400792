// Postmortems in the browser: resolve an incident, "Write postmortem" on its page drafts one
// from its timeline; edit a section (with a script that must stay text) and preview it, add an
// action item, send it to review and publish it; the published page reads as rendered HTML.
// At desktop size and at 390×844 (nothing wider than the phone's screen).
import { test, expect } from "@playwright/test";
import { collectConsoleErrors, expectNoConsoleErrors, screenshot, signIn, waitForHydration } from "./helpers";

for (const size of [{ name: "desktop", width: 1280, height: 800 }, { name: "phone", width: 390, height: 844 }]) {
  test.describe(`postmortems at ${size.name} size`, () => {
    test.use({ viewport: { width: size.width, height: size.height } });

    test("a postmortem is drafted from a resolved incident, edited and published", async ({ page }) => {
      const errors = collectConsoleErrors(page);
      let alerted = false;
      page.on("dialog", async (d) => { alerted = true; await d.dismiss(); });
      await signIn(page.request);
      const svc = await (await page.request.post("/api/services/create", {
        data: { name: `Ledger postmortem ${Date.now()}`, description: "", team_id: null, urgency_rule: "SEVERITY", ack_timeout_secs: null },
      })).json();
      const created = await page.request.post("/api/incidents/create", {
        data: { service_id: svc.id, title: `Ledger writes failing (${size.name})`, description: "", urgency: "HIGH" },
      });
      expect(created.status(), await created.text()).toBe(200);
      const incident: string = await created.json();
      const resolved = await page.request.post("/api/incidents/resolve", { data: { ids: [incident] } });
      expect(resolved.status(), await resolved.text()).toBe(200);

      await page.goto(`/incidents/${incident}`);
      await waitForHydration(page);
      await page.getByRole("button", { name: "Write postmortem" }).click();
      await expect(page).toHaveURL(/\/postmortems\/[0-9a-f-]{36}$/, { timeout: 10_000 });
      await waitForHydration(page);
      await expect(page.getByTestId("pm-status")).toHaveText("Draft");
      await expect(page.getByTestId("pm-timeline").getByRole("textbox").first()).toBeVisible();

      await page.getByLabel("Impact", { exact: true }).fill("**40%** of writes failed for 12 minutes.\n\n<script>alert(1)</script>");
      await page.getByLabel("Root causes").fill("A [migration](https://example.com/m) locked the table.");
      await page.getByLabel("Preview the Markdown").check();
      await expect(page.locator(".pm-preview strong", { hasText: "40%" })).toHaveText("40%");
      await page.getByRole("button", { name: "Save", exact: true }).click();
      // Saved: the page reloads it (the preview toggle starts off again).
      await expect(page.getByLabel("Preview the Markdown")).not.toBeChecked();
      await expect(page.getByLabel("Impact", { exact: true })).toHaveValue(/40%/);

      await page.getByLabel("Action item", { exact: true }).fill("Run migrations online");
      await page.getByLabel("Due", { exact: true }).fill("2099-01-31");
      await page.getByRole("button", { name: "Add action item" }).click();
      await expect(page.getByTestId("pm-actions")).toContainText("Run migrations online");

      await page.getByRole("button", { name: "Send to review" }).click();
      await expect(page.getByTestId("pm-status")).toHaveText("In review");
      await page.getByRole("button", { name: "Publish" }).click();
      await expect(page.getByTestId("pm-status")).toHaveText("Published");

      // Read-only now: the sections as HTML, the script shown as text and never run.
      const doc = page.locator(".pm-doc");
      await expect(doc.locator("strong", { hasText: "40%" })).toHaveText("40%");
      await expect(doc).toContainText("<script>alert(1)</script>");
      await expect(doc.locator("script")).toHaveCount(0);
      await expect(page.getByRole("link", { name: "Export Markdown" })).toHaveAttribute("href", /\/export\.md$/);
      expect(alerted).toBe(false);
      if (size.name === "phone") {
        const wide = await page.evaluate(() => document.documentElement.scrollWidth);
        expect(wide).toBeLessThanOrEqual(size.width);
      }
      await screenshot(page, `postmortem-${size.name}`);

      await page.goto("/postmortems");
      await waitForHydration(page);
      await expect(page.getByTestId("postmortems")).toContainText(`Ledger writes failing (${size.name})`);
      await expectNoConsoleErrors(errors);
    });
  });
}

// Service channels end to end: a webhook is added to a service on its page (the signing
// secret shown once), a test message is sent from the page and arrives signed at the fake
// receiver that scripts/e2e.sh starts, and the delivery log shows it.
import { test, expect } from "@playwright/test";
import { createHmac } from "node:crypto";
import { collectConsoleErrors, expectNoConsoleErrors, screenshot, signIn, waitForHydration } from "./helpers";

/// The Standard Webhooks v1 signature of one delivery, as a receiver checks it.
function signature(secret: string, id: string, timestamp: string, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  return "v1," + createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64");
}

test("a webhook is added to a service, a test message arrives signed, and the log shows it", async ({ page }) => {
  const receiver = process.env.OPSKNIGHT_E2E_WEBHOOK_URL;
  test.skip(!receiver, "needs the fake webhook receiver that scripts/e2e.sh starts");
  const errors = collectConsoleErrors(page);
  await signIn(page.request);
  const svc = await (await page.request.post("/api/services/create", {
    data: { name: "Billing API", description: "Invoices and payments", team_id: null, urgency_rule: "SEVERITY", ack_timeout_secs: null },
  })).json();

  await page.goto(`/services/${svc.id}`);
  await waitForHydration(page);
  const card = page.getByTestId("channels");
  await expect(card.getByText("No channels.")).toBeVisible();

  // A bad URL is refused beside the field, and nothing is added.
  await card.getByLabel("Webhook URL").fill("ftp://example.com/hook");
  await card.getByRole("button", { name: "Add webhook" }).click();
  await expect(card.getByText("must be an http:// or https:// URL")).toBeVisible();

  await card.getByLabel("Webhook URL").fill(`${receiver}/hook`);
  await card.getByRole("checkbox", { name: "acknowledged" }).check();
  await card.getByRole("button", { name: "Add webhook" }).click();
  const secret = (await card.getByTestId("channel-secret").textContent())!.trim();
  expect(secret).toMatch(/^whsec_/);
  const row = card.getByTestId("channel-list").getByRole("row").nth(1);
  await expect(row).toContainText("127.0.0.1");
  await expect(row).toContainText("triggered, acknowledged, resolved");
  await expect(row).toContainText("none yet");

  await row.getByRole("button", { name: "Send test" }).click();
  const log = card.getByTestId("delivery-log");
  await expect(log.getByText("delivered")).toBeVisible({ timeout: 10_000 });
  await expect(log).toContainText("test");
  await expect(log).toContainText("received");

  const got = (await (await page.request.get(`${receiver}/_received`)).json()) as
    { id: string; timestamp: string; signature: string; body: string }[];
  const test_ = got.find((d) => JSON.parse(d.body).type === "test")!;
  expect(test_.signature).toBe(signature(secret, test_.id, test_.timestamp, test_.body));
  await screenshot(page, "service-channels");
  await expectNoConsoleErrors(errors);
});

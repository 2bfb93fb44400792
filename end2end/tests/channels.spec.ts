// Service channels end to end: a Slack channel and a webhook are added to a service on its
// page; a bad target is refused beside the field; test messages reach the fake Slack and the
// fake receiver that scripts/e2e.sh starts (the webhook's signed with the secret shown once);
// the delivery logs show them.
import { test, expect } from "@playwright/test";
import { createHmac } from "node:crypto";
import { collectConsoleErrors, expectNoConsoleErrors, screenshot, signIn, waitForHydration } from "./helpers";

/// The Standard Webhooks v1 signature of one delivery, as a receiver checks it.
function signature(secret: string, id: string, timestamp: string, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  return "v1," + createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64");
}

test("a Slack channel and a webhook are added to a service, test messages arrive, and the logs show them", async ({ page }) => {
  const fake = process.env.OPSKNIGHT_E2E_WEBHOOK_URL;
  test.skip(!fake, "needs the fakes that scripts/e2e.sh starts");
  const errors = collectConsoleErrors(page);
  await signIn(page.request);
  const svc = await (await page.request.post("/api/services/create", {
    data: { name: "Billing API", description: "Invoices and payments", team_id: null, urgency_rule: "SEVERITY", ack_timeout_secs: null },
  })).json();

  await page.goto(`/services/${svc.id}`);
  await waitForHydration(page);
  const card = page.getByTestId("channels");
  await expect(card.getByText("No channels yet.")).toBeVisible();

  // Slack is the first kind. A channel name instead of its id is refused beside the field.
  await expect(card.getByLabel("Kind")).toHaveValue("SLACK");
  await card.getByLabel("Slack channel id").fill("#alerts");
  await card.getByRole("button", { name: "Add channel" }).click();
  await expect(card.getByText("must be a Slack channel id")).toBeVisible();
  await card.getByLabel("Slack channel id").fill("C0E2EALERTS");
  await card.getByRole("button", { name: "Add channel" }).click();
  const slackRow = card.getByTestId("channel-list").getByRole("row").filter({ hasText: "C0E2EALERTS" });
  await expect(slackRow).toContainText("Slack");
  await expect(slackRow).toContainText("triggered, acknowledged, resolved");
  await expect(slackRow.getByRole("button", { name: "Rotate secret" })).toHaveCount(0);
  await slackRow.getByRole("button", { name: "Send test" }).click();
  const log = card.getByTestId("delivery-log");
  await expect(log.getByText("delivered")).toBeVisible({ timeout: 10_000 });
  await expect(log).toContainText("ok: message");
  const calls = (await (await page.request.get(`${fake}/_slack`)).json()) as { method: string; body: { text: string }; answer: string }[];
  expect(calls.some((c) => c.method === "chat.postMessage" && c.answer === "ok" && c.body.text.includes("this channel works"))).toBe(true);

  // A webhook: its secret is shown once, and the test arrives signed with it.
  await card.getByLabel("Kind").selectOption("WEBHOOK");
  await card.getByLabel("Webhook URL").fill(`${fake}/hook`);
  await card.getByRole("checkbox", { name: "annotated" }).check();
  await card.getByRole("button", { name: "Add channel" }).click();
  const secret = (await card.getByTestId("channel-secret").textContent())!.trim();
  expect(secret).toMatch(/^whsec_/);
  const hookRow = card.getByTestId("channel-list").getByRole("row").filter({ hasText: "Webhook" });
  await expect(hookRow).toContainText("127.0.0.1");
  await expect(hookRow).toContainText("none yet");
  await hookRow.getByRole("button", { name: "Send test" }).click();
  await expect(log.getByText("received")).toBeVisible({ timeout: 10_000 });

  const got = (await (await page.request.get(`${fake}/_received`)).json()) as
    { id: string; timestamp: string; signature: string; body: string }[];
  const test_ = got.find((d) => JSON.parse(d.body).type === "test")!;
  expect(test_.signature).toBe(signature(secret, test_.id, test_.timestamp, test_.body));
  await screenshot(page, "service-channels");
  await expectNoConsoleErrors(errors);
});

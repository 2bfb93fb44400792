// SMS paging end to end, against the fake Twilio that scripts/test.sh starts: a verified number
// is paged by a policy step, Twilio's signed delivery receipt shows on the incident page, and a
// signed "1a"-style reply acknowledges the incident as the person paged.
import { test, expect } from "@playwright/test";
import { createHmac } from "node:crypto";
import { collectConsoleErrors, expectNoConsoleErrors, screenshot, signIn, waitForHydration } from "./helpers";

const TOKEN = "e2e-token";
const NUMBER = "+14155550177";

/// X-Twilio-Signature: HMAC-SHA1 over the URL and the sorted parameters, as Twilio signs.
function sign(url: string, params: Record<string, string>): string {
  const data = url + Object.keys(params).sort().map((k) => k + params[k]).join("");
  return createHmac("sha1", TOKEN).update(data).digest("base64");
}

test("an SMS page shows its delivery receipt on the incident, and a reply acknowledges it", async ({ page }) => {
  const twilio = process.env.OPSKNIGHT_E2E_TWILIO_URL;
  const base = process.env.OPSKNIGHT_E2E_URL;
  test.skip(!twilio || !base, "needs the fake Twilio that scripts/test.sh starts");
  const errors = collectConsoleErrors(page);
  await signIn(page.request);
  const texts = async () =>
    ((await (await page.request.get(`${twilio}/_sent`)).json()) as { sid: string; to: string; body: string }[])
      .filter((m) => m.to === NUMBER);

  // A verified SMS number for Ada (the code read from the fake).
  const method = await (await page.request.post("/api/profile/contact-methods/add", {
    data: { kind: "SMS", address: NUMBER, label: "Pager" },
  })).json();
  await expect.poll(async () => (await texts()).length).toBeGreaterThan(0);
  const code = (await texts()).pop()!.body.match(/\b(\d{6})\b/)![1];
  expect((await page.request.post("/api/profile/contact-methods/verify", { data: { id: method.id, code } })).status()).toBe(200);

  // A policy that texts her at once, a service with it, and an event.
  const me = await (await page.request.post("/api/auth/me", { data: {} })).json();
  const policy = await (await page.request.post("/api/policies/create", {
    data: { name: "Phone first", description: "", repeat_count: 0,
            steps: [{ delay_minutes: 15, channels: ["SMS"], targets: [{ kind: "USER", id: me.id }] }] },
  })).json();
  const svc = await (await page.request.post("/api/services/create", {
    data: { name: "Payments gateway", description: "", team_id: null, urgency_rule: "SEVERITY", ack_timeout_secs: null, escalation_policy_id: policy.id },
  })).json();
  const integ = await (await page.request.post("/api/integrations/create", {
    data: { service_id: svc.id, kind: "events_v2", name: "prod", rate_limit_per_min: null },
  })).json();
  expect((await page.request.post("/v2/enqueue", {
    data: { routing_key: integ.routing_key, event_action: "trigger", dedup_key: "pgw-timeouts",
            payload: { summary: "Payment gateway timeouts above 3%", source: "pgw-1", severity: "critical" } },
  })).status()).toBe(202);
  await expect.poll(async () => (await texts()).filter((m) => m.body.includes("Payment gateway timeouts")).length).toBe(1);
  const sms = (await texts()).find((m) => m.body.includes("Payment gateway timeouts"))!;
  expect(sms.body).toMatch(/^OpsKnight #\d+ HIGH Payments gateway: Payment gateway timeouts above 3%/);

  const list = await (await page.request.post("/api/incidents/list", { data: { filter: { service_id: svc.id }, before: null, limit: 5 } })).json();
  const incident = list.incidents[0];
  await page.goto(`/incidents/${incident.id}`);
  await waitForHydration(page);
  const deliveries = page.getByTestId("deliveries");
  await expect(deliveries).toContainText("SMS");
  await expect(deliveries).toContainText(NUMBER);

  // Twilio's receipt, signed over our public URL; an unsigned one is refused.
  const statusUrl = `${base}/api/twilio/status`;
  const receipt = { MessageSid: sms.sid, MessageStatus: "delivered", AccountSid: "AC00000000000000000000000000e2e0e2", To: NUMBER };
  expect((await page.request.post(statusUrl, { form: receipt })).status()).toBe(403);
  expect((await page.request.post(statusUrl, { form: receipt, headers: { "x-twilio-signature": sign(statusUrl, receipt) } })).status()).toBe(204);
  await page.reload();
  await waitForHydration(page);
  await expect(deliveries.getByTestId("receipt")).toContainText("delivered");
  await expect(page.getByTestId("timeline")).toContainText(`SMS to Ada Admin <${NUMBER}>: delivered`);
  await screenshot(page, "incident-sms-receipt");

  // The reply code from the text acknowledges, as Ada, by SMS.
  const replyCode = sms.body.match(/Reply (\d+)a to ack/)![1];
  const smsUrl = `${base}/api/twilio/sms`;
  const reply = { From: NUMBER, To: "+15005550006", Body: `${replyCode}a`, MessageSid: "SM" + "9".repeat(32) };
  const res = await page.request.post(smsUrl, { form: reply, headers: { "x-twilio-signature": sign(smsUrl, reply) } });
  expect(res.status()).toBe(200);
  expect(await res.text()).toContain(`Acknowledged #${incident.number}`);
  await page.reload();
  await waitForHydration(page);
  await expect(page.getByTestId("timeline")).toContainText("By SMS reply");
  await screenshot(page, "incident-sms-acknowledged");
  await expectNoConsoleErrors(errors);
});

test("admins see the phone provider in Settings, a bad field is named, and a test SMS arrives", async ({ page }) => {
  const twilio = process.env.OPSKNIGHT_E2E_TWILIO_URL;
  test.skip(!twilio, "needs the fake Twilio that scripts/test.sh starts");
  const errors = collectConsoleErrors(page);
  await signIn(page.request);
  const to = "+14155550166";
  await page.goto("/settings");
  await waitForHydration(page);
  const card = page.locator("section", { has: page.getByRole("heading", { name: "Phone paging (SMS and voice)" }) });
  await expect(page.getByTestId("phone-source")).toContainText("configured by the server's environment");
  await expect(card.getByLabel("Account SID")).toHaveValue(/^AC/);
  await expect(card.getByLabel("Auth token")).toHaveValue("");

  // A malformed SID is named at its field, and nothing is saved.
  await card.getByLabel("Account SID").fill("AC123");
  await card.getByLabel("Auth token").fill("some-token");
  await card.getByRole("button", { name: "Save phone settings" }).click();
  await expect(page.locator("#f-phone-account_sid-err")).toContainText("32 hex digits");
  await expect(page.getByTestId("phone-source")).toContainText("environment");

  // The gateway's fields replace Twilio's when it is chosen.
  await card.getByLabel("Provider").selectOption("gateway");
  await expect(card.getByLabel("Gateway URL")).toBeVisible();
  await expect(card.getByLabel("Account SID")).toHaveCount(0);
  await card.getByLabel("Provider").selectOption("twilio");
  await screenshot(page, "settings-phone");

  const smsCard = page.locator("section", { has: page.getByRole("heading", { name: "Send a test SMS" }) });
  await smsCard.getByLabel("To").fill(to);
  await smsCard.getByRole("button", { name: "Send test SMS" }).click();
  await expect(smsCard.getByRole("status")).toContainText("Sent");
  const sent = (await (await page.request.get(`${twilio}/_sent`)).json()) as { to: string; body: string }[];
  expect(sent.filter((m) => m.to === to).map((m) => m.body)[0]).toContain("OpsKnight test SMS");
  await expectNoConsoleErrors(errors);
});

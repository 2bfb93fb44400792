// The /m phone shell at 390x844: tab bar, 48px touch targets, client-side tab navigation.
import { test, expect } from "@playwright/test";
import { collectConsoleErrors, expectNoConsoleErrors, screenshot, signIn, waitForHydration } from "./helpers";

test.beforeEach(async ({ page }) => { await signIn(page.request); });

test("the /m shell renders at 390x844 with a usable tab bar", async ({ page }) => {
  const errors = collectConsoleErrors(page);
  await page.goto("/m");
  await waitForHydration(page);
  await expect(page.getByRole("heading", { level: 1, name: "Incidents" })).toBeVisible();
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

test("the /m profile fits the phone and lists this session", async ({ page }) => {
  const errors = collectConsoleErrors(page);
  await page.goto("/m/profile");
  await waitForHydration(page);
  await expect(page.getByRole("heading", { level: 1, name: "Profile" })).toBeVisible();
  await expect(page.getByTestId("sessions")).toContainText("this device");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await screenshot(page, "mobile-profile");
  await expectNoConsoleErrors(errors);
});

test("anonymous visitors of /m are sent to the phone sign-in and back", async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await page.goto("/m/oncall");
  await expect(page).toHaveURL(/\/m\/login\?next=\/m\/oncall$/);
  await waitForHydration(page);
  await page.getByLabel("Email").fill("ada@example.com");
  await page.getByLabel("Password").fill("tangerine-kettle-orbit");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/m\/oncall$/);
  await context.close();
});

test("/m shows who is on call now and my next shifts, at phone width", async ({ page }) => {
  const errors = collectConsoleErrors(page);
  const me = await (await page.request.post("/api/auth/me", { data: {} })).json();
  const id = await (await page.request.post("/api/schedules/save", {
    data: { id: null, name: "Phone rota", description: "", time_zone: "Asia/Kolkata" },
  })).json();
  const start = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10) + "T09:30:00";
  const layer = await page.request.post("/api/schedules/layers/save", {
    data: { schedule_id: id, layer: { id: crypto.randomUUID(), name: "Only me", priority: 0, participants: [me.id],
      rotation: { unit: "WEEKS", every: 1 }, start, shift_minutes: 720 } },
  });
  expect(layer.status(), await layer.text()).toBe(200);
  await page.goto("/m/shifts");
  await waitForHydration(page);
  await expect(page.getByRole("heading", { level: 1, name: "My shifts" })).toBeVisible();
  await expect(page.getByTestId("my-shifts")).toContainText("Phone rota");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await screenshot(page, "mobile-shifts");
  await page.goto("/m/oncall");
  await expect(page.getByTestId("on-call-now")).toContainText("Phone rota");
  await screenshot(page, "mobile-oncall-list");
  await expectNoConsoleErrors(errors);
});

test("a phone number is added and verified on /m/profile with the texted code", async ({ page }) => {
  const twilio = process.env.OPSKNIGHT_E2E_TWILIO_URL;
  test.skip(!twilio, "needs the fake Twilio that scripts/test.sh starts");
  const errors = collectConsoleErrors(page);
  await page.goto("/m/profile");
  await waitForHydration(page);
  const contact = page.locator("form").filter({ has: page.getByRole("button", { name: "Add contact method" }) });
  await contact.getByLabel("Type").selectOption("SMS");
  await contact.getByLabel("Address", { exact: true }).fill("+1 415 555 0142");
  await contact.getByLabel("Label").fill("Pager phone");
  await contact.getByRole("button", { name: "Add contact method" }).click();
  // Other tests may leave unverified numbers on this profile: work on this number's form only.
  const form = page.getByTestId("verify-form").filter({ has: page.getByLabel("Verification code for +14155550142") });
  await expect(form).toBeVisible();
  await screenshot(page, "mobile-profile-verify");

  const code = async () => {
    const sent: { to: string; body: string }[] = await (await page.request.get(`${twilio}/_sent`)).json();
    const last = sent.filter((m) => m.to === "+14155550142").pop();
    return last?.body.match(/\b(\d{6})\b/)?.[1];
  };
  await expect.poll(code).toMatch(/^\d{6}$/);
  const right = (await code())!;
  const wrong = right === "000000" ? "111111" : "000000";
  const input = form.getByLabel("Verification code for +14155550142");
  await input.fill(wrong);
  await form.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByTestId("verify-error")).toContainText(/wrong code; 4 tries left/i);
  await input.fill(right);
  await form.getByRole("button", { name: "Verify" }).click();
  await expect(form).toHaveCount(0);
  const row = page.getByTestId("contact-methods").locator("tr", { hasText: "+14155550142" });
  await expect(row).toContainText("SMS");
  // A verified number offers a test; right after its code it asks to wait a minute.
  const testButton = page.getByRole("button", { name: "Send a test to +14155550142" });
  await testButton.click();
  await expect(page.getByRole("cell").filter({ has: testButton }).getByRole("alert")).toContainText("try again in 1 minute");
  // The answer shows beside that number only.
  await expect(page.getByRole("alert").filter({ hasText: "try again" })).toHaveCount(1);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await screenshot(page, "mobile-profile-verified");
  await expectNoConsoleErrors(errors);
});

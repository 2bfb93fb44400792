// Identity in the browser: the sign-in gate, inviting someone and accepting the invite, the
// profile (contact methods with inline errors, API keys), teams and the audit log.
import { test, expect } from "@playwright/test";
import { ADMIN, collectConsoleErrors, expectNoConsoleErrors, screenshot, signIn, waitForHydration } from "./helpers";

test("anonymous visitors are sent to sign in and brought back", async ({ page }) => {
  await page.goto("/teams");
  await expect(page).toHaveURL(/\/login\?next=\/teams$/);
  await waitForHydration(page);
  await screenshot(page, "login");
  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/teams$/);
  await expect(page.getByRole("heading", { level: 1, name: "Teams" })).toBeVisible();
});

test("an admin invites someone, who sets a password from the link and is signed in", async ({ page, browser }) => {
  const errors = collectConsoleErrors(page);
  await signIn(page.request);
  await page.goto("/users");
  await waitForHydration(page);
  const invite = page.locator("form").filter({ has: page.getByRole("button", { name: "Send invite" }) });
  await invite.getByLabel("Email").fill("not-an-email");
  await invite.getByLabel("Name").fill("Grace Responder");
  await invite.getByRole("button", { name: "Send invite" }).click();
  await expect(page.locator("#f-email-err")).toContainText("email");
  await invite.getByLabel("Email").fill("grace@example.com");
  await invite.getByRole("button", { name: "Send invite" }).click();
  const issued = page.getByTestId("issued-link");
  await expect(issued).toContainText("grace@example.com");
  await expect(page.getByTestId("users")).toContainText("grace@example.com");
  await expect(page.getByTestId("users")).toContainText("invited");
  await screenshot(page, "users-invited");
  const link = (await issued.locator("code").textContent())!.trim();
  expect(link).toContain("/invite?token=");
  await expectNoConsoleErrors(errors);

  const context = await browser.newContext({ viewport: { width: 1366, height: 860 } });
  const guest = await context.newPage();
  await guest.goto(link);
  await waitForHydration(guest);
  await expect(guest.getByTestId("link-owner")).toContainText("grace@example.com");
  await guest.getByLabel("New password").fill("short");
  await guest.getByRole("button", { name: "Set password and sign in" }).click();
  await expect(guest.locator("#f-password-err")).toContainText("12 characters");
  await screenshot(guest, "invite-weak-password");
  await guest.getByLabel("New password").fill("violet-harbour-engine");
  await guest.getByRole("button", { name: "Set password and sign in" }).click();
  await expect(guest.getByRole("heading", { level: 1, name: "Dashboard" })).toBeVisible();
  // The link worked once.
  await guest.goto(link);
  await expect(guest.getByTestId("link-error")).toContainText("already been used");
  await context.close();
});

test("profile: contact methods validate inline, API keys are shown once and work", async ({ page }) => {
  const errors = collectConsoleErrors(page);
  await signIn(page.request);
  await page.goto("/profile");
  await waitForHydration(page);
  const contact = page.locator("form").filter({ has: page.getByRole("button", { name: "Add contact method" }) });
  await contact.getByLabel("Address", { exact: true }).fill("0170 555 0100");
  await contact.getByLabel("Label").fill("Work mobile");
  await contact.getByRole("button", { name: "Add contact method" }).click();
  await expect(page.locator("#f-address-err")).toContainText("E.164");
  await contact.getByLabel("Address", { exact: true }).fill("+49 170 555 0100");
  await contact.getByRole("button", { name: "Add contact method" }).click();
  await expect(page.getByTestId("contact-methods")).toContainText("+491705550100");
  await expect(page.getByTestId("contact-methods")).toContainText("SMS");

  const keys = page.locator("form").filter({ has: page.getByRole("button", { name: "Create key" }) });
  await keys.getByLabel("Key name").fill("e2e script");
  await keys.getByRole("button", { name: "Create key" }).click();
  const secret = (await page.getByTestId("new-key").textContent())!.trim();
  expect(secret).toMatch(/^ok_/);
  await expect(page.getByTestId("api-keys")).toContainText("e2e script");
  await expect(page.getByTestId("sessions")).toContainText("this device");
  await screenshot(page, "profile");

  const res = await page.request.post("/api/auth/me", {
    headers: { Authorization: `Bearer ${secret}` },
    data: {},
  });
  expect(res.status()).toBe(200);
  expect((await res.json()).email).toBe(ADMIN.email);
  await expectNoConsoleErrors(errors);
});

test("teams: create one, add a member and make them lead; the audit log shows it", async ({ page }) => {
  const errors = collectConsoleErrors(page);
  await signIn(page.request);
  await page.goto("/teams");
  await waitForHydration(page);
  await page.getByLabel("Name").fill("Payments");
  await page.getByLabel("Description").fill("Card processing and payouts");
  await page.getByRole("button", { name: "Create team" }).click();
  await page.getByTestId("teams").getByRole("link", { name: "Payments" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Payments" })).toBeVisible();
  await page.getByLabel("Add member").selectOption({ label: "Ada Admin <ada@example.com>" });
  await page.getByRole("button", { name: "Add", exact: true }).click();
  await expect(page.getByTestId("members")).toContainText("ada@example.com");
  await page.getByLabel("Ada Admin is lead").check();
  await expect(page.getByTestId("members")).toContainText("lead");
  await screenshot(page, "team-detail");

  await page.goto("/audit");
  await waitForHydration(page);
  await expect(page.getByTestId("audit")).toContainText("team.member_set");
  await page.getByLabel("Filter by action").fill("team.create");
  // Other tests create teams too: the filter keeps only team.create rows, ours among them.
  const rows = page.getByTestId("audit").locator("tbody tr");
  await expect(rows.filter({ hasText: "Payments" })).toHaveCount(1);
  await expect(rows.filter({ hasNotText: "team.create" })).toHaveCount(0);
  await screenshot(page, "audit");
  await expectNoConsoleErrors(errors);
});

test("forgot password answers the same for every email, known or not", async ({ page }) => {
  const emails = [ADMIN.email, `nobody-${Date.now()}@example.com`, ADMIN.email.toUpperCase(), "whoever@unknown.example"];
  const shown: string[] = [];
  for (const email of emails) {
    await page.goto("/forgot");
    await waitForHydration(page);
    await page.getByLabel("Email").fill(email);
    await page.getByRole("button", { name: "Send reset link" }).click();
    await expect(page.getByTestId("forgot-done")).toBeVisible();
    shown.push(await page.getByTestId("forgot-done").innerText());
  }
  await screenshot(page, "forgot");
  expect(new Set(shown).size).toBe(1);
  // The API says the same too: one status and one body for all of them.
  const answers = new Set<string>();
  for (const email of emails) {
    const res = await page.request.post("/api/auth/forgot-password", { data: { email } });
    answers.add(`${res.status()} ${await res.text()}`);
  }
  expect([...answers]).toHaveLength(1);
  expect([...answers][0]).toMatch(/^200 /);
});

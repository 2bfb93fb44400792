// First-run setup: the one-time code from the server log creates the first admin, once.
import { test, expect } from "@playwright/test";
import * as fs from "node:fs";
import { screenshot, waitForHydration } from "./helpers";

function setupCodeFromLog(): string {
  const logPath = process.env.OPSKNIGHT_E2E_SERVER_LOG;
  if (!logPath) throw new Error("OPSKNIGHT_E2E_SERVER_LOG is not set (run through scripts/test.sh)");
  const match = fs.readFileSync(logPath, "utf8").match(/setup code ([2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4})/);
  if (!match) throw new Error(`no setup code in ${logPath}`);
  return match[1];
}

test("setup rejects a wrong code, then creates the first admin exactly once", async ({ page, request }) => {
  await page.goto("/setup");
  await waitForHydration(page);
  await page.getByLabel("Setup code").fill("AAAA-BBBB-CCCC");
  await page.getByLabel("Your name").fill("Ada Admin");
  await page.getByLabel("Email").fill("ada@example.com");
  await page.getByLabel("Password").fill("tangerine-kettle-orbit");
  await page.getByRole("button", { name: "Create administrator" }).click();
  await expect(page.locator("#f-code-err")).toContainText("Not a valid setup code");
  await expect(page.getByLabel("Setup code")).toHaveAttribute("aria-invalid", "true");
  await screenshot(page, "setup-wrong-code");

  // A weak password is named on its own field.
  await page.getByLabel("Setup code").fill(setupCodeFromLog());
  await page.getByLabel("Password").fill("short");
  await page.getByRole("button", { name: "Create administrator" }).click();
  await expect(page.locator("#f-password-err")).toContainText("Must be at least 12 characters");

  await page.getByLabel("Password").fill("tangerine-kettle-orbit");
  await page.getByRole("button", { name: "Create administrator" }).click();
  await expect(page.getByTestId("setup-complete")).toContainText("ada@example.com");
  await screenshot(page, "setup-complete");

  // Setup is closed from now on, for the page and for the API.
  await page.goto("/setup");
  await expect(page.getByTestId("setup-done")).toBeVisible();
  const again = await request.post("/api/setup/complete", {
    data: { code: setupCodeFromLog(), email: "eve@example.com", name: "Eve", password: "tangerine-kettle-orbit" },
  });
  expect(again.status()).toBe(409);
  expect((await again.json()).error).toBe("conflict");
});

test("the admin created at setup signs in, on desktop and on /m", async ({ page }) => {
  await page.goto("/login");
  await waitForHydration(page);
  await page.getByLabel("Email").fill("ada@example.com");
  await page.getByLabel("Password").fill("not-her-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("login-error")).toContainText("Incorrect email or password");
  await screenshot(page, "login-error");

  await page.getByLabel("Password").fill("tangerine-kettle-orbit");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole("heading", { level: 1, name: "Dashboard" })).toBeVisible();
  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name === "ok_session");
  expect(session?.httpOnly).toBe(true);
  expect(session?.sameSite).toBe("Lax");

  await page.setViewportSize({ width: 390, height: 844 });
  await page.context().clearCookies();
  await page.goto("/m/login");
  await waitForHydration(page);
  await page.getByLabel("Email").fill("ada@example.com");
  await page.getByLabel("Password").fill("tangerine-kettle-orbit");
  await screenshot(page, "mobile-login");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/m$/);
});

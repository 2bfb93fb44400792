// Single sign-on on the desktop, against the real OpenID Connect provider process
// (end2end/oidc-provider.mjs, started by scripts/e2e.sh): an admin sets it up in Settings with a
// claim rule, a new person signs in with "Sign in with Test IdP", is provisioned as ADMIN by
// the rule, and signs out through the provider's logout. The settings are forgotten at the end.
import { test, expect } from "@playwright/test";
import { collectConsoleErrors, expectNoConsoleErrors, screenshot, signIn, waitForHydration } from "./helpers";

const IDP = process.env.OPSKNIGHT_E2E_IDP_URL ?? "http://127.0.0.1:4010";

test("an admin sets up SSO, a new person signs in through the provider and out again", async ({ page, browser, baseURL }) => {
  const errors = collectConsoleErrors(page);
  const ctl = (path: string, data: object) => page.request.post(`${IDP}/__test/${path}`, { data });
  expect((await ctl("clients", {
    client_id: "opsknight-e2e", client_secret: "e2e-client-secret",
    redirect_uris: [`${baseURL}/auth/sso/callback`], post_logout_redirect_uris: [`${baseURL}/login`],
  })).ok()).toBeTruthy();
  expect((await ctl("accounts", {
    sub: "sam", email: "sam@example.com", email_verified: true, name: "Sam Okafor", groups: ["sre-admins"],
  })).ok()).toBeTruthy();

  await signIn(page.request);
  await page.goto("/settings");
  await waitForHydration(page);
  const card = page.getByTestId("sso-card");
  await expect(card.getByTestId("sso-source")).toContainText("Single sign-on is off");
  await expect(card.getByTestId("sso-redirect-uri")).toHaveText(`${baseURL}/auth/sso/callback`);
  await card.getByLabel("Offer “Sign in with …” on the sign-in pages").check();
  await page.locator("#f-sso-issuer").fill("https://id.example.com/?x=1");
  await page.locator("#f-sso-client_id").fill("opsknight-e2e");
  await page.locator("#f-sso-client_secret").fill("e2e-client-secret");
  await card.getByRole("button", { name: "Save single sign-on" }).click();
  await expect(card.getByText("must not have a query or fragment")).toBeVisible();
  await page.locator("#f-sso-issuer").fill(IDP);
  await page.locator("#f-sso-scopes").fill("openid email profile groups");
  await page.locator("#f-sso-label").fill("Test IdP");
  await card.getByLabel("Create an account at the first sign-in of someone new").check();
  await card.getByRole("button", { name: "Add a role rule" }).click();
  const rule = card.getByTestId("sso-role-rules");
  await rule.getByLabel("Value").fill("sre-admins");
  await rule.getByLabel("Role").selectOption("ADMIN");
  await card.getByRole("button", { name: "Save single sign-on" }).click();
  await expect(card.getByTestId("sso-source")).toContainText("Using the settings saved here");
  await expect(page.locator("#f-sso-client_secret")).toHaveValue("");
  await screenshot(page, "settings-sso");

  // A new browser: the sign-in page offers the provider; the rule makes Sam an ADMIN.
  const other = await browser.newContext({ viewport: { width: 1366, height: 860 } });
  const sam = await other.newPage();
  const samErrors = collectConsoleErrors(sam);
  await sam.goto("/login");
  await waitForHydration(sam);
  const button = sam.getByTestId("sso-button");
  await expect(button).toHaveText("Sign in with Test IdP");
  await screenshot(sam, "login-sso");
  await button.click();
  await expect(sam).toHaveTitle(/Test IdP/);
  await sam.locator("input[name=login]").fill("sam@example.com");
  await sam.locator("input[name=password]").fill("anything");
  await sam.getByRole("button", { name: "Sign in" }).click();
  await sam.waitForURL(`${baseURL}/`);
  await waitForHydration(sam);
  await expect(sam.locator(".account__name")).toHaveText("Sam Okafor");
  await expect(sam.locator(".account__role")).toHaveText("ADMIN");

  // Signing out continues at the provider, which sends the browser back to sign in.
  await sam.getByRole("button", { name: "Sign out" }).click();
  await expect(sam).toHaveURL(new RegExp(`^${IDP.replace(/[.]/g, "\\.")}/session/end`));
  await sam.getByRole("button", { name: "Sign out" }).click();
  await sam.waitForURL(/\/login/);
  await expect(sam.getByTestId("sso-button")).toBeVisible();
  const me = await sam.request.post("/api/auth/me", { data: {} });
  expect(me.status()).toBe(401);
  await expectNoConsoleErrors(samErrors);
  await other.close();

  // A refusal comes back in words.
  await page.goto("/login?sso_error=domain_not_allowed");
  await expect(page.getByTestId("sso-error")).toContainText("email domain may not sign in here");

  // Forget the settings, so other specs see the plain sign-in page.
  await page.goto("/settings");
  await waitForHydration(page);
  await card.getByRole("button", { name: "Forget saved settings" }).click();
  await expect(card.getByTestId("sso-source")).toContainText("Single sign-on is off");
  await expectNoConsoleErrors(errors);
});

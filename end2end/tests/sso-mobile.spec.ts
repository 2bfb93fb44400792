// Single sign-on from the phone PWA: /m/login offers the provider and the sign-in returns to
// /m (390×844). SSO is saved through the API here and forgotten at the end.
import { test, expect } from "@playwright/test";
import { collectConsoleErrors, expectNoConsoleErrors, screenshot, signIn, waitForHydration } from "./helpers";

const IDP = process.env.OPSKNIGHT_E2E_IDP_URL ?? "http://127.0.0.1:4010";

test("signing in on the phone with SSO comes back to /m", async ({ page, browser, baseURL }) => {
  const ctl = (path: string, data: object) => page.request.post(`${IDP}/__test/${path}`, { data });
  expect((await ctl("clients", {
    client_id: "opsknight-e2e-m", client_secret: "e2e-client-secret-m",
    redirect_uris: [`${baseURL}/auth/sso/callback`], post_logout_redirect_uris: [`${baseURL}/login`],
  })).ok()).toBeTruthy();
  expect((await ctl("accounts", {
    sub: "mo", email: "mo@example.com", email_verified: true, name: "Mo Reyes", groups: [],
  })).ok()).toBeTruthy();
  await signIn(page.request);
  const form = {
    enabled: true, issuer: IDP, client_id: "opsknight-e2e-m", client_secret: "e2e-client-secret-m",
    scopes: "openid email profile", label: "Test IdP", auto_provision: true, default_role: "RESPONDER",
    allowed_domains: "example.com", role_rules: [], team_rules: [], password_login: "EVERYONE",
    break_glass_user: null,
  };
  const saved = await page.request.post("/api/settings/sso/save", { data: { form } });
  expect(saved.status(), await saved.text()).toBe(200);

  const phone = await browser.newContext({
    viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2,
  });
  const mo = await phone.newPage();
  const errors = collectConsoleErrors(mo);
  await mo.goto("/m");
  await mo.waitForURL(/\/m\/login/);
  await waitForHydration(mo);
  await expect(mo.getByTestId("sso-button")).toHaveText("Sign in with Test IdP");
  await screenshot(mo, "mobile-login-sso");
  await mo.getByTestId("sso-button").click();
  await expect(mo).toHaveTitle(/Test IdP/);
  await mo.locator("input[name=login]").fill("mo@example.com");
  await mo.getByRole("button", { name: "Sign in" }).click();
  await mo.waitForURL(`${baseURL}/m`);
  await waitForHydration(mo);
  const me = await (await mo.request.post("/api/auth/me", { data: {} })).json();
  expect(me.email).toBe("mo@example.com");
  await screenshot(mo, "mobile-after-sso");
  await expectNoConsoleErrors(errors);
  await phone.close();

  const cleared = await page.request.post("/api/settings/sso/clear", { data: {} });
  expect(cleared.status()).toBe(200);
});

// Shared helpers: screenshots and waiting until the WASM bundle has hydrated the page.
import { APIRequestContext, Page, expect } from "@playwright/test";
import * as fs from "node:fs";
import * as path from "node:path";

export const SCREENSHOTS = path.join(__dirname, "..", "screenshots");

export async function screenshot(page: Page, name: string) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Resolves once the WASM module has loaded and hydrate() has run. */
export async function waitForHydration(page: Page) {
  await page.waitForFunction(() => document.body.dataset.hydrated === "true", null, { timeout: 15_000 });
}

/** Fails the test on any browser console error (a hydration panic shows up here). */
export function collectConsoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (msg) => {
    // A 4xx answer is a validation result the page shows inline, not a fault.
    if (msg.type() === "error" && !/status of 4\d\d/.test(msg.text())) errors.push(msg.text());
  });
  page.on("pageerror", (err) => errors.push(String(err)));
  return errors;
}

export async function expectNoConsoleErrors(errors: string[]) {
  expect(errors, errors.join("\n")).toEqual([]);
}

/** The admin created by setup.spec.ts. */
export const ADMIN = { email: "ada@example.com", password: "tangerine-kettle-orbit" };

/** Signs in through the API; the session cookie lands in the context the request belongs to. */
export async function signIn(request: APIRequestContext, who: { email: string; password: string } = ADMIN) {
  const res = await request.post("/api/auth/login", { data: who });
  expect(res.status(), await res.text()).toBe(200);
}

// Playwright drives Debian's Chromium (npx playwright install cannot work offline) against a
// running release build. scripts/test.sh starts the server and sets OPSKNIGHT_E2E_URL.
import { defineConfig, devices } from "@playwright/test";

const baseURL = process.env.OPSKNIGHT_E2E_URL ?? "http://127.0.0.1:3000";
const chromium = {
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
  ],
};

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  expect: { timeout: 5_000 },
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: [["list"]],
  use: {
    baseURL,
    launchOptions: chromium,
    trace: "off",
  },
  projects: [
    // First-run setup creates the admin every other test signs in as.
    { name: "setup", use: { viewport: { width: 1366, height: 860 } }, testMatch: /setup\.spec\.ts/ },
    {
      name: "desktop", use: { viewport: { width: 1366, height: 860 } }, dependencies: ["setup"],
      testIgnore: [/mobile\.spec\.ts/, /setup\.spec\.ts/],
    },
    {
      name: "phone", dependencies: ["setup"],
      use: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2,
             userAgent: devices["iPhone 13"].userAgent },
      testMatch: /mobile\.spec\.ts/,
    },
  ],
});

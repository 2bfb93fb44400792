// Settings → Chat apps and webhooks for every service: a bad Slack token is refused beside its
// field and nothing is saved; good credentials are saved (write-only: the form empties and the
// card says "saved here"); a webhook for every service is added and shown with its secret.
import { test, expect } from "@playwright/test";
import { collectConsoleErrors, expectNoConsoleErrors, screenshot, signIn, waitForHydration } from "./helpers";

test("an admin saves the Slack app's credentials and adds a webhook for every service", async ({ page }) => {
  const errors = collectConsoleErrors(page);
  await signIn(page.request);
  await page.goto("/settings");
  await waitForHydration(page);
  const chat = page.getByTestId("chat-settings");
  await expect(chat).toContainText("not saved here");

  await page.locator("#f-slack-bot_token").fill("xoxp-a-user-token");
  await page.locator("#f-slack-signing_secret").fill("8f742231b10e8888abcd99yyyzzz85a5");
  await chat.getByRole("button", { name: "Save Slack" }).click();
  await expect(chat.getByText("must be a bot token")).toBeVisible();
  await page.locator("#f-slack-bot_token").fill("xoxb-e2e-settings-token");
  await chat.getByRole("button", { name: "Save Slack" }).click();
  await expect(chat.getByText("saved here", { exact: true })).toBeVisible();
  await expect(page.locator("#f-slack-bot_token")).toHaveValue("");
  const saved = await (await page.request.post("/api/settings/chat", { data: {} })).json();
  expect(saved).toEqual({ slack_saved: true, telegram_saved: false });

  const hooks = page.getByTestId("channels");
  await expect(hooks).toContainText("Webhooks for every service");
  await expect(hooks.getByText("No webhooks for every service.")).toBeVisible();
  await hooks.getByLabel("Webhook URL").fill("https://hooks.example.com/all-incidents");
  await hooks.getByRole("button", { name: "Add channel" }).click();
  await expect(hooks.getByTestId("channel-secret")).toContainText("whsec_");
  await expect(hooks.getByTestId("channel-list")).toContainText("https://hooks.example.com/…");
  await screenshot(page, "settings-chat");
  // Forget the saved app again, so other specs see the environment's settings.
  await chat.getByRole("button", { name: "Forget" }).click();
  await expect(chat.getByText(/^not saved here/)).toHaveCount(2);
  await expectNoConsoleErrors(errors);
});

// The QR sign-in page (examples/web-qr/) in a real headless Chromium against
// the local stack, the mini-program's side played with HTTP calls:
//   node scripts/web_qr_browser.mjs API_BASE APP_ID APP_KEY WEB_PORT
// The app must list http://127.0.0.1:WEB_PORT, and only it, among its web
// origins. The page on that origin must end showing the user who confirmed;
// the same page on http://localhost:WEB_PORT, an origin the app does not
// list, must not complete the flow even when the mini-program side does its part.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { serve } from "./web_qr_serve.mjs";

const [api, appId, appKey, webPort] = process.argv.slice(2);
if (!webPort) {
  console.error("usage: node scripts/web_qr_browser.mjs API_BASE APP_ID APP_KEY WEB_PORT");
  process.exit(2);
}
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { chromium } = createRequire(path.join(root, ".local/web-qr/package.json"))("playwright-core");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
// How long the page may take to reach a state: a few polls.
const STEP_MS = 20_000;

let server, browser, profile;

before(async () => {
  server = await serve(Number(webPort));
  profile = await mkdtemp(path.join(tmpdir(), "web-qr-chromium-"));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      // The unlisted origin is the same server under another host name.
      "--host-resolver-rules=MAP localhost 127.0.0.1",
    ],
  });
});

after(async () => {
  await browser?.close();
  server?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
});

async function post(apiPath, body, token) {
  const headers = { "Content-Type": "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(`${api}${apiPath}`, { method: "POST", headers, body: JSON.stringify(body) });
  const envelope = await response.json();
  assert.equal(response.status, 200, `${apiPath}: ${JSON.stringify(envelope)}`);
  return envelope.data;
}

// A user of the app, signed in on the phone: the one who confirms.
async function phoneUser() {
  const suffix = Math.random().toString(36).slice(2, 10);
  const nickName = `Ada 测试 ${suffix}`;
  const signedUp = await post(`/api/AppUsers/${appId}/SignUp`, {
    userName: `webqr${suffix}`, pwd: `web-qr-${suffix}-meadow`, nickName, platform: "web",
  });
  return { nickName, token: signedUp.access_token };
}

// The mini-program: scans the key (claiming it with the scan ticket) and
// confirms it as its signed-in user.
async function scanAndConfirm(key, user) {
  const card = await post(`/api/AppUsers/${appId}/QRCodeScan`, { signInKey: key });
  await post(`/Wechat/${appKey}/QR-Auth/Confirm-Login`, { signInKey: key, scanTicket: card.scanTicket }, user.token);
}

// Opens the page on `origin`; resolves once it shows a key or has failed.
async function openPage(origin) {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (err) => errors.push(err.message));
  const query = new URLSearchParams({ api, app: appId });
  await page.goto(`${origin}/?${query}`);
  await page.waitForFunction(
    () => ["waiting", "failed"].includes(document.getElementById("status").dataset.state),
    null, { timeout: STEP_MS },
  );
  return { page, errors };
}

const state = (page) => page.locator("#status").getAttribute("data-state");
const shownKey = async (page) => (await page.locator("#key").textContent()).trim();

test("the page on a listed origin ends showing the user who confirmed", async () => {
  const { page, errors } = await openPage(`http://127.0.0.1:${webPort}`);
  assert.equal(await state(page), "waiting", await page.locator("#status").textContent());
  assert.ok(await page.locator("#qr img").isVisible(), "the QR code is shown");
  const key = Number(await shownKey(page));
  assert.ok(Number.isSafeInteger(key) && key > 0, `a sign-in key: ${key}`);

  const user = await phoneUser();
  await scanAndConfirm(key, user);
  await page.waitForFunction(() => document.getElementById("status").dataset.state === "signed-in", null, {
    timeout: STEP_MS,
  });
  assert.equal(await page.locator("#user").textContent(), user.nickName);
  assert.deepEqual(errors, []);
  await page.close();
});

test("the page on an origin the app does not list cannot complete the flow", async () => {
  const { page } = await openPage(`http://localhost:${webPort}`);
  // Should the page have read its key anyway, the phone does its part, so
  // that only the browser's refusal to hand the page the answers stands
  // between the page and the user's token.
  const key = await shownKey(page);
  if (key) {
    await scanAndConfirm(Number(key), await phoneUser());
    await page.waitForFunction(
      () => ["signed-in", "failed"].includes(document.getElementById("status").dataset.state),
      null, { timeout: STEP_MS },
    ).catch(() => {});
  }
  const text = await page.locator("#status").textContent();
  assert.equal(await state(page), "failed", `the page on an unlisted origin got as far as: ${text}`);
  assert.equal(key, "", "the page read a sign-in key");
  assert.equal(await page.locator("#user").textContent(), "");
  await page.close();
});

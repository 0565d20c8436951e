import { mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { findBrowser } from './find-browser';
import { targetFromEnv, testUsers } from './target';

/**
 * The page in a real browser (SPEC E2, partly): Chromium or Chrome opens the region's site, signs
 * in, sees the greeting and picture, clicks until the count moves — through the error image and
 * Retry when a deliberate failure comes up. Screenshots go to reports/screenshots/. The browser is
 * found by integ/find-browser.ts (CHROME_PATH, /usr/bin/chromium, chromium, google-chrome,
 * google-chrome-stable); without one, or without SITE_URL, the test fails and says what is
 * missing. E2E_BROWSER=off skips it on purpose, with a notice.
 */
const target = targetFromEnv();
const siteUrl = process.env.SITE_URL;
const browserChoice = findBrowser();
if (browserChoice.kind === 'off') console.warn(browserChoice.notice);
const screenshots = path.resolve(__dirname, '..', 'reports', 'screenshots');

const email = `browser-${Date.now()}-${randomBytes(3).toString('hex')}@example.com`;
const password = `Br0wser-${randomBytes(12).toString('base64url')}!`;
const users = testUsers(target);
let userAdded = false;
let browser: Browser | undefined;

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshots, { recursive: true });
  await page.screenshot({ path: path.join(screenshots, `${target.region}-${name}.png`), fullPage: true });
}

(browserChoice.kind === 'off' ? describe.skip : describe)(`RegionalApp page in a browser, ${target.region}`, () => {
  beforeAll(async () => {
    if (browserChoice.kind !== 'found') throw new Error(browserChoice.kind === 'missing' ? browserChoice.message : browserChoice.notice);
    if (!siteUrl) throw new Error('SITE_URL is not set: point it at the region\'s site (the pipeline sets it from the Site stack\'s output), or set E2E_BROWSER=off to skip the browser test on purpose.');
    await users.add(email, password);
    userAdded = true;
    browser = await chromium.launch({ executablePath: browserChoice.executablePath, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  });

  afterAll(async () => {
    await browser?.close();
    if (userAdded) await users.remove(email);
  });

  test('sign in, see the greeting and picture, click until the count moves (retrying a deliberate failure)', async () => {
    const page = await browser!.newPage();
    await page.goto(siteUrl!);
    await page.locator('#region').filter({ hasText: target.region }).waitFor();
    await page.fill('#email', email);
    await page.fill('#password', password);
    await page.click('#sign-in');
    await page.locator('#greeting').filter({ hasText: `hello from ${target.region}` }).waitFor();
    expect(await page.locator('#picture img').getAttribute('src')).toMatch(/^data:image\/svg\+xml;base64,/);
    await shot(page, 'signed-in');

    const clickAnswer = () => page.waitForResponse((response) => response.url().endsWith('/click') && response.request().method() === 'POST');
    let retried = false;
    for (let click = 0; click < 80 && !retried; click++) {
      const [answer] = await Promise.all([clickAnswer(), page.click('#picture')]);
      if (answer.status() !== 500) {
        expect(answer.status()).toBe(200);
        continue;
      }
      await page.locator('#retry').waitFor({ state: 'visible' });
      await shot(page, 'deliberate-failure');
      let status = 500;
      for (let attempt = 0; status === 500 && attempt < 10; attempt++) {
        const [retry] = await Promise.all([clickAnswer(), page.click('#retry')]);
        status = retry.status();
      }
      expect(status).toBe(200);
      await page.locator('#retry').waitFor({ state: 'hidden' });
      retried = true;
    }
    expect(retried).toBe(true);
    await page.locator('#views').filter({ hasText: /page viewed \d+ times?/ }).waitFor();
    await shot(page, 'clicked');
  }, 120_000);
});

import { existsSync, mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { targetFromEnv, testUsers } from './target';

/**
 * The page in a real browser (SPEC E2, partly): Chromium opens the region's site, signs in, sees
 * the greeting and picture, clicks until the count moves — through the error image and Retry when
 * a deliberate failure comes up. Screenshots go to reports/screenshots/. Runs where SITE_URL is set
 * and Chromium is installed (`apt-get install -y chromium`; CHROMIUM_PATH overrides the path).
 */
const target = targetFromEnv();
const siteUrl = process.env.SITE_URL;
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const runs = Boolean(siteUrl) && existsSync(executablePath);
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

(runs ? describe : describe.skip)(`RegionalApp page in a browser, ${target.region}`, () => {
  beforeAll(async () => {
    await users.add(email, password);
    userAdded = true;
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
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

import { mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ROUTES } from '../lib/names';
import { findBrowser } from './find-browser';
import { sendSlackRequest, signedCommand, slackEndpoint } from './slack-client';
import { callJson, eventually, targetFromEnv, testUsers } from './target';

/**
 * The page in a real browser (E2, A21): Chromium or Chrome opens the region's site, signs in,
 * sees the greeting, the region and the picture, clicks until the count moves — through the error
 * image and Retry when a deliberate failure comes up — and the count the user sees only ever goes
 * up by their clicks. A reload keeps the session. With a peer region (PEER_API_URL/PEER_REGION, set
 * locally), the region's API is blocked in the browser (page.route aborts every request to its
 * origin): the page must move to the peer region on its own — it finds the peer through GET
 * /regions, never through this test — still signed in, the count continuing; unblocked, it stays
 * where it moved (README "The page": it does not move back). Screenshots go to reports/screenshots/.
 *
 * The browser is found by integ/find-browser.ts (CHROME_PATH, /usr/bin/chromium, chromium,
 * google-chrome, google-chrome-stable); without one, or without SITE_URL, the test fails and says
 * what is missing. E2E_BROWSER=off skips it on purpose, with a notice.
 */
const target = targetFromEnv();
const siteUrl = process.env.SITE_URL;
const apiUrl = target.apiUrl;
const peerRegion = target.peer?.region;
/** Requests to the APIs may fail on purpose (deliberate click failures); the page handles those itself. */
const isApiUrl = (url: string) => url.startsWith(apiUrl) || (target.peer !== undefined && url.startsWith(target.peer.apiUrl));
const browserChoice = findBrowser();
if (browserChoice.kind === 'off') console.warn(browserChoice.notice);
const screenshots = path.resolve(__dirname, '..', 'reports', 'screenshots');

/** How soon after its region stops answering the page must be served from the peer (the click that meets the outage moves it). */
const FAILOVER_WITHIN_MS = 5_000;
/**
 * How soon after `/regionalapp fail <region>` an idle page must be served from the peer: the
 * handlers reuse the flag up to 5 s (FLAG_CACHE_MS), the page checks /health every 10 s.
 */
const SLACK_FAILOVER_WITHIN_MS = 20_000;

const email = `browser-${Date.now()}-${randomBytes(3).toString('hex')}@example.com`;
const password = `Br0wser-${randomBytes(12).toString('base64url')}!`;
const users = testUsers(target);
const addedIn: string[] = [];
let browser: Browser | undefined;

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshots, { recursive: true });
  await page.screenshot({ path: path.join(screenshots, `${target.region}-${name}.png`), fullPage: true });
}

/** What the page and the browser complained about: console errors and failed loads (a missing favicon is one). */
function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && !isApiUrl(message.location().url)) problems.push(`console: ${message.text()} (${message.location().url})`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400 && !isApiUrl(response.url())) {
      problems.push(`${response.status()} ${response.url()}`);
    }
  });
  return problems;
}

async function signIn(page: Page, screenshot?: string): Promise<void> {
  await page.goto(siteUrl!);
  await page.locator('#region').filter({ hasText: target.region }).waitFor();
  await page.locator('#sign-in:not([disabled])').waitFor();
  if (screenshot) await shot(page, screenshot);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#greeting').filter({ hasText: 'Hello!' }).waitFor();
  await page.locator('#user').filter({ hasText: `Signed in as ${email}.` }).waitFor();
  await page.locator('#views').filter({ hasText: /viewed|Nobody/ }).waitFor();
}

/** The count the page shows, as a number. */
async function shownCount(page: Page): Promise<number> {
  const text = (await page.locator('#views').textContent()) ?? '';
  if (/Nobody/.test(text)) return 0;
  const match = /viewed ([\d,]+) times?/.exec(text);
  if (!match) throw new Error(`The page shows no count: "${text}"`);
  return Number(match[1].replace(/,/g, ''));
}

const clickAnswer = (page: Page) => page.waitForResponse((response) => response.url().endsWith(ROUTES.click) && response.request().method() === 'POST');

/** One click on the picture, until it is counted (Retry through deliberate failures); answers the shown count. */
async function countOneView(page: Page): Promise<number> {
  const [first] = await Promise.all([clickAnswer(page), page.getByRole('button', { name: /Count (a|another) view/ }).click()]);
  return countOneViewAfter(page, first.status());
}

(browserChoice.kind === 'off' ? describe.skip : describe)(`RegionalApp page in a browser, ${target.region}`, () => {
  beforeAll(async () => {
    if (browserChoice.kind !== 'found') throw new Error(browserChoice.kind === 'missing' ? browserChoice.message : browserChoice.notice);
    if (!siteUrl) throw new Error('SITE_URL is not set: point it at the region\'s site (the pipeline sets it from the Site stack\'s output), or set E2E_BROWSER=off to skip the browser test on purpose.');
    // Users exist in every region's pool (npm run users -- add does the same): the page signs in to all.
    for (const region of [target.region, ...(peerRegion ? [peerRegion] : [])]) {
      await users.add(email, password, region);
      addedIn.push(region);
    }
    browser = await chromium.launch({ executablePath: browserChoice.executablePath, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  });

  afterAll(async () => {
    await browser?.close();
    for (const region of addedIn) await users.remove(email, region);
  });

  test('sign in, greeting, region and picture; click until a deliberate failure, Retry; the count only goes up; a reload keeps the session', async () => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    const problems = watchProblems(page);
    await signIn(page, '0-sign-in');
    expect(await page.locator('#region').textContent()).toBe(`Served from ${target.region}`);
    expect(await page.locator('#answered-by').textContent()).toContain(target.region);
    expect(await page.locator('#picture img').getAttribute('src')).toMatch(/^data:image\/svg\+xml;base64,/);
    await shot(page, '1-signed-in');

    const counts = [await shownCount(page)];
    let failed = false;
    for (let click = 0; click < 80 && !failed; click++) {
      const [answer] = await Promise.all([clickAnswer(page), page.getByRole('button', { name: /Count (a|another) view/ }).click()]);
      if (answer.status() === 200) {
        await page.locator('#click-success').waitFor({ state: 'visible' });
        counts.push(await shownCount(page));
        continue;
      }
      expect(answer.status()).toBe(500);
      failed = true;
      await page.getByRole('button', { name: 'Retry' }).waitFor({ state: 'visible' });
      // One state at a time: the error replaces the picture and the last click's success.
      expect(await page.locator('#click-success').isVisible()).toBe(false);
      expect(await page.locator('#picture-area').isVisible()).toBe(false);
      expect(await page.locator('#click-error-message').textContent()).toMatch(/not counted.*Retry sends the same click/);
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('retry');
      await shot(page, '2-deliberate-failure');
      let status = 500;
      for (let attempt = 0; status === 500 && attempt < 10; attempt++) {
        const [retry] = await Promise.all([clickAnswer(page), page.getByRole('button', { name: 'Retry' }).click()]);
        status = retry.status();
      }
      expect(status).toBe(200);
      await page.locator('#click-error').waitFor({ state: 'hidden' });
      await page.locator('#click-success').waitFor({ state: 'visible' });
      counts.push(await shownCount(page));
    }
    expect(failed).toBe(true);
    // Each of the user's own counted clicks moves the shown count up (by one, or more when others click too).
    expect(counts.filter((count, index) => index > 0 && count <= counts[index - 1])).toEqual([]);
    await shot(page, '3-counted-after-retry');

    // Never ahead of the truth: once the counter has caught up, /views is at least what the page showed.
    const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem('regionalapp.session') ?? '{}').tokens) as Record<string, { idToken: string }>;
    const shown = counts[counts.length - 1];
    const deadline = Date.now() + 20_000;
    let truth = 0;
    while (Date.now() < deadline) {
      const views = await fetch(`${apiUrl}${ROUTES.views}`, { headers: { authorization: `Bearer ${token[target.region].idToken}` } }).then((response) => response.json()) as { views: number };
      truth = views.views;
      if (truth >= shown) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(truth).toBeGreaterThanOrEqual(shown);

    await page.reload();
    await page.locator('#answered-by').filter({ hasText: target.region }).waitFor();
    expect(await page.locator('#login-section').isVisible()).toBe(false);
    expect(await shownCount(page)).toBeGreaterThanOrEqual(shown);

    await page.setViewportSize({ width: 390, height: 844 });
    await page.evaluate(() => window.scrollTo(0, 0));
    const card = await page.locator('main').boundingBox();
    expect(card?.height ?? 0).toBeGreaterThanOrEqual(844);
    await page.screenshot({ path: path.join(screenshots, `${target.region}-4-phone.png`) });

    await page.goto(new URL('/no-such-page', siteUrl!).toString());
    await page.getByRole('link', { name: /home page/ }).waitFor();
    await shot(page, '5-not-found');
    problems.splice(0, problems.length, ...problems.filter((problem) => !problem.includes('/no-such-page')));
    expect(problems).toEqual([]);
    await page.close();
  }, 180_000);

  (peerRegion ? test : test.skip)(`failover: with ${target.region}'s API blocked in the browser, the page moves to ${peerRegion ?? 'the peer'}, still signed in, the count continuing`, async () => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page);
    // The page found the peer itself, through GET /regions, and signed in there too (in the background).
    await page.waitForFunction((count) => Object.keys(JSON.parse(sessionStorage.getItem('regionalapp.session') ?? '{}').tokens ?? {}).length === count, 2, { timeout: 10_000 });
    const stored = await page.evaluate(() => JSON.parse(sessionStorage.getItem('regionalapp.session') ?? '{}')) as { regions: { region: string }[]; tokens: Record<string, unknown> };
    expect(stored.regions.map((endpoint) => endpoint.region)).toEqual([target.region, peerRegion]);
    expect(Object.keys(stored.tokens).sort()).toEqual([target.region, peerRegion!].sort());
    const before = await countOneView(page);

    const blocked = `${new URL(apiUrl).origin}/**`;
    await page.route(blocked, (route) => route.abort('connectionrefused'));
    const blockedAt = Date.now();
    const [answer] = await Promise.all([
      page.waitForResponse((response) => response.url().startsWith(target.peer!.apiUrl) && response.url().endsWith(ROUTES.click)),
      page.getByRole('button', { name: /Count (a|another) view/ }).click(),
    ]);
    await page.locator('#region').filter({ hasText: `Served from ${peerRegion}` }).waitFor({ timeout: FAILOVER_WITHIN_MS });
    const failoverMs = Date.now() - blockedAt;
    console.log(`failover ${target.region} → ${peerRegion}: served from ${peerRegion} ${failoverMs} ms after ${target.region}'s API was blocked`);
    expect(failoverMs).toBeLessThan(FAILOVER_WITHIN_MS);
    expect(await page.locator('#notice-text').textContent()).toMatch(new RegExp(`^${target.region} is unavailable; you are now served from ${peerRegion}\\.`));
    // The click that met the outage was sent again to the peer with its idempotency key: counted once.
    const afterFailover = await countOneViewAfter(page, answer.status());
    expect(afterFailover).toBeGreaterThan(before);
    await page.locator('#answered-by').filter({ hasText: peerRegion! }).waitFor();
    expect(await page.locator('#login-section').isVisible()).toBe(false);
    await shot(page, '6-failover');

    // Unblocked: the page stays where it moved (no automatic move back), and keeps counting there.
    await page.unroute(blocked);
    const [next] = await Promise.all([clickAnswer(page), page.getByRole('button', { name: /Count (a|another) view/ }).click()]);
    expect(next.url().startsWith(target.peer!.apiUrl)).toBe(true);
    expect(await countOneViewAfter(page, next.status())).toBeGreaterThan(afterFailover);
    expect(await page.locator('#region').textContent()).toBe(`Served from ${peerRegion}`);
    await shot(page, '7-after-recovery');
    await page.close();
  }, 120_000);

  // Locally only: failing a production region on purpose would move its real users.
  (peerRegion && !target.production ? test : test.skip)(`failover driven from Slack: /regionalapp fail ${target.region} moves an idle page to ${peerRegion ?? 'the peer'}`, async () => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    let failing = false;
    try {
      await signIn(page);
      const before = await countOneView(page);
      const fail = await slackCommand(`fail ${target.region}`);
      expect(fail.status).toBe(200);
      failing = true;
      const failedAt = Date.now();
      // No click: the page's own /health check meets the 503 and moves.
      await page.locator('#region').filter({ hasText: `Served from ${peerRegion}` }).waitFor({ timeout: SLACK_FAILOVER_WITHIN_MS });
      console.log(`forced failure of ${target.region} (Slack): idle page served from ${peerRegion} ${Date.now() - failedAt} ms after the command`);
      expect(await page.locator('#notice-text').textContent()).toMatch(new RegExp(`^${target.region} is unavailable; you are now served from ${peerRegion}\\.`));
      await shot(page, '8-slack-forced-failure');
      expect(await countOneView(page)).toBeGreaterThan(before);
      expect(await page.locator('#login-section').isVisible()).toBe(false);
    } finally {
      if (failing) {
        expect((await slackCommand(`recover ${target.region}`)).status).toBe(200);
        // The handlers reuse the flag for up to 5 s: the next test file must find the region serving.
        await eventually('/health to answer 200 again', async () => ((await callJson(`${apiUrl}${ROUTES.health}`)).status === 200 ? true : undefined), 15_000, 500);
      }
      await page.close();
    }
  }, 90_000);
});

/**
 * Sends `/regionalapp <text>` to the region's Slack command API, signed as Slack signs it: locally
 * through the Slack stand-in (SLACK_STANDIN_URL), as a person at the local "Slack" would; else directly.
 */
async function slackCommand(text: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const standIn = process.env.SLACK_STANDIN_URL;
  if (standIn) {
    const relayed = await callJson(`${standIn}/commands`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ region: target.region, text, userName: 'e2e-browser' }) });
    if (relayed.status !== 200) throw new Error(`The Slack stand-in could not send "${text}": ${relayed.status} ${JSON.stringify(relayed.body)}`);
    return { status: Number(relayed.body.status), body: JSON.parse(String(relayed.body.body)) as Record<string, unknown> };
  }
  const slack = await slackEndpoint(target);
  return sendSlackRequest(slack.commandsUrl, signedCommand(slack.signingSecret, text, { userName: 'e2e-browser' }));
}

/** The shown count after a click whose answer was `status`, retrying a deliberate failure. */
async function countOneViewAfter(page: Page, status: number): Promise<number> {
  for (let attempt = 0; status === 500 && attempt < 10; attempt++) {
    const [retry] = await Promise.all([clickAnswer(page), page.getByRole('button', { name: 'Retry' }).click()]);
    status = retry.status();
  }
  expect(status).toBe(200);
  await page.locator('#click-success').waitFor({ state: 'visible' });
  return shownCount(page);
}

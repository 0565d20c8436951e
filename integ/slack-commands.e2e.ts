import { randomBytes } from 'node:crypto';
import { FORCED_FAILURE_STATUS } from '../lambda/shared/forced-failure';
import { loadConfig } from '../lib/config';
import { ROUTES } from '../lib/names';
import { sendSlackRequest, signedCommand, slackEndpoint, type SignedRequest, type SlackEndpoint } from './slack-client';
import { callJson, eventually, targetFromEnv, testUsers } from './target';

/**
 * The Slack command API (A5, A14, A15) of the region under test, called as Slack calls it:
 * a form body signed with the Slack app's signing secret (read from Secrets Manager as the check
 * role). Forged, stale, replayed and unsigned requests get 401. In production (E2E_PRODUCTION) the
 * suite sends only requests that change nothing — a signed `status` and the refused ones; the
 * fail/recover round trip, and the unknown command/region replies, run locally only.
 */
const target = targetFromEnv();
const config = loadConfig();
const localOnly = target.production ? test.skip : test;
const users = testUsers(target);

const user = `e2e-slack-${randomBytes(3).toString('hex')}`;
let slack: SlackEndpoint;
/** Regions this run failed on purpose: afterAll recovers them whatever happened. */
const failed = new Set<string>();

function signed(text: string, options: { timestamp?: number; secret?: string } = {}): SignedRequest {
  return signedCommand(options.secret ?? slack.signingSecret, text, { timestamp: options.timestamp, userName: user });
}

const send = (request: SignedRequest, url = slack.commandsUrl) => sendSlackRequest(url, request);
const command = (text: string) => send(signed(text));

beforeAll(async () => {
  slack = await slackEndpoint(target);
});

afterAll(async () => {
  for (const region of failed) await command(`recover ${region}`);
});

describe(`Slack commands in ${target.region}`, () => {
  test('a signed status lists every app region\'s state (ephemeral)', async () => {
    const { status, body } = await command('status');
    expect(status).toBe(200);
    expect(body.response_type).toBe('ephemeral');
    for (const region of config.appRegions) expect(String(body.text)).toContain(`*${region}*`);
  });

  test('a forged request (another secret) gets 401', async () => {
    expect(await send(signed('fail us-east-1', { secret: 'not-the-signing-secret' }))).toEqual({ status: 401, body: { error: 'invalid Slack signature' } });
  });

  test('a stale request (timestamp 6 minutes old, correctly signed) gets 401', async () => {
    expect(await send(signed('status', { timestamp: Math.floor(Date.now() / 1000) - 360 }))).toEqual({ status: 401, body: { error: 'request timestamp is more than 5 minutes off' } });
  });

  test('a replayed request (the same signed status twice) gets 401 the second time', async () => {
    const request = signed('status');
    expect((await send(request)).status).toBe(200);
    expect(await send(request)).toEqual({ status: 401, body: { error: 'request already received' } });
  });

  test('an unsigned request gets 401', async () => {
    const { body } = signed('status');
    expect(await send({ body, headers: { 'content-type': 'application/x-www-form-urlencoded' } })).toEqual({ status: 401, body: { error: 'missing Slack signature headers' } });
  });

  localOnly('an unknown command or region gets a helpful ephemeral reply (local runs)', async () => {
    const unknown = await command('explode');
    expect(unknown.status).toBe(200);
    expect(unknown.body).toEqual({ response_type: 'ephemeral', text: expect.stringContaining('Unknown command `explode`') });
    const region = await command('fail mars-north-1');
    expect(region.body).toEqual({ response_type: 'ephemeral', text: expect.stringContaining('`mars-north-1` is not a region of this app') });
  });
});

describe(`forced failure round trip from ${target.region} (local runs only: production regions are never failed)`, () => {
  const email = `e2e-slack-${Date.now()}-${randomBytes(3).toString('hex')}@example.com`;
  const password = `E2e-${randomBytes(12).toString('base64url')}!9a`;
  let idToken: string;
  let userAdded = false;

  const health = (apiUrl = target.apiUrl) => callJson(`${apiUrl}${ROUTES.health}`);
  const click = () => callJson(`${target.apiUrl}${ROUTES.click}`, { method: 'POST', headers: { authorization: `Bearer ${idToken}` } });

  afterAll(async () => {
    if (userAdded) await users.remove(email);
  });

  localOnly(`fail ${target.region} → /health and /click answer 503 → status shows who and when → recover → /health 200`, async () => {
    await users.add(email, password);
    userAdded = true;
    const login = await eventually('a login that is not throttled', async () => {
      const response = await callJson(`${target.apiUrl}${ROUTES.login}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: email, password }) });
      return response.status === 429 ? undefined : response;
    }, 10_000, 500);
    expect(login.status).toBe(200);
    idToken = String(login.body.idToken);

    const fail = await command(`fail ${target.region}`);
    failed.add(target.region);
    expect(fail).toEqual({ status: 200, body: { response_type: 'in_channel', text: expect.stringContaining(`${user} failed *${target.region}* on purpose`) } });

    const failing = await eventually('/health to answer 503', async () => {
      const response = await health();
      return response.status === FORCED_FAILURE_STATUS ? response : undefined;
    }, 15_000, 500);
    expect(failing.body).toMatchObject({ forcedFailure: true, region: target.region, by: user, at: expect.stringMatching(/Z$/) });
    const refused = await click();
    expect(refused.status).toBe(FORCED_FAILURE_STATUS);
    expect(refused.body).toMatchObject({ forcedFailure: true, region: target.region, by: user });
    expect(refused.body).not.toHaveProperty('retryable');

    const { body } = await command('status');
    expect(String(body.text)).toMatch(new RegExp(`:rotating_light: \\*${target.region}\\*: failing on purpose \\(set by ${user} at \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\)`));

    const recover = await command(`recover ${target.region}`);
    expect(recover.body).toEqual({ response_type: 'in_channel', text: expect.stringContaining(`${user} recovered *${target.region}*`) });
    failed.delete(target.region);
    await eventually('/health to answer 200 again', async () => ((await health()).status === 200 ? true : undefined), 15_000, 500);
    await eventually('/click to stop answering 503', async () => ((await click()).status !== FORCED_FAILURE_STATUS ? true : undefined), 15_000, 500);
  }, 60_000);

  const peer = target.peer;
  (peer ? localOnly : test.skip)(`a command received in ${target.region} fails and recovers the other region (local runs only)`, async () => {
    const other = peer!;
    expect((await command(`fail ${other.region}`)).status).toBe(200);
    failed.add(other.region);
    const failing = await eventually(`${other.region}'s /health to answer 503`, async () => {
      const response = await health(other.apiUrl);
      return response.status === FORCED_FAILURE_STATUS ? response : undefined;
    }, 15_000, 500);
    expect(failing.body).toMatchObject({ forcedFailure: true, region: other.region, by: user });
    expect((await command(`recover ${other.region}`)).status).toBe(200);
    failed.delete(other.region);
    await eventually(`${other.region}'s /health to answer 200 again`, async () => ((await health(other.apiUrl)).status === 200 ? true : undefined), 15_000, 500);
  }, 40_000);
});

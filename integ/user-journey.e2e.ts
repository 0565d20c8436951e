import { ApiGatewayV2Client, GetStageCommand } from '@aws-sdk/client-apigatewayv2';
import { CloudWatchClient, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueUrlCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { randomBytes, randomUUID } from 'node:crypto';
import { CLICK_EVENT_DETAIL_TYPE, CLICK_EVENT_SOURCE, HOME_PAGE, type ClickDetail } from '../lambda/shared/click-event';
import { IDEMPOTENCY_KEY_HEADER } from '../lambda/shared/api-contract';
import { keys } from '../lambda/shared/table';
import { readViewShards, totalViews } from '../lambda/shared/view-shards';
import { ROUTES } from '../lib/names';
import { alarmPathVerdict, throttleMismatches, type DeliveryRecord } from './release-check';
import { callJson, eventually, targetFromEnv, testUsers, type JsonResponse } from './target';

/**
 * The user journey against one region (E1, P6) — a deployed region (the pipeline's post-deploy
 * step) or a local one (`npm run test:e2e`): a user is created, a wrong password and an unknown
 * user are refused and logged, the user logs in, is greeted from this region, clicks through
 * deliberate failures (retrying with the same idempotency key), and the table's counter equals the
 * clicks that succeeded — across both regions' shards when the run covers both; a replayed event
 * counts once; the check alarm's ALARM reaches Slack through the notifier. Nothing here is mocked.
 *
 * Against production (target.production) the suite leaves real users and the on-call channel
 * alone: no burst against /login (the deployed stage's throttles are compared with lib/limits.ts
 * instead), no failed logins beyond the one wrong password, and the real failed-logins alarm is
 * not touched. Locally it also raises that alarm with real failed logins and bursts the throttle.
 */
const target = targetFromEnv();
const clientConfig = { region: target.region };
const ssm = new SSMClient(clientConfig);
const users = testUsers(target);
const db = DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig));
const cloudwatch = new CloudWatchClient(clientConfig);
const sqs = new SQSClient(clientConfig);
const apiGateway = new ApiGatewayV2Client(clientConfig);
/**
 * How long a write takes to reach the other region's replica, with margin: REPLICATION_LAG_MS
 * locally (the environment's setting); deployed, global tables replicate "typically within a second".
 */
const REPLICATION_WINDOW_MS = Number(process.env.REPLICATION_LAG_MS ?? 1_000) + 3_000;
/** Tests that would disturb production run locally only; production has its own, quieter proof. */
const localOnly = target.production ? test.skip : test;
const productionOnly = target.production ? test : test.skip;

const email = `e2e-${Date.now()}-${randomBytes(3).toString('hex')}@example.com`;
const password = `E2e-${randomBytes(12).toString('base64url')}!9a`;
let userAdded = false;
let tableName: string;
let idToken: string;
/** A click this run counted: its idempotency key and what the click handler put on the bus. */
let countedClick: ClickDetail | undefined;

async function parameter(name: string): Promise<string> {
  const { Parameter } = await ssm.send(new GetParameterCommand({ Name: name }));
  if (!Parameter?.Value) throw new Error(`SSM parameter ${name} is empty`);
  return Parameter.Value;
}

function login(apiUrl: string, username: string, secret: string): Promise<JsonResponse> {
  return callJson(`${apiUrl}${ROUTES.login}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: secret }),
  });
}

function authorized(path: string, token = idToken, apiUrl = target.apiUrl, init: RequestInit = {}): Promise<JsonResponse> {
  return callJson(`${apiUrl}${path}`, { ...init, headers: { ...init.headers, authorization: `Bearer ${token}` } });
}

/** The views in the table of the region under test, read as GET /views reads them. */
async function tableViews(): Promise<number> {
  return totalViews(await readViewShards(db, tableName, HOME_PAGE));
}

/** The notifier's delivery records of one alarm since `since` (ISO time), oldest first. */
async function deliveries(alarmName: string, since: string): Promise<Record<string, unknown>[]> {
  const { Items = [] } = await db.send(new QueryCommand({
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk AND sk >= :since',
    ExpressionAttributeValues: { ':pk': `DELIVERY#${alarmName}`, ':since': since },
    ConsistentRead: true,
  }));
  return Items;
}

/** The first delivery record of `state`, or undefined when none came within the timeout. */
async function deliveryWithin(alarmName: string, since: string, state: string, timeoutMs: number): Promise<Record<string, unknown> | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = (await deliveries(alarmName, since)).find((item) => item.state === state);
    if (found || Date.now() > deadline) return found;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
}

async function slackMessages(): Promise<string> {
  const messages = await (await fetch(target.slackMessagesUrl!)).json() as { payload: unknown }[];
  return JSON.stringify(messages.map((message) => message.payload));
}

async function isCounted(idempotencyKey: string): Promise<boolean> {
  const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: keys.countedClick(idempotencyKey), ConsistentRead: true }));
  return Item !== undefined;
}

/**
 * Sends one click (one idempotency key) until it succeeds: a deliberate failure (500, retryable)
 * is retried with the same key, as the page's Retry button does. Returns the failures seen.
 */
async function click(key: string, token: string, apiUrl: string): Promise<number> {
  for (let failures = 0; failures < 30; failures++) {
    const answer = await authorized(ROUTES.click, token, apiUrl, { method: 'POST', headers: { [IDEMPOTENCY_KEY_HEADER]: key } });
    if (answer.status === 500 && answer.body.retryable === true) continue;
    expect(answer.status).toBe(200);
    expect(answer.body.message).toMatch(/^page viewed \d+ times?$/);
    return failures;
  }
  throw new Error(`click ${key} failed 30 times in a row`);
}

/** Clicks until `wanted` clicks succeeded, each with a new key; returns how many failures were seen. */
async function clickUntil(wanted: number, token: string, apiUrl: string, onCounted?: (key: string) => void): Promise<number> {
  let failures = 0;
  for (let succeeded = 0; succeeded < wanted; succeeded++) {
    const key = `e2e-${randomUUID()}`;
    failures += await click(key, token, apiUrl);
    onCounted?.(key);
  }
  return failures;
}

/**
 * Checks the table's total once it reached `expected`: exactly that — more would be a double
 * count — or, where real users click too (target.production), at least that.
 */
async function expectSettledViews(expected: number): Promise<void> {
  await eventually(`the counter to reach ${expected}`, async () => ((await tableViews()) >= expected ? true : undefined));
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const views = await tableViews();
  if (target.production) expect(views).toBeGreaterThanOrEqual(expected);
  else expect(views).toBe(expected);
}

beforeAll(async () => {
  tableName = await parameter(target.parameters.tableName);
  await users.add(email, password);
  userAdded = true;
});

afterAll(async () => {
  if (userAdded) await users.remove(email);
});

describe(`RegionalApp user journey in ${target.region}`, () => {
  test('a route behind the authorizer refuses a missing or forged token', async () => {
    const missing = await fetch(`${target.apiUrl}${ROUTES.hello}`, { signal: AbortSignal.timeout(10_000) });
    expect(missing.status).toBe(401);
    const forged = await authorized(ROUTES.hello, 'eyJhbGciOiJSUzI1NiIsImtpZCI6ImZvcmdlZCJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl');
    expect(forged.status).toBe(401);
  });

  test('a wrong password and an unknown user get the same 401, and both attempts are logged', async () => {
    const wrongPassword = await login(target.apiUrl, email, `${password}x`);
    const unknownUser = await login(target.apiUrl, `nobody-${randomUUID()}@example.com`, password);
    expect(wrongPassword).toEqual({ status: 401, body: { error: 'invalid username or password' } });
    expect(unknownUser).toEqual(wrongPassword);
    const logged = await db.send(new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `LOGIN#${email}` },
    }));
    expect(logged.Items?.map((item) => item.outcome)).toContain('failure');
    expect(logged.Items?.every((item) => typeof item.expiresAt === 'number')).toBe(true);
  });

  test('the user logs in and is greeted from this region with the image', async () => {
    const { status, body } = await login(target.apiUrl, email, password);
    expect(status).toBe(200);
    idToken = String(body.idToken);
    const hello = await authorized(ROUTES.hello);
    expect(hello.status).toBe(200);
    expect(hello.body.message).toBe(`hello from ${target.region}`);
    expect(String(hello.body.image)).toMatch(/^data:image\/svg\+xml;base64,/);
  });

  test('clicks through deliberate failures: each retry succeeds and the table counts exactly the successes', async () => {
    const before = await tableViews();
    let lastKey = '';
    let failures = 0;
    let succeeded = 0;
    // Click until at least one deliberate failure was seen and retried (10% of clicks fail).
    while (failures === 0 || succeeded < 3) {
      if (succeeded > 300) throw new Error('no deliberate failure in 300 clicks; is RANDOM_FAILURE_RATE 0?');
      failures += await clickUntil(1, idToken, target.apiUrl, (key) => { lastKey = key; });
      succeeded++;
    }
    expect(failures).toBeGreaterThan(0);
    await expectSettledViews(before + succeeded);
    const viaApi = await authorized(ROUTES.views);
    expect(viaApi.status).toBe(200);
    expect(viaApi.body.views).toBeGreaterThanOrEqual(before + succeeded);
    await eventually('the last click to be marked counted', async () => ((await isCounted(lastKey)) ? true : undefined));
    countedClick = { page: HOME_PAGE, region: target.region, idempotencyKey: lastKey, clickedAt: new Date().toISOString() };
  }, 180_000);

  test('a replayed click event is not counted twice', async () => {
    expect(countedClick).toBeDefined();
    const sentinel: ClickDetail = { page: HOME_PAGE, region: target.region, idempotencyKey: `e2e-replay-${randomUUID()}`, clickedAt: new Date().toISOString() };
    const before = await tableViews();
    const asDelivered = (detail: ClickDetail) => JSON.stringify({
      version: '0', id: randomUUID(), 'detail-type': CLICK_EVENT_DETAIL_TYPE, source: CLICK_EVENT_SOURCE,
      account: '000000000000', time: new Date().toISOString(), region: target.region, resources: [], detail,
    });
    // The dead-letter queue replayer (A10) gets the already counted click again, and one new click.
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: target.clickDlq }));
    await sqs.send(new SendMessageBatchCommand({
      QueueUrl,
      Entries: [{ Id: 'replay', MessageBody: asDelivered(countedClick!) }, { Id: 'sentinel', MessageBody: asDelivered(sentinel) }],
    }));
    await eventually('the replayer to count the new click', async () => ((await isCounted(sentinel.idempotencyKey)) ? true : undefined));
    await expectSettledViews(before + 1);
  }, 90_000);

  const crossRegion = target.peer ? describe : describe.skip;
  crossRegion(`with ${target.peer?.region ?? 'the other region'}: one count over both regions`, () => {
    const peerEmail = `peer-${email}`;
    let peerToken: string;
    let peerUserAdded = false;

    beforeAll(async () => {
      await users.add(peerEmail, password, target.peer!.region);
      peerUserAdded = true;
      const peerLogin = await login(target.peer!.apiUrl, peerEmail, password);
      expect(peerLogin.status).toBe(200);
      peerToken = String(peerLogin.body.idToken);
    });

    afterAll(async () => {
      if (peerUserAdded) await users.remove(peerEmail, target.peer!.region);
    });

    test(`clicks in ${target.peer?.region} add to the same total (summed shards)`, async () => {
      const before = await tableViews();
      await clickUntil(2, idToken, target.apiUrl);
      await clickUntil(3, peerToken, target.peer!.apiUrl);
      await expectSettledViews(before + 5);
      const peerViews = await authorized(ROUTES.views, peerToken, target.peer!.apiUrl);
      expect(peerViews.body.views).toBeGreaterThanOrEqual(before + 5);
    }, 120_000);

    test('concurrent clicks in both regions are all counted: each region counts into its own shard, so last-writer-wins loses none', async () => {
      const before = await tableViews();
      const perRegion = 6;
      await Promise.all([target.apiUrl, target.peer!.apiUrl].flatMap((apiUrl) => {
        const token = apiUrl === target.apiUrl ? idToken : peerToken;
        return Array.from({ length: perRegion }, () => clickUntil(1, token, apiUrl));
      }));
      await expectSettledViews(before + 2 * perRegion);
    }, 120_000);

    // Asserts exact totals, so it needs a region nobody else clicks in.
    (target.production ? test.skip : test)('the same click accepted by both regions within the replication window counts at most once per region; sent after the window, once', async () => {
      const before = await tableViews();
      const both = `e2e-both-${randomUUID()}`;
      // As a retry after a failover can do: the same key reaches both regions at once.
      await Promise.all([click(both, idToken, target.apiUrl), click(both, peerToken, target.peer!.apiUrl)]);
      await eventually('the click to be counted', async () => ((await tableViews()) > before ? true : undefined));
      await new Promise((resolve) => setTimeout(resolve, REPLICATION_WINDOW_MS + 2_000));
      const counted = (await tableViews()) - before;
      expect(counted).toBeGreaterThanOrEqual(1);
      expect(counted).toBeLessThanOrEqual(2);
      // Once replicated, both regions know the key: sending it again counts nothing.
      await Promise.all([click(both, idToken, target.apiUrl), click(both, peerToken, target.peer!.apiUrl)]);
      await new Promise((resolve) => setTimeout(resolve, REPLICATION_WINDOW_MS + 2_000));
      expect((await tableViews()) - before).toBe(counted);

      const later = `e2e-later-${randomUUID()}`;
      await click(later, idToken, target.apiUrl);
      await eventually('the click to be counted here', async () => ((await isCounted(later)) ? true : undefined));
      await new Promise((resolve) => setTimeout(resolve, REPLICATION_WINDOW_MS));
      await click(later, peerToken, target.peer!.apiUrl);
      await expectSettledViews(before + counted + 1);
    }, 120_000);
  });

  localOnly('failed logins raise the failed-logins alarm, and the notifier delivers it to Slack (local runs: production keeps its real alarm)', async () => {
    const since = new Date().toISOString();
    // `npm run test:e2e` starts a fresh environment, so the alarm is OK here and the failed logins
    // below make a fresh transition to ALARM — without SetAlarmState, which only the check alarm allows.
    for (let attempt = 0; attempt < target.failedLoginsThreshold; attempt++) {
      expect((await login(target.apiUrl, email, `wrong-${attempt}-${password}`)).status).toBe(401);
    }
    const delivery = await eventually('the notifier to record a Slack delivery of the alarm', async () => (
      (await deliveries(target.failedLoginsAlarm, since)).find((item) => item.state === 'ALARM')
    ), target.alarmTimeoutMs, 2_000);
    expect(delivery.outcome).toBe('delivered');
    if (target.slackMessagesUrl) expect(await slackMessages()).toContain(target.failedLoginsAlarm);
  }, 600_000);

  test('the check alarm\'s ALARM goes CloudWatch → SNS → notifier → Slack as one informational line', async () => {
    const alarm = target.alarmPathCheckAlarm;
    const since = new Date().toISOString();
    const reason = `release check ${since}`;
    // From OK (a no-op when it is OK, as it always is between checks), so that ALARM is a transition.
    await cloudwatch.send(new SetAlarmStateCommand({ AlarmName: alarm, StateValue: 'OK', StateReason: reason }));
    await cloudwatch.send(new SetAlarmStateCommand({ AlarmName: alarm, StateValue: 'ALARM', StateReason: reason }));
    const record = await deliveryWithin(alarm, since, 'ALARM', target.checkAlarmTimeoutMs) as DeliveryRecord | undefined;
    const verdict = alarmPathVerdict(record, alarm, target.checkAlarmTimeoutMs / 1000);
    if (verdict.result === 'fail') throw new Error(`alarm path in ${target.region}: ${verdict.message}`);
    if (verdict.result === 'warn') console.warn(`WARNING, alarm path in ${target.region}: ${verdict.message}`);

    if (target.slackMessagesUrl) {
      // Locally the Slack stand-in always answers: the line must have been posted, and CloudWatch's
      // return to OK (the evaluator's next round) recorded but not posted.
      expect(record?.outcome).toBe('delivered');
      expect(await slackMessages()).toContain(`release check: alarm path works in ${target.region}, no action needed`);
      const ok = await deliveryWithin(alarm, since, 'OK', 30_000);
      expect(ok?.outcome).toBe('not posted');
      expect(await slackMessages()).not.toContain(alarm);
    }
  }, 300_000);

  productionOnly('the deployed stage throttles each route as lib/limits.ts says (production is not burst)', async () => {
    const { RouteSettings, DefaultRouteSettings } = await apiGateway.send(new GetStageCommand({
      ApiId: await parameter(target.parameters.apiId),
      StageName: '$default',
    }));
    expect(throttleMismatches({ RouteSettings, DefaultRouteSettings })).toEqual([]);
  });

  localOnly('bursts beyond the login throttle are answered 429 (local runs: a burst would drain real users\' logins)', async () => {
    const responses = await Promise.all(Array.from({ length: 30 }, () => fetch(`${target.apiUrl}${ROUTES.login}`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json', signal: AbortSignal.timeout(10_000),
    })));
    const statuses = responses.map((response) => response.status);
    expect(statuses).toContain(429);
    expect(statuses.every((status) => status === 429 || status === 400)).toBe(true);
  });
});

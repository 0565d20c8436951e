process.env.AWS_REGION = 'us-east-1';
process.env.TABLE_NAME = 'regionalapp-prod-table';
process.env.WEBHOOK_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:regionalapp/slack-webhook-AbCdEf';
process.env.POWERTOOLS_SERVICE_NAME = 'notifier';
process.env.POWERTOOLS_METRICS_NAMESPACE = 'regionalapp-prod';

import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SNSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import {
  createNotifier, deliver, failureKind, formatAlarm, formatNotice, formatReleaseCheck, parseAlarmChange, parseWebhookUrl, ConfigurationError,
  type NotifierDependencies,
} from '../../lambda/notifier';
import { lambdaContext } from './lambda-context';

const SECRET_TOKEN = 'XyZsecretTOKEN0123456789';
const WEBHOOK_URL = `https://hooks.slack.com/services/T0001/B0002/${SECRET_TOKEN}`;
const ALARM_NAME = 'regionalapp-prod-failed-logins-us-east-1';
const START = new Date('2025-03-01T12:00:00.000Z');

const secrets = mockClient(SecretsManagerClient);
const db = mockClient(DynamoDBDocumentClient);

/** A CloudWatch alarm state-change message as SNS delivers it. */
function alarmMessage(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    AlarmName: ALARM_NAME,
    AlarmDescription: 'More than 20 failed logins in 5 minutes',
    AWSAccountId: '111122223333',
    NewStateValue: 'ALARM',
    NewStateReason: 'Threshold Crossed: 1 datapoint [25.0] was greater than the threshold (20.0).',
    StateChangeTime: '2025-03-01T11:59:58.123+0000',
    Region: 'US East (N. Virginia)',
    AlarmArn: `arn:aws:cloudwatch:us-east-1:111122223333:alarm:${ALARM_NAME}`,
    OldStateValue: 'OK',
    ...overrides,
  });
}

function snsEvent(message = alarmMessage(), subject = `ALARM: "${ALARM_NAME}" in US East (N. Virginia)`): SNSEvent {
  return {
    Records: [{
      EventSource: 'aws:sns',
      EventVersion: '1.0',
      EventSubscriptionArn: 'arn:aws:sns:us-east-1:111122223333:regionalapp-prod-alarms-us-east-1:sub',
      Sns: {
        Type: 'Notification',
        MessageId: 'message-1',
        TopicArn: 'arn:aws:sns:us-east-1:111122223333:regionalapp-prod-alarms-us-east-1',
        Subject: subject,
        Message: message,
        Timestamp: START.toISOString(),
        SignatureVersion: '1',
        Signature: 'signature',
        SigningCertUrl: 'https://sns.us-east-1.amazonaws.com/cert.pem',
        UnsubscribeUrl: 'https://sns.us-east-1.amazonaws.com/unsubscribe',
        MessageAttributes: {},
      },
    }],
  };
}

type FetchCall = [input: string | URL | Request, init?: RequestInit];

/** A fake fetch answering each call with the next outcome: a status (with headers) or a thrown error. */
function fakeFetch(...outcomes: Array<number | { status: number; headers: Record<string, string> } | Error | DOMException>) {
  return jest.fn(async (..._args: FetchCall): Promise<Response> => {
    const outcome = outcomes.shift();
    if (outcome === undefined) throw new Error('test error: unexpected extra fetch call');
    if (typeof outcome === 'object' && !('status' in outcome)) throw outcome;
    const { status, headers } = typeof outcome === 'number' ? { status: outcome, headers: {} } : outcome;
    return new Response(status === 200 ? 'ok' : 'error', { status, headers });
  });
}

function harness(fetch: ReturnType<typeof fakeFetch>, overrides: Partial<NotifierDependencies> = {}) {
  const sleeps: number[] = [];
  let clock = START;
  const handler = createNotifier({
    fetch,
    sleep: async (ms) => { sleeps.push(ms); },
    now: () => clock,
    ...overrides,
  });
  return {
    handler,
    sleeps,
    advance: (ms: number) => { clock = new Date(clock.getTime() + ms); },
  };
}

function deliveryRecords(): Record<string, any>[] {
  return db.commandCalls(PutCommand).map((call) => call.args[0].input.Item as Record<string, any>);
}

/** The network error undici throws can name the URL in its cause; it must not reach the logs. */
function networkError(): TypeError {
  return new TypeError('fetch failed', { cause: Object.assign(new Error(`connect ECONNREFUSED ${WEBHOOK_URL}`), { code: 'ECONNREFUSED' }) });
}

// Everything the function would log (Powertools writes to process.stdout/stderr; console too).
let output: string[] = [];
beforeEach(() => {
  output = [];
  const capture = (chunk: unknown) => { output.push(String(chunk)); return true; };
  jest.spyOn(process.stdout, 'write').mockImplementation(capture);
  jest.spyOn(process.stderr, 'write').mockImplementation(capture);
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    jest.spyOn(console, method).mockImplementation((...args: unknown[]) => { output.push(args.map(String).join(' ')); });
  }
  secrets.reset();
  db.reset();
  secrets.on(GetSecretValueCommand).resolves({ SecretString: WEBHOOK_URL });
  db.on(PutCommand).resolves({});
});
afterEach(() => {
  jest.restoreAllMocks();
  const logged = output.join('\n');
  expect(logged).not.toContain(SECRET_TOKEN);
  expect(logged).not.toContain('hooks.slack.com/services');
});

describe('the alarm path: SNS → Slack → delivery record', () => {
  test('an alarm delivered on the first try is posted as JSON and recorded as delivered', async () => {
    const fetch = fakeFetch(200);
    const { handler, sleeps } = harness(fetch);

    await handler(snsEvent(), lambdaContext());

    expect(fetch).toHaveBeenCalledTimes(1);
    const [url, init] = fetch.mock.calls[0];
    expect(String(url)).toBe(WEBHOOK_URL);
    expect(init?.method).toBe('POST');
    expect(init?.headers).toEqual({ 'content-type': 'application/json' });
    expect(init?.signal).toBeInstanceOf(AbortSignal);
    expect(JSON.parse(String(init?.body)).text).toContain(`:rotating_light: ALARM — ${ALARM_NAME} (us-east-1)`);
    expect(sleeps).toEqual([]);
    expect(deliveryRecords()).toEqual([{
      pk: `DELIVERY#${ALARM_NAME}`,
      sk: START.toISOString(),
      outcome: 'delivered',
      attempts: 1,
      httpStatus: 200,
      failureReason: undefined,
      state: 'ALARM',
      region: 'us-east-1',
      expiresAt: Math.floor(START.getTime() / 1000) + 30 * 24 * 60 * 60,
    }]);
    expect(db.commandCalls(PutCommand)[0].args[0].input.TableName).toBe('regionalapp-prod-table');
  });

  test('a 500 is retried after 250 ms and the second, successful attempt is recorded', async () => {
    const { handler, sleeps } = harness(fakeFetch(500, 200));

    await handler(snsEvent(), lambdaContext());

    expect(sleeps).toEqual([250]);
    expect(deliveryRecords()[0]).toMatchObject({ outcome: 'delivered', attempts: 2, httpStatus: 200 });
  });

  test('three 503s: backoff 250 then 500 ms, recorded as failed, and the invocation fails without the URL', async () => {
    const fetch = fakeFetch(503, 503, 503);
    const { handler, sleeps } = harness(fetch);

    const failure = await handler(snsEvent(), lambdaContext()).catch((error: Error) => error);

    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toContain(ALARM_NAME);
    expect((failure as Error).message).not.toContain(SECRET_TOKEN);
    expect(fetch).toHaveBeenCalledTimes(3);
    expect(sleeps).toEqual([250, 500]);
    expect(deliveryRecords()[0]).toMatchObject({ outcome: 'failed', attempts: 3, httpStatus: 503, failureReason: 'HTTP 503', state: 'ALARM' });
  });

  test('a 400 (e.g. invalid payload) is final: no retry, recorded as failed', async () => {
    const fetch = fakeFetch(400);
    const { handler, sleeps } = harness(fetch);

    await expect(handler(snsEvent(), lambdaContext())).rejects.toThrow(/Slack delivery failed/);

    expect(fetch).toHaveBeenCalledTimes(1);
    expect(sleeps).toEqual([]);
    expect(deliveryRecords()[0]).toMatchObject({ outcome: 'failed', attempts: 1, httpStatus: 400 });
  });

  test('a network error is retried, and the log names the error, not its message', async () => {
    const { handler, sleeps } = harness(fakeFetch(networkError(), 200));

    await handler(snsEvent(), lambdaContext());

    expect(sleeps).toEqual([250]);
    expect(deliveryRecords()[0]).toMatchObject({ outcome: 'delivered', attempts: 2 });
    expect(output.join('\n')).toContain('TypeError/ECONNREFUSED');
  });

  test('a message that is not an alarm is still delivered, as a plain notice', async () => {
    const fetch = fakeFetch(200);
    const { handler } = harness(fetch);

    await handler(snsEvent('Testing the alarm topic', 'Hello'), lambdaContext());

    expect(JSON.parse(String(fetch.mock.calls[0][1]?.body))).toEqual({ text: ':information_source: Hello\nTesting the alarm topic' });
    expect(deliveryRecords()[0]).toMatchObject({ pk: 'DELIVERY#sns-notice', outcome: 'delivered', region: 'us-east-1' });
    expect(deliveryRecords()[0].state).toBeUndefined();
  });

  test('emits SlackDeliveries and SlackDeliveryFailures', async () => {
    await harness(fakeFetch(200)).handler(snsEvent(), lambdaContext());
    await harness(fakeFetch(404)).handler(snsEvent(), lambdaContext()).catch(() => undefined);

    const emitted = output.filter((line) => line.includes('_aws')).map((line) => JSON.parse(line));
    expect(emitted.map((metric) => metric._aws.CloudWatchMetrics[0].Metrics[0].Name)).toEqual(['SlackDeliveries', 'SlackDeliveryFailures']);
    expect(emitted[0]._aws.CloudWatchMetrics[0].Namespace).toBe('regionalapp-prod');
  });
});

describe('the webhook secret', () => {
  test('is read once and reused for 5 minutes, then read again', async () => {
    const { handler, advance } = harness(fakeFetch(200, 200, 200));

    await handler(snsEvent(), lambdaContext());
    advance(5 * 60 * 1000 - 1);
    await handler(snsEvent(), lambdaContext());
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(secrets.commandCalls(GetSecretValueCommand)[0].args[0].input.SecretId).toBe(process.env.WEBHOOK_SECRET_ARN);

    advance(1);
    await handler(snsEvent(), lambdaContext());
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  test.each([
    ['plain http to a remote host', `http://hooks.slack.com/services/T0001/B0002/${SECRET_TOKEN}`],
    ['another scheme', `ftp://hooks.slack.com/${SECRET_TOKEN}`],
    ['not a URL', `{"url":"${SECRET_TOKEN}"}`],
  ])('holding %s is a configuration error: nothing is posted, the failure is recorded, the value is not logged', async (_, value) => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: value });
    const fetch = fakeFetch();
    const { handler } = harness(fetch);

    await expect(handler(snsEvent(), lambdaContext())).rejects.toThrow('ConfigurationError');

    expect(fetch).not.toHaveBeenCalled();
    expect(deliveryRecords()[0]).toMatchObject({ outcome: 'failed', attempts: 0, failureReason: 'ConfigurationError' });
    expect(output.join('\n')).toContain('misconfigured');
  });

  test('an invalid secret is not cached: the fixed value is used on the next invocation', async () => {
    secrets.on(GetSecretValueCommand).resolvesOnce({ SecretString: 'not a url' }).resolves({ SecretString: WEBHOOK_URL });
    const { handler } = harness(fakeFetch(200));

    await expect(handler(snsEvent(), lambdaContext())).rejects.toThrow();
    await handler(snsEvent(), lambdaContext());

    expect(deliveryRecords().map((record) => record.outcome)).toEqual(['failed', 'delivered']);
  });

  test('https anywhere, http only to this machine (the local Slack stand-in)', () => {
    expect(parseWebhookUrl(` ${WEBHOOK_URL}\n`).href).toBe(WEBHOOK_URL);
    expect(parseWebhookUrl('http://127.0.0.1:4599/webhook').host).toBe('127.0.0.1:4599');
    expect(parseWebhookUrl('http://localhost:4599/webhook').hostname).toBe('localhost');
    expect(() => parseWebhookUrl('http://10.0.0.1/webhook')).toThrow(ConfigurationError);
    expect(() => parseWebhookUrl(undefined)).toThrow(ConfigurationError);
    try {
      parseWebhookUrl(`http://hooks.slack.com/services/${SECRET_TOKEN}`);
    } catch (error) {
      expect((error as Error).message).not.toContain(SECRET_TOKEN);
      expect((error as Error).message).not.toContain('hooks.slack.com');
    }
  });
});

describe('deliver', () => {
  const url = new URL(WEBHOOK_URL);
  const payload = { text: 'hello' };

  test('429 waits the retry-after seconds before trying again', async () => {
    const sleeps: number[] = [];
    const result = await deliver(url, payload, {
      fetch: fakeFetch({ status: 429, headers: { 'retry-after': '2' } }, 200),
      sleep: async (ms) => { sleeps.push(ms); },
    });
    expect(sleeps).toEqual([2000]);
    expect(result).toEqual({ outcome: 'delivered', attempts: 2, httpStatus: 200 });
  });

  test('429 without retry-after backs off like a 5xx', async () => {
    const sleeps: number[] = [];
    const result = await deliver(url, payload, { fetch: fakeFetch(429, 429, 429), sleep: async (ms) => { sleeps.push(ms); } });
    expect(sleeps).toEqual([250, 500]);
    expect(result).toEqual({ outcome: 'failed', attempts: 3, httpStatus: 429, reason: 'HTTP 429' });
  });

  test('429 asking for a long wait ends the retries instead of hammering Slack', async () => {
    const fetch = fakeFetch({ status: 429, headers: { 'retry-after': '60' } });
    const sleep = jest.fn(async () => undefined);
    const result = await deliver(url, payload, { fetch, sleep });
    expect(sleep).not.toHaveBeenCalled();
    expect(result).toMatchObject({ outcome: 'failed', attempts: 1, httpStatus: 429 });
  });

  test('a timeout is retried; after the last attempt the result has no status, only the error name', async () => {
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    const result = await deliver(url, payload, { fetch: fakeFetch(timeout, timeout, timeout), sleep: async () => undefined });
    expect(result).toEqual({ outcome: 'failed', attempts: 3, httpStatus: undefined, reason: 'TimeoutError' });
  });

  test('a redirect is not followed and not retried', async () => {
    const fetch = fakeFetch({ status: 302, headers: { location: 'https://elsewhere.example.com/' } });
    const result = await deliver(url, payload, { fetch, sleep: async () => undefined });
    expect(fetch.mock.calls[0][1]?.redirect).toBe('manual');
    expect(result).toMatchObject({ outcome: 'failed', attempts: 1, httpStatus: 302 });
  });
});

describe('message formatting', () => {
  test('ALARM: siren, state, name and region code, then reason and time', () => {
    const alarm = parseAlarmChange(alarmMessage(), 'us-west-2');
    const message = formatAlarm(alarm!);
    expect(message.text).toBe([
      `:rotating_light: ALARM — ${ALARM_NAME} (us-east-1)`,
      'Threshold Crossed: 1 datapoint [25.0] was greater than the threshold (20.0).',
      'at 2025-03-01T11:59:58.123+0000 (was OK)',
    ].join('\n'));
    expect(message.blocks?.[0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: `*:rotating_light: ALARM — ${ALARM_NAME} (us-east-1)*` } });
    expect(JSON.stringify(message.blocks)).toContain('More than 20 failed logins in 5 minutes');
  });

  test('OK gets a check mark', () => {
    const alarm = parseAlarmChange(alarmMessage({ NewStateValue: 'OK', OldStateValue: 'ALARM' }), 'us-east-1');
    expect(formatAlarm(alarm!).text.split('\n')[0]).toBe(`:white_check_mark: OK — ${ALARM_NAME} (us-east-1)`);
  });

  test('the region code comes from the alarm ARN, else from this function\'s region', () => {
    expect(parseAlarmChange(alarmMessage({ AlarmArn: undefined }), 'us-west-2')?.region).toBe('us-west-2');
    expect(parseAlarmChange(alarmMessage({ AlarmArn: undefined, Region: 'eu-west-1' }), 'us-west-2')?.region).toBe('eu-west-1');
  });

  test('alarm text cannot inject Slack links or mentions', () => {
    const alarm = parseAlarmChange(alarmMessage({ NewStateReason: 'x < y & <!channel>' }), 'us-east-1');
    expect(formatAlarm(alarm!).text).toContain('x &lt; y &amp; &lt;!channel&gt;');
    expect(formatNotice('<!here> hi')).toEqual({ text: ':information_source: Notice from the alarm topic\n&lt;!here&gt; hi' });
  });

  test('JSON that is not an alarm state change is not parsed as one', () => {
    expect(parseAlarmChange('plain text', 'us-east-1')).toBeUndefined();
    expect(parseAlarmChange('[1,2]', 'us-east-1')).toBeUndefined();
    expect(parseAlarmChange(alarmMessage({ NewStateValue: 'MAYBE' }), 'us-east-1')).toBeUndefined();
    expect(parseAlarmChange(alarmMessage({ AlarmName: '' }), 'us-east-1')).toBeUndefined();
  });
});

describe('the release check alarm (CHECK_ALARM_NAME)', () => {
  const CHECK_ALARM = 'regionalapp-prod-alarm-path-check-us-east-1';
  const checkAlarm = (overrides: Record<string, unknown> = {}) => alarmMessage({
    AlarmName: CHECK_ALARM, AlarmArn: `arn:aws:cloudwatch:us-east-1:111122223333:alarm:${CHECK_ALARM}`, NewStateReason: 'release check', ...overrides,
  });
  beforeEach(() => { process.env.CHECK_ALARM_NAME = CHECK_ALARM; });
  afterEach(() => { delete process.env.CHECK_ALARM_NAME; });

  test('its ALARM is posted as one short informational line, and recorded as delivered', async () => {
    const fetch = fakeFetch(200);
    await harness(fetch).handler(snsEvent(checkAlarm()), lambdaContext());

    expect(JSON.parse(String(fetch.mock.calls[0][1]?.body))).toEqual({ text: ':white_check_mark: release check: alarm path works in us-east-1, no action needed' });
    expect(deliveryRecords()).toEqual([expect.objectContaining({ pk: `DELIVERY#${CHECK_ALARM}`, outcome: 'delivered', state: 'ALARM' })]);
  });

  test('its return to OK is recorded but not posted', async () => {
    const fetch = fakeFetch();
    await harness(fetch).handler(snsEvent(checkAlarm({ NewStateValue: 'OK', OldStateValue: 'ALARM' })), lambdaContext());

    expect(fetch).not.toHaveBeenCalled();
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(0);
    expect(deliveryRecords()).toEqual([expect.objectContaining({ pk: `DELIVERY#${CHECK_ALARM}`, outcome: 'not posted', state: 'OK', attempts: 0 })]);
    expect(output.join('\n')).not.toContain('SlackDelivery');
  });

  test('another alarm is posted as usual, OK included', async () => {
    const fetch = fakeFetch(200);
    await harness(fetch).handler(snsEvent(alarmMessage({ NewStateValue: 'OK', OldStateValue: 'ALARM' })), lambdaContext());

    expect(JSON.parse(String(fetch.mock.calls[0][1]?.body)).text).toContain(`:white_check_mark: OK — ${ALARM_NAME} (us-east-1)`);
  });

  test('formatReleaseCheck names only the region', () => {
    expect(formatReleaseCheck(parseAlarmChange(checkAlarm(), 'us-east-1')!)).toEqual({ text: ':white_check_mark: release check: alarm path works in us-east-1, no action needed' });
  });
});

describe('failure kinds in the delivery record (what the post-deploy check gates on)', () => {
  test('a Slack outage is unavailable; a refused webhook is rejected; an unusable secret is misconfigured', async () => {
    const cases: Array<[Parameters<typeof fakeFetch>, string]> = [
      [[503, 503, 503], 'unavailable'],
      [[429, 429, 429], 'unavailable'],
      [[networkError(), networkError(), networkError()], 'unavailable'],
      [[404], 'rejected'],
      [[403], 'rejected'],
      [[410], 'rejected'],
      [[400], 'rejected'],
      [[301], 'rejected'],
    ];
    for (const [outcomes, kind] of cases) {
      db.resetHistory();
      await harness(fakeFetch(...outcomes)).handler(snsEvent(), lambdaContext()).catch(() => undefined);
      expect([outcomes, deliveryRecords()[0].failureKind]).toEqual([outcomes, kind]);
    }
    db.resetHistory();
    await harness(fakeFetch(200)).handler(snsEvent(), lambdaContext());
    expect(deliveryRecords()[0].failureKind).toBeUndefined();
  });

  test('a secret that is not a URL, or a host that does not resolve, is misconfigured', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'not a url' });
    await harness(fakeFetch()).handler(snsEvent(), lambdaContext()).catch(() => undefined);
    expect(deliveryRecords()[0]).toMatchObject({ outcome: 'failed', attempts: 0, failureKind: 'misconfigured' });
    expect(failureKind({ outcome: 'failed', attempts: 3, reason: 'TypeError/ENOTFOUND' })).toBe('misconfigured');
    expect(failureKind({ outcome: 'failed', attempts: 3, reason: 'TypeError/EAI_AGAIN' })).toBe('unavailable');
    expect(failureKind({ outcome: 'failed', attempts: 1, httpStatus: 429, reason: 'HTTP 429 (retry-after 30 s is longer than 3 s)' })).toBe('unavailable');
  });
});

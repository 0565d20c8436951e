import { CreateEventBusCommand, EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { freePort, launchMoto, pythonHasMoto, useMotoLauncher, type Emulator } from '../../local/emulators';

/**
 * local/moto_server.py caches moto's JSONPath parsing: the events EventBridge delivers must be
 * exactly what moto_server itself delivers. Both get the same rule and the same event.
 */

jest.setTimeout(60_000);

const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
let logDir: string;
const servers: { name: string; url: string; stop(): Promise<void> }[] = [];

async function stockMoto(): Promise<Emulator> {
  const port = await freePort();
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 200; attempt++) {
    if (await fetch(`${url}/moto-api/`).then(() => true, () => false)) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { name: 'moto_server', url, stop: async () => { child.kill('SIGKILL'); } };
}

/** The event a matched rule delivers to its SQS target, without the fields that differ per event. */
async function deliveredEvent(url: string): Promise<unknown> {
  const events = new EventBridgeClient({ region: REGION, endpoint: url, credentials: CREDENTIALS });
  const sqs = new SQSClient({ region: REGION, endpoint: url, credentials: CREDENTIALS });
  await events.send(new CreateEventBusCommand({ Name: 'bus' }));
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'delivery' }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  await events.send(new PutRuleCommand({ Name: 'clicks', EventBusName: 'bus', EventPattern: JSON.stringify({ source: ['regionalapp.click'], 'detail-type': ['PageClicked'] }) }));
  await events.send(new PutTargetsCommand({ Rule: 'clicks', EventBusName: 'bus', Targets: [{ Id: 'delivery', Arn: Attributes!.QueueArn }] }));
  const entry = { EventBusName: 'bus', Source: 'regionalapp.click', DetailType: 'PageClicked', Detail: JSON.stringify({ page: 'home', idempotencyKey: 'k-1', nested: { list: [1, 2] } }), Time: new Date('2024-05-01T12:00:00Z') };
  const { FailedEntryCount } = await events.send(new PutEventsCommand({ Entries: [entry, { ...entry, DetailType: 'Other' }] }));
  expect(FailedEntryCount).toBe(0);
  const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 5, MaxNumberOfMessages: 10 }));
  expect(Messages).toHaveLength(1);
  const { id, ...event } = JSON.parse(Messages[0].Body!) as Record<string, unknown>;
  expect(typeof id).toBe('string');
  return event;
}

beforeAll(() => {
  logDir = mkdtempSync(path.join(tmpdir(), 'moto-launcher-'));
});

afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
  rmSync(logDir, { recursive: true, force: true });
});

test('python3 here can run the launcher (else npm start falls back to moto_server, uncached)', () => {
  expect(pythonHasMoto()).toBe(true);
});

test('moto started through local/moto_server.py delivers the same event as moto_server', async () => {
  const [launched, stock] = await Promise.all([launchMoto(logDir).then((emulator) => emulator.ready()), stockMoto()]);
  servers.push(launched, stock);

  const [viaLauncher, viaStock] = await Promise.all([deliveredEvent(launched.url), deliveredEvent(stock.url)]);

  expect(viaLauncher).toEqual(viaStock);
  expect(viaLauncher).toMatchObject({ source: 'regionalapp.click', 'detail-type': 'PageClicked', detail: { page: 'home', idempotencyKey: 'k-1', nested: { list: [1, 2] } } });
});

test('LOCAL_MOTO_SPEEDUP=0 starts moto_server as installed; any value but 0 or 1 is refused with what to set', () => {
  expect(useMotoLauncher({})).toBe(true);
  expect(useMotoLauncher({ LOCAL_MOTO_SPEEDUP: '1' })).toBe(true);
  expect(useMotoLauncher({ LOCAL_MOTO_SPEEDUP: '0' })).toBe(false);
  expect(() => useMotoLauncher({ LOCAL_MOTO_SPEEDUP: 'off' })).toThrow(/LOCAL_MOTO_SPEEDUP must be 1 .* or 0/);
});

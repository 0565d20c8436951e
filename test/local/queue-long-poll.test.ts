import { SQSClient } from '@aws-sdk/client-sqs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startDeliveries } from '../../local/event-delivery';
import { IamPolicies } from '../../local/iam-policies';
import { emptyLocalRegion, type QueuedDelivery } from '../../local/provision';
import { eventually } from '../support/eventually';

/**
 * The local pollers long-poll as Lambda's do: an idle queue costs moto one request per 20 s, not
 * one per second, and stopping the environment does not wait for a wait in progress. Against a
 * real HTTP server that speaks just enough of SQS's JSON protocol and never answers, so the SDK's
 * own abort is what ends the wait (aws-sdk-client-mock would not exercise it).
 */
const ACCOUNT_ID = '123456789012';
const REGION = 'us-east-1';

describe('queue polling', () => {
  let server: Server;
  const receives: Record<string, unknown>[] = [];
  const open = new Set<IncomingMessage>();

  beforeAll(async () => {
    server = createServer((request) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        if (String(request.headers['x-amz-target']).endsWith('.ReceiveMessage')) receives.push(JSON.parse(Buffer.concat(chunks).toString()));
        open.add(request); // never answered: an empty queue's wait that has not run out
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  test('an idle queue is waited on for 20 s per ReceiveMessage, and stop() ends the wait at once', async () => {
    const { port } = server.address() as AddressInfo;
    const queueUrl = `http://127.0.0.1:${port}/${ACCOUNT_ID}/idle-queue`;
    const delivery: QueuedDelivery = { queueUrl, functionArn: `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:f`, description: 'rule → f', principal: 'events.amazonaws.com', sourceArn: `arn:aws:events:${REGION}:${ACCOUNT_ID}:rule/r` };
    const region = { ...emptyLocalRegion(REGION, new IamPolicies(ACCOUNT_ID)), ruleDeliveries: [delivery] };
    const sqs = new SQSClient({ region: REGION, endpoint: `http://127.0.0.1:${port}`, credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' } });
    const errors: unknown[] = [];

    const [poller] = startDeliveries(region, sqs, (error) => errors.push(error));
    await eventually(() => receives.length === 1);
    expect(receives[0]).toEqual(expect.objectContaining({ QueueUrl: queueUrl, WaitTimeSeconds: 20 }));

    const stopping = Date.now();
    await poller.stop();
    expect(Date.now() - stopping).toBeLessThan(1_000);
    expect(receives).toHaveLength(1);
    expect(errors).toEqual([]);
    sqs.destroy();
  });
});

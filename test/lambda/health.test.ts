import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { FLAG_CACHE_MS, isForcedFailure } from '../../lambda/shared/forced-failure';
import { captureOutput } from '../support/output';
import { lambdaContext } from './lambda-context';

Object.assign(process.env, {
  AWS_REGION: 'us-west-2',
  FORCED_FAILURE_PARAMETER: '/regionalapp/test/health/forced-failure',
  POWERTOOLS_SERVICE_NAME: 'health',
  POWERTOOLS_METRICS_NAMESPACE: 'regionalapp-test',
});
const { handler } = jest.requireActual<typeof import('../../lambda/health')>('../../lambda/health');

const ssm = mockClient(SSMClient);
let now = Date.now();
let output: () => string;

/** Each test starts past the previous one's cached flag. */
beforeEach(() => {
  ssm.reset();
  now += 10 * FLAG_CACHE_MS;
  jest.spyOn(Date, 'now').mockImplementation(() => now);
  output = captureOutput();
});
afterEach(() => jest.restoreAllMocks());

const call = async () => {
  const response = await handler({} as APIGatewayProxyEventV2, lambdaContext());
  return { status: response.statusCode, body: JSON.parse(response.body!) };
};
/** The ForcedFailure values the handler emitted (Powertools EMF lines). */
const forcedFailureMetric = () => output().split('\n').filter((line) => line.includes('"ForcedFailure"')).map((line) => JSON.parse(line).ForcedFailure);

describe('GET /health', () => {
  test('answers 200 with its region while not failing, and emits ForcedFailure 0', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: '{"failing":false}' } });
    expect(await call()).toEqual({ status: 200, body: { status: 'ok', region: 'us-west-2' } });
    expect(forcedFailureMetric()).toEqual([0]);
  });

  test('answers 503 with who and when while failed on purpose, and emits ForcedFailure 1', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: '{"failing":true,"by":"alice","at":"2026-01-01T00:00:00.000Z"}' } });
    const { status, body } = await call();
    expect(status).toBe(503);
    expect(body).toEqual({
      status: 'failing',
      error: 'us-west-2 is failing on purpose (forced failure set by alice at 2026-01-01T00:00:00.000Z). Use the other region, or recover this one with "/regionalapp recover us-west-2".',
      forcedFailure: true, region: 'us-west-2', by: 'alice', at: '2026-01-01T00:00:00.000Z',
    });
    expect(isForcedFailure(status!, body)).toBe(true);
    expect(forcedFailureMetric()).toEqual([1]);
  });

  test('reuses the flag for FLAG_CACHE_MS, then reads it again', async () => {
    ssm.on(GetParameterCommand).resolvesOnce({ Parameter: { Value: '{"failing":true}' } }).resolves({ Parameter: { Value: '{"failing":false}' } });
    expect((await call()).status).toBe(503);
    now += FLAG_CACHE_MS - 1;
    expect((await call()).status).toBe(503);
    now += 1;
    expect((await call()).status).toBe(200);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(2);
  });

  test('a missing or malformed flag reads as not failing', async () => {
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'not found', $metadata: {} }));
    expect((await call()).status).toBe(200);
    now += FLAG_CACHE_MS;
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'yes' } });
    expect((await call()).status).toBe(200);
  });

  test('when SSM cannot be read, the last flag read is kept', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: '{"failing":true}' } });
    expect((await call()).status).toBe(503);
    now += FLAG_CACHE_MS;
    ssm.on(GetParameterCommand).rejects(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));
    expect((await call()).status).toBe(503);
  });
});

import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { lambdaContext } from './lambda-context';

Object.assign(process.env, {
  AWS_REGION: 'us-east-1',
  APP_REGIONS: 'us-east-1,us-west-2',
  API_URL_PARAMETER: '/regionalapp/test/api/url',
  POWERTOOLS_SERVICE_NAME: 'regions',
});
const regions = jest.requireActual<typeof import('../../lambda/regions')>('../../lambda/regions');
const ssm = mockClient(SSMClient);

beforeEach(() => ssm.reset());

describe('GET /regions (A21)', () => {
  test('answers every region whose API URL is published, in the configured order, read from each region\'s own SSM', async () => {
    const asked: string[] = [];
    ssm.on(GetParameterCommand).callsFake(async (input, getClient) => {
      const region = await getClient().config.region();
      asked.push(`${region} ${input.Name}`);
      return { Parameter: { Value: `https://${region}.example/` } };
    });
    const response = await regions.handler({} as APIGatewayProxyEventV2, lambdaContext());
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body!)).toEqual({ regions: [
      { region: 'us-east-1', apiUrl: 'https://us-east-1.example' },
      { region: 'us-west-2', apiUrl: 'https://us-west-2.example' },
    ] });
    expect(asked.sort()).toEqual(['us-east-1 /regionalapp/test/api/url', 'us-west-2 /regionalapp/test/api/url']);
  });

  test('a region not deployed yet (no parameter) is left out: region A\'s page learns B once B is deployed', async () => {
    const read = regions.ssmApiUrlReader('/p', () => ({ send: async () => { throw new ParameterNotFound({ message: 'no', $metadata: {} }); } }) as unknown as SSMClient);
    await expect(read('us-west-2')).resolves.toBeUndefined();
    const found = await regions.deployedRegions(['us-east-1', 'us-west-2'], async (region) => (region === 'us-east-1' ? 'https://a' : undefined), () => undefined);
    expect(found).toEqual([{ region: 'us-east-1', apiUrl: 'https://a' }]);
  });

  test('a region whose SSM fails is left out and reported, the others still answer', async () => {
    const errors: string[] = [];
    const found = await regions.deployedRegions(['us-east-1', 'us-west-2'], async (region) => {
      if (region === 'us-west-2') throw new Error('timeout');
      return 'https://a';
    }, (region, error) => errors.push(`${region}: ${(error as Error).message}`));
    expect(found).toEqual([{ region: 'us-east-1', apiUrl: 'https://a' }]);
    expect(errors).toEqual(['us-west-2: timeout']);
  });

  test('complete answers are cached for a minute; incomplete ones are not cached', async () => {
    let now = 0;
    let calls = 0;
    let failing = true;
    const cached = regions.regionsCache(['us-east-1'], async () => {
      calls++;
      if (failing) throw new Error('down');
      return 'https://a';
    }, () => now, () => undefined);
    await expect(cached()).resolves.toEqual([]);
    failing = false;
    await expect(cached()).resolves.toEqual([{ region: 'us-east-1', apiUrl: 'https://a' }]);
    await cached();
    expect(calls).toBe(2);
    now += regions.REGIONS_CACHE_MS;
    await cached();
    expect(calls).toBe(3);
  });

  test('APP_REGIONS must name regions', () => {
    expect(regions.parseRegions(' us-east-1 , us-west-2 ')).toEqual(['us-east-1', 'us-west-2']);
    expect(() => regions.parseRegions(' , ')).toThrow(/APP_REGIONS must list the app regions/);
  });
});

import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { throttleMismatches } from '../../integ/release-check';
import { LAMBDA_UNRESERVED_MINIMUM, RESERVED_CONCURRENCY, RESERVED_CONCURRENCY_TOTAL } from '../../lib/limits';
import { RegionalAppStage } from '../../stages/regional-app-stage';
import { deployableConfig } from '../support/config';
import { projectApp } from '../support/synth';

const config = deployableConfig();
const stage = new RegionalAppStage(projectApp(), 'RegionalApp-us-west-2', { config, region: 'us-west-2' });
const api = Template.fromStack(stage.node.findChild('Api') as Stack);

type Resource = { Type: string; Properties: Record<string, any> };
const resources = api.toJSON().Resources as Record<string, Resource>;
const [stageResource] = Object.values(api.findResources('AWS::ApiGatewayV2::Stage')) as Resource[];

interface RouteLimits {
  readonly routeKey: string;
  readonly burstLimit: number;
  readonly rateLimit: number;
  readonly reservedConcurrency: number;
}

/** Each route of the synthesized API: the throttle that applies to it and its function's reserved concurrency. */
function routeLimits(): RouteLimits[] {
  const { DefaultRouteSettings = {}, RouteSettings = {} } = stageResource.Properties;
  return Object.values(resources).filter((resource) => resource.Type === 'AWS::ApiGatewayV2::Route').map((route) => {
    const routeKey = route.Properties.RouteKey as string;
    const integrationId = route.Properties.Target['Fn::Join'][1][1].Ref as string;
    const functionId = resources[integrationId].Properties.IntegrationUri['Fn::GetAtt'][0] as string;
    const settings = { ...DefaultRouteSettings, ...RouteSettings[routeKey] };
    return {
      routeKey,
      burstLimit: settings.ThrottlingBurstLimit,
      rateLimit: settings.ThrottlingRateLimit,
      reservedConcurrency: resources[functionId].Properties.ReservedConcurrentExecutions,
    };
  });
}

describe('API throttles and Lambda reserved concurrency (A17)', () => {
  test('every route\'s throttle burst fits in its function\'s reserved concurrency, so a burst is never throttled by Lambda', () => {
    const routes = routeLimits();
    expect(routes.map((route) => route.routeKey).sort()).toEqual(['GET /health', 'GET /hello', 'GET /regions', 'GET /views', 'POST /click', 'POST /login']);
    const tooLarge = routes.filter((route) => !(route.burstLimit <= route.reservedConcurrency))
      .map((route) => `${route.routeKey}: burst ${route.burstLimit} > reserved concurrency ${route.reservedConcurrency}`);
    expect(tooLarge).toEqual([]);
  });

  test('the synthesized stage has the throttles the post-deploy check expects to find deployed', () => {
    expect(throttleMismatches(stageResource.Properties)).toEqual([]);
    const loosened = { ...stageResource.Properties, RouteSettings: { ...stageResource.Properties.RouteSettings, 'POST /login': { ThrottlingBurstLimit: 100, ThrottlingRateLimit: 5 } } };
    expect(throttleMismatches(loosened)).toEqual([expect.stringContaining('POST /login: burst 100 and rate 5/s, lib/limits.ts says burst 10')]);
    expect(throttleMismatches({ ...stageResource.Properties, RouteSettings: undefined })).toHaveLength(6);
  });

  test('the reserved total is what every function reserves', () => {
    expect(RESERVED_CONCURRENCY_TOTAL).toBe(Object.values(RESERVED_CONCURRENCY).reduce((sum, n) => sum + n, 0));
  });
});

describe('README, Deploy to AWS: the Lambda concurrency quota', () => {
  const readme = readFileSync(path.resolve(__dirname, '..', '..', 'README.md'), 'utf8');
  const deploy = readme.slice(readme.indexOf('## Deploy to AWS'), readme.indexOf('\n## ', readme.indexOf('## Deploy to AWS') + 1));

  test('states the reserved total, the unreserved minimum and the quota that follows, as lib/limits.ts has them', () => {
    const reserved = /takes (\d+) concurrent executions per region/.exec(deploy);
    const quota = /quota must be at least (\d+) \((\d+) \+ (\d+)\)/.exec(deploy);
    expect(reserved?.[1]).toBe(String(RESERVED_CONCURRENCY_TOTAL));
    expect(quota?.slice(1).map(Number)).toEqual([
      RESERVED_CONCURRENCY_TOTAL + LAMBDA_UNRESERVED_MINIMUM, RESERVED_CONCURRENCY_TOTAL, LAMBDA_UNRESERVED_MINIMUM,
    ]);
  });
});

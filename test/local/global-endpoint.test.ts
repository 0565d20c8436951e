import { App } from 'aws-cdk-lib';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readCdkJsonContext } from '../../lib/config';
import { appStageId, ROUTES } from '../../lib/names';
import { API_HEALTH_CHECK } from '../../lib/regional-api-domain';
import { chooseRegion, GlobalEndpoint, HealthState, latencyRoutes, type LatencyRoute } from '../../local/global-endpoint';
import { closeServer, listenLocally } from '../../local/local-server';
import { regionStacks } from '../../local/templates';
import { RegionalAppStage } from '../../stages/regional-app-stage';
import { deployableConfig } from '../support/config';

const DOMAIN = { zoneName: 'example.com', hostedZoneId: 'Z0123456789ABC', apiDomainName: 'api.example.com' };

describe('HealthState (Route 53\'s status of one health check)', () => {
  test('stays healthy until `failureThreshold` checks in a row fail; a pass in between starts the count again', () => {
    const state = new HealthState(3);
    expect(state.healthy).toBe(true);
    expect([false, false].map((passed) => state.record(passed))).toEqual([false, false]);
    state.record(true);
    expect([false, false].map((passed) => state.record(passed))).toEqual([false, false]);
    expect(state.healthy).toBe(true);
    expect(state.record(false)).toBe(true);
    expect(state.healthy).toBe(false);
  });

  test('turns healthy again only after as many passes in a row', () => {
    const state = new HealthState(2);
    state.record(false);
    state.record(false);
    expect(state.healthy).toBe(false);
    state.record(true);
    state.record(false);
    state.record(true);
    expect(state.healthy).toBe(false);
    expect(state.record(true)).toBe(true);
    expect(state.healthy).toBe(true);
  });
});

test('chooseRegion: the first healthy region in order; with none healthy, the first (Route 53 then answers as if all were)', () => {
  expect(chooseRegion(['a', 'b', 'c'], (region) => region !== 'a')).toBe('b');
  expect(chooseRegion(['a', 'b'], () => true)).toBe('a');
  expect(chooseRegion(['a', 'b'], () => false)).toBe('a');
});

describe('latencyRoutes, from the synthesized templates', () => {
  const synth = (customDomain?: typeof DOMAIN) => {
    const outdir = mkdtempSync(path.join(tmpdir(), 'regionalapp-global-'));
    const config = deployableConfig(customDomain ? { customDomain } : {});
    const app = new App({ outdir, context: readCdkJsonContext() });
    for (const region of config.appRegions) new RegionalAppStage(app, appStageId(region), { config, region });
    app.synth();
    return { outdir, config };
  };

  test('one per app region, with the template\'s path, interval and threshold, when a custom domain is configured', () => {
    const { outdir, config } = synth(DOMAIN);
    try {
      const routes = config.appRegions.flatMap((region) => latencyRoutes(regionStacks(outdir, region)));
      expect(routes).toEqual(config.appRegions.map((region): LatencyRoute => ({
        region,
        recordName: DOMAIN.apiDomainName,
        resourcePath: ROUTES.health,
        intervalSeconds: API_HEALTH_CHECK.requestInterval.toSeconds(),
        failureThreshold: API_HEALTH_CHECK.failureThreshold,
      })));
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  test('none without a custom domain (no global endpoint starts)', () => {
    const { outdir, config } = synth();
    try {
      expect(config.appRegions.flatMap((region) => latencyRoutes(regionStacks(outdir, region)))).toEqual([]);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});

describe('GlobalEndpoint', () => {
  const health: Record<string, number> = {};
  const servers: Server[] = [];
  const urls: Record<string, string> = {};
  let endpoint: GlobalEndpoint;

  beforeAll(async () => {
    for (const region of ['region-a', 'region-b']) {
      health[region] = 200;
      const server = createServer((req, res) => {
        if (req.url === ROUTES.health) {
          res.writeHead(health[region]).end();
          return;
        }
        let body = '';
        req.on('data', (chunk) => { body += chunk; });
        req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ region, method: req.method, path: req.url, body, auth: req.headers.authorization })));
      });
      servers.push(server);
      urls[region] = await listenLocally(server);
    }
    const route = (region: string): LatencyRoute => ({ region, recordName: DOMAIN.apiDomainName, resourcePath: ROUTES.health, intervalSeconds: 30, failureThreshold: 3 });
    endpoint = new GlobalEndpoint({ targets: ['region-a', 'region-b'].map((region) => ({ region, url: urls[region], route: route(region) })), intervalDivisor: 1 });
    await endpoint.start();
  });
  afterAll(async () => {
    await endpoint.stop();
    await Promise.all(servers.map((server) => closeServer(server)));
  });

  const call = async () => {
    const response = await fetch(`${endpoint.url}/click?x=1`, { method: 'POST', body: '{"n":1}', headers: { authorization: 'Bearer t' } });
    return { routedTo: response.headers.get('x-local-routed-to'), body: await response.json() as Record<string, string> };
  };

  test('forwards method, path, query, headers and body to the first region while it is healthy', async () => {
    expect(await call()).toEqual({ routedTo: 'region-a', body: { region: 'region-a', method: 'POST', path: '/click?x=1', body: '{"n":1}', auth: 'Bearer t' } });
  });

  test('moves to the next region after `failureThreshold` failed checks, and back after as many good ones', async () => {
    health['region-a'] = 503;
    await endpoint.checkAll();
    await endpoint.checkAll();
    expect((await call()).routedTo).toBe('region-a');
    await endpoint.checkAll();
    expect((await call()).routedTo).toBe('region-b');
    health['region-a'] = 200;
    await endpoint.checkAll();
    await endpoint.checkAll();
    expect((await call()).routedTo).toBe('region-b');
    await endpoint.checkAll();
    expect((await call()).body.region).toBe('region-a');
  });
});

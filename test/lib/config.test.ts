import { assertDeployable, ConfigError, DEFAULT_WAF_RATE_LIMIT, parseConfig, placeholderKeys } from '../../lib/config';
import { deployableConfig, rawShippedConfig, shippedConfig } from '../support/config';

function withValue(key: string, value: unknown): Record<string, unknown> {
  const raw = rawShippedConfig();
  const parts = key.split('.');
  let target = raw as Record<string, unknown>;
  for (const part of parts.slice(0, -1)) target = target[part] as Record<string, unknown>;
  if (value === undefined) delete target[parts[parts.length - 1]];
  else target[parts[parts.length - 1]] = value;
  return raw;
}

describe('parseConfig', () => {
  test('the shipped cdk.json config is valid, with the documented defaults', () => {
    expect(shippedConfig.appRegions).toEqual(['us-east-1', 'us-west-2']);
    expect(shippedConfig.rollout).toBe('wave');
    expect(shippedConfig.randomFailureRate).toBe(0.1);
    expect(shippedConfig.customDomain).toBeUndefined();
  });

  test('rollout defaults to wave when left out', () => {
    expect(parseConfig(withValue('rollout', undefined)).rollout).toBe('wave');
  });

  test('accepts the config as a JSON string, as `-c regionalApp=...` passes it', () => {
    expect(parseConfig(JSON.stringify(rawShippedConfig())).appRegions).toEqual(['us-east-1', 'us-west-2']);
  });

  test.each([
    ['account', '12345', 'regionalApp.account'],
    ['pipelineRegion', 'mars-1', 'regionalApp.pipelineRegion'],
    ['appRegions', ['us-east-1'], 'regionalApp.appRegions'],
    ['appRegions', ['us-east-1', 'us-east-1'], 'regionalApp.appRegions'],
    ['appRegions', 'us-east-1,us-west-2', 'regionalApp.appRegions'],
    ['repository', 'no-slash', 'regionalApp.repository'],
    ['connectionArn', 'arn:aws:s3:::bucket', 'regionalApp.connectionArn'],
    ['rollout', 'canary', 'regionalApp.rollout'],
    ['randomFailureRate', 1.5, 'regionalApp.randomFailureRate'],
    ['randomFailureRate', '0.1', 'regionalApp.randomFailureRate'],
    ['alarms.errorRatePercent', 0, 'regionalApp.alarms.errorRatePercent'],
    ['alarms.failedLoginsPerFiveMinutes', undefined, 'regionalApp.alarms.failedLoginsPerFiveMinutes'],
    ['slack', undefined, 'regionalApp.slack'],
    ['slack.channelId', 'general', 'regionalApp.slack.channelId'],
    ['project', 'Has Spaces', 'regionalApp.project'],
  ])('a bad %s fails with a message naming the key', (key, value, named) => {
    expect(() => parseConfig(withValue(key, value))).toThrow(ConfigError);
    expect(() => parseConfig(withValue(key, value))).toThrow(`"${named}"`);
  });

  test('an unknown key is named, with the allowed keys', () => {
    expect(() => parseConfig(withValue('apRegions', ['us-east-1']))).toThrow(/"regionalApp.apRegions": unknown key.*allowed keys here: project, stageName/);
    expect(() => parseConfig(withValue('slack.webhookUrl', 'https://hooks.slack.com/x'))).toThrow('"regionalApp.slack.webhookUrl": unknown key');
  });

  test('malformed JSON from the command line gets a clear error', () => {
    expect(() => parseConfig('{"account": ')).toThrow(/not valid JSON/);
  });

  test('a missing config says where to add it', () => {
    expect(() => parseConfig(undefined)).toThrow(/Add a "regionalApp" object to the "context" of cdk.json/);
  });

  test('a custom domain must be inside its zone', () => {
    const domain = { zoneName: 'example.com', hostedZoneId: 'Z0123456789ABC', apiDomainName: 'api.example.org' };
    expect(() => parseConfig(withValue('customDomain', domain))).toThrow('"regionalApp.customDomain.apiDomainName"');
    const good = parseConfig(withValue('customDomain', { ...domain, apiDomainName: 'api.example.com' }));
    expect(good.customDomain?.apiDomainName).toBe('api.example.com');
  });

  test('the site\'s own name is optional, inside the zone and not the API\'s name', () => {
    const domain = { zoneName: 'example.com', hostedZoneId: 'Z0123456789ABC', apiDomainName: 'api.example.com' };
    expect(parseConfig(withValue('customDomain', domain)).customDomain?.siteDomainName).toBeUndefined();
    expect(parseConfig(withValue('customDomain', { ...domain, siteDomainName: 'www.example.com' })).customDomain?.siteDomainName).toBe('www.example.com');
    expect(() => parseConfig(withValue('customDomain', { ...domain, siteDomainName: 'www.example.org' }))).toThrow('"regionalApp.customDomain.siteDomainName"');
    expect(() => parseConfig(withValue('customDomain', { ...domain, siteDomainName: 'api.example.com' }))).toThrow(/siteDomainName.*also the API's name/);
  });

  test('WAF is off unless turned on; its rate limit is WAF\'s allowed range', () => {
    expect(shippedConfig.waf).toEqual({ enabled: false, rateLimitPerFiveMinutes: DEFAULT_WAF_RATE_LIMIT });
    expect(parseConfig(withValue('waf', { enabled: true })).waf).toEqual({ enabled: true, rateLimitPerFiveMinutes: DEFAULT_WAF_RATE_LIMIT });
    expect(parseConfig(withValue('waf', { enabled: true, rateLimitPerFiveMinutes: 300 })).waf.rateLimitPerFiveMinutes).toBe(300);
    expect(() => parseConfig(withValue('waf', { enabled: 'yes' }))).toThrow('"regionalApp.waf.enabled"');
    expect(() => parseConfig(withValue('waf', { enabled: true, rateLimitPerFiveMinutes: 5 }))).toThrow('"regionalApp.waf.rateLimitPerFiveMinutes"');
    expect(() => parseConfig(withValue('waf', { enabled: true, rules: [] }))).toThrow('"regionalApp.waf.rules": unknown key');
  });
});

describe('placeholders never reach a deployment', () => {
  test('the shipped config lists every placeholder and is refused', () => {
    expect(placeholderKeys(shippedConfig)).toEqual(['account', 'connectionArn', 'slack.workspaceId', 'slack.channelId']);
    expect(() => assertDeployable(shippedConfig)).toThrow(/"regionalApp.account": still holds the shipped placeholder/);
  });

  test('one placeholder left is enough to refuse', () => {
    const config = deployableConfig({ slack: { ...(rawShippedConfig().slack as object), workspaceId: 'T0123ABCD' } });
    expect(() => assertDeployable(config)).toThrow('"regionalApp.slack.channelId"');
  });

  test('a config with real values is deployable', () => {
    expect(() => assertDeployable(deployableConfig())).not.toThrow();
  });
});

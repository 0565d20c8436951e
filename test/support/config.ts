import { CONTEXT_KEY, loadConfig, parseConfig, readCdkJsonContext, type AppConfig } from '../../lib/config';

/** The config a fresh clone ships with (placeholders included), as `cdk synth` sees it. */
export const shippedConfig: AppConfig = loadConfig();

/** A deployable config: shipped values with every placeholder replaced. */
export function deployableConfig(overrides: Record<string, unknown> = {}): AppConfig {
  return parseConfig({
    ...rawShippedConfig(),
    account: '123456789012',
    connectionArn: 'arn:aws:codeconnections:us-east-1:123456789012:connection/4f6a0b9e-1c2d-4e5f-8a9b-0c1d2e3f4a5b',
    slack: { ...rawShippedConfig().slack as object, workspaceId: 'T0123ABCD', channelId: 'C0123ABCD' },
    ...overrides,
  });
}

/** The raw `regionalApp` object of cdk.json, for tests that break one value at a time. */
export function rawShippedConfig(): Record<string, unknown> {
  return structuredClone(readCdkJsonContext()[CONTEXT_KEY] as Record<string, unknown>);
}

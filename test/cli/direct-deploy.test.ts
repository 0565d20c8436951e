import { placeholderKeys } from '../../lib/config';
import { directDeployArgs, UsageError } from '../../cli/direct-deploy';
import { deployableConfig, rawShippedConfig, shippedConfig } from '../support/config';

describe('direct deploy (P10)', () => {
  test('deploys only the dev stage of one region', () => {
    expect(directDeployArgs(deployableConfig(), 'us-west-2')).toEqual([
      'cdk', 'deploy', '--context', 'directDeployRegion=us-west-2', '--require-approval', 'broadening', 'RegionalAppDev/*',
    ]);
  });

  test('refuses the shipped placeholder account, naming it', () => {
    expect(() => directDeployArgs(shippedConfig, 'us-east-1')).toThrow(/"regionalApp.account": still holds the shipped placeholder \(placeholders left: account\)/);
  });

  test('leaves the pipeline-only placeholders (connection, Slack channel) alone: one region needs only the account', () => {
    const raw = rawShippedConfig();
    const accountOnly = deployableConfig({ connectionArn: raw.connectionArn, slack: raw.slack });
    expect(placeholderKeys(accountOnly)).toEqual(['connectionArn', 'slack.workspaceId', 'slack.channelId']);
    expect(directDeployArgs(accountOnly, 'us-east-1')).toContain('directDeployRegion=us-east-1');
  });

  test('refuses a region that is not an app region, or none', () => {
    expect(() => directDeployArgs(deployableConfig(), 'eu-west-1')).toThrow(UsageError);
    expect(() => directDeployArgs(deployableConfig(), 'eu-west-1')).toThrow(/"eu-west-1" is not an app region/);
    expect(() => directDeployArgs(deployableConfig(), undefined)).toThrow(UsageError);
    expect(() => directDeployArgs(deployableConfig(), undefined)).toThrow(/needs the region to deploy to: npm run deploy:region -- <region>, one of us-east-1, us-west-2/);
  });
});

import { directDeployArgs } from '../../lib/direct-deploy';
import { deployableConfig, shippedConfig } from '../support/config';

describe('direct deploy (P10)', () => {
  test('deploys only the dev stage of one region', () => {
    expect(directDeployArgs(deployableConfig(), 'us-west-2')).toEqual([
      'cdk', 'deploy', '--context', 'directDeployRegion=us-west-2', '--require-approval', 'broadening', 'RegionalAppDev/*',
    ]);
  });

  test('refuses the shipped placeholders', () => {
    expect(() => directDeployArgs(shippedConfig, 'us-east-1')).toThrow(/still holds the shipped placeholder/);
  });

  test('refuses a region that is not an app region, or none', () => {
    expect(() => directDeployArgs(deployableConfig(), 'eu-west-1')).toThrow(/"eu-west-1" is not an app region/);
    expect(() => directDeployArgs(deployableConfig(), undefined)).toThrow(/npm run deploy:region -- <region>/);
  });
});

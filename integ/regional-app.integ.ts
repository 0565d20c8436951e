import { App, Aspects, Stack } from 'aws-cdk-lib';
import { ExpectedResult, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { loadConfig } from '../lib/config';
import { ExplicitIamActions } from '../lib/explicit-iam-actions';
import { PARAMETER_KEYS, parameterPath, ROUTES, tableName } from '../lib/names';
import { addRegionalAppStacks } from '../stages/regional-app-stage';

/**
 * E3: RegionalApp deployed on its own (one region, `integ` names) and checked with
 * integ-tests-alpha assertions. `npm test` compares the synthesized snapshot offline; `npm run
 * integ` deploys it to the account and region of your shell, runs the assertions and destroys it.
 */
const app = new App();
const region = process.env.CDK_DEFAULT_REGION ?? 'us-east-1';
const config = { ...loadConfig(), stageName: 'integ' };
const names = { project: config.project, stageName: config.stageName };
const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region };

addRegionalAppStacks(app, { config, region, standalone: true, idPrefix: 'RegionalAppInteg-', env });
Aspects.of(app).add(new ExplicitIamActions());

const integ = new IntegTest(app, 'RegionalAppIntegTest', {
  testCases: app.node.children.filter((child): child is Stack => child instanceof Stack),
  diffAssets: false,
  cdkCommandOptions: { destroy: { args: { force: true } } },
});

// The API's URL is read the way every stack reads it: from its SSM parameter (no export).
const apiUrl = integ.assertions
  .awsApiCall('SSM', 'getParameter', { Name: parameterPath(names, PARAMETER_KEYS.apiUrl) })
  .getAttString('Parameter.Value');

integ.assertions.httpApiCall(`${apiUrl}${ROUTES.health}`).expect(ExpectedResult.objectLike({ status: 200, body: { status: 'ok', region } }));
integ.assertions.httpApiCall(`${apiUrl}${ROUTES.hello}`).expect(ExpectedResult.objectLike({ status: 401 }));
integ.assertions
  .httpApiCall(`${apiUrl}${ROUTES.login}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'nobody@example.com', password: 'Wrong-password-1!' }) })
  .expect(ExpectedResult.objectLike({ status: 401, body: { error: 'invalid username or password' } }));
integ.assertions
  .awsApiCall('DynamoDB', 'describeTable', { TableName: tableName(names) })
  .expect(ExpectedResult.objectLike({ Table: { StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' }, TableStatus: 'ACTIVE' } }));

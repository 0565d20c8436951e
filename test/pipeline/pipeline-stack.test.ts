import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import packageJson from '../../package.json';
import { buildApp } from '../../pipeline/app';
import { nagFindings } from '../../lib/nag';
import { deployableConfig } from '../support/config';
import { buildSpecOf, pipelineResource, projectApp, projectsRunning, renderedStages, synthPipeline } from '../support/synth';

/** `name@runOrder` of every action in a stage, sorted by run order then name. */
function tranches(stage: { actions: { name: string; runOrder: number }[] }): string[] {
  return [...stage.actions]
    .sort((a, b) => a.runOrder - b.runOrder || a.name.localeCompare(b.name))
    .map((action) => `${action.name}@${action.runOrder}`);
}

describe('PipelineStack, wave rollout (default)', () => {
  const { template } = synthPipeline(deployableConfig());
  const stages = renderedStages(template);

  test('is a V2 pipeline whose stages run source → synth → self-mutation → assets → RegionalApp wave', () => {
    template.hasResourceProperties('AWS::CodePipeline::Pipeline', { PipelineType: 'V2', Name: 'regionalapp-prod-pipeline' });
    expect(stages.map((stage) => stage.name)).toEqual(['Source', 'Build', 'UpdatePipeline', 'Assets', 'RegionalApp']);
  });

  test('a push to the configured branch starts it, through the CodeConnections source', () => {
    template.hasResourceProperties('AWS::CodePipeline::Pipeline', {
      Triggers: [{
        ProviderType: 'CodeStarSourceConnection',
        GitConfiguration: { SourceActionName: 'your-org_regional-app', Push: [{ Branches: { Includes: ['main'] } }] },
      }],
      Stages: Match.arrayWith([Match.objectLike({
        Name: 'Source',
        Actions: [Match.objectLike({
          ActionTypeId: Match.objectLike({ Provider: 'CodeStarSourceConnection' }),
          Configuration: Match.objectLike({
            ConnectionArn: 'arn:aws:codeconnections:us-east-1:123456789012:connection/4f6a0b9e-1c2d-4e5f-8a9b-0c1d2e3f4a5b',
            FullRepositoryId: 'your-org/regional-app',
            BranchName: 'main',
          }),
        })],
      })]),
    });
  });

  test('the source action\'s role may use the connection under both service prefixes (CodeConnections rename)', () => {
    const connectionArn = deployableConfig().connectionArn;
    const [sourceAction] = pipelineResource(template).Properties.Stages[0].Actions;
    const roleId = sourceAction.RoleArn['Fn::GetAtt'][0];
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((policy) => policy.Properties.Roles.some((role: { Ref?: string }) => role.Ref === roleId))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as { Effect: string; Action: string | string[]; Resource: unknown }[]);
    const actionsOnConnection = statements
      .filter((statement) => statement.Effect === 'Allow' && [statement.Resource].flat().includes(connectionArn))
      .flatMap((statement) => [statement.Action].flat());
    expect(actionsOnConnection).toEqual(expect.arrayContaining(['codestar-connections:UseConnection', 'codeconnections:UseConnection']));
  });

  test('publishes assets with one job per asset type', () => {
    const assets = stages.find((stage) => stage.name === 'Assets');
    expect(assets?.actions.map((action) => action.name)).toEqual(['FileAssets']);
  });

  test('the wave deploys region A stack by stack, checks it, waits for approval, then does the same for region B', () => {
    const wave = stages.find((stage) => stage.name === 'RegionalApp');
    const regionA = ['Data', 'Identity', 'Site', 'Analytics', 'Events', 'Api', 'Monitoring', 'SiteContent'];
    expect(tranches(wave!)).toEqual([
      'RegionalApp-us-east-1.Data.Deploy@1',
      'RegionalApp-us-east-1.Identity.Deploy@1',
      'RegionalApp-us-east-1.Site.Deploy@1',
      'RegionalApp-us-east-1.Analytics.Deploy@2',
      'RegionalApp-us-east-1.Events.Deploy@2',
      'RegionalApp-us-east-1.Api.Deploy@3',
      'RegionalApp-us-east-1.Monitoring.Deploy@4',
      'RegionalApp-us-east-1.SiteContent.Deploy@4',
      'RegionalApp-us-east-1.Slack.Deploy@4',
      'RegionalApp-us-east-1.Check-us-east-1@5',
      'RegionalApp-us-west-2.Approve-us-west-2@6',
      'RegionalApp-us-west-2.Data.Deploy@7',
      'RegionalApp-us-west-2.Identity.Deploy@7',
      'RegionalApp-us-west-2.Site.Deploy@7',
      'RegionalApp-us-west-2.Events.Deploy@8',
      'RegionalApp-us-west-2.Api.Deploy@9',
      'RegionalApp-us-west-2.Monitoring.Deploy@10',
      'RegionalApp-us-west-2.SiteContent.Deploy@10',
      'RegionalApp-us-west-2.Slack.Deploy@10',
      'RegionalApp-us-west-2.Check-us-west-2@11',
    ]);
    expect(regionA.every((id) => wave!.actions.some((action) => action.name === `RegionalApp-us-east-1.${id}.Deploy`))).toBe(true);
    expect(wave!.actions.filter((action) => action.region === 'us-west-2').every((action) => action.name.startsWith('RegionalApp-us-west-2.'))).toBe(true);
  });

  test('deploys without change sets, so region A needs no second tranche', () => {
    const wave = stages.find((stage) => stage.name === 'RegionalApp')!;
    expect(wave.actions.some((action) => /Prepare|ChangeSet/.test(action.name))).toBe(false);
  });

  test('the wave stage rolls back by itself on failure', () => {
    expect(stages.find((stage) => stage.name === 'RegionalApp')?.onFailure).toEqual({ Result: 'ROLLBACK' });
    expect(stages.filter((stage) => stage.onFailure).map((stage) => stage.name)).toEqual(['RegionalApp']);
  });

  test('each post-deploy check runs the e2e suite against its own region with that region\'s outputs', () => {
    const checks = projectsRunning(template, 'npm run e2e:region');
    expect(checks).toHaveLength(2);
    const regionOf = (check: Record<string, any>) =>
      check.Properties.Environment.EnvironmentVariables.find((variable: { Name: string }) => variable.Name === 'AWS_REGION')?.Value;
    expect(checks.map(regionOf).sort()).toEqual(['us-east-1', 'us-west-2']);
    for (const check of checks) {
      expect(buildSpecOf(check).phases.install.commands).toEqual(['npm ci']);
      // standard:7.0 ships Google Chrome as google-chrome: the browser test runs, in production mode.
      expect(check.Properties.Environment.Image).toBe('aws/codebuild/standard:7.0');
      expect(check.Properties.Environment.EnvironmentVariables).toEqual(expect.arrayContaining([
        { Name: 'E2E_PRODUCTION', Type: 'PLAINTEXT', Value: 'true' },
        { Name: 'CHROME_PATH', Type: 'PLAINTEXT', Value: 'google-chrome' },
      ]));
    }

    // The outputs arrive as action variables from the same region's deploy actions.
    const wave = pipelineResource(template).Properties.Stages.find((stage: { Name: string }) => stage.Name === 'RegionalApp');
    for (const region of ['us-east-1', 'us-west-2']) {
      const check = wave.Actions.find((action: { Name: string }) => action.Name === `RegionalApp-${region}.Check-${region}`);
      const stackPrefix = `RegionalAppPipelineRegionalApp${region.replace(/-/g, '')}`;
      expect(JSON.parse(check.Configuration.EnvironmentVariables)).toEqual([
        { name: 'API_URL', type: 'PLAINTEXT', value: expect.stringMatching(new RegExp(`^#\\{${stackPrefix}Api\\w+\\.ApiUrl\\}$`)) },
        { name: 'SITE_URL', type: 'PLAINTEXT', value: expect.stringMatching(new RegExp(`^#\\{${stackPrefix}Site\\w+\\.SiteUrl\\}$`)) },
      ]);
    }
  });

  test('each post-deploy check may do exactly what the e2e suite does in its region', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    for (const check of projectsRunning(template, 'npm run e2e:region')) {
      const region = check.Properties.Environment.EnvironmentVariables.find((variable: { Name: string }) => variable.Name === 'AWS_REGION').Value;
      const roleId = check.Properties.ServiceRole['Fn::GetAtt'][0];
      const statements = policies
        .filter((policy) => policy.Properties.Roles.some((role: { Ref?: string }) => role.Ref === roleId))
        .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
      const actionsOn = (pattern: RegExp) => statements
        .filter((statement) => JSON.stringify(statement.Resource).match(pattern))
        .flatMap((statement) => [statement.Action].flat())
        .sort();
      expect(actionsOn(new RegExp(`:sqs:${region}:\\d+:regionalapp-prod-click-dlq-${region}"`))).toEqual(['sqs:GetQueueUrl', 'sqs:SendMessage']);
      // SetAlarmState only on the check's own alarm: a release never sets the real alarms.
      expect(actionsOn(new RegExp(`:cloudwatch:${region}:\\d+:alarm:regionalapp-prod-alarm-path-check-${region}"`))).toEqual(['cloudwatch:SetAlarmState']);
      expect(actionsOn(/:cloudwatch:/)).toEqual(['cloudwatch:SetAlarmState']);
      expect(actionsOn(/table\/regionalapp-prod-data"/)).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
      expect(actionsOn(new RegExp(`:apigateway:${region}::/apis/\\*/stages/\\$default"`))).toEqual(['apigateway:GET']);
      expect(actionsOn(/userpool\/\*"/)).toEqual(['cognito-idp:AdminCreateUser', 'cognito-idp:AdminDeleteUser', 'cognito-idp:AdminSetUserPassword']);
    }
  });

  test('every build step publishes JUnit results through the shared buildspec.yml into its own report group', () => {
    const groups = template.findResources('AWS::CodeBuild::ReportGroup');
    expect(Object.values(groups).map((group) => group.Properties.Name).sort()).toEqual([
      'regionalapp-prod-pipeline-check-us-east-1',
      'regionalapp-prod-pipeline-check-us-west-2',
      'regionalapp-prod-pipeline-synth',
    ]);
    const [synth] = projectsRunning(template, 'npx cdk synth');
    const spec = buildSpecOf(synth);
    expect(spec.phases.install['runtime-versions']).toEqual({ nodejs: Number(readFileSync(path.join(__dirname, '..', '..', '.nvmrc'), 'utf8')) }); // from buildspec.yml
    expect(spec.phases.build.commands).toEqual([
      'npm run config:check -- --deployable', 'npm run lint', 'npm run test:unit', 'npx cdk synth',
    ]);
    expect(spec.reports).toEqual({ '<ref>': { 'base-directory': 'reports', files: ['**/*.xml'], 'file-format': 'JUNITXML' } });
    for (const check of projectsRunning(template, 'npm run e2e:region')) {
      expect(Object.values(buildSpecOf(check).reports)).toEqual([{ 'base-directory': 'reports', files: ['**/*.xml'], 'file-format': 'JUNITXML' }]);
    }
  });

  test('self-mutation uses the CDK CLI version the project pins', () => {
    const [selfMutation] = projectsRunning(template, 'deploy RegionalAppPipeline');
    expect(buildSpecOf(selfMutation).phases.install.commands).toEqual([`npm install -g aws-cdk@${packageJson.devDependencies['aws-cdk']}`]);
  });

  test('pipeline execution started, failed, succeeded and approval needed reach Slack through AWS Chatbot', () => {
    template.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', { SlackWorkspaceId: 'T0123ABCD', SlackChannelId: 'C0123ABCD' });
    template.hasResourceProperties('AWS::CodeStarNotifications::NotificationRule', {
      EventTypeIds: [
        'codepipeline-pipeline-pipeline-execution-started',
        'codepipeline-pipeline-pipeline-execution-failed',
        'codepipeline-pipeline-pipeline-execution-succeeded',
        'codepipeline-pipeline-manual-approval-needed',
      ],
    });
  });
});

describe('PipelineStack, sequential rollout', () => {
  const stages = renderedStages(synthPipeline(deployableConfig({ rollout: 'sequential' })).template);

  test('region A deploys and passes its checks before the approval, then region B deploys and is checked', () => {
    expect(stages.map((stage) => stage.name).slice(4)).toEqual(['RegionalApp-us-east-1', 'RegionalApp-us-west-2']);
    expect(tranches(stages[4]).slice(-1)).toEqual(['Check-us-east-1@5']);
    expect(tranches(stages[5])[0]).toBe('Approve-us-west-2@1');
    expect(tranches(stages[5]).slice(1, 4)).toEqual(['Data.Deploy@2', 'Identity.Deploy@2', 'Site.Deploy@2']);
    expect(tranches(stages[5]).slice(-1)).toEqual(['Check-us-west-2@6']);
  });

  test('each region\'s stage rolls back by itself on failure', () => {
    expect(stages.slice(4).map((stage) => stage.onFailure)).toEqual([{ Result: 'ROLLBACK' }, { Result: 'ROLLBACK' }]);
  });
});

describe('PipelineStack, three app regions', () => {
  const config = deployableConfig({ appRegions: ['us-east-1', 'us-west-2', 'eu-west-1'] });
  const wave = renderedStages(synthPipeline(config).template).find((stage) => stage.name === 'RegionalApp')!;

  test('one approval, after region A\'s check, holds back every region after A', () => {
    const manual = wave.actions.filter((action) => action.provider === 'Manual');
    expect(manual).toHaveLength(1);
    const checkA = wave.actions.find((action) => action.name === 'RegionalApp-us-east-1.Check-us-east-1')!;
    expect(manual[0].runOrder).toBeGreaterThan(checkA.runOrder);
    const later = wave.actions.filter((action) => /^RegionalApp-(us-west-2|eu-west-1)\./.test(action.name) && action.provider !== 'Manual');
    expect(later.length).toBeGreaterThan(0);
    expect(later.every((action) => action.runOrder > manual[0].runOrder)).toBe(true);
  });
});

describe('PipelineStack, failover drill (P11, failoverDrill: true)', () => {
  const { template } = synthPipeline(deployableConfig({ failoverDrill: true }));
  const wave = renderedStages(template).find((stage) => stage.name === 'RegionalApp')!;
  const runOrderOf = (name: string) => wave.actions.find((action) => action.name === name)!.runOrder;

  test('after each region\'s check, the drill fails and recovers that region; the approval waits for region A\'s drill', () => {
    expect(runOrderOf('RegionalApp-us-east-1.FailoverDrill-us-east-1')).toBe(runOrderOf('RegionalApp-us-east-1.Check-us-east-1') + 1);
    expect(runOrderOf('RegionalApp-us-west-2.Approve-us-west-2')).toBe(runOrderOf('RegionalApp-us-east-1.FailoverDrill-us-east-1') + 1);
    expect(runOrderOf('RegionalApp-us-west-2.FailoverDrill-us-west-2')).toBe(runOrderOf('RegionalApp-us-west-2.Check-us-west-2') + 1);
  });

  test('the drill runs integ/failover.drill.ts against its region, and may only read the region\'s names and the signing secret', () => {
    const drills = projectsRunning(template, 'npm run e2e:drill');
    expect(drills).toHaveLength(2);
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    for (const drill of drills) {
      const roleId = drill.Properties.ServiceRole['Fn::GetAtt'][0];
      const actions = policies
        .filter((policy) => policy.Properties.Roles.some((role: { Ref?: string }) => role.Ref === roleId))
        .flatMap((policy) => policy.Properties.PolicyDocument.Statement as { Action: string | string[] }[])
        .flatMap((statement) => [statement.Action].flat());
      const appActions = actions.filter((action) => !/^(logs|codebuild|s3|kms):/.test(action));
      expect([...new Set(appActions)].sort()).toEqual(['secretsmanager:GetSecretValue', 'ssm:GetParameter']);
    }
  });

  test('cdk-nag finds nothing unacknowledged in the drill steps (the app as `cdk synth` builds it)', () => {
    const app = projectApp();
    buildApp(app, deployableConfig({ failoverDrill: true }));
    app.synth();
    const drillFindings = nagFindings(app).filter((finding) => finding.paths.some((at) => at.includes('FailoverDrill-')));
    expect(drillFindings).toEqual([]);
  });

  test('off by default: no drill in the pipeline', () => {
    expect(projectsRunning(synthPipeline(deployableConfig()).template, 'npm run e2e:drill')).toEqual([]);
  });
});

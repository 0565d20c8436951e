import {
  ApprovalAlreadyCompletedException,
  CodePipelineClient,
  GetPipelineStateCommand,
  ListPipelineExecutionsCommand,
  PipelineNotFoundException,
  PutApprovalResultCommand,
  RollbackStageCommand,
  UnableToRollbackStageException,
  type GetPipelineStateOutput,
  type PipelineExecutionSummary,
} from '@aws-sdk/client-codepipeline';
import { mockClient } from 'aws-sdk-client-mock';
import { DEFAULT_PIPELINE_NAME, main, pipelineClientRegion } from '../../cli/pipeline-cli';

const codePipeline = mockClient(CodePipelineClient);
const client = new CodePipelineClient({ region: 'eu-west-1' });
const NOW = new Date('2025-06-01T12:00:00Z');

const CURRENT = '11111111-1111-4111-8111-111111111111';
const PREVIOUS = '22222222-2222-4222-8222-222222222222';
const OLDER = '33333333-3333-4333-8333-333333333333';
const FAILED = '44444444-4444-4444-8444-444444444444';
const ROLLBACK = '55555555-5555-4555-8555-555555555555';

beforeEach(() => codePipeline.reset());

async function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const exitCode = await main(argv, {
    client,
    out: { write: (text: string) => out.push(text) },
    err: { write: (text: string) => err.push(text) },
    env,
    now: () => NOW,
  });
  return { exitCode, out: out.join(''), err: err.join('') };
}

function minutesAgo(minutes: number): Date {
  return new Date(NOW.getTime() - minutes * 60_000);
}

function execution(id: string, status: PipelineExecutionSummary['status'], extra: Partial<PipelineExecutionSummary> = {}) {
  return { pipelineExecutionId: id, status, executionType: 'STANDARD', ...extra } satisfies PipelineExecutionSummary;
}

/** A pipeline whose RegionalApp stage last ran `currentExecutionId`, optionally with an approval waiting. */
function pipelineState(options: { currentExecutionId?: string; approvalToken?: string } = {}): GetPipelineStateOutput {
  return {
    pipelineName: DEFAULT_PIPELINE_NAME,
    stageStates: [
      {
        stageName: 'Source',
        latestExecution: { pipelineExecutionId: CURRENT, status: 'Succeeded' },
        actionStates: [
          { actionName: 'GitHub', latestExecution: { status: 'Succeeded', lastStatusChange: minutesAgo(125) } },
        ],
      },
      {
        stageName: 'RegionalApp',
        latestExecution: { pipelineExecutionId: options.currentExecutionId ?? CURRENT, status: 'InProgress' },
        actionStates: [
          { actionName: 'Deploy', latestExecution: { status: 'Succeeded', lastStatusChange: minutesAgo(10) } },
          {
            actionName: 'PromoteToProd',
            latestExecution: options.approvalToken
              ? { status: 'InProgress', token: options.approvalToken, lastStatusChange: minutesAgo(3) }
              : { status: 'Succeeded', lastStatusChange: minutesAgo(600) },
          },
        ],
      },
    ],
  };
}

describe('status', () => {
  test('lists stages, actions and recent executions, and says how to answer a waiting approval', async () => {
    codePipeline.on(GetPipelineStateCommand).resolves(pipelineState({ approvalToken: 'token-1' }));
    codePipeline.on(ListPipelineExecutionsCommand).resolves({
      pipelineExecutionSummaries: [
        execution(CURRENT, 'InProgress', { trigger: { triggerType: 'Webhook' }, startTime: minutesAgo(130) }),
        execution(PREVIOUS, 'Succeeded', { trigger: { triggerType: 'StartPipelineExecution' }, startTime: minutesAgo(2000) }),
      ],
    });

    const { exitCode, out } = await run(['status']);

    expect(exitCode).toBe(0);
    expect(out).toMatch(/^Source\s+Succeeded$/m);
    expect(out).toMatch(/^RegionalApp\s+InProgress$/m);
    expect(out).toMatch(/^ {2}GitHub\s+Succeeded\s+2h 5m ago$/m);
    expect(out).toMatch(/PromoteToProd\s+InProgress\s+running for 3m 0s\s+waiting for approval — run: npm run pipeline -- approve/);
    expect(out).toMatch(new RegExp(`${CURRENT}\\s+InProgress\\s+Webhook\\s+2025-06-01 09:50 UTC`));
    expect(out).toMatch(new RegExp(`${PREVIOUS}\\s+Succeeded\\s+StartPipelineExecution`));
  });

  test('only shows the approval hint while an approval is waiting', async () => {
    codePipeline.on(GetPipelineStateCommand).resolves(pipelineState());
    codePipeline.on(ListPipelineExecutionsCommand).resolves({ pipelineExecutionSummaries: [] });

    const { out } = await run(['status']);

    expect(out).not.toContain('waiting for approval');
    expect(out).toContain('none yet');
  });

  test('uses --pipeline over PIPELINE_NAME over the default', async () => {
    codePipeline.on(GetPipelineStateCommand).resolves({ stageStates: [] });
    codePipeline.on(ListPipelineExecutionsCommand).resolves({});

    await run(['status']);
    await run(['status'], { PIPELINE_NAME: 'from-env' });
    await run(['status', '--pipeline', 'from-flag'], { PIPELINE_NAME: 'from-env' });

    const names = codePipeline.commandCalls(GetPipelineStateCommand).map((call) => call.args[0].input.name);
    expect(names).toEqual([DEFAULT_PIPELINE_NAME, 'from-env', 'from-flag']);
  });
});

describe('rollback', () => {
  test('rolls RegionalApp back to the latest successful execution before the current one', async () => {
    codePipeline.on(GetPipelineStateCommand).resolves(pipelineState());
    codePipeline.on(ListPipelineExecutionsCommand).resolves({
      pipelineExecutionSummaries: [
        execution(CURRENT, 'Succeeded'),
        execution(FAILED, 'Failed'),
        execution(PREVIOUS, 'Succeeded'),
        execution(OLDER, 'Succeeded'),
      ],
    });
    codePipeline.on(RollbackStageCommand).resolves({ pipelineExecutionId: ROLLBACK });

    const { exitCode, out } = await run(['rollback']);

    expect(exitCode).toBe(0);
    expect(codePipeline.commandCalls(RollbackStageCommand).map((call) => call.args[0].input)).toEqual([
      { pipelineName: DEFAULT_PIPELINE_NAME, stageName: 'RegionalApp', targetPipelineExecutionId: PREVIOUS },
    ]);
    expect(codePipeline.commandCalls(ListPipelineExecutionsCommand)[0].args[0].input.filter).toEqual({
      succeededInStage: { stageName: 'RegionalApp' },
    });
    expect(out).toContain(`rollback execution: ${ROLLBACK}`);
  });

  test('pages through the history and skips earlier rollback executions', async () => {
    codePipeline.on(GetPipelineStateCommand).resolves(pipelineState());
    codePipeline
      .on(ListPipelineExecutionsCommand, { nextToken: undefined })
      .resolves({ pipelineExecutionSummaries: [execution(CURRENT, 'Succeeded')], nextToken: 'page-2' })
      .on(ListPipelineExecutionsCommand, { nextToken: 'page-2' })
      .resolves({
        pipelineExecutionSummaries: [
          execution(ROLLBACK, 'Succeeded', { executionType: 'ROLLBACK' }),
          execution(OLDER, 'Succeeded'),
        ],
      });
    codePipeline.on(RollbackStageCommand).resolves({ pipelineExecutionId: FAILED });

    const { exitCode } = await run(['rollback']);

    expect(exitCode).toBe(0);
    expect(codePipeline.commandCalls(ListPipelineExecutionsCommand)).toHaveLength(2);
    expect(codePipeline.commandCalls(RollbackStageCommand)[0].args[0].input.targetPipelineExecutionId).toBe(OLDER);
  });

  test('after a rollback, goes further back instead of forward to the release that was rolled back', async () => {
    codePipeline.on(GetPipelineStateCommand).resolves(pipelineState({ currentExecutionId: ROLLBACK }));
    codePipeline.on(ListPipelineExecutionsCommand).resolves({
      pipelineExecutionSummaries: [
        execution(ROLLBACK, 'Succeeded', {
          executionType: 'ROLLBACK',
          rollbackMetadata: { rollbackTargetPipelineExecutionId: PREVIOUS },
        }),
        execution(CURRENT, 'Succeeded'),
        execution(PREVIOUS, 'Succeeded'),
        execution(OLDER, 'Succeeded'),
      ],
    });
    codePipeline.on(RollbackStageCommand).resolves({ pipelineExecutionId: FAILED });

    await run(['rollback']);

    expect(codePipeline.commandCalls(RollbackStageCommand)[0].args[0].input.targetPipelineExecutionId).toBe(OLDER);
  });

  test('refuses when the current execution is the only success', async () => {
    codePipeline.on(GetPipelineStateCommand).resolves(pipelineState());
    codePipeline.on(ListPipelineExecutionsCommand).resolves({
      pipelineExecutionSummaries: [execution(CURRENT, 'Succeeded'), execution(FAILED, 'Failed')],
    });

    const { exitCode, err } = await run(['rollback']);

    expect(exitCode).toBe(1);
    expect(err).toContain('nothing to roll back to: no earlier successful execution of stage RegionalApp');
    expect(codePipeline.commandCalls(RollbackStageCommand)).toHaveLength(0);
  });

  test('--to rolls back to the given execution without looking anything up', async () => {
    codePipeline.on(RollbackStageCommand).resolves({ pipelineExecutionId: ROLLBACK });

    const { exitCode } = await run(['rollback', '--to', OLDER, '--stage', 'Canary', '--pipeline', 'other']);

    expect(exitCode).toBe(0);
    expect(codePipeline.commandCalls(GetPipelineStateCommand)).toHaveLength(0);
    expect(codePipeline.commandCalls(ListPipelineExecutionsCommand)).toHaveLength(0);
    expect(codePipeline.commandCalls(RollbackStageCommand)[0].args[0].input).toEqual({
      pipelineName: 'other',
      stageName: 'Canary',
      targetPipelineExecutionId: OLDER,
    });
  });

  test('names the real stages when --stage does not exist', async () => {
    codePipeline.on(GetPipelineStateCommand).resolves(pipelineState());

    const { exitCode, err } = await run(['rollback', '--stage', 'Prod']);

    expect(exitCode).toBe(1);
    expect(err).toContain('stage Prod not found in pipeline regionalapp-prod-pipeline');
    expect(err).toContain('Source, RegionalApp');
  });

  test('explains a refused rollback together with the stage name', async () => {
    codePipeline.on(RollbackStageCommand).rejects(
      new UnableToRollbackStageException({ message: 'target is from an older pipeline version', $metadata: {} }),
    );

    const { exitCode, err } = await run(['rollback', '--to', OLDER]);

    expect(exitCode).toBe(1);
    expect(err).toContain('stage RegionalApp: target is from an older pipeline version');
  });
});

describe('approve', () => {
  test('approves the waiting approval with the token from the pipeline state', async () => {
    codePipeline.on(GetPipelineStateCommand).resolves(pipelineState({ approvalToken: 'token-1' }));
    codePipeline.on(PutApprovalResultCommand).resolves({});

    const { exitCode, out } = await run(['approve']);

    expect(exitCode).toBe(0);
    const input = codePipeline.commandCalls(PutApprovalResultCommand)[0].args[0].input;
    expect(input).toMatchObject({
      pipelineName: DEFAULT_PIPELINE_NAME,
      stageName: 'RegionalApp',
      actionName: 'PromoteToProd',
      token: 'token-1',
      result: { status: 'Approved' },
    });
    expect(out).toContain('approved RegionalApp/PromoteToProd');
  });

  test('--reject rejects, recording the summary', async () => {
    codePipeline.on(GetPipelineStateCommand).resolves(pipelineState({ approvalToken: 'token-1' }));
    codePipeline.on(PutApprovalResultCommand).resolves({});

    await run(['approve', '--reject', '--summary', 'error rate too high']);

    expect(codePipeline.commandCalls(PutApprovalResultCommand)[0].args[0].input.result).toEqual({
      status: 'Rejected',
      summary: 'error rate too high',
    });
  });

  test('fails clearly when nothing is waiting', async () => {
    codePipeline.on(GetPipelineStateCommand).resolves(pipelineState());

    const { exitCode, err } = await run(['approve']);

    expect(exitCode).toBe(1);
    expect(err).toContain('no approval is waiting in pipeline regionalapp-prod-pipeline');
    expect(codePipeline.commandCalls(PutApprovalResultCommand)).toHaveLength(0);
  });

  test('--stage ignores approvals waiting in other stages', async () => {
    codePipeline.on(GetPipelineStateCommand).resolves(pipelineState({ approvalToken: 'token-1' }));

    const { exitCode, err } = await run(['approve', '--stage', 'Source']);

    expect(exitCode).toBe(1);
    expect(err).toContain('no approval is waiting in pipeline regionalapp-prod-pipeline (stage Source)');
  });

  test('explains an approval someone else already answered', async () => {
    codePipeline.on(GetPipelineStateCommand).resolves(pipelineState({ approvalToken: 'token-1' }));
    codePipeline
      .on(PutApprovalResultCommand)
      .rejects(new ApprovalAlreadyCompletedException({ message: 'Approval already completed', $metadata: {} }));

    const { exitCode, err } = await run(['approve']);

    expect(exitCode).toBe(1);
    expect(err).toContain('that approval was already answered');
  });
});

describe('AWS errors', () => {
  test('an unknown pipeline names the pipeline and region, without a stack trace', async () => {
    codePipeline.on(GetPipelineStateCommand).rejects(
      new PipelineNotFoundException({ message: 'Account 123 does not have a pipeline with name nope', $metadata: {} }),
    );
    codePipeline.on(ListPipelineExecutionsCommand).resolves({});

    const { exitCode, out, err } = await run(['status', '--pipeline', 'nope']);

    expect(exitCode).toBe(1);
    expect(err).toBe(
      'error: pipeline nope not found in eu-west-1 — check --pipeline / PIPELINE_NAME and AWS_REGION\n',
    );
    expect(out + err).not.toMatch(/\n\s+at /);
  });

  test('missing credentials say how to log in', async () => {
    const missingCredentials = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });
    codePipeline.on(GetPipelineStateCommand).rejects(missingCredentials);

    const { exitCode, err } = await run(['approve']);

    expect(exitCode).toBe(1);
    expect(err).toBe('error: no AWS credentials found — run `aws sso login` or set AWS_PROFILE\n');
  });
});

describe('usage', () => {
  test('--help prints usage and succeeds', async () => {
    const { exitCode, out } = await run(['--help']);

    expect(exitCode).toBe(0);
    expect(out).toContain('Usage: npm run pipeline -- <command>');
  });

  test.each([
    [['deploy'], 'unknown command "deploy"'],
    [[], 'no command given'],
    [['rollback', '--force'], 'unknown option "--force" for rollback'],
    [['status', '--reject'], 'unknown option "--reject" for status'],
    [['rollback', '--to'], '--to needs a value'],
    [['rollback', '--stage', '--to', 'x'], '--stage needs a value'],
    [['rollback', '--to='], '--to needs a value'],
    [['approve', '--reject=yes'], '--reject takes no value'],
    [['status', 'extra'], 'unexpected argument "extra"'],
    [['status', '-x'], 'unknown option "-x" for status'],
  ])('%j is a usage error (exit 2)', async (argv, message) => {
    const { exitCode, err } = await run(argv);

    expect(exitCode).toBe(2);
    expect(err).toContain(message);
    expect(codePipeline.calls()).toHaveLength(0);
  });
});

describe('pipelineClientRegion', () => {
  test('is AWS_REGION when set, else cdk.json\'s pipelineRegion, whatever region the profile has', () => {
    expect(pipelineClientRegion({ AWS_REGION: 'eu-west-1' }, 'us-east-1')).toBe('eu-west-1');
    expect(pipelineClientRegion({}, 'us-east-1')).toBe('us-east-1');
    expect(pipelineClientRegion({ AWS_REGION: '', AWS_PROFILE: 'dev' }, 'us-east-1')).toBe('us-east-1');
  });
});

/**
 * `npm run pipeline -- status | rollback | approve`: day-to-day operation of the delivery pipeline
 * without the console. Every function takes the CodePipeline client as an argument and `main`
 * returns an exit code instead of exiting, so the whole CLI runs under unit tests with a mocked SDK.
 */
import {
  GetPipelineStateCommand,
  ListPipelineExecutionsCommand,
  PutApprovalResultCommand,
  RollbackStageCommand,
  type ActionState,
  type CodePipelineClient,
  type GetPipelineStateOutput,
  type PipelineExecutionSummary,
  type StageState,
} from '@aws-sdk/client-codepipeline';

import { parseArgs } from 'node:util';
import { alignColumns, answerUsage, CliError, isUsageAnswer, type UsageAnswer, type Writer } from './cli';
import { loadConfig } from '../lib/config';
import { APP_WAVE_NAME, pipelineName } from '../lib/names';

/** The pipeline `cdk deploy` creates from this checkout's cdk.json. */
export const DEFAULT_PIPELINE_NAME = pipelineName(loadConfig());

/** Where the pipeline lives: AWS_REGION when set, else cdk.json's pipelineRegion (the profile's region is no guide to it). */
export function pipelineClientRegion(env: NodeJS.ProcessEnv = process.env, configured = loadConfig().pipelineRegion): string {
  return env.AWS_REGION || configured;
}
/** The wave stage (`wave` rollout); with `sequential` rollout pass --stage RegionalApp-<region>. */
const DEFAULT_ROLLBACK_STAGE = APP_WAVE_NAME;

/** Enough history for a glance; `--to` accepts any older execution id. */
const RECENT_EXECUTIONS_SHOWN = 5;
/** 100 executions a page: a rollback target further back than this is not a realistic choice. */
const MAX_EXECUTION_PAGES = 5;

const APPROVE_HINT = 'waiting for approval — run: npm run pipeline -- approve';

const USAGE = `Usage: npm run pipeline -- <command> [options]

Commands:
  status      show every stage and action, and the latest executions
  rollback    roll a stage back to an earlier successful execution
  approve     approve (or reject) the manual approval that is waiting

Options:
  --pipeline NAME       pipeline to use (default: $PIPELINE_NAME, else ${DEFAULT_PIPELINE_NAME})
  --stage NAME          rollback: stage to roll back (default: ${DEFAULT_ROLLBACK_STAGE})
                        approve: only answer an approval waiting in this stage
  --to EXECUTION_ID     rollback: execution to go back to (default: the latest earlier success)
  --reject              approve: reject instead of approve
  --summary TEXT        approve: comment recorded with the decision
  -h, --help            show this help

Region: AWS_REGION if set, else cdk.json's pipelineRegion (${loadConfig().pipelineRegion}). Credentials come from
AWS_PROFILE and the environment, as for the aws CLI.`;

export interface CliDeps {
  readonly client: CodePipelineClient;
  readonly out: Writer;
  readonly err: Writer;
  readonly env?: NodeJS.ProcessEnv;
  readonly now?: () => Date;
}

// ---------------------------------------------------------------------------------------------
// Arguments

const COMMAND_OPTIONS = {
  status: { pipeline: 'value' },
  rollback: { pipeline: 'value', stage: 'value', to: 'value' },
  approve: { pipeline: 'value', stage: 'value', summary: 'value', reject: 'flag' },
} as const satisfies Record<string, Record<string, 'value' | 'flag'>>;

type CommandName = keyof typeof COMMAND_OPTIONS;

type ParsedArguments =
  | UsageAnswer
  | {
      readonly kind: 'command';
      readonly command: CommandName;
      readonly values: Readonly<Partial<Record<string, string>>>;
      readonly flags: ReadonlySet<string>;
    };

function isCommandName(word: string): word is CommandName {
  return Object.hasOwn(COMMAND_OPTIONS, word);
}

function isHelp(arg: string): boolean {
  return arg === '--help' || arg === '-h';
}

function parseArguments(argv: readonly string[]): ParsedArguments {
  if (argv.some(isHelp)) return { kind: 'help' };
  const [command, ...rest] = argv;
  if (command === undefined) return { kind: 'usage-error', message: 'no command given' };
  if (!isCommandName(command)) return { kind: 'usage-error', message: `unknown command "${command}"` };

  const allowed: Readonly<Record<string, 'value' | 'flag'>> = COMMAND_OPTIONS[command];
  const options = Object.fromEntries(Object.entries(allowed).map(([name, kind]) => [name, { type: kind === 'flag' ? 'boolean' : 'string' } as const]));
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...rest], options, strict: true, allowPositionals: false });
  } catch (error) {
    return { kind: 'usage-error', message: usageProblem(error, command) };
  }
  const values: Partial<Record<string, string>> = {};
  const flags = new Set<string>();
  for (const [name, value] of Object.entries(parsed.values)) {
    if (value === true) flags.add(name);
    else if (typeof value === 'string') {
      if (value === '') return { kind: 'usage-error', message: `--${name} needs a value` };
      values[name] = value;
    }
  }
  return { kind: 'command', command, values, flags };
}

/** node:util parseArgs' refusal, in this CLI's words. */
function usageProblem(error: unknown, command: string): string {
  const { code, message } = error as { code?: string; message?: string };
  const option = /'(--?[^' =<]+)/.exec(message ?? '')?.[1];
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': return `unknown option "${option}" for ${command}`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL': return `unexpected argument "${/'([^']*)'/.exec(message ?? '')?.[1]}"`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      // A boolean given a value, or a value option with none (or with the next option as its value).
      return /does not take an argument/.test(message ?? '') ? `${option} takes no value` : `${option} needs a value`;
    default: return message ?? String(error);
  }
}

function resolvePipelineName(option: string | undefined, env: NodeJS.ProcessEnv): string {
  return option || env.PIPELINE_NAME || DEFAULT_PIPELINE_NAME;
}

// ---------------------------------------------------------------------------------------------
// status

interface PipelineStatus {
  readonly state: GetPipelineStateOutput;
  readonly executions: readonly PipelineExecutionSummary[];
}

async function fetchStatus(client: CodePipelineClient, pipelineName: string): Promise<PipelineStatus> {
  const [state, history] = await Promise.all([
    client.send(new GetPipelineStateCommand({ name: pipelineName })),
    client.send(new ListPipelineExecutionsCommand({ pipelineName, maxResults: RECENT_EXECUTIONS_SHOWN })),
  ]);
  return { state, executions: history.pipelineExecutionSummaries ?? [] };
}

function formatStatus(pipelineName: string, status: PipelineStatus, now: Date): string {
  const stageRows = (status.state.stageStates ?? []).flatMap((stage) => [
    stageRow(stage),
    ...(stage.actionStates ?? []).map((action) => actionRow(action, now)),
  ]);
  const executionRows = status.executions.map((execution) => [
    execution.pipelineExecutionId ?? '?',
    execution.status ?? '?',
    execution.trigger?.triggerType ?? '?',
    execution.startTime ? `${formatTimestamp(execution.startTime)} (${formatDuration(now, execution.startTime)} ago)` : '',
  ]);
  return [
    `Pipeline ${pipelineName}`,
    '',
    ...alignColumns([['STAGE / ACTION', 'STATUS', 'LAST CHANGE'], ...stageRows]),
    '',
    'Recent executions',
    ...(executionRows.length === 0
      ? ['  none yet']
      : alignColumns([['EXECUTION', 'STATUS', 'TRIGGER', 'STARTED'], ...executionRows]).map((line) => `  ${line}`)),
  ].join('\n');
}

function stageRow(stage: StageState): string[] {
  const execution = stage.latestExecution;
  const rolledBack = execution?.type === 'ROLLBACK' ? ' (rollback)' : '';
  return [stage.stageName ?? '?', execution?.status ? `${execution.status}${rolledBack}` : 'not run yet', ''];
}

function actionRow(action: ActionState, now: Date): string[] {
  const execution = action.latestExecution;
  const changedAt = execution?.lastStatusChange;
  const lastChange = changedAt === undefined ? ''
    : execution?.status === 'InProgress' ? `running for ${formatDuration(now, changedAt)}`
    : `${formatDuration(now, changedAt)} ago`;
  return [
    `  ${action.actionName ?? '?'}`,
    execution?.status ?? 'not run yet',
    lastChange,
    isWaitingApproval(action) ? APPROVE_HINT : '',
  ];
}


function formatTimestamp(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function formatDuration(now: Date, since: Date): string {
  const seconds = Math.max(0, Math.round((now.getTime() - since.getTime()) / 1000));
  const [days, hours, minutes] = [Math.floor(seconds / 86400), Math.floor(seconds / 3600) % 24, Math.floor(seconds / 60) % 60];
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${minutes}m`;
  if (minutes > 0) return `${minutes}m ${seconds % 60}s`;
  return `${seconds}s`;
}

// ---------------------------------------------------------------------------------------------
// rollback

interface RollbackRequest {
  readonly pipelineName: string;
  readonly stageName: string;
  readonly targetExecutionId?: string;
}

interface RollbackResult {
  readonly targetExecutionId: string;
  readonly rollbackExecutionId: string;
}

async function rollbackStage(client: CodePipelineClient, request: RollbackRequest): Promise<RollbackResult> {
  const { pipelineName, stageName } = request;
  const targetExecutionId = request.targetExecutionId ?? (await findRollbackTarget(client, pipelineName, stageName));
  const response = await client.send(
    new RollbackStageCommand({ pipelineName, stageName, targetPipelineExecutionId: targetExecutionId }),
  );
  return { targetExecutionId, rollbackExecutionId: response.pipelineExecutionId ?? '?' };
}

async function findRollbackTarget(
  client: CodePipelineClient,
  pipelineName: string,
  stageName: string,
): Promise<string> {
  const currentExecutionId = await currentStageExecutionId(client, pipelineName, stageName);
  const seen: PipelineExecutionSummary[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_EXECUTION_PAGES; page++) {
    const response = await client.send(
      new ListPipelineExecutionsCommand({
        pipelineName,
        // Only executions that passed this stage in the current pipeline version can be rolled back to.
        filter: { succeededInStage: { stageName } },
        nextToken,
      }),
    );
    seen.push(...(response.pipelineExecutionSummaries ?? []));
    const target = pickRollbackTarget(seen, currentExecutionId);
    if (target !== undefined) return target;
    nextToken = response.nextToken;
    if (nextToken === undefined) break;
  }
  throw new CliError(`nothing to roll back to: no earlier successful execution of stage ${stageName}`);
}

async function currentStageExecutionId(
  client: CodePipelineClient,
  pipelineName: string,
  stageName: string,
): Promise<string | undefined> {
  const state = await client.send(new GetPipelineStateCommand({ name: pipelineName }));
  const stages = state.stageStates ?? [];
  const stage = stages.find((candidate) => candidate.stageName === stageName);
  if (stage === undefined) {
    const known = stages.map((candidate) => candidate.stageName).join(', ');
    throw new CliError(`stage ${stageName} not found in pipeline ${pipelineName} — pick one with --stage: ${known}`);
  }
  return stage.latestExecution?.pipelineExecutionId;
}

/**
 * The newest successful standard execution older than the release the stage runs now.
 * `executions` is newest first, as ListPipelineExecutions returns it.
 */
function pickRollbackTarget(
  executions: readonly PipelineExecutionSummary[],
  currentExecutionId: string | undefined,
): string | undefined {
  const current = executions.find((execution) => execution.pipelineExecutionId === currentExecutionId);
  // After a rollback the stage runs its target's release; the newer release it replaced was the
  // bad one, so a second rollback must go further back rather than forward to it.
  const deployedId = current?.rollbackMetadata?.rollbackTargetPipelineExecutionId ?? currentExecutionId;
  const deployedIndex = executions.findIndex((execution) => execution.pipelineExecutionId === deployedId);
  // A rolled-back-to execution not (yet) listed: cannot tell which executions are older than it.
  if (deployedIndex === -1 && deployedId !== currentExecutionId) return undefined;
  return executions
    .slice(deployedIndex + 1)
    // CodePipeline refuses a rollback execution as a rollback target.
    .find((execution) => execution.status === 'Succeeded' && execution.executionType !== 'ROLLBACK')
    ?.pipelineExecutionId;
}

// ---------------------------------------------------------------------------------------------
// approve

interface WaitingApproval {
  readonly stageName: string;
  readonly actionName: string;
  readonly token: string;
}

/** Only manual approvals carry a token, and only while they wait for an answer. */
function isWaitingApproval(action: ActionState): boolean {
  return action.latestExecution?.status === 'InProgress' && Boolean(action.latestExecution.token);
}

/** The first waiting approval in pipeline order, optionally only in `stageName`. */
function findWaitingApproval(state: GetPipelineStateOutput, stageName?: string): WaitingApproval | undefined {
  for (const stage of state.stageStates ?? []) {
    if (stageName !== undefined && stage.stageName !== stageName) continue;
    const action = (stage.actionStates ?? []).find(isWaitingApproval);
    if (action?.latestExecution?.token) {
      return { stageName: stage.stageName ?? '', actionName: action.actionName ?? '', token: action.latestExecution.token };
    }
  }
  return undefined;
}

interface ApprovalRequest {
  readonly pipelineName: string;
  readonly stageName?: string;
  readonly reject: boolean;
  readonly summary?: string;
}

interface ApprovalOutcome extends Omit<WaitingApproval, 'token'> {
  readonly status: 'Approved' | 'Rejected';
}

async function answerApproval(client: CodePipelineClient, request: ApprovalRequest): Promise<ApprovalOutcome> {
  const { pipelineName, stageName } = request;
  const state = await client.send(new GetPipelineStateCommand({ name: pipelineName }));
  const approval = findWaitingApproval(state, stageName);
  if (approval === undefined) {
    const where = stageName === undefined ? '' : ` (stage ${stageName})`;
    throw new CliError(
      `no approval is waiting in pipeline ${pipelineName}${where} — run: npm run pipeline -- status`,
    );
  }
  const status = request.reject ? 'Rejected' : 'Approved';
  await client.send(
    new PutApprovalResultCommand({
      pipelineName,
      stageName: approval.stageName,
      actionName: approval.actionName,
      token: approval.token,
      // CodePipeline requires a summary; it is what reviewers later see in the execution history.
      result: { status, summary: request.summary ?? `${status} with npm run pipeline -- approve` },
    }),
  );
  return { stageName: approval.stageName, actionName: approval.actionName, status };
}

// ---------------------------------------------------------------------------------------------
// Errors

interface FailureContext {
  readonly client: CodePipelineClient;
  readonly pipelineName: string;
  readonly stageName?: string;
}

const CREDENTIAL_ERROR_NAMES = new Set([
  'CredentialsProviderError',
  'TokenProviderError',
  'ExpiredTokenException',
  'UnrecognizedClientException',
]);

const STAGE_ERROR_NAMES = new Set([
  'StageNotFoundException',
  'ConflictException',
  'StageNotRetryableException',
  'UnableToRollbackStageException',
]);

/** One readable line for any failure: SDK errors are mapped by name, and stack traces never shown. */
async function describeFailure(error: unknown, context: FailureContext): Promise<string> {
  if (!(error instanceof Error)) return String(error);
  if (error instanceof CliError) return error.message;
  const { name, message } = error;
  if (name === 'PipelineNotFoundException') {
    const region = await describeRegion(context.client);
    return `pipeline ${context.pipelineName} not found in ${region} — check --pipeline / PIPELINE_NAME and AWS_REGION`;
  }
  if (CREDENTIAL_ERROR_NAMES.has(name) || /credential/i.test(message)) {
    return /expired/i.test(message)
      ? 'your AWS credentials have expired — run `aws sso login` or set AWS_PROFILE'
      : 'no AWS credentials found — run `aws sso login` or set AWS_PROFILE';
  }
  if (message === 'Region is missing') return 'no AWS region set — set AWS_REGION or use an AWS_PROFILE that has a region';
  if (STAGE_ERROR_NAMES.has(name)) return `stage ${context.stageName ?? '?'}: ${message}`;
  if (name === 'ApprovalAlreadyCompletedException') {
    return 'that approval was already answered (perhaps by someone else) — run: npm run pipeline -- status';
  }
  if (name === 'InvalidApprovalTokenException') {
    return 'the approval changed while answering it (its token is no longer valid) — run: npm run pipeline -- status, then try again';
  }
  return name === 'Error' ? message : `${name}: ${message}`;
}

async function describeRegion(client: CodePipelineClient): Promise<string> {
  try {
    return await client.config.region();
  } catch {
    return 'the configured region';
  }
}

// ---------------------------------------------------------------------------------------------
// Entry point

export async function main(argv: readonly string[], deps: CliDeps): Promise<number> {
  const parsed = parseArguments(argv);
  if (isUsageAnswer(parsed)) return answerUsage(parsed, USAGE, deps);

  const pipelineName = resolvePipelineName(parsed.values.pipeline, deps.env ?? process.env);
  const stageName = parsed.command === 'rollback' ? rollbackStageName(parsed.values) : parsed.values.stage;
  try {
    deps.out.write(`${await runCommand({ ...parsed, pipelineName }, deps)}\n`);
    return 0;
  } catch (error) {
    deps.err.write(`error: ${await describeFailure(error, { client: deps.client, pipelineName, stageName })}\n`);
    return 1;
  }
}

type Invocation = Extract<ParsedArguments, { kind: 'command' }> & { readonly pipelineName: string };

function rollbackStageName(values: Invocation['values']): string {
  return values.stage ?? DEFAULT_ROLLBACK_STAGE;
}

async function runCommand(invocation: Invocation, deps: CliDeps): Promise<string> {
  const { client } = deps;
  const { pipelineName, values } = invocation;
  switch (invocation.command) {
    case 'status': {
      const status = await fetchStatus(client, pipelineName);
      return formatStatus(pipelineName, status, deps.now?.() ?? new Date());
    }
    case 'rollback': {
      const stageName = rollbackStageName(values);
      const result = await rollbackStage(client, { pipelineName, stageName, targetExecutionId: values.to });
      return [
        `rolling back stage ${stageName} of ${pipelineName} to execution ${result.targetExecutionId}`,
        `rollback execution: ${result.rollbackExecutionId}`,
        'follow it with: npm run pipeline -- status',
      ].join('\n');
    }
    case 'approve': {
      const outcome = await answerApproval(client, {
        pipelineName,
        stageName: values.stage,
        reject: invocation.flags.has('reject'),
        summary: values.summary,
      });
      return `${outcome.status.toLowerCase()} ${outcome.stageName}/${outcome.actionName} in ${pipelineName}`;
    }
  }
}

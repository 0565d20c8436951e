/**
 * `npm run users -- add <email> | remove <email>` (A3): provisions a user in the Cognito user pool
 * of every app region, in config order. Each region's pool ID comes from the SSM parameter its
 * RegionalApp stacks publish. Clients and the password reader are injected and `main` returns an
 * exit code, so the whole CLI runs under unit tests with a mocked SDK.
 *
 * The password is never an argument (it would land in shell history and `ps`): it is typed at a
 * prompt without echo, or piped on stdin.
 */
import { isEmail, MAX_EMAIL_LENGTH, PASSWORD_POLICY } from '../lambda/shared/identity';
import * as readline from 'node:readline';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import {
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';

import type { AppConfig } from '../lib/config';
import { PARAMETER_KEYS, parameterPath } from '../lib/names';
import { answerUsage, CliError, isUsageAnswer, type UsageAnswer, type Writer } from './cli';

const USAGE = `Usage: npm run users -- <command> <email>

Commands:
  add <email>      create the user in every app region's user pool, or reset its password
  remove <email>   delete the user from every app region's user pool

The password is never taken from the command line. "add" asks for it twice without echo, or reads
the first line of stdin when it is piped:  printf '%s\\n' "$PASSWORD" | npm run users -- add <email>

Regions come from appRegions in cdk.json; credentials from AWS_PROFILE, as for the aws CLI.
--local: the regions of the running \`npm start\` instead (its .local/endpoints.json), no AWS account.`;

/** The characters Cognito counts as symbols; any other character does not satisfy "symbol". */
const COGNITO_SYMBOLS = '^$*.[]{}()?"!@#%&/\\,><\':;|_~`=+- ';

export interface UsersCliDeps {
  readonly config: Pick<AppConfig, 'project' | 'stageName' | 'appRegions'>;
  readonly cognitoFor: (region: string) => CognitoIdentityProviderClient;
  readonly ssmFor: (region: string) => SSMClient;
  /** Only called by `add`, after the arguments are valid. */
  readonly readPassword: () => Promise<string>;
  readonly out: Writer;
  readonly err: Writer;
}

/** What adding and removing a user needs: also used by the local environment and the e2e suite. */
export type UserPoolAccess = Pick<UsersCliDeps, 'config' | 'cognitoFor' | 'ssmFor'>;

/** What `--local` reads of the running local environment's endpoints file. */
export interface LocalEndpoints {
  readonly stageName: string;
  readonly regions: Readonly<Record<string, unknown>>;
  readonly emulators: { readonly moto: string };
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/**
 * `--local`: the user pools of `npm start`'s regions, its stage name, through the emulator with
 * the environment's own credentials (user management is the operator's work, not a function's).
 */
export function localUserPoolAccess(project: string, endpoints: LocalEndpoints): UserPoolAccess {
  const client = { endpoint: endpoints.emulators.moto, credentials: { ...endpoints.credentials } };
  return {
    config: { project, stageName: endpoints.stageName, appRegions: Object.keys(endpoints.regions) },
    cognitoFor: (region) => new CognitoIdentityProviderClient({ ...client, region }),
    ssmFor: (region) => new SSMClient({ ...client, region }),
  };
}

// ---------------------------------------------------------------------------------------------
// Arguments

type UsersCommand = 'add' | 'remove';

export type ParsedArguments =
  | UsageAnswer
  | { readonly kind: 'command'; readonly command: UsersCommand; readonly email: string; readonly local: boolean };

const NO_PASSWORD_ARGUMENT =
  'passwords are never taken from the command line (they end up in shell history) — ' +
  'run without it and type the password at the prompt, or pipe it on stdin';

const OPTIONS = { local: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;

export function parseArguments(argv: readonly string[]): ParsedArguments {
  // Not strict: an unknown option is refused below by its name only, as its value may be a password.
  const { values, positionals, tokens } = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: false, tokens: true });
  if (values.help === true) return { kind: 'help' };
  const [command, ...rest] = positionals;
  if (command === undefined) return { kind: 'usage-error', message: 'no command given' };
  if (command !== 'add' && command !== 'remove') return { kind: 'usage-error', message: `unknown command "${command}"` };

  const unknown = tokens.find((token) => token.kind === 'option' && !(token.name in OPTIONS));
  if (unknown?.kind === 'option') {
    if (/^(password|passwd|pass|pw|p)$/i.test(unknown.name)) return { kind: 'usage-error', message: NO_PASSWORD_ARGUMENT };
    return { kind: 'usage-error', message: `unknown option "${unknown.rawName}" for ${command}` };
  }
  if (rest.length === 0) return { kind: 'usage-error', message: `${command} needs an email address` };
  if (rest.length > 1) {
    // Not echoed either: a second word after the email is most likely the password.
    const hint = command === 'add' ? ` — ${NO_PASSWORD_ARGUMENT}` : '';
    return { kind: 'usage-error', message: `${command} takes exactly one email address, got ${rest.length} arguments${hint}` };
  }
  return { kind: 'command', command, email: rest[0], local: values.local === true };
}

/** Why `email` cannot be a username here, or undefined when it can. */
function emailProblem(email: string): string | undefined {
  if (email.length > MAX_EMAIL_LENGTH) return `"${email}" is longer than ${MAX_EMAIL_LENGTH} characters`;
  if (!isEmail(email)) return `"${email}" is not an email address (expected something like alice@example.com)`;
  return undefined;
}

/** What `password` lacks under the pool's policy; empty when Cognito will accept it. */
export function passwordProblems(password: string): string[] {
  const problems: string[] = [];
  if (password.length < PASSWORD_POLICY.minLength) {
    problems.push(`at least ${PASSWORD_POLICY.minLength} characters (it has ${password.length})`);
  }
  if (password.length > PASSWORD_POLICY.maxLength) problems.push(`at most ${PASSWORD_POLICY.maxLength} characters`);
  if (!/[A-Z]/.test(password)) problems.push('an uppercase letter (A-Z)');
  if (!/[a-z]/.test(password)) problems.push('a lowercase letter (a-z)');
  if (!/[0-9]/.test(password)) problems.push('a digit (0-9)');
  if (![...password].some((char) => COGNITO_SYMBOLS.includes(char))) {
    problems.push(`a symbol from ${COGNITO_SYMBOLS.trimEnd()} or a space`);
  }
  if (password.length > 0 && password.trim() !== password) problems.push('no space at the start or end');
  return problems;
}

function assertAcceptablePassword(password: string): void {
  if (password.length === 0) throw new CliError('no password given — type it at the prompt, or pipe it on stdin');
  const problems = passwordProblems(password);
  if (problems.length > 0) {
    throw new CliError(`the password does not meet the user pool's policy; it needs ${problems.join(', ')}`);
  }
}

// ---------------------------------------------------------------------------------------------
// One region

export type RegionOutcome = 'created' | 'updated password' | 'removed' | 'not present';

/** A Cognito call failed for a reason already known; kept apart so `describeFailure` can name it. */
class RegionError extends CliError {}

async function userPoolId(deps: UserPoolAccess, region: string): Promise<string> {
  const name = parameterPath(deps.config, PARAMETER_KEYS.userPoolId);
  try {
    const response = await deps.ssmFor(region).send(new GetParameterCommand({ Name: name }));
    const value = response.Parameter?.Value;
    if (!value) throw new RegionError(`no user pool in ${region}: parameter ${name} is empty — redeploy RegionalApp there`);
    return value;
  } catch (error) {
    if (errorName(error) === 'ParameterNotFound') {
      throw new RegionError(`no user pool in ${region}: deploy RegionalApp there first (parameter ${name} not found)`);
    }
    throw error;
  }
}

export async function addUser(deps: UserPoolAccess, region: string, email: string, password: string): Promise<RegionOutcome> {
  const UserPoolId = await userPoolId(deps, region);
  const cognito = deps.cognitoFor(region);
  let outcome: RegionOutcome = 'created';
  try {
    await cognito.send(
      new AdminCreateUserCommand({
        UserPoolId,
        Username: email,
        UserAttributes: [
          { Name: 'email', Value: email },
          { Name: 'email_verified', Value: 'true' },
        ],
        // The operator hands the password over; Cognito must not mail a temporary one.
        MessageAction: 'SUPPRESS',
      }),
    );
  } catch (error) {
    // A re-run after a partial failure, or a password reset: the user is there, set the password.
    if (errorName(error) !== 'UsernameExistsException') throw error;
    outcome = 'updated password';
  }
  await cognito.send(new AdminSetUserPasswordCommand({ UserPoolId, Username: email, Password: password, Permanent: true }));
  return outcome;
}

export async function removeUser(deps: UserPoolAccess, region: string, email: string): Promise<RegionOutcome> {
  const UserPoolId = await userPoolId(deps, region);
  try {
    await deps.cognitoFor(region).send(new AdminDeleteUserCommand({ UserPoolId, Username: email }));
    return 'removed';
  } catch (error) {
    if (errorName(error) === 'UserNotFoundException') return 'not present';
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Errors

function errorName(error: unknown): string | undefined {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : undefined;
}

const MISSING_CREDENTIALS = new Set(['CredentialsProviderError', 'TokenProviderError']);
const EXPIRED_CREDENTIALS = new Set(['ExpiredTokenException', 'ExpiredToken', 'TokenRefreshRequired']);
const REJECTED_CREDENTIALS = new Set(['UnrecognizedClientException', 'InvalidClientTokenId', 'InvalidSignatureException']);
const NETWORK_FAILURES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT']);
const ACCESS_DENIED = new Set(['AccessDeniedException', 'AccessDenied', 'NotAuthorizedException']);

/** One readable line for a failure in `region`; never a stack trace. */
function describeFailure(error: unknown, region: string): string {
  if (!(error instanceof Error)) return `${region}: ${String(error)}`;
  if (error instanceof RegionError) return error.message;
  const { name, message } = error;
  if (EXPIRED_CREDENTIALS.has(name) || (/expired/i.test(message) && /token|credential/i.test(message))) {
    return `${region}: your AWS credentials have expired — run \`aws sso login\` or refresh AWS_PROFILE, then run the same command again`;
  }
  if (MISSING_CREDENTIALS.has(name) || /could not load credentials/i.test(message)) {
    return `${region}: no AWS credentials found — run \`aws sso login\` or set AWS_PROFILE`;
  }
  if (REJECTED_CREDENTIALS.has(name)) {
    return `${region}: AWS rejected the credentials (${message}) — check AWS_PROFILE, and that ${region} is enabled for the account`;
  }
  if (ACCESS_DENIED.has(name)) return `${region}: access denied — ${message}`;
  if (name === 'ResourceNotFoundException') {
    return `${region}: the user pool named by the SSM parameter does not exist (${message}) — redeploy RegionalApp there`;
  }
  if (name === 'InvalidPasswordException') return `${region}: Cognito refused the password: ${message}`;
  if (name === 'TooManyRequestsException' || name === 'ThrottlingException') {
    return `${region}: throttled by AWS — wait a minute and run the same command again`;
  }
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && NETWORK_FAILURES.has(code)) {
    return `${region}: cannot reach AWS (${message}) — check the network connection or proxy settings`;
  }
  return name === 'Error' ? `${region}: ${message}` : `${region}: ${name}: ${message}`;
}

// ---------------------------------------------------------------------------------------------
// Reading the password

export interface PasswordSource {
  readonly input: NodeJS.ReadableStream & { readonly isTTY?: boolean };
  /** Where prompts go: stderr, so stdout carries only the per-region results. */
  readonly prompts: NodeJS.WritableStream;
}

/**
 * The password from a terminal (typed twice without echo) or from a pipe (its first line).
 * The terminal path checks the policy after the first entry, so nobody types a weak password twice.
 */
export function passwordReader(source: PasswordSource): () => Promise<string> {
  return async () => {
    if (!source.input.isTTY) return firstLine(source.input);
    const password = await askHidden(source, 'Password: ');
    assertAcceptablePassword(password);
    const repeated = await askHidden(source, 'Repeat password: ');
    if (repeated !== password) throw new CliError('the two passwords did not match — nothing was changed');
    return password;
  };
}

async function firstLine(input: NodeJS.ReadableStream): Promise<string> {
  const lines = readline.createInterface({ input, crlfDelay: Infinity, terminal: false });
  try {
    for await (const line of lines) return line;
    return '';
  } finally {
    lines.close();
  }
}

function askHidden(source: PasswordSource, prompt: string): Promise<string> {
  // readline echoes what is typed to its output; giving it a sink keeps the password off screen.
  const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
  return new Promise((resolve, reject) => {
    const terminal = readline.createInterface({ input: source.input, output: silent, terminal: true });
    let answered = false;
    terminal.on('SIGINT', () => terminal.close());
    terminal.on('close', () => {
      if (answered) return;
      source.prompts.write('\n');
      reject(new CliError('cancelled — nothing was changed'));
    });
    source.prompts.write(prompt);
    terminal.question('', (answer) => {
      answered = true;
      source.prompts.write('\n');
      terminal.close();
      resolve(answer);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Entry point

export async function main(argv: readonly string[], deps: UsersCliDeps): Promise<number> {
  const parsed = parseArguments(argv);
  if (isUsageAnswer(parsed)) return answerUsage(parsed, USAGE, deps);
  const { command, email } = parsed;
  const invalidEmail = emailProblem(email);
  if (invalidEmail !== undefined) {
    deps.err.write(`error: ${invalidEmail}\n\n${USAGE}\n`);
    return 2;
  }

  let password = '';
  if (command === 'add') {
    try {
      password = await deps.readPassword();
      assertAcceptablePassword(password);
    } catch (error) {
      deps.err.write(`error: ${redact(error instanceof CliError ? error.message : describeFailure(error, 'stdin'), password)}\n`);
      return 1;
    }
  }

  // Every region is tried, so one failing region does not hold back the others; a re-run is
  // idempotent and finishes the rest.
  const failedRegions: string[] = [];
  for (const region of deps.config.appRegions) {
    try {
      const outcome = command === 'add' ? await addUser(deps, region, email, password) : await removeUser(deps, region, email);
      deps.out.write(`${region}: ${describeOutcome(outcome, email)}\n`);
    } catch (error) {
      failedRegions.push(region);
      deps.err.write(`error: ${redact(describeFailure(error, region), password)}\n`);
    }
  }
  if (failedRegions.length === 0) return 0;

  const verb = command === 'add' ? 'added' : 'removed';
  deps.err.write(
    `error: ${email} was not ${verb} in ${failedRegions.length} of ${deps.config.appRegions.length} regions ` +
      `(${failedRegions.join(', ')}) — fix the cause above and run the same command again (safe to repeat: regions already done stay done)\n`,
  );
  return 1;
}

function describeOutcome(outcome: RegionOutcome, email: string): string {
  switch (outcome) {
    case 'created':
      return `created ${email}`;
    case 'updated password':
      return `updated password (${email} already existed)`;
    case 'removed':
      return `removed ${email}`;
    case 'not present':
      return 'not present';
  }
}

/** Defence in depth: no message, whatever AWS put in it, ever shows the password. */
function redact(text: string, password: string): string {
  return password.length === 0 ? text : text.split(password).join('********');
}

import { PassThrough, Readable } from 'node:stream';
import {
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  InvalidPasswordException,
  UserNotFoundException,
  UsernameExistsException,
} from '@aws-sdk/client-cognito-identity-provider';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { PARAMETER_KEYS, parameterPath } from '../../lib/names';
import { CliError } from '../../cli/cli';
import { localUserPoolAccess, main, parseArguments, passwordProblems, passwordReader } from '../../cli/users-cli';
import { shippedConfig } from '../support/config';

const config = shippedConfig;
const [REGION_A, REGION_B] = config.appRegions;
const POOL_PARAMETER = parameterPath(config, PARAMETER_KEYS.userPoolId);
const EMAIL = 'alice@example.com';
const PASSWORD = 'Correct-Horse-9battery';

/** One real client per region, each with its own mock, so every region can answer differently. */
const regions = config.appRegions.map((region) => {
  const cognitoClient = new CognitoIdentityProviderClient({ region });
  const ssmClient = new SSMClient({ region });
  return { region, poolId: `${region}_Pool${region.length}`, cognitoClient, ssmClient, cognito: mockClient(cognitoClient), ssm: mockClient(ssmClient) };
});
const inRegion = (region: string) => {
  const found = regions.find((candidate) => candidate.region === region);
  if (!found) throw new Error(`no test client for ${region}`);
  return found;
};
const A = inRegion(REGION_A);
const B = inRegion(REGION_B);

function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name, $metadata: {} });
}

beforeEach(() => {
  for (const { cognito, ssm, poolId } of regions) {
    cognito.reset();
    ssm.reset();
    ssm.on(GetParameterCommand, { Name: POOL_PARAMETER }).resolves({ Parameter: { Name: POOL_PARAMETER, Value: poolId } });
    cognito.on(AdminCreateUserCommand).resolves({ User: { Username: EMAIL } });
    cognito.on(AdminSetUserPasswordCommand).resolves({});
    cognito.on(AdminDeleteUserCommand).resolves({});
  }
});

async function run(argv: string[], password: string = PASSWORD) {
  const out: string[] = [];
  const err: string[] = [];
  const readPassword = jest.fn(async () => password);
  const exitCode = await main(argv, {
    config,
    cognitoFor: (region) => inRegion(region).cognitoClient,
    ssmFor: (region) => inRegion(region).ssmClient,
    readPassword,
    out: { write: (text: string) => out.push(text) },
    err: { write: (text: string) => err.push(text) },
  });
  const output = out.join('') + err.join('');
  // Whatever happened, the password is never shown and neither is a stack trace.
  if (password !== '') expect(output).not.toContain(password);
  expect(output).not.toMatch(/\n\s+at /);
  return { exitCode, out: out.join(''), err: err.join(''), readPassword };
}

function awsCallCount(): number {
  return regions.reduce((total, { cognito, ssm }) => total + cognito.calls().length + ssm.calls().length, 0);
}

describe('add', () => {
  test('creates the user in every region, without an invitation, with a permanent password', async () => {
    const { exitCode, out, err } = await run(['add', EMAIL]);

    expect(exitCode).toBe(0);
    expect(err).toBe('');
    expect(out).toBe(`${REGION_A}: created ${EMAIL}\n${REGION_B}: created ${EMAIL}\n`);
    for (const { cognito, ssm, poolId } of [A, B]) {
      expect(ssm.commandCalls(GetParameterCommand)[0].args[0].input).toEqual({ Name: POOL_PARAMETER });
      expect(cognito.commandCalls(AdminCreateUserCommand).map((call) => call.args[0].input)).toEqual([
        {
          UserPoolId: poolId,
          Username: EMAIL,
          UserAttributes: [
            { Name: 'email', Value: EMAIL },
            { Name: 'email_verified', Value: 'true' },
          ],
          MessageAction: 'SUPPRESS',
        },
      ]);
      expect(cognito.commandCalls(AdminSetUserPasswordCommand).map((call) => call.args[0].input)).toEqual([
        { UserPoolId: poolId, Username: EMAIL, Password: PASSWORD, Permanent: true },
      ]);
    }
  });

  test('an existing user gets the new password instead of an error, so a re-run is safe', async () => {
    A.cognito.on(AdminCreateUserCommand).rejects(new UsernameExistsException({ message: 'User account already exists', $metadata: {} }));

    const { exitCode, out } = await run(['add', EMAIL]);

    expect(exitCode).toBe(0);
    expect(out).toBe(`${REGION_A}: updated password (${EMAIL} already existed)\n${REGION_B}: created ${EMAIL}\n`);
    expect(A.cognito.commandCalls(AdminSetUserPasswordCommand)[0].args[0].input).toMatchObject({ Password: PASSWORD, Permanent: true });
  });

  test.each([
    ['Sh0rt-pass', 'at least 12 characters (it has 10)'],
    ['correct-horse-9battery', 'an uppercase letter'],
    ['CORRECT-HORSE-9BATTERY', 'a lowercase letter'],
    ['Correct-Horse-battery', 'a digit'],
    ['CorrectHorse9battery', 'a symbol'],
    ['Correct-Horse-9battery ', 'no space at the start or end'],
  ])('refuses the weak password %j before calling AWS, saying what it needs', async (weak, needs) => {
    const { exitCode, out, err } = await run(['add', EMAIL], weak);

    expect(exitCode).toBe(1);
    expect(out).toBe('');
    expect(err).toContain("the password does not meet the user pool's policy; it needs");
    expect(err).toContain(needs);
    expect(awsCallCount()).toBe(0);
  });

  test('names every missing requirement at once', () => {
    expect(passwordProblems('abc')).toEqual([
      'at least 12 characters (it has 3)',
      'an uppercase letter (A-Z)',
      'a digit (0-9)',
      expect.stringMatching(/^a symbol from \^\$\*\./),
    ]);
    expect(passwordProblems(PASSWORD)).toEqual([]);
  });

  test('an empty password (nothing piped in) is refused', async () => {
    const { exitCode, err } = await run(['add', EMAIL], '');

    expect(exitCode).toBe(1);
    expect(err).toContain('no password given');
    expect(awsCallCount()).toBe(0);
  });

  test('a missing user pool in one region is reported for that region; the others are still done', async () => {
    B.ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: '', $metadata: {} }));

    const { exitCode, out, err } = await run(['add', EMAIL]);

    expect(exitCode).toBe(1);
    expect(out).toBe(`${REGION_A}: created ${EMAIL}\n`);
    expect(err).toContain(
      `error: no user pool in ${REGION_B}: deploy RegionalApp there first (parameter ${POOL_PARAMETER} not found)\n`,
    );
    expect(err).toContain(`${EMAIL} was not added in 1 of 2 regions (${REGION_B})`);
    expect(B.cognito.calls()).toHaveLength(0);
  });

  test('a failure in the first region does not stop the second', async () => {
    A.cognito.on(AdminCreateUserCommand).rejects(awsError('AccessDeniedException',
      'User: arn:aws:iam::123456789012:user/ops is not authorized to perform: cognito-idp:AdminCreateUser'));

    const { exitCode, out, err } = await run(['add', EMAIL]);

    expect(exitCode).toBe(1);
    expect(out).toBe(`${REGION_B}: created ${EMAIL}\n`);
    expect(err).toContain(`error: ${REGION_A}: access denied — User: arn:aws:iam::123456789012:user/ops is not authorized`);
  });

  test('a password Cognito refuses is explained without ever being shown', async () => {
    for (const { cognito } of regions) {
      cognito.on(AdminSetUserPasswordCommand).rejects(
        new InvalidPasswordException({ message: `Password ${PASSWORD} was used recently`, $metadata: {} }),
      );
    }

    const { exitCode, err } = await run(['add', EMAIL]);

    expect(exitCode).toBe(1);
    expect(err).toContain(`error: ${REGION_A}: Cognito refused the password: Password ******** was used recently`);
  });

  test('does not ask for a password when the email is invalid', async () => {
    const { exitCode, err, readPassword } = await run(['add', 'alice.example.com']);

    expect(exitCode).toBe(2);
    expect(err).toContain('"alice.example.com" is not an email address');
    expect(readPassword).not.toHaveBeenCalled();
    expect(awsCallCount()).toBe(0);
  });
});

describe('remove', () => {
  test('deletes the user in every region; a region without the user is not an error', async () => {
    B.cognito.on(AdminDeleteUserCommand).rejects(new UserNotFoundException({ message: 'User does not exist.', $metadata: {} }));

    const { exitCode, out, err, readPassword } = await run(['remove', EMAIL]);

    expect(exitCode).toBe(0);
    expect(err).toBe('');
    expect(out).toBe(`${REGION_A}: removed ${EMAIL}\n${REGION_B}: not present\n`);
    expect(A.cognito.commandCalls(AdminDeleteUserCommand)[0].args[0].input).toEqual({ UserPoolId: A.poolId, Username: EMAIL });
    expect(readPassword).not.toHaveBeenCalled();
  });
});

describe('AWS credentials', () => {
  test('missing credentials give one readable line per region and exit 1', async () => {
    for (const { ssm } of regions) {
      ssm.on(GetParameterCommand).rejects(awsError('CredentialsProviderError', 'Could not load credentials from any providers'));
    }

    const { exitCode, out, err } = await run(['remove', EMAIL]);

    expect(exitCode).toBe(1);
    expect(out).toBe('');
    expect(err.split('\n').slice(0, 2)).toEqual([
      `error: ${REGION_A}: no AWS credentials found — run \`aws sso login\` or set AWS_PROFILE`,
      `error: ${REGION_B}: no AWS credentials found — run \`aws sso login\` or set AWS_PROFILE`,
    ]);
  });

  test('an expired token says to log in again', async () => {
    B.cognito.on(AdminCreateUserCommand).rejects(awsError('ExpiredTokenException', 'The security token included in the request is expired'));

    const { exitCode, err } = await run(['add', EMAIL]);

    expect(exitCode).toBe(1);
    expect(err).toContain(`error: ${REGION_B}: your AWS credentials have expired — run \`aws sso login\``);
  });

  test('an unknown failure is shown by name and message, naming the region', async () => {
    A.cognito.on(AdminDeleteUserCommand).rejects(awsError('InternalErrorException', 'Internal server error'));

    const { exitCode, err } = await run(['remove', EMAIL]);

    expect(exitCode).toBe(1);
    expect(err).toContain(`error: ${REGION_A}: InternalErrorException: Internal server error\n`);
  });
});

describe('usage', () => {
  test('--local, anywhere after the command, chooses the local regions; the email stays the one positional', () => {
    expect(parseArguments(['add', EMAIL, '--local'])).toEqual({ kind: 'command', command: 'add', email: EMAIL, local: true });
    expect(parseArguments(['remove', '--local', EMAIL])).toEqual({ kind: 'command', command: 'remove', email: EMAIL, local: true });
    expect(parseArguments(['add', EMAIL])).toEqual({ kind: 'command', command: 'add', email: EMAIL, local: false });
    // After `--`, a word that looks like an option is the email (which it is not: refused as one later).
    expect(parseArguments(['add', '--', '--local'])).toEqual({ kind: 'command', command: 'add', email: '--local', local: false });
  });

  test('--help prints usage and succeeds', async () => {
    const { exitCode, out } = await run(['--help']);

    expect(exitCode).toBe(0);
    expect(out).toContain('Usage: npm run users -- <command> <email>');
  });

  test.each([
    [['add', EMAIL, '--password', PASSWORD], 'passwords are never taken from the command line'],
    [['add', EMAIL, `--password=${PASSWORD}`], 'passwords are never taken from the command line'],
    [['add', `-p=${PASSWORD}`, EMAIL], 'passwords are never taken from the command line'],
    [['add', EMAIL, PASSWORD], 'add takes exactly one email address, got 2 arguments — passwords are never taken'],
    [['remove', EMAIL, 'bob@example.com'], 'remove takes exactly one email address, got 2 arguments'],
    [['add'], 'add needs an email address'],
    [['remove', EMAIL, '--force'], 'unknown option "--force" for remove'],
    [['list'], 'unknown command "list"'],
    [[], 'no command given'],
  ])('%j is a usage error (exit 2) and touches nothing', async (argv, message) => {
    const { exitCode, err, readPassword } = await run(argv);

    expect(exitCode).toBe(2);
    expect(err).toContain(message);
    expect(err).toContain('Usage: npm run users');
    expect(readPassword).not.toHaveBeenCalled();
    expect(awsCallCount()).toBe(0);
  });
});

describe('reading the password', () => {
  test('from a pipe: the first line, without its line ending', async () => {
    const read = passwordReader({ input: Readable.from([`${PASSWORD}\r\nsecond line\n`]), prompts: new PassThrough() });

    await expect(read()).resolves.toBe(PASSWORD);
  });

  test('from an empty pipe: nothing', async () => {
    const read = passwordReader({ input: Readable.from([]), prompts: new PassThrough() });

    await expect(read()).resolves.toBe('');
  });

  /** A terminal that types `lines` one after another, once each prompt has been shown. */
  function terminal(lines: string[]) {
    const input = Object.assign(new PassThrough(), { isTTY: true });
    const shown: string[] = [];
    const prompts = new PassThrough();
    prompts.on('data', (chunk: Buffer) => {
      shown.push(chunk.toString());
      if (chunk.toString().endsWith(': ')) {
        const next = lines.shift();
        if (next !== undefined) setImmediate(() => input.write(`${next}\r`));
      }
    });
    return { read: passwordReader({ input, prompts }), shown };
  }

  test('from a terminal: asked twice, and what is typed is not echoed', async () => {
    const { read, shown } = terminal([PASSWORD, PASSWORD]);

    await expect(read()).resolves.toBe(PASSWORD);
    expect(shown.join('')).toBe('Password: \nRepeat password: \n');
  });

  test('from a terminal: two different entries change nothing', async () => {
    const { read, shown } = terminal([PASSWORD, `${PASSWORD}x`]);

    await expect(read()).rejects.toThrow(new CliError('the two passwords did not match — nothing was changed'));
    expect(shown.join('')).not.toContain(PASSWORD);
  });

  test('from a terminal: a weak password is refused before asking again', async () => {
    const { read, shown } = terminal(['weak']);

    await expect(read()).rejects.toThrow(/it needs at least 12 characters/);
    expect(shown.join('')).toBe('Password: \n');
  });
});

describe('localUserPoolAccess (--local)', () => {
  test('targets the running local environment: its stage, its regions, the emulator and its credentials', async () => {
    const access = localUserPoolAccess('regionalapp', {
      stageName: 'local',
      regions: { 'us-east-1': {}, 'us-west-2': {} },
      emulators: { moto: 'http://127.0.0.1:4566' },
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });

    expect(access.config).toEqual({ project: 'regionalapp', stageName: 'local', appRegions: ['us-east-1', 'us-west-2'] });
    const cognito = access.cognitoFor('us-west-2');
    expect(await cognito.config.region()).toBe('us-west-2');
    const endpoint = await cognito.config.endpoint!();
    expect(`${endpoint.protocol}//${endpoint.hostname}:${endpoint.port}`).toBe('http://127.0.0.1:4566');
    expect(await (await access.ssmFor('us-east-1').config.credentials())).toMatchObject({ accessKeyId: 'local' });
  });
});

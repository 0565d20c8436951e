import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { journeyPermissions } from '../../pipeline/region-check-step';

/**
 * The post-deploy check's role may do what the end-to-end suite does (P6). This derives, from the
 * suite's source, every AWS SDK command it sends — in integ/*.e2e.ts and in every file they import,
 * transitively (integ/target.ts → cli/users-cli.ts' addUser/removeUser, …) — maps each to the IAM
 * action it needs, and expects journeyPermissions to grant it. A command missing from the table
 * fails the test: add it with its action (Service Authorization Reference), then grant it.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const INTEG = path.join(ROOT, 'integ');

/** `<module>#<Command>` → the IAM action it needs. */
const ACTION_OF: Record<string, string> = {
  '@aws-sdk/client-apigatewayv2#GetStageCommand': 'apigateway:GET',
  '@aws-sdk/client-cloudwatch#SetAlarmStateCommand': 'cloudwatch:SetAlarmState',
  '@aws-sdk/client-cognito-identity-provider#AdminCreateUserCommand': 'cognito-idp:AdminCreateUser',
  '@aws-sdk/client-cognito-identity-provider#AdminDeleteUserCommand': 'cognito-idp:AdminDeleteUser',
  '@aws-sdk/client-cognito-identity-provider#AdminSetUserPasswordCommand': 'cognito-idp:AdminSetUserPassword',
  '@aws-sdk/client-dynamodb#GetItemCommand': 'dynamodb:GetItem',
  '@aws-sdk/client-dynamodb#QueryCommand': 'dynamodb:Query',
  '@aws-sdk/client-s3#ListObjectsV2Command': 's3:ListBucket',
  '@aws-sdk/client-s3#PutObjectCommand': 's3:PutObject',
  '@aws-sdk/client-secrets-manager#GetSecretValueCommand': 'secretsmanager:GetSecretValue',
  '@aws-sdk/client-sqs#GetQueueUrlCommand': 'sqs:GetQueueUrl',
  '@aws-sdk/client-sqs#SendMessageBatchCommand': 'sqs:SendMessage',
  '@aws-sdk/client-sqs#SendMessageCommand': 'sqs:SendMessage',
  '@aws-sdk/client-ssm#GetParameterCommand': 'ssm:GetParameter',
  '@aws-sdk/lib-dynamodb#GetCommand': 'dynamodb:GetItem',
  '@aws-sdk/lib-dynamodb#QueryCommand': 'dynamodb:Query',
};

interface SentCommand {
  /** `<module>#<Command>` */
  readonly command: string;
  /** Where it is constructed, relative to the project root. */
  readonly at: string;
}

/** A relative import of `from` resolved to a .ts file of the project, or undefined for a package. */
function resolveLocal(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(from), specifier);
  return [`${base}.ts`, path.join(base, 'index.ts')].find((file) => existsSync(file));
}

/** The SDK commands constructed in `file` (`new XCommand(…)` of an import from @aws-sdk/*) and the project files it imports. */
function scan(file: string): { commands: SentCommand[]; imports: string[] } {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const moduleOf = new Map<string, string>();
  const imports: string[] = [];
  const commands: SentCommand[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const specifier = node.moduleSpecifier.text;
      const local = resolveLocal(file, specifier);
      // `import type` brings no code along (cli/users-cli.ts → cli/pipeline-cli.ts's Writer).
      if (local && !node.importClause?.isTypeOnly) imports.push(local);
      const named = node.importClause?.namedBindings;
      if (named && ts.isNamedImports(named)) {
        for (const element of named.elements) moduleOf.set(element.name.text, specifier);
      }
    }
    if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text.endsWith('Command')) {
      const name = node.expression.text;
      const line = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
      commands.push({ command: `${moduleOf.get(name) ?? '<not imported>'}#${name}`, at: `${path.relative(ROOT, file)}:${line}` });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { commands, imports };
}

/** Every SDK command the suite's files, and the project files they import, send. */
function suiteCommands(): { commands: SentCommand[]; files: string[] } {
  const entries = readdirSync(INTEG).filter((name) => name.endsWith('.e2e.ts')).map((name) => path.join(INTEG, name));
  const seen = new Set<string>();
  const queue = [...entries];
  const commands: SentCommand[] = [];
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const found = scan(file);
    commands.push(...found.commands.filter((sent) => sent.command.startsWith('@aws-sdk/') || sent.command.startsWith('<')));
    queue.push(...found.imports);
  }
  return { commands, files: [...seen].map((file) => path.relative(ROOT, file)).sort() };
}

/** Every action journeyPermissions grants, in any region (the statements are the same per region). */
function grantedActions(): Set<string> {
  const statements = journeyPermissions({ names: { project: 'regionalapp', stageName: 'prod', region: 'us-west-2' }, account: '123456789012', partition: 'aws', signingSecretName: 'regionalapp/slack-signing-secret' });
  return new Set(statements.flatMap((statement) => statement.toStatementJson()).flatMap((json: { Effect: string; Action: string | string[] }) => (
    json.Effect === 'Allow' ? [json.Action].flat() : []
  )));
}

describe('the post-deploy check role and the end-to-end suite', () => {
  const { commands, files } = suiteCommands();

  test('the scan follows the suite into the code it calls', () => {
    expect(files).toEqual(expect.arrayContaining(['integ/user-journey.e2e.ts', 'integ/browser.e2e.ts', 'integ/target.ts', 'cli/users-cli.ts']));
    const sent = new Set(commands.map((sent) => sent.command));
    // addUser/removeUser in cli/users-cli.ts, reached through integ/target.ts's testUsers.
    for (const command of ['AdminCreateUserCommand', 'AdminSetUserPasswordCommand', 'AdminDeleteUserCommand']) {
      expect(sent).toContain(`@aws-sdk/client-cognito-identity-provider#${command}`);
    }
    expect(sent).toContain('@aws-sdk/lib-dynamodb#GetCommand');
  });

  test('every command the suite sends is in the table of IAM actions', () => {
    const unknown = commands.filter((sent) => !(sent.command in ACTION_OF)).map((sent) => `${sent.command} (${sent.at})`);
    expect(unknown).toEqual([]);
  });

  test('journeyPermissions grants the IAM action of every command the suite sends', () => {
    const granted = grantedActions();
    const missing = commands
      .filter((sent) => sent.command in ACTION_OF && !granted.has(ACTION_OF[sent.command]))
      .map((sent) => `${ACTION_OF[sent.command]} for ${sent.command} (${sent.at})`);
    expect(missing).toEqual([]);
  });

  test('an unknown command fails the table check, and an ungranted action fails the grant check', () => {
    // The checks above against made-up input, so a silently empty scan cannot pass them.
    const made = [{ command: '@aws-sdk/client-s3#DeleteObjectCommand', at: 'x.ts:1' }];
    expect(made.filter((sent) => !(sent.command in ACTION_OF))).toHaveLength(1);
    expect(grantedActions().has('dynamodb:PutItem')).toBe(false);
    expect(commands.length).toBeGreaterThanOrEqual(10);
  });
});

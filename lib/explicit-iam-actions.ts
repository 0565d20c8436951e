import { Annotations, CfnResource, Token, type IAspect, type IResolvable, type IResolveContext } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { ACTION_EXPANSIONS } from './iam-action-expansions';

type Statement = { Effect?: string; Action?: string | string[]; [key: string]: unknown };
type Document = { Statement?: Statement[]; [key: string]: unknown };

/** Where each resource type keeps its policy documents. */
const POLICY_PROPERTIES: Record<string, { property: string; inline?: boolean }> = {
  'AWS::IAM::Policy': { property: 'policyDocument' },
  'AWS::IAM::ManagedPolicy': { property: 'policyDocument' },
  'AWS::IAM::Role': { property: 'policies', inline: true },
  'AWS::S3::BucketPolicy': { property: 'policyDocument' },
  'AWS::SNS::TopicPolicy': { property: 'policyDocument' },
  'AWS::SQS::QueuePolicy': { property: 'policyDocument' },
  'AWS::KMS::Key': { property: 'keyPolicy' },
};

/**
 * Q5: no Allow statement anywhere carries a wildcard action. CDK's grant helpers write actions like
 * `s3:GetObject*`; a wildcard silently grants every action AWS later adds with that prefix. This
 * aspect replaces each one, at synthesis, with the explicit list in `iam-action-expansions.ts`
 * (the actions that exist today), and fails synthesis on a wildcard it has no list for. Deny
 * statements keep their wildcards: denying more is the safe direction.
 */
export class ExplicitIamActions implements IAspect {
  visit(node: IConstruct): void {
    if (!(node instanceof CfnResource)) return;
    const location = POLICY_PROPERTIES[node.cfnResourceType];
    if (!location) return;
    const l1 = node as unknown as Record<string, unknown>;
    const original = l1[location.property];
    if (original === undefined) return;
    l1[location.property] = new ExpandedPolicy(original, node, location.inline ?? false);
  }
}

/** Resolves the original policy value late (after every grant is in) and expands it. */
class ExpandedPolicy implements IResolvable {
  readonly creationStack: string[] = [];

  constructor(
    private readonly original: unknown,
    private readonly node: IConstruct,
    private readonly inline: boolean,
  ) {}

  resolve(context: IResolveContext): unknown {
    const resolved = context.resolve(this.original);
    if (!this.inline) return expandDocument(resolved, this.node);
    // L1 property values are still camelCase here; CloudFormation casing is applied after.
    return (resolved as { policyDocument: Document }[] | undefined)?.map((policy) => ({
      ...policy,
      policyDocument: expandDocument(policy.policyDocument, this.node),
    }));
  }

  toString(): string {
    return Token.asString(this);
  }
}

function expandDocument(document: Document | undefined, node: IConstruct): Document | undefined {
  if (!document?.Statement) return document;
  return { ...document, Statement: document.Statement.map((statement) => expandStatement(statement, node)) };
}

function expandStatement(statement: Statement, node: IConstruct): Statement {
  if (statement.Effect !== 'Allow' || statement.Action === undefined) return statement;
  const actions = ([] as string[]).concat(statement.Action);
  if (!actions.some((action) => action.includes('*'))) return statement;
  const expanded = actions.flatMap((action) => {
    if (!action.includes('*')) return [action];
    const explicit = ACTION_EXPANSIONS[action];
    if (!explicit) {
      Annotations.of(node).addError(
        `IAM action "${action}" is a wildcard. Grant explicit actions, or add "${action}" to lib/iam-action-expansions.ts.`,
      );
      return [action];
    }
    return explicit;
  });
  return { ...statement, Action: [...new Set(expanded)] };
}

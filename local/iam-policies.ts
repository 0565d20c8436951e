import { getDenialReasons, runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { createHash } from 'node:crypto';

/**
 * The IAM side of the local environment (L2, L3): every identity policy and resource policy of
 * the synthesized templates, and the decision AWS would make for a request, computed by
 * @cloud-copilot/iam-simulate (identity and resource policies, explicit denies, conditions,
 * same-account rules, KMS key-policy rules). Local functions and the e2e suite call the emulators
 * with credentials that name their role; the enforcing proxy (local/iam-proxy.ts) asks `authorize`
 * before forwarding. Deliveries the environment makes on behalf of an AWS service (an alarm
 * publishing to SNS, EventBridge invoking a function…) are authorized here too, with the service
 * principal and the resource policies alone, as AWS does.
 */

export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: unknown;
}

/** A caller that signs requests: an IAM role session (a function's execution role, the check role). */
export interface RoleSession {
  readonly roleArn: string;
  /** `arn:aws:sts::<account>:assumed-role/<role>/<session>`, as AWS names the caller in errors. */
  readonly sessionArn: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
}

/** One question to IAM: may `principal` perform `action` on `resource`? */
export interface AccessRequest {
  /** A role session ARN, or a service principal such as `events.amazonaws.com`. */
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  /** Condition keys of the request (aws:SourceArn, aws:SourceAccount …); aws:SecureTransport is always true. */
  readonly context?: Readonly<Record<string, string | string[]>>;
}

export type AccessDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly explicit: boolean; readonly message: string };

/** AWS managed policies the templates attach, by name; one the environment does not know is reported, never guessed. */
const AWS_MANAGED_POLICIES: Readonly<Record<string, PolicyDocument>> = {
  'service-role/AWSLambdaBasicExecutionRole': {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' }],
  },
};

const SERVICE_PRINCIPAL = /\.amazonaws\.com$/;

/** The key resource policies are stored under: S3 objects share their bucket's policy, Lambda qualifiers their function's. */
function resourcePolicyKey(resourceArn: string): string {
  if (resourceArn.startsWith('arn:aws:s3:::')) return resourceArn.split('/')[0];
  if (resourceArn.startsWith('arn:aws:lambda:')) return resourceArn.split(':').slice(0, 7).join(':');
  return resourceArn;
}

export function roleArnOf(accountId: string, roleName: string): string {
  return `arn:aws:iam::${accountId}:role/${roleName}`;
}

export class IamPolicies {
  private readonly identity = new Map<string, { name: string; policy: PolicyDocument }[]>();
  private readonly resources = new Map<string, unknown[]>();
  private readonly sessions = new Map<string, RoleSession>();
  private readonly decisions = new Map<string, AccessDecision>();
  private readonly reported = new Map<string, number>();
  /** What the environment could not evaluate (an unknown managed policy …); printed at start-up. */
  readonly unevaluable = new Set<string>();
  /** The latest denials the environment acted on, newest last. */
  readonly denials: string[] = [];
  /** Told of each denial as it happens (the local environment writes it to its log). */
  onDenial?: (line: string) => void;

  constructor(readonly accountId: string) {}

  /** A role and the policies it carries itself (inline `Policies`, `ManagedPolicyArns`). */
  addRole(roleArn: string, inline: readonly { PolicyName: string; PolicyDocument: PolicyDocument }[] = [], managedPolicyArns: readonly string[] = []): void {
    this.identity.set(roleArn, this.identity.get(roleArn) ?? []);
    for (const policy of inline) this.attach(roleArn, policy.PolicyName, policy.PolicyDocument);
    for (const managed of managedPolicyArns) {
      const name = managed.split(':policy/')[1];
      const document = managed.includes(':iam::aws:policy/') ? AWS_MANAGED_POLICIES[name] : undefined;
      if (document) this.attach(roleArn, name, document);
      else this.unevaluable.add(`managed policy ${managed} on ${roleArn}: its statements are unknown locally, so nothing it allows is allowed here`);
    }
  }

  /** An identity policy attached to a role (AWS::IAM::Policy, AWS::IAM::ManagedPolicy). */
  attach(roleArn: string, name: string, policy: PolicyDocument): void {
    this.identity.set(roleArn, [...(this.identity.get(roleArn) ?? []), { name, policy }]);
    this.decisions.clear();
  }

  /** Statements of a resource's own policy (topic, queue, bucket, key policies; Lambda permissions). */
  addResourceStatements(resourceArn: string, added: unknown[]): void {
    const key = resourcePolicyKey(resourceArn);
    this.resources.set(key, [...(this.resources.get(key) ?? []), ...added]);
    this.decisions.clear();
  }

  /** AWS::Lambda::Permission, as the statement Lambda adds to the function's resource policy. */
  addLambdaPermission(functionArn: string, permission: { Action: string; Principal: string; SourceArn?: string; SourceAccount?: string }): void {
    const conditions: Record<string, Record<string, string>> = {};
    if (permission.SourceArn) conditions.ArnLike = { 'aws:SourceArn': permission.SourceArn };
    if (permission.SourceAccount) conditions.StringEquals = { 'aws:SourceAccount': permission.SourceAccount };
    const principal = SERVICE_PRINCIPAL.test(permission.Principal) ? { Service: permission.Principal } : { AWS: permission.Principal };
    this.addResourceStatements(functionArn, [{
      Effect: 'Allow',
      Principal: principal,
      Action: permission.Action,
      Resource: functionArn,
      ...(Object.keys(conditions).length > 0 ? { Condition: conditions } : {}),
    }]);
  }

  /** Credentials that sign as `roleArn` (deterministic, so a restarted environment gives the same keys). */
  session(roleArn: string, sessionName: string): RoleSession {
    const digest = createHash('sha256').update(`${roleArn}/${sessionName}`).digest('hex');
    const accessKeyId = `ASIA${digest.slice(0, 16).toUpperCase()}`;
    const existing = this.sessions.get(accessKeyId);
    if (existing) return existing;
    const created: RoleSession = {
      roleArn,
      sessionArn: `arn:aws:sts::${this.accountId}:assumed-role/${roleArn.split('/').pop()}/${sessionName}`,
      accessKeyId,
      secretAccessKey: digest.slice(16, 56),
      sessionToken: `local-${digest.slice(56)}`,
    };
    this.sessions.set(accessKeyId, created);
    return created;
  }

  sessionFor(accessKeyId: string): RoleSession | undefined {
    return this.sessions.get(accessKeyId);
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /**
   * A delivery AWS makes as a service (events.amazonaws.com invoking a function for the rule
   * `sourceArn` …): allowed only by the resource's policy, with aws:SourceArn and aws:SourceAccount
   * set as the service sets them.
   */
  authorizeService(principal: string, action: string, resource: string, sourceArn: string): Promise<AccessDecision> {
    return this.authorize({ principal, action, resource, context: { 'aws:SourceArn': sourceArn, 'aws:SourceAccount': this.accountId } });
  }

  /** Every action of `actions` on `resource`, as one caller; the first denial wins. */
  async authorizeAll(principal: string, actions: readonly string[], resource: string): Promise<AccessDecision> {
    for (const action of actions) {
      const decision = await this.authorize({ principal, action, resource });
      if (!decision.allowed) return decision;
    }
    return { allowed: true };
  }

  /** A denial the environment acted on (a delivery dropped, a request refused): logged, and kept for tests. */
  reportDenial(what: string, decision: AccessDecision): void {
    if (decision.allowed) return;
    const line = `${what}: ${decision.message}`;
    // A poller denied every second says so once a minute, not every second.
    const last = this.reported.get(line);
    if (last !== undefined && Date.now() - last < 60_000) return;
    this.reported.set(line, Date.now());
    this.denials.push(line);
    if (this.denials.length > 1_000) this.denials.shift();
    this.onDenial?.(line);
  }

  /** AWS's decision for one request: identity policies of the caller's role plus the resource's policy. */
  async authorize(request: AccessRequest): Promise<AccessDecision> {
    const key = JSON.stringify([request.principal, request.action, request.resource, request.context ?? {}]);
    const cached = this.decisions.get(key);
    if (cached) return cached;
    const decision = await this.evaluate(request);
    this.decisions.set(key, decision);
    return decision;
  }

  private async evaluate(request: AccessRequest): Promise<AccessDecision> {
    const isService = SERVICE_PRINCIPAL.test(request.principal);
    const roleArn = isService ? undefined : roleOfSession(request.principal, this.accountId);
    const resourceStatements = this.resources.get(resourcePolicyKey(request.resource));
    const simulation: Simulation = {
      request: {
        principal: request.principal,
        action: request.action,
        resource: { resource: request.resource, accountId: this.accountId },
        contextVariables: {
          // Deployed, every SDK call travels over TLS; an enforceSSL Deny must not fire on the local http hop.
          'aws:SecureTransport': 'true',
          ...(roleArn ? { 'aws:PrincipalArn': roleArn, 'aws:PrincipalAccount': this.accountId } : {}),
          ...request.context,
        },
      },
      identityPolicies: roleArn ? this.identity.get(roleArn) ?? [] : [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: resourceStatements ? { Version: '2012-10-17', Statement: resourceStatements } : undefined,
    };
    const result = await runSimulation(simulation, {});
    if (result.resultType === 'error') {
      return { allowed: false, explicit: false, message: `The local environment cannot evaluate ${request.action} on ${request.resource}: ${result.errors.message} (so it is denied, never silently allowed)` };
    }
    if (result.overallResult === 'Allowed') return { allowed: true };
    const explicit = result.overallResult === 'ExplicitlyDenied';
    const analysis = result.resultType === 'single' ? result.result.analysis : result.results[0]?.analysis;
    const reasons = analysis ? getDenialReasons(analysis) : [];
    return { allowed: false, explicit, message: denialMessage(request, explicit, reasons.filter((reason) => reason.denialType === 'Explicit').map((reason) => reason.policyType), isService) };
  }
}

/** The role of an `assumed-role` session ARN. */
function roleOfSession(principal: string, accountId: string): string | undefined {
  const match = /^arn:aws:sts::\d{12}:assumed-role\/([^/]+)\//.exec(principal);
  return match ? roleArnOf(accountId, match[1]) : undefined;
}

/** The wording AWS uses in AccessDenied messages, naming the action, the resource and why. */
function denialMessage(request: AccessRequest, explicit: boolean, policyTypes: string[], isService: boolean): string {
  const start = `User: ${request.principal} is not authorized to perform: ${request.action} on resource: ${request.resource}`;
  if (explicit) {
    const where = policyTypes.includes('identity') ? 'an identity-based policy' : 'a resource-based policy';
    return `${start} with an explicit deny in ${where}`;
  }
  return isService
    ? `${start} because no resource-based policy allows the ${request.action} action`
    : `${start} because no identity-based policy allows the ${request.action} action`;
}

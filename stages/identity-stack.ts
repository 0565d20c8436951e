import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { PASSWORD_POLICY } from '../lambda/shared/identity';
import { PARAMETER_KEYS, resourceName, type NameScope } from '../lib/names';
import { acknowledge } from '../lib/nag';
import type { WafConfig } from '../lib/config';
import { publishParameter } from '../lib/parameters';
import { AppWebAcl } from '../lib/web-acl';

export interface IdentityStackProps extends StackProps {
  readonly names: NameScope;
  /** When enabled, a REGIONAL web ACL guards the user pool's endpoints (A22). */
  readonly waf?: WafConfig;
}

/**
 * The region's identity (A3): one Cognito user pool per region — users are provisioned in every
 * region by `npm run users -- add <email>` — and an app client for USER_PASSWORD_AUTH and SRP.
 */
export class IdentityStack extends Stack {
  constructor(scope: Construct, id: string, props: IdentityStackProps) {
    super(scope, id, props);
    const { names } = props;

    const pool = new cognito.UserPool(this, 'UserPool', {
      userPoolName: resourceName(names, 'users'),
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      passwordPolicy: {
        minLength: PASSWORD_POLICY.minLength,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      featurePlan: cognito.FeaturePlan.ESSENTIALS,
      // Named: kept on delete and replacement, but not left behind by a failed first create. No
      // deletion protection, which would make that rollback fail (see the table in data-stack.ts).
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    acknowledge(pool, 'AwsSolutions-COG2',
      'Users are provisioned by an operator for a demo app; MFA would need an SMS or TOTP setup the local environment cannot emulate. Enable it here for real users.');
    for (const rule of ['AwsSolutions-COG3', 'AwsSolutions-COG8']) {
      acknowledge(pool, rule,
        'Threat protection needs the Plus feature plan (a per-user monthly fee); failed logins are logged and alarmed on by the app itself (A6, A12).');
    }

    if (props.waf?.enabled) {
      const acl = new AppWebAcl(this, 'UserPoolWebAcl', { scope: 'REGIONAL', name: resourceName(names, 'users'), rateLimitPerFiveMinutes: props.waf.rateLimitPerFiveMinutes });
      new wafv2.CfnWebACLAssociation(this, 'UserPoolWebAclAssociation', { resourceArn: pool.userPoolArn, webAclArn: acl.webAclArn });
    }

    const client = pool.addClient('WebClient', {
      userPoolClientName: resourceName(names, 'web'),
      authFlows: { userPassword: true, userSrp: true },
      generateSecret: false,
      preventUserExistenceErrors: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(1),
    });

    publishParameter(this, names, PARAMETER_KEYS.userPoolId, pool.userPoolId, 'This region\'s Cognito user pool ID');
    publishParameter(this, names, PARAMETER_KEYS.userPoolClientId, client.userPoolClientId, 'This region\'s Cognito app client ID');
  }
}

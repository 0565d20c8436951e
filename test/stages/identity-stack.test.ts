import { Match, type Template } from 'aws-cdk-lib/assertions';
import { customDomainAndWafConfig, REGION_B, stagesBuilding, templateOf, threeRegionConfig, webAclRules } from '../support/stages';

/** Identity stacks as their stages build them (the other stacks are stand-ins). */
let identity: Template; // region B's, without WAF
let withWaf: Template[]; // every region's, with customDomain and waf configured

beforeAll(() => {
  const stages = stagesBuilding('Identity');
  identity = templateOf(stages(threeRegionConfig, [REGION_B])[0], 'Identity');
  withWaf = stages(customDomainAndWafConfig).map((stage) => templateOf(stage, 'Identity'));
});

describe('Identity stack (A3)', () => {
  test('the user pool has no self sign-up and a strong password policy', () => {
    identity.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 12, RequireLowercase: true, RequireUppercase: true, RequireNumbers: true, RequireSymbols: true }) },
    });
  });

  test('the app client allows USER_PASSWORD_AUTH and SRP, without a secret', () => {
    identity.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      ExplicitAuthFlows: Match.arrayWith(['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH']),
      GenerateSecret: false,
      PreventUserExistenceErrors: 'ENABLED',
    });
  });
});

describe('with customDomain and waf configured', () => {
  test('A22: a REGIONAL web ACL on each user pool, with the managed rules and the rate limit', () => {
    for (const t of withWaf) {
      t.hasResourceProperties('AWS::WAFv2::WebACL', { Scope: 'REGIONAL', Rules: webAclRules });
      const [poolId] = Object.keys(t.findResources('AWS::Cognito::UserPool'));
      const [aclId] = Object.keys(t.findResources('AWS::WAFv2::WebACL'));
      t.hasResourceProperties('AWS::WAFv2::WebACLAssociation', { ResourceArn: { 'Fn::GetAtt': [poolId, 'Arn'] }, WebACLArn: { 'Fn::GetAtt': [aclId, 'Arn'] } });
    }
  });
});

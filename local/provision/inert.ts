import type { ProvisionContext, Props, TemplateResource } from '../provision';
import type { ResourceValues } from '../templates';
import { arn, generatedName, LOCAL_ACCOUNT_ID, shortId } from './names';

/**
 * Ref values of inert types whose Ref is not a name (an ACM certificate's Ref is its ARN), and the
 * attributes templates read from them: the API's custom domain and its certificate, Route 53, WAF,
 * and AwsCustomResource's SDK call (the cross-region read of an Edge stack's SSM parameter).
 * Locally DNS, TLS and WAF do not exist: the global endpoint (global-endpoint.ts) stands in for the
 * latency records and health checks, read from the templates.
 */
const INERT_REFS: Record<string, (resourceArn: string, props: Props) => string> = {
  'AWS::CertificateManager::Certificate': (resourceArn) => resourceArn,
};
const INERT_ATTRIBUTES: Record<string, (name: string, props: Props, region: string) => Record<string, string>> = {
  'AWS::ApiGatewayV2::DomainName': (name, props, region) => ({
    RegionalDomainName: `d-${shortId(String(props.DomainName ?? name))}.execute-api.${region}.amazonaws.com`,
    RegionalHostedZoneId: 'ZLOCAL',
  }),
  'AWS::Route53::HealthCheck': (name) => ({ HealthCheckId: name }),
  'Custom::AWS': (name) => ({ 'Parameter.Value': `arn:aws:local:::${name}` }),
};

/** A type with no local behaviour: recorded in `inert`, and given the name and ARN other resources read. */
export function inert(context: ProvisionContext, { type, logicalId, props, stack }: TemplateResource): ResourceValues {
  context.local.inert.add(type);
  const [, service = 'local', kind = 'resource'] = type.split('::');
  const name = String(props.RoleName ?? props.LogGroupName ?? props.Name ?? generatedName(stack, logicalId));
  // IAM is global: its ARNs have no region.
  const resourceArn = service === 'IAM' ? `arn:aws:iam::${LOCAL_ACCOUNT_ID}:${kind.toLowerCase()}/${name}` : arn(service.toLowerCase(), context.region, `${kind.toLowerCase()}/${name}`);
  return { ref: INERT_REFS[type]?.(resourceArn, props) ?? name, attributes: { Arn: resourceArn, Id: name, KeyId: name, ...INERT_ATTRIBUTES[type]?.(name, props, context.region) } };
}

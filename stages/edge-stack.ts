import { Stack, type StackProps } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import type { CustomDomainConfig, WafConfig } from '../lib/config';
import { publishEdgeParameter } from '../lib/edge-parameters';
import { EDGE_PARAMETER_KEYS, resourceName, type NameScope } from '../lib/names';
import { AppWebAcl } from '../lib/web-acl';

export interface EdgeStackProps extends StackProps {
  /** The app region this stack serves; the stack itself is deployed in us-east-1. */
  readonly names: NameScope;
  /** The site's certificate, when this region's distribution serves the site's own name. */
  readonly siteDomain?: { readonly domain: CustomDomainConfig; readonly siteDomainName: string };
  /** A CLOUDFRONT-scope web ACL for this region's distribution, when WAF is on. */
  readonly waf?: WafConfig;
}

/**
 * What one app region's CloudFront distribution needs from us-east-1, where CloudFront takes
 * certificates and web ACLs from: the site's certificate (DNS-validated in the hosted zone) and the
 * CLOUDFRONT web ACL. Their ARNs go to us-east-1's SSM (`/…/edge/<app region>/…`); the Site stack
 * reads them there (lib/edge-parameters.ts), never through an export.
 */
export class EdgeStack extends Stack {
  constructor(scope: Construct, id: string, props: EdgeStackProps) {
    super(scope, id, props);
    const { names } = props;
    if (props.siteDomain) {
      const { domain, siteDomainName } = props.siteDomain;
      const zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', { hostedZoneId: domain.hostedZoneId, zoneName: domain.zoneName });
      const certificate = new acm.Certificate(this, 'SiteCertificate', {
        domainName: siteDomainName,
        validation: acm.CertificateValidation.fromDns(zone),
        certificateName: resourceName(names, 'site'),
      });
      publishEdgeParameter(this, names, EDGE_PARAMETER_KEYS.siteCertificateArn, certificate.certificateArn, `Certificate of ${siteDomainName} (CloudFront, ${names.region})`);
    }
    if (props.waf?.enabled) {
      const acl = new AppWebAcl(this, 'SiteWebAcl', { scope: 'CLOUDFRONT', name: resourceName(names, 'site'), rateLimitPerFiveMinutes: props.waf.rateLimitPerFiveMinutes });
      publishEdgeParameter(this, names, EDGE_PARAMETER_KEYS.webAclArn, acl.webAclArn, `CLOUDFRONT web ACL of the site distribution in ${names.region}`);
    }
  }
}

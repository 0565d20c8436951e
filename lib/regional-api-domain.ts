import { Duration, Stack } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';
import type { CustomDomainConfig } from './config';
import { resourceName, ROUTES, type NameScope } from './names';

/**
 * How Route 53 decides a region is down (A15): its checkers request `/health` every 30 s (the
 * standard interval; 10 s costs extra) and call the region unhealthy after 3 failures in a row —
 * about 90 s, plus resolvers' caching of the alias answer (API Gateway's 60 s TTL), before traffic
 * has moved. The local global endpoint (local/global-endpoint.ts) reads both from the template.
 */
export const API_HEALTH_CHECK = { requestInterval: Duration.seconds(30), failureThreshold: 3 } as const;

export interface RegionalApiDomainProps {
  readonly names: NameScope;
  readonly domain: CustomDomainConfig;
  readonly api: apigwv2.HttpApi;
  readonly stage: apigwv2.IHttpStage;
}

/**
 * One region's share of the API's custom domain (A15): a regional certificate (DNS-validated in the
 * hosted zone) for the API name, its API Gateway domain (TLS 1.2) mapped to the `$default` stage,
 * and a latency record for this region, aliased to that domain and guarded by a health check.
 *
 * The health check requests this region's own execute-api host, not the custom name: the custom
 * name resolves by latency to whichever region is healthy, so checking it would let a failed region
 * pass its check on another region's answer. `evaluateTargetHealth` is off: for an API Gateway
 * alias it reflects API Gateway, not whether this app's `/health` answers 200.
 */
export class RegionalApiDomain extends Construct {
  readonly domainName: apigwv2.DomainName;
  readonly healthCheck: route53.HealthCheck;

  constructor(scope: Construct, id: string, props: RegionalApiDomainProps) {
    super(scope, id);
    const { names, domain, api, stage } = props;
    const { region, urlSuffix } = Stack.of(this);
    const zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', { hostedZoneId: domain.hostedZoneId, zoneName: domain.zoneName });

    const certificate = new acm.Certificate(this, 'Certificate', {
      domainName: domain.apiDomainName,
      validation: acm.CertificateValidation.fromDns(zone),
      certificateName: resourceName(names, 'user-api'),
    });
    this.domainName = new apigwv2.DomainName(this, 'DomainName', {
      domainName: domain.apiDomainName,
      certificate,
      endpointType: apigwv2.EndpointType.REGIONAL,
      securityPolicy: apigwv2.SecurityPolicy.TLS_1_2,
    });
    new apigwv2.ApiMapping(this, 'Mapping', { api, domainName: this.domainName, stage });

    this.healthCheck = new route53.HealthCheck(this, 'HealthCheck', {
      type: route53.HealthCheckType.HTTPS,
      fqdn: `${api.apiId}.execute-api.${region}.${urlSuffix}`,
      port: 443,
      resourcePath: ROUTES.health,
      enableSNI: true,
      requestInterval: API_HEALTH_CHECK.requestInterval,
      failureThreshold: API_HEALTH_CHECK.failureThreshold,
    });
    new route53.ARecord(this, 'LatencyRecord', {
      zone,
      recordName: domain.apiDomainName,
      target: route53.RecordTarget.fromAlias(new targets.ApiGatewayv2DomainProperties(this.domainName.regionalDomainName, this.domainName.regionalHostedZoneId)),
      region,
      setIdentifier: region,
      healthCheck: this.healthCheck,
      comment: `${resourceName(names, 'user-api')}: latency routing, healthy only while ${ROUTES.health} answers`,
    });
  }
}

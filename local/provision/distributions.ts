import type { ProvisionContext, TemplateResource } from '../provision';
import { SiteServer, type ErrorResponse } from '../site-server';
import type { ResourceValues } from '../templates';
import { shortId } from './names';

/** A CloudFront distribution of an S3 bucket, served by a local site server. */
export async function distribution(context: ProvisionContext, { logicalId, props, stack }: TemplateResource): Promise<ResourceValues> {
  const config = props.DistributionConfig as {
    DefaultRootObject?: string;
    Origins: { DomainName: string }[];
    CustomErrorResponses?: ErrorResponse[];
    DefaultCacheBehavior?: { ResponseHeadersPolicyId?: string };
  };
  const origin = config.Origins[0]?.DomainName ?? '';
  const bucket = origin.split('.s3.')[0];
  if (!bucket || bucket === origin) throw new Error(`only S3 bucket origins run locally (got ${origin})`);
  const site = new SiteServer({
    s3: context.clients.s3,
    bucket,
    defaultRootObject: config.DefaultRootObject,
    errorResponses: config.CustomErrorResponses ?? [],
    responseHeadersPolicyId: config.DefaultCacheBehavior?.ResponseHeadersPolicyId,
  });
  const url = await site.listen();
  context.local.sites.push(site);
  const id = `E${shortId(`${stack.stackName}/${logicalId}`, 13).toUpperCase()}`;
  const domainName = `${id.toLowerCase()}.cloudfront.net`;
  // The site's URL and bare domain name, wherever the templates use them, reach the local site server instead.
  context.rewrites.set(`https://${domainName}`, url);
  context.rewrites.set(domainName, url.replace(/^http:\/\//, ''));
  return { ref: id, attributes: { DomainName: domainName, Id: id } };
}

import * as path from 'node:path';
import { LocalHttpApi, type CorsConfiguration, type ThrottleSettings } from '../http-gateway';
import { JwtAuthorizer } from '../jwt-authorizer';
import type { ProvisionContext, Props, TemplateResource } from '../provision';
import type { ResourceValues } from '../templates';
import { LOCAL_ACCOUNT_ID, shortId } from './names';

/**
 * API Gateway HTTP APIs, served by the local gateway: the API, then its integrations, authorizers,
 * routes and stage, each added to the API it names.
 */

export async function httpApi(context: ProvisionContext, { logicalId, props, stack }: TemplateResource): Promise<ResourceValues> {
  if (props.ProtocolType !== 'HTTP') throw new Error(`only HTTP APIs run locally (got ${props.ProtocolType})`);
  const apiId = shortId(`${stack.stackName}/${logicalId}`);
  const api = new LocalHttpApi(apiId, String(props.Name), LOCAL_ACCOUNT_ID, props.CorsConfiguration as CorsConfiguration | undefined, context.local.functionByArn, context.metrics);
  const url = await api.listen();
  context.httpApis.set(apiId, api);
  context.local.apis.push(api);
  // Anything that builds the deployed URL from the API id reaches the local gateway instead.
  context.rewrites.set(`https://${apiId}.execute-api.${context.region}.amazonaws.com`, url);
  return { ref: apiId, attributes: { ApiId: apiId, ApiEndpoint: url } };
}

function apiOf(context: ProvisionContext, props: Props): LocalHttpApi {
  const api = context.httpApis.get(String(props.ApiId));
  if (!api) throw new Error(`no local HTTP API ${props.ApiId}`);
  return api;
}

export async function integration(context: ProvisionContext, { logicalId, props, stack }: TemplateResource): Promise<ResourceValues> {
  if (props.IntegrationType !== 'AWS_PROXY' || !String(props.IntegrationUri).includes(':lambda:')) {
    throw new Error(`only Lambda proxy integrations run locally (got ${props.IntegrationType} ${props.IntegrationUri})`);
  }
  if (String(props.PayloadFormatVersion ?? '1.0') !== '2.0') throw new Error('only payload format 2.0 runs locally');
  const id = shortId(`${stack.stackName}/${logicalId}`, 7);
  apiOf(context, props).integrations.set(id, String(props.IntegrationUri));
  return { ref: id };
}

export async function authorizer(context: ProvisionContext, { logicalId, props, stack }: TemplateResource): Promise<ResourceValues> {
  const jwt = props.JwtConfiguration as { Issuer?: string; Audience?: string[] } | undefined;
  if (props.AuthorizerType !== 'JWT' || !jwt?.Issuer) throw new Error(`only JWT authorizers run locally (got ${props.AuthorizerType})`);
  const issuer = new URL(jwt.Issuer);
  if (!issuer.hostname.startsWith('cognito-idp.')) throw new Error(`the local JWT authorizer knows Cognito issuers only (got ${jwt.Issuer})`);
  const id = shortId(`${stack.stackName}/${logicalId}`, 6);
  apiOf(context, props).authorizers.set(id, new JwtAuthorizer({
    issuer: jwt.Issuer,
    audience: jwt.Audience ?? [],
    jwksUrl: `${context.cognitoUrl}${issuer.pathname}/.well-known/jwks.json`,
  }));
  return { ref: id };
}

export async function route(context: ProvisionContext, { logicalId, props, stack }: TemplateResource): Promise<ResourceValues> {
  const target = props.Target ? String(props.Target) : undefined;
  apiOf(context, props).routes.push({
    routeKey: String(props.RouteKey),
    integrationId: target?.replace(/^integrations\//, ''),
    authorizerId: props.AuthorizationType === 'JWT' ? String(props.AuthorizerId) : undefined,
    authorizationScopes: props.AuthorizationScopes as string[] | undefined,
  });
  return { ref: shortId(`${stack.stackName}/${logicalId}`, 7) };
}

export async function stage(context: ProvisionContext, { props }: TemplateResource): Promise<ResourceValues> {
  const name = String(props.StageName);
  apiOf(context, props).setStage({
    name,
    defaultRouteSettings: props.DefaultRouteSettings as ThrottleSettings | undefined,
    routeSettings: props.RouteSettings as Record<string, ThrottleSettings> | undefined,
    accessLogFormat: (props.AccessLogSettings as { Format?: string } | undefined)?.Format,
  }, path.join(context.logDir, `${apiOf(context, props).name}-access.log`));
  return { ref: name };
}

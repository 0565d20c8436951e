import { CreateUserPoolClientCommand, CreateUserPoolCommand } from '@aws-sdk/client-cognito-identity-provider';
import type { ProvisionContext, TemplateResource } from '../provision';
import type { ResourceValues } from '../templates';
import { generatedName } from './names';

/** Cognito user pools and their app clients, in the emulator (whose JWKS the HTTP APIs' JWT authorizers read). */

export async function userPool(context: ProvisionContext, { logicalId, props, stack }: TemplateResource): Promise<ResourceValues> {
  const { UserPool } = await context.clients.cognito.send(new CreateUserPoolCommand({
    PoolName: String(props.UserPoolName ?? generatedName(stack, logicalId)),
    Policies: props.Policies as never,
    AutoVerifiedAttributes: props.AutoVerifiedAttributes as never,
    UsernameAttributes: props.UsernameAttributes as never,
    UsernameConfiguration: props.UsernameConfiguration as never,
    AdminCreateUserConfig: props.AdminCreateUserConfig as never,
    AccountRecoverySetting: props.AccountRecoverySetting as never,
    Schema: props.Schema as never,
    MfaConfiguration: props.MfaConfiguration as never,
  }));
  const id = UserPool!.Id!;
  const providerName = `cognito-idp.${context.region}.amazonaws.com/${id}`;
  return { ref: id, attributes: { Arn: UserPool!.Arn!, ProviderName: providerName, ProviderURL: `https://${providerName}`, UserPoolId: id } };
}

export async function userPoolClient(context: ProvisionContext, { logicalId, props, stack }: TemplateResource): Promise<ResourceValues> {
  const { UserPoolClient } = await context.clients.cognito.send(new CreateUserPoolClientCommand({
    UserPoolId: String(props.UserPoolId),
    ClientName: String(props.ClientName ?? generatedName(stack, logicalId)),
    ExplicitAuthFlows: props.ExplicitAuthFlows as never,
    GenerateSecret: Boolean(props.GenerateSecret),
    AccessTokenValidity: props.AccessTokenValidity as number | undefined,
    IdTokenValidity: props.IdTokenValidity as number | undefined,
    RefreshTokenValidity: props.RefreshTokenValidity as number | undefined,
    TokenValidityUnits: props.TokenValidityUnits as never,
    PreventUserExistenceErrors: props.PreventUserExistenceErrors as never,
  }));
  return { ref: UserPoolClient!.ClientId!, attributes: { ClientId: UserPoolClient!.ClientId!, Name: UserPoolClient!.ClientName ?? '' } };
}

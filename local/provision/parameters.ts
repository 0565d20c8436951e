import { GetParametersCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import type { ProvisionContext, TemplateResource } from '../provision';
import type { LocalStack, ResourceValues } from '../templates';
import { generatedName } from './names';

/** SSM: the parameters templates create, and the template parameters that read them back. */

export async function parameter(context: ProvisionContext, { logicalId, props, stack }: TemplateResource): Promise<ResourceValues> {
  const name = String(props.Name ?? `CFN-${generatedName(stack, logicalId)}`);
  await context.clients.ssm.send(new PutParameterCommand({ Name: name, Value: String(props.Value), Type: 'String', Overwrite: true, Description: props.Description as string | undefined }));
  return { ref: name, attributes: { Type: 'String', Value: String(props.Value) } };
}

/** Plain template parameters take their defaults; SSM-typed ones read what earlier stacks published. */
export async function templateParameters(context: ProvisionContext, stack: LocalStack): Promise<Map<string, string>> {
  const parameters = Object.entries(stack.template.Parameters ?? {}).filter(([, parameter]) => parameter.Default !== undefined);
  const values = new Map(parameters.filter(([, parameter]) => !parameter.Type.startsWith('AWS::SSM::')).map(([name, parameter]) => [name, String(parameter.Default)]));
  const fromSsm = parameters.filter(([, parameter]) => parameter.Type.startsWith('AWS::SSM::Parameter::Value'));
  // GetParameters takes at most 10 names.
  for (let start = 0; start < fromSsm.length; start += 10) {
    const batch = fromSsm.slice(start, start + 10);
    const { Parameters = [] } = await context.clients.ssm.send(new GetParametersCommand({ Names: batch.map(([, parameter]) => parameter.Default!) }));
    for (const [name, parameter] of batch) {
      const found = Parameters.find((candidate) => candidate.Name === parameter.Default);
      if (found?.Value !== undefined) values.set(name, found.Value);
    }
  }
  return values;
}

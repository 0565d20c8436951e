import { createHash } from 'node:crypto';
import type { LocalStack } from '../templates';

/** The names, ids and ARNs the provisioners give resources, where AWS or CloudFormation would. */

export const LOCAL_ACCOUNT_ID = '123456789012';

export const arn = (service: string, region: string, resource: string) => `arn:aws:${service}:${region}:${LOCAL_ACCOUNT_ID}:${resource}`;

/** A stable, lowercase physical name for resources the template leaves unnamed. */
export function generatedName(stack: LocalStack, logicalId: string, maxLength = 63): string {
  const suffix = createHash('sha256').update(`${stack.stackName}/${logicalId}`).digest('hex').slice(0, 8);
  const base = `${stack.stackName}-${logicalId}`.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  return `${base.slice(0, maxLength - suffix.length - 1)}-${suffix}`;
}

/** Stands in for an id the service would generate; derived from `seed`, so every run gets the same one. */
export function shortId(seed: string, length = 10): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, length);
}

/**
 * What a handler reads of its Lambda environment, for every handler (HTTP or not): each variable
 * the deployment sets is required at module scope, so a missing one stops the function at init.
 */

/** The region this function runs in; Lambda always sets AWS_REGION. */
export function currentRegion(): string {
  return requireEnv('AWS_REGION');
}

/** An environment variable the deployment must set; its absence is a deployment bug. */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

/** What an AWS region name looks like (us-east-1, ap-southeast-2, …), for values read from events. */
export const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d$/;

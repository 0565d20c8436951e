import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { synthesizedStacks } from '../lib/assembly';

/**
 * Reads what `cdk synth` wrote for one region's RegionalApp stage — templates, stack dependencies
 * and asset locations — and resolves CloudFormation intrinsics against locally created resources.
 * This is what makes the local environment follow the CDK code: nothing here names a resource.
 */

interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DependsOn?: string | string[];
}

export interface Template {
  readonly Resources?: Record<string, TemplateResource>;
  readonly Parameters?: Record<string, { Type: string; Default?: string }>;
}

export interface LocalStack {
  /** The artifact id in the cloud assembly. */
  readonly id: string;
  readonly stackName: string;
  readonly displayName: string;
  readonly region: string;
  readonly template: Template;
  readonly dependencies: readonly string[];
  /** Asset object key (`<hash>.zip`) → the file or directory in cdk.out it was made from. */
  readonly assets: ReadonlyMap<string, string>;
}

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** The stacks of one region in deploy order, from the (nested) assembly at `outdir`. */
export function regionStacks(outdir: string, region: string): LocalStack[] {
  return deployOrder(synthesizedStacks(outdir).filter((stack) => stack.region === region).map((stack) => ({
    id: stack.id,
    stackName: stack.stackName,
    displayName: stack.displayName,
    region,
    template: readJson<Template>(stack.templatePath),
    dependencies: stack.dependencies,
    assets: stack.assetManifestPath ? assetLocations(stack.assetManifestPath) : new Map(),
  })));
}

/** Asset object key → its source in cdk.out; source paths are relative to the asset manifest's directory. */
function assetLocations(manifestFile: string): Map<string, string> {
  const { files = {} } = readJson<{ files?: Record<string, { source: { path: string }; destinations: Record<string, { objectKey: string }> }> }>(manifestFile);
  const locations = new Map<string, string>();
  for (const file of Object.values(files)) {
    for (const destination of Object.values(file.destinations)) locations.set(destination.objectKey, path.resolve(path.dirname(manifestFile), file.source.path));
  }
  return locations;
}

function deployOrder(stacks: LocalStack[]): LocalStack[] {
  const byId = new Map(stacks.map((stack) => [stack.id, stack]));
  const ordered: LocalStack[] = [];
  const placed = new Set<string>();
  const place = (stack: LocalStack, trail: string[]) => {
    if (placed.has(stack.id)) return;
    if (trail.includes(stack.id)) throw new Error(`Stacks depend on each other in a cycle: ${[...trail, stack.id].join(' → ')}`);
    for (const dependency of stack.dependencies) {
      const other = byId.get(dependency);
      if (other) place(other, [...trail, stack.id]);
    }
    placed.add(stack.id);
    ordered.push(stack);
  };
  for (const stack of stacks) place(stack, []);
  return ordered;
}

/** What a created resource answers to `Ref` and `Fn::GetAtt`. */
export interface ResourceValues {
  readonly ref: string;
  readonly attributes?: Readonly<Record<string, string>>;
}

export interface ResolveContext {
  readonly region: string;
  readonly accountId: string;
  readonly stackName: string;
  /** Logical ID → values of resources already created in this stack. */
  readonly resources: ReadonlyMap<string, ResourceValues>;
  /** Template parameter → value (SSM parameter types are read from the local SSM). */
  readonly parameters: ReadonlyMap<string, string>;
}

/** Raised when a value cannot be resolved yet or at all; says which intrinsic and where. */
export class UnresolvableError extends Error {}

const NO_VALUE = Symbol('AWS::NoValue');

/** Resolves every intrinsic in `value`; `AWS::NoValue` removes the property, like CloudFormation. */
export function resolve(value: unknown, context: ResolveContext): unknown {
  const resolved = resolveValue(value, context);
  return resolved === NO_VALUE ? undefined : resolved;
}

function pseudoParameter(name: string, context: ResolveContext): string | typeof NO_VALUE | undefined {
  switch (name) {
    case 'AWS::Region': return context.region;
    case 'AWS::AccountId': return context.accountId;
    case 'AWS::Partition': return 'aws';
    case 'AWS::URLSuffix': return 'amazonaws.com';
    case 'AWS::StackName': return context.stackName;
    case 'AWS::StackId': return `arn:aws:cloudformation:${context.region}:${context.accountId}:stack/${context.stackName}/local`;
    case 'AWS::NoValue': return NO_VALUE;
    default: return undefined;
  }
}

function resolveValue(value: unknown, context: ResolveContext): unknown {
  if (Array.isArray(value)) return value.map((item) => resolveValue(item, context)).filter((item) => item !== NO_VALUE);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  if (entries.length === 1) {
    const [key, argument] = entries[0];
    switch (key) {
      case 'Ref': return ref(String(argument), context);
      case 'Fn::GetAtt': return getAtt(argument, context);
      case 'Fn::Join': {
        const [separator, parts] = argument as [string, unknown[]];
        return (resolveValue(parts, context) as unknown[]).map(String).join(separator);
      }
      case 'Fn::Select': {
        const [index, list] = argument as [unknown, unknown];
        return (resolveValue(list, context) as unknown[])[Number(resolveValue(index, context))];
      }
      case 'Fn::Split': {
        const [separator, source] = argument as [string, unknown];
        return String(resolveValue(source, context)).split(separator);
      }
      case 'Fn::Sub': return sub(argument, context);
      case 'Fn::Base64': return Buffer.from(String(resolveValue(argument, context))).toString('base64');
      default:
        if (key.startsWith('Fn::')) throw new UnresolvableError(`${key} is not supported by the local environment (in ${context.stackName})`);
    }
  }
  const result: Record<string, unknown> = {};
  for (const [key, item] of entries) {
    const resolved = resolveValue(item, context);
    if (resolved !== NO_VALUE) result[key] = resolved;
  }
  return result;
}

function ref(name: string, context: ResolveContext): string | typeof NO_VALUE {
  const pseudo = pseudoParameter(name, context);
  if (pseudo !== undefined) return pseudo;
  const parameter = context.parameters.get(name);
  if (parameter !== undefined) return parameter;
  const resource = context.resources.get(name);
  if (resource) return resource.ref;
  throw new UnresolvableError(`Ref ${name} in ${context.stackName}: no such parameter or created resource`);
}

function getAtt(argument: unknown, context: ResolveContext): string {
  const [logicalId, attribute] = typeof argument === 'string' ? argument.split(/\.(.*)/s) : argument as [string, string];
  const resource = context.resources.get(logicalId);
  const value = resource?.attributes?.[attribute];
  if (value === undefined) throw new UnresolvableError(`Fn::GetAtt ${logicalId}.${attribute} in ${context.stackName}: ${resource ? 'attribute not known locally' : 'resource not created'}`);
  return value;
}

function sub(argument: unknown, context: ResolveContext): string {
  const [text, variables = {}] = typeof argument === 'string' ? [argument, {}] : argument as [string, Record<string, unknown>];
  return text.replace(/\$\{([^}!][^}]*)\}/g, (_, name: string) => {
    if (name in variables) return String(resolveValue(variables[name], context));
    if (name.includes('.')) return getAtt(name, context);
    return String(ref(name, context));
  }).replace(/\$\{!/g, '${');
}

/** Logical IDs a resource's properties refer to (Ref, Fn::GetAtt, Fn::Sub, DependsOn). */
function referencedResources(resource: TemplateResource, logicalIds: ReadonlySet<string>): Set<string> {
  const found = new Set<string>();
  const note = (id: string) => { if (logicalIds.has(id)) found.add(id); };
  const walk = (value: unknown) => {
    if (Array.isArray(value)) { value.forEach(walk); return; }
    if (value === null || typeof value !== 'object') return;
    for (const [key, item] of Object.entries(value)) {
      if (key === 'Ref' && typeof item === 'string') note(item);
      else if (key === 'Fn::GetAtt') note(typeof item === 'string' ? item.split('.')[0] : String((item as unknown[])[0]));
      else if (key === 'Fn::Sub') {
        const text = typeof item === 'string' ? item : String((item as unknown[])[0]);
        for (const match of text.matchAll(/\$\{([^}!.]+)/g)) note(match[1]);
        walk(item);
      } else walk(item);
    }
  };
  walk(resource.Properties);
  for (const id of [resource.DependsOn ?? []].flat()) note(id);
  return found;
}

/** The template's resources in an order where every resource comes after those it refers to. */
export function resourceOrder(template: Template): string[] {
  const resources = template.Resources ?? {};
  const ids = new Set(Object.keys(resources));
  const ordered: string[] = [];
  const placed = new Set<string>();
  const place = (id: string, trail: string[]) => {
    if (placed.has(id)) return;
    if (trail.includes(id)) throw new Error(`Resources refer to each other in a cycle: ${[...trail, id].join(' → ')}`);
    for (const other of referencedResources(resources[id], ids)) place(other, [...trail, id]);
    placed.add(id);
    ordered.push(id);
  };
  for (const id of ids) place(id, []);
  return ordered;
}

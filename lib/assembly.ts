import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/** One synthesized CloudFormation stack in a cloud assembly (cdk.out), nested stages included. */
export interface SynthesizedStack {
  /** The artifact id in its assembly. */
  readonly id: string;
  readonly stackName: string;
  /** How the CDK CLI names it, e.g. `RegionalAppPipeline/RegionalApp-us-east-1/Api`. */
  readonly displayName: string;
  readonly region: string;
  readonly templatePath: string;
  /** The artifact ids of the stacks it depends on (in the same assembly). */
  readonly dependencies: readonly string[];
  /** Its asset manifest (`<id>.assets.json`), when it has assets. */
  readonly assetManifestPath?: string;
}

interface ManifestArtifact {
  type: string;
  environment?: string;
  displayName?: string;
  dependencies?: string[];
  properties?: { templateFile?: string; stackName?: string; directoryName?: string; file?: string };
}

/** Every stack in the assembly at `outdir`, following nested assemblies (CDK Stages). */
export function synthesizedStacks(outdir: string): SynthesizedStack[] {
  const manifest = JSON.parse(readFileSync(path.join(outdir, 'manifest.json'), 'utf8')) as {
    artifacts?: Record<string, ManifestArtifact>;
  };
  const artifacts = manifest.artifacts ?? {};
  return Object.entries(artifacts).flatMap(([id, artifact]) => {
    if (artifact.type === 'cdk:cloud-assembly' && artifact.properties?.directoryName) {
      return synthesizedStacks(path.join(outdir, artifact.properties.directoryName));
    }
    if (artifact.type !== 'aws:cloudformation:stack' || !artifact.properties?.templateFile) return [];
    const assetManifest = artifacts[`${id}.assets`]?.properties?.file;
    return [{
      id,
      stackName: artifact.properties.stackName ?? id,
      displayName: artifact.displayName ?? id,
      region: artifact.environment?.split('/').pop() ?? 'unknown',
      templatePath: path.join(outdir, artifact.properties.templateFile),
      dependencies: (artifact.dependencies ?? []).filter((dependency) => !dependency.endsWith('.assets')),
      ...(assetManifest ? { assetManifestPath: path.join(outdir, assetManifest) } : {}),
    }];
  });
}

/** A synthesized template, parsed. */
export function readTemplate(stack: SynthesizedStack): { Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }>; Outputs?: Record<string, { Export?: unknown }> } {
  return JSON.parse(readFileSync(stack.templatePath, 'utf8'));
}

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { synthesizeLocalStages } from '../../local/synth';
import { regionStacks } from '../../local/templates';

/** `npm start` synthesizes into an emptied outdir; a second start in one process (bench) must work too. */
test('a second synth in the same process writes every function bundle again', () => {
  const outdir = path.join(mkdtempSync(path.join(tmpdir(), 'local-synth-test-')), 'cdk.out');
  try {
    synthesizeLocalStages(outdir);
    const { appRegions } = synthesizeLocalStages(outdir);
    const missing: string[] = [];
    for (const stack of regionStacks(outdir, appRegions[0])) {
      for (const [logicalId, resource] of Object.entries(stack.template.Resources ?? {})) {
        const key = (resource.Properties?.Code as { S3Key?: string } | undefined)?.S3Key;
        const dir = resource.Type === 'AWS::Lambda::Function' && key ? stack.assets.get(key) : undefined;
        if (dir && !existsSync(dir)) missing.push(`${stack.displayName}/${logicalId}: ${dir}`);
      }
    }
    expect(missing).toEqual([]);
  } finally {
    rmSync(path.dirname(outdir), { recursive: true, force: true });
  }
}, 60_000);

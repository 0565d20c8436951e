import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { synthesizedStacks } from '../lib/assembly';

/** Q4: cfn-lint over every synthesized template (run `npm run synth` first). */
const outdir = path.resolve(process.argv[2] ?? 'cdk.out');

const version = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
if (version.error || version.status !== 0) {
  console.error('cfn-lint is not installed. Install it with: pip install cfn-lint');
  process.exit(1);
}

let stacks;
try {
  stacks = synthesizedStacks(outdir);
} catch {
  console.error(`No cloud assembly at ${outdir}. Run \`npm run synth\` first.`);
  process.exit(1);
}
const templates = stacks.map((stack) => stack.templatePath);
const result = spawnSync('cfn-lint', ['--format', 'parseable', '--', ...templates], { encoding: 'utf8' });
process.stdout.write(result.stdout);
process.stderr.write(result.stderr);
const problems = result.stdout.split('\n').filter(Boolean).length;
console.log(`cfn-lint (${version.stdout.trim()}): ${templates.length} templates, ${problems} problem(s)`);
process.exit(result.status ?? 1);

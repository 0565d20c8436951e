import { currentRegion, requireEnv } from '../../../lambda/shared/environment';

describe('a handler\'s environment', () => {
  afterEach(() => {
    delete process.env.REGIONALAPP_TEST_VARIABLE;
  });

  test('requireEnv returns a set variable and names a missing or empty one', () => {
    process.env.REGIONALAPP_TEST_VARIABLE = 'value';
    expect(requireEnv('REGIONALAPP_TEST_VARIABLE')).toBe('value');
    process.env.REGIONALAPP_TEST_VARIABLE = '';
    expect(() => requireEnv('REGIONALAPP_TEST_VARIABLE')).toThrow('REGIONALAPP_TEST_VARIABLE is not set');
    delete process.env.REGIONALAPP_TEST_VARIABLE;
    expect(() => requireEnv('REGIONALAPP_TEST_VARIABLE')).toThrow('REGIONALAPP_TEST_VARIABLE is not set');
  });

  test('currentRegion is AWS_REGION, which Lambda always sets', () => {
    const saved = process.env.AWS_REGION;
    process.env.AWS_REGION = 'eu-central-1';
    try {
      expect(currentRegion()).toBe('eu-central-1');
    } finally {
      if (saved === undefined) delete process.env.AWS_REGION;
      else process.env.AWS_REGION = saved;
    }
  });
});

import { BROWSER_CANDIDATES, findBrowser, INSTALL_HINT, resolveExecutable } from '../../integ/find-browser';

/** A machine whose only executables are `files`. */
const machine = (...files: string[]) => (file: string) => files.includes(file);
const PATH = '/usr/local/bin:/usr/bin:/bin';

describe('findBrowser (integ/browser.e2e.ts)', () => {
  test('CHROME_PATH comes first, as a path or as a name on PATH', () => {
    expect(findBrowser({ PATH, CHROME_PATH: '/opt/chrome/chrome' }, machine('/opt/chrome/chrome', '/usr/bin/chromium')))
      .toEqual({ kind: 'found', executablePath: '/opt/chrome/chrome' });
    expect(findBrowser({ PATH, CHROME_PATH: 'google-chrome' }, machine('/usr/bin/google-chrome', '/usr/bin/chromium')))
      .toEqual({ kind: 'found', executablePath: '/usr/bin/google-chrome' });
  });

  test('then /usr/bin/chromium, chromium, google-chrome, google-chrome-stable on PATH, in that order', () => {
    expect(BROWSER_CANDIDATES).toEqual(['/usr/bin/chromium', 'chromium', 'google-chrome', 'google-chrome-stable']);
    expect(findBrowser({ PATH }, machine('/usr/bin/chromium', '/usr/bin/google-chrome'))).toEqual({ kind: 'found', executablePath: '/usr/bin/chromium' });
    // CodeBuild standard:7.0: Chrome as google-chrome, Chromium snapshot in /usr/local/bin.
    expect(findBrowser({ PATH }, machine('/usr/local/bin/chromium', '/usr/bin/google-chrome'))).toEqual({ kind: 'found', executablePath: '/usr/local/bin/chromium' });
    expect(findBrowser({ PATH }, machine('/usr/bin/google-chrome'))).toEqual({ kind: 'found', executablePath: '/usr/bin/google-chrome' });
    expect(findBrowser({ PATH }, machine('/bin/google-chrome-stable'))).toEqual({ kind: 'found', executablePath: '/bin/google-chrome-stable' });
  });

  test('no browser is an error that says what to install, not a skip', () => {
    const choice = findBrowser({ PATH }, machine());
    expect(choice.kind).toBe('missing');
    const { message } = choice as { message: string };
    expect(message).toContain('apt-get install -y chromium');
    expect(message).toContain('CHROME_PATH');
    expect(message).toContain('E2E_BROWSER=off');
    expect(message).toContain(INSTALL_HINT);
  });

  test('a CHROME_PATH that is not executable is an error too, not a fallback', () => {
    const choice = findBrowser({ PATH, CHROME_PATH: '/nope/chrome' }, machine('/usr/bin/chromium'));
    expect(choice).toEqual({ kind: 'missing', message: expect.stringContaining('CHROME_PATH is "/nope/chrome", which is not an executable file.') });
    expect(findBrowser({ PATH, CHROME_PATH: 'chrome-beta' }, machine()).kind).toBe('missing');
  });

  test('E2E_BROWSER=off is the one way to skip, and it says so', () => {
    expect(findBrowser({ PATH, E2E_BROWSER: 'off' }, machine('/usr/bin/chromium')))
      .toEqual({ kind: 'off', notice: expect.stringContaining('skipped on purpose') });
    expect(findBrowser({ PATH, E2E_BROWSER: 'on' }, machine()).kind).toBe('missing');
  });

  test('names are looked up on PATH only; paths are taken as they are', () => {
    expect(resolveExecutable('chromium', { PATH: '' }, machine('/usr/bin/chromium'))).toBeUndefined();
    expect(resolveExecutable('./chrome', { PATH }, machine('./chrome'))).toBe('./chrome');
  });
});

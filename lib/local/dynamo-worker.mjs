// Runs dynalite (the local DynamoDB) in a thread of its own, so its request handling and LevelDB
// work do not queue behind the HTTP API, the control plane and S3 on the main event loop.
// `down` (shared with the main thread) is the fault hook: while it is set, connections are dropped
// as they arrive, and a 'drop' message destroys the ones already open (requests in flight too).
import { parentPort, workerData } from 'node:worker_threads';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const dynalite = require('dynalite');
const { path, port, down } = workerData;
const isDown = () => Atomics.load(down, 0) === 1;
const sockets = new Set();
const server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.on('connection', (socket) => {
  if (isDown()) return void socket.destroy();
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
});
server.prependListener('request', (req) => {
  if (isDown()) req.socket.destroy();
});
server.once('error', (error) => parentPort.postMessage({ type: 'error', message: error.message }));
server.listen(port, '127.0.0.1', () => parentPort.postMessage({ type: 'listening', port: server.address().port }));
parentPort.on('message', (msg) => {
  if (msg === 'drop') for (const socket of sockets) socket.destroy();
  if (msg === 'stop') server.close(() => parentPort.postMessage({ type: 'stopped' }));
});

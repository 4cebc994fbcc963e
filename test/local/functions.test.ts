/**
 * The local functions (lib/local/functions.ts). Stopping them while calls are running or waiting
 * for a container: every call fails at once (none hangs until its Lambda timeout) and no container
 * is started afterwards, so a process that stops its local cloud can exit. A container's heap is
 * sized from MemorySize as Lambda sizes it. A function's CPU time is its own containers'.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalFunctions, type FunctionSpec } from '../../lib/local/functions.ts';

const dir = mkdtempSync(join(tmpdir(), 'phonekey-functions-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a bundle of `lines` into the test's folder; the answer makes a function of one of its handlers. */
function bundle(file: string, lines: string[]): (logicalId: string, handlerName: string, memoryMb?: number) => FunctionSpec {
  const bundlePath = join(dir, file);
  writeFileSync(bundlePath, lines.join('\n') + '\n');
  return (logicalId, handlerName, memoryMb = 128) => ({ logicalId, name: logicalId, bundlePath, handlerName, timeoutMs: 60_000, memoryMb, environment: {} });
}

describe('LocalFunctions.stop', () => {
  it('fails running and queued calls at once and starts no container after it', async () => {
    // A handler that takes longer than the test: only stop() can end its calls.
    const spec = bundle('slow.js', ['exports.handler = () => new Promise((r) => setTimeout(r, 60000));']);
    const functions = new LocalFunctions([spec('Slow', 'handler')], {}, process.stderr);
    // Four containers at most: two calls wait for one.
    const calls = Array.from({ length: 6 }, () => functions.invoke('Slow', {}).then(() => 'done', (e: Error) => e.name));
    await new Promise((r) => setTimeout(r, 500));
    const started = Date.now();
    await functions.stop();
    expect(await Promise.all(calls)).toEqual(Array(6).fill('Runtime.Stopped'));
    expect(Date.now() - started).toBeLessThan(10_000);
    await expect(functions.invoke('Slow', {})).rejects.toMatchObject({ name: 'Runtime.Stopped' });
  }, 20_000);
});

describe('a container’s memory', () => {
  it('is the function’s, as Lambda sizes the old space: the heap limit follows MemorySize, and a function that outgrows it fails', async () => {
    const spec = bundle('heap.js', [
      "const v8 = require('node:v8');",
      'exports.limit = async () => v8.getHeapStatistics().heap_size_limit / 2 ** 20;',
      // keeps what it allocates, 1 MB at a time, until the heap is full
      'exports.hog = async () => { const kept = []; for (;;) kept.push(new Array(131072).fill(kept.length)); };',
    ]);
    const functions = new LocalFunctions([spec('Small', 'limit', 128), spec('Large', 'limit', 1024), spec('Hog', 'hog', 128)], {}, process.stderr);
    try {
      const small = (await functions.invoke('Small', {})) as number;
      const large = (await functions.invoke('Large', {})) as number;
      // old space (memory less a tenth) and V8's young generation (some 48 MB)
      expect(small).toBeGreaterThan(128 - 13);
      expect(small).toBeLessThan(128 + 64);
      expect(large).toBeGreaterThan(1024 - 103);
      expect(large).toBeLessThan(1024 + 64);
      await expect(functions.invoke('Hog', {})).rejects.toMatchObject({ name: 'Runtime.ExitError', message: expect.stringMatching(/memory/) });
    } finally {
      await functions.stop();
    }
  }, 60_000);
});

describe('a function’s CPU time', () => {
  it('is its live containers’: a call that burns 50 ms of CPU shows in its own function’s figure, not in another’s', async () => {
    const spec = bundle('cpu.js', [
      // busy until its own thread has used 50 ms of CPU, however loaded the machine is
      'exports.burn = async () => { const t0 = process.threadCpuUsage(); for (;;) { const u = process.threadCpuUsage(t0); if (u.user + u.system >= 50000) return; } };',
      'exports.idle = async () => 1;',
    ]);
    const functions = new LocalFunctions([spec('Burn', 'burn', 256), spec('Idle', 'idle', 256)], {}, process.stderr);
    try {
      expect(Object.fromEntries(await functions.cpuMicros())).toEqual({ Burn: 0, Idle: 0 });
      await functions.invoke('Burn', {});
      const after = await functions.cpuMicros();
      expect(after.get('Burn')).toBeGreaterThanOrEqual(50_000);
      expect(after.get('Idle')).toBe(0);
    } finally {
      await functions.stop();
    }
  }, 60_000);
});

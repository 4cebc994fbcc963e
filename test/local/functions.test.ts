/**
 * Stopping the local functions while calls are running or waiting for a container: every call
 * fails at once (none hangs until its Lambda timeout) and no container is started afterwards, so
 * a process that stops its local cloud can exit.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalFunctions } from '../../lib/local/functions.ts';

const dir = mkdtempSync(join(tmpdir(), 'phonekey-functions-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('LocalFunctions.stop', () => {
  it('fails running and queued calls at once and starts no container after it', async () => {
    const bundlePath = join(dir, 'slow.js');
    // A handler that takes longer than the test: only stop() can end its calls.
    writeFileSync(bundlePath, 'exports.handler = () => new Promise((r) => setTimeout(r, 60000));\n');
    const functions = new LocalFunctions([{ logicalId: 'Slow', name: 'slow', bundlePath, handlerName: 'handler', timeoutMs: 60_000, memoryMb: 128, environment: {} }], {}, process.stderr);
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

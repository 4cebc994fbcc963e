/**
 * Waiting for an import as the user waits for it: its state in the table, with a progress bar, and
 * the dead-letter list, so that an import the function gave up on ends the wait at once with the
 * function's reason instead of running into the timeout.
 */
import { SingleBar, Presets } from 'cli-progress';
import type { ImportState } from '../../functions/ports/profile-store.ts';
import { localDeadLetters } from './dead-letters.ts';
import { storeFor } from './services.ts';
import type { Target } from './target.ts';

const POLL_MS = 200;

export interface ImportWait {
  target: Target;
  dataDir: string;
  /** The dropped object. */
  bucket: string;
  key: string;
  importId: string;
  /** When the object was dropped (ISO time): earlier states and dead letters are not this import's. */
  since: string;
  timeoutMs: number;
  /** Bytes of the file, to show a progress bar on a terminal. */
  progressOf?: number;
}

/** The import's end state, or why it did not end (dead-lettered with the reason, or too slow). */
export async function waitForImport(w: ImportWait): Promise<ImportState | string> {
  const { target, importId, since } = w;
  const store = storeFor(target);
  const deadline = Date.now() + w.timeoutMs;
  const bar = w.progressOf === undefined ? undefined : new SingleBar({ format: '{bar} {percentage}% | {value}/{total} bytes | {rows} rows' }, Presets.shades_classic);
  bar?.start(w.progressOf ?? 0, 0, { rows: 0 });
  const deadLettered = async () => {
    if (target.kind !== 'local') return undefined;
    const dead = (await localDeadLetters(w.dataDir).list()).find((d) => d.bucket === w.bucket && d.key === w.key && d.failedAt > since);
    return dead && `the import function gave up on import ${importId} after ${dead.attempts > 1 ? `${dead.attempts} dead letters` : 'its retries'}: ${dead.reason} (phonekey retry re-drives it once the cause is fixed)`;
  };
  try {
    for (;;) {
      if (target.inProcess) await target.inProcess.idle();
      const state = await store.getImport(importId);
      if (state) bar?.update(state.bytesRead, { rows: state.counts.read });
      if (state && state.status !== 'running' && state.updatedAt >= since) return state;
      const dead = await deadLettered();
      if (dead) return dead;
      if (target.inProcess) return `the import function did not finish import ${importId}`;
      if (Date.now() > deadline) return `import ${importId} did not finish within ${w.timeoutMs / 1000} s`;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  } finally {
    bar?.stop();
  }
}

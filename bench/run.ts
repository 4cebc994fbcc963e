/**
 * Runs the benchmarks: every `bench/*.bench.ts`, or those named as arguments
 * (`npm run bench -- import phones`), each in its own child process (`npx tsx`), one after the
 * other, with their output passed through. Options go to every benchmark run
 * (`npm run bench -- import --rows 50000`). Exits non-zero if any benchmark failed.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = join(BENCH_DIR, '..');

// Leading plain words are benchmark names; from the first option (or after `--`) on, everything is
// passed to each benchmark: `npm run bench -- import --rows 50000`.
const argv = process.argv.slice(2);
let cut = argv.findIndex((a) => a.startsWith('-'));
if (cut < 0) cut = argv.length;
const namesOnly = argv.slice(0, cut);
const passThrough = argv[cut] === '--' ? argv.slice(cut + 1) : argv.slice(cut);

const all = readdirSync(BENCH_DIR)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.slice(0, -'.bench.ts'.length))
  .sort();
const unknown = namesOnly.filter((n) => !all.includes(n.replace(/\.bench\.ts$/, '')));
if (unknown.length) {
  console.error(`no such benchmark: ${unknown.join(', ')} (have: ${all.join(', ')})`);
  process.exit(2);
}
const chosen = namesOnly.length ? namesOnly.map((n) => n.replace(/\.bench\.ts$/, '')) : all;

function run(name: string): Promise<number> {
  return new Promise((resolve) => {
    const file = join(BENCH_DIR, `${name}.bench.ts`);
    console.log(`\n=== ${name} (${file}) ===`);
    const child = spawn('npx', ['tsx', file, ...passThrough], { cwd: ROOT, stdio: 'inherit' });
    child.on('error', () => resolve(1));
    child.on('close', (code) => resolve(code ?? 1));
  });
}

let failed = 0;
for (const name of chosen) {
  const started = Date.now();
  const code = await run(name);
  console.log(`=== ${name}: ${code === 0 ? 'ok' : `failed (exit ${code})`} in ${((Date.now() - started) / 1000).toFixed(1)} s ===`);
  if (code !== 0) failed++;
}
process.exit(failed ? 1 : 0);

/**
 * How fast the `phonekey` command answers: `--help`, and `profile` against a running local cloud,
 * each the median of several runs in its own process, next to a bare `node` start in the same run
 * (the floor no CLI can go under) and to `npx phonekey` (what the README types: npm's own start-up
 * comes on top). Targets: --help < 0.5 s, profile < 1 s.
 *
 *   npx tsx bench/cli.bench.ts [--runs 7]     (or: npm run bench -- cli)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalCloud } from '../lib/local/cloud.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CLI = join(ROOT, 'bin', 'phonekey.mjs');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 7;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Runs a command to its end (asynchronously: the local cloud serving it lives in this process). */
function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} failed: ${stderr}`))));
  });
}

/** Median wall time of a command, in seconds. */
async function time(command: string, args: string[]): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = process.hrtime.bigint();
    await run(command, args);
    times.push(Number(process.hrtime.bigint() - started) / 1e9);
  }
  return median(times);
}

const dataDir = mkdtempSync(join(tmpdir(), 'phonekey-cli-bench-'));
const cloud = await startLocalCloud({ dataDir, ports: { api: 0, s3: 0, dynamodb: 0, control: 0 }, schedules: false });
try {
  await run(process.execPath, [CLI, 'import', join(ROOT, 'examples/customers.csv'), '--source', 'demo', '--data-dir', dataDir]);
  const load = loadavg()[0];
  const node = await time(process.execPath, ['-e', '']);
  const help = await time(process.execPath, [CLI, '--help']);
  const profile = await time(process.execPath, [CLI, 'profile', '138 1234 5678', '--data-dir', dataDir]);
  const npxHelp = await time('npx', ['phonekey', '--help']);
  const rows = [
    ['bare node start', node],
    ['phonekey --help', help],
    ['phonekey profile (running cloud)', profile],
    ['npx phonekey --help', npxHelp],
  ] as const;
  console.log(`CLI start-up, median of ${RUNS} runs each, load average ${load.toFixed(2)} at the start, ${loadavg()[0].toFixed(2)} at the end`);
  for (const [name, seconds] of rows) console.log(`  ${name.padEnd(34)} ${seconds.toFixed(3)} s   ×${(seconds / node).toFixed(1)} bare node`);
  console.log(`targets: --help < 0.5 s ${help < 0.5 ? 'met' : 'NOT met'}; profile < 1 s ${profile < 1 ? 'met' : 'NOT met'}`);
} finally {
  await cloud.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

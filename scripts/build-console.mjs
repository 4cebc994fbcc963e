// Builds the steward's console (console/) into one module of strings, dist/console/assets.mjs,
// that the static function serves (functions/handlers/static.ts): the page, its script and its
// style sheet, each a separate response so the page's CSP can forbid inline code. Run by
// `npm install` (prepare), `npm run build` and the test suite's setup.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const outdir = join(root, 'dist', 'console');

const out = await build({
  entryPoints: [join(root, 'console/main.tsx')],
  bundle: true,
  write: false,
  outdir,
  format: 'esm',
  platform: 'browser',
  target: ['chrome120', 'firefox120', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  minify: true,
  legalComments: 'none',
  logLevel: 'error',
});
const text = (ext) => out.outputFiles.find((f) => f.path.endsWith(ext))?.text ?? '';
const assets = { html: readFileSync(join(root, 'console/index.html'), 'utf8'), js: text('.js'), css: text('.css') };

mkdirSync(outdir, { recursive: true });
writeFileSync(join(outdir, 'assets.mjs'), Object.entries(assets).map(([k, v]) => `export const ${k} = ${JSON.stringify(v)};\n`).join(''));
writeFileSync(join(outdir, 'assets.d.mts'), Object.keys(assets).map((k) => `export declare const ${k}: string;\n`).join(''));

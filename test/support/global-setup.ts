/**
 * Builds the CLI (tests run `bin/phonekey.mjs`, which loads the build) and the console (the static function bundles it) from the sources as they
 * are, and synthesizes the CDK app once for the whole run (bundling every function takes 10–60 s), so each
 * test file's local cloud starts from the same assembly, read-only, instead of synthesizing again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { synthesize } from '../../lib/local/cloud.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    assemblyDir: string;
  }
}

export default function setup(project: TestProject): () => void {
  for (const script of ['build-cli.mjs', 'build-console.mjs']) execFileSync(process.execPath, [fileURLToPath(new URL(`../../scripts/${script}`, import.meta.url))], { stdio: 'inherit' });
  const dir = mkdtempSync(join(tmpdir(), 'phonekey-assembly-'));
  project.provide('assemblyDir', synthesize(join(dir, 'cdk.out'), () => {}).cdkOutDir);
  return () => rmSync(dir, { recursive: true, force: true });
}

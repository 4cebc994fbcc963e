#!/usr/bin/env node
// The `phonekey` command, built ahead of time into dist/cli by `npm install` (scripts/build-cli.mjs).
// The SDK warns on every start that a future release will need node 22; the CLI's output is not the place.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => (String(warning).includes('NodeVersionSupportWarning') ? undefined : emitWarning(warning, ...rest));
let main;
try {
  ({ main } = await import('../dist/cli/main.js'));
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('dist/cli/main.js')) throw error;
  process.stderr.write('phonekey: the command is not built yet; run `npm install` (or `npm run build`) in the checkout\n');
  process.exit(1);
}
const code = await main(process.argv);
// Exit once output is flushed: idle SDK sockets must not keep a finished command alive.
process.stdout.write('', () => process.exit(code));

#!/usr/bin/env node
// The `phonekey` command, built ahead of time into dist/cli by `npm install` (scripts/build-cli.mjs).
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  process.stderr.write(`phonekey: needs Node.js 22 or newer (the Lambda runtime it deploys to); this is ${process.version}. ` +
    'Install Node 22, or run `. scripts/use-node.sh` in the checkout to put one from the npm registry on PATH.\n');
  process.exit(1);
}
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

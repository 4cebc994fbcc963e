#!/usr/bin/env node
// The `phonekey` command: TypeScript sources run through tsx, so no build step stands between an
// edit and the CLI.
import { register } from 'tsx/esm/api';

register();
// The SDK warns on every start that a future release will need node 22; the CLI's output is not the place.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => (String(warning).includes('NodeVersionSupportWarning') ? undefined : emitWarning(warning, ...rest));
const { main } = await import('../lib/cli/main.ts');
const code = await main(process.argv);
// Exit once output is flushed: idle SDK sockets must not keep a finished command alive.
process.stdout.write('', () => process.exit(code));

#!/usr/bin/env node
// The `phonekey` command: TypeScript sources run through tsx, so no build step stands between an
// edit and the CLI.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../lib/cli/main.ts');
const code = await main(process.argv);
// Exit once output is flushed: idle SDK sockets must not keep a finished command alive.
process.stdout.write('', () => process.exit(code));

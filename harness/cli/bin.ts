#!/usr/bin/env node
/**
 * `npx edge-chaos ...`: the installed package's one command (package.json
 * "bin", compiled to dist/harness/cli/bin.js). In the repository the same
 * commands are npm scripts: `npm run scenario`, `npm run hub`, `npm run toxiproxy`.
 *
 *   edge-chaos list | <scenario|./file.ts> [--] [options]    the scenario CLI (harness/cli/cli.ts)
 *   edge-chaos hub [--] [options]                            the reference hub (server/main.ts)
 *   edge-chaos toxiproxy [--] [options]                      the embedded Toxiproxy (toxiproxy/main.ts)
 *
 * A `--` right after the command is dropped: `npm run scenario loop -- --agents 3`
 * needs it (npm would take the options for itself), and users carry it over.
 */
import { runCli } from './cli.ts';

const [first, ...rest] = process.argv.slice(2);
const withoutSeparator = (args: string[]): string[] => (args[0] === '--' ? args.slice(1) : args);

if (first === 'hub' || first === 'toxiproxy') {
  // Both mains read process.argv themselves, like any script: give them their own options only.
  process.argv = [process.argv[0]!, process.argv[1]!, ...withoutSeparator(rest)];
  if (first === 'hub') await import('../../server/main.ts');
  else await import('../../toxiproxy/main.ts');
} else {
  // The exit code is set, not forced, so output drains and cleanup hooks run.
  process.exitCode = await runCli(first === undefined ? [] : [first, ...withoutSeparator(rest)]);
}

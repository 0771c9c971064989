import { runCli } from './cli.ts';

// `npm run scenario`: the exit code is set, not forced, so output drains and cleanup hooks run.
void runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});

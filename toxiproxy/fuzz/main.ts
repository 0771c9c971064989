import { runFuzz } from './run.ts';

/**
 * `npm run fuzz:toxiproxy -- [--cases 100000] [--seed N]`: a long run of the
 * seeded API fuzzer. Prints progress, then cases, crashes, 5xx and the
 * duration; exits 1 when anything was found, 2 on a bad flag.
 */

function parseArgs(argv: readonly string[]): { cases: number; seed: string } {
  const options = { cases: 100_000, seed: String(Date.now()) };
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index]!;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = inline ?? argv[(index += 1)];
    if (value === undefined || value === '') throw new Error(`${flag} needs a value`);
    if (flag === '--cases' && /^\d+$/.test(value) && Number(value) > 0) options.cases = Number(value);
    else if (flag === '--seed') options.seed = value;
    else throw new Error(`unknown or bad argument ${JSON.stringify(arg)}`);
  }
  return options;
}

async function main(): Promise<void> {
  let options: { cases: number; seed: string };
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\nfix: npm run fuzz:toxiproxy -- [--cases 100000] [--seed N]\n`);
    process.exitCode = 2;
    return;
  }
  console.log(`fuzzing the Toxiproxy API: ${options.cases} cases, seed ${options.seed}`);
  let lastPrintMs = 0;
  const report = await runFuzz({
    ...options,
    onBatch: (progress) => {
      if (progress.durationMs - lastPrintMs < 5_000) return;
      lastPrintMs = progress.durationMs;
      console.log(`  ${progress.cases} cases, ${progress.crashes} crashes, ${progress.serverErrors} 5xx, ${(progress.durationMs / 1000).toFixed(0)} s`);
    },
  });
  console.log(`cases ${report.cases}, seed ${report.seed}, crashes ${report.crashes}, 5xx ${report.serverErrors}, duration ${(report.durationMs / 1000).toFixed(1)} s`);
  console.log(`statuses ${JSON.stringify(report.statuses)}`);
  for (const finding of report.findings) console.log(`  ${finding.status} ${finding.call.method} ${finding.call.path.slice(0, 120)} ${finding.call.body?.slice(0, 200) ?? ''}\n    ${finding.detail}`);
  if (report.crashes > 0 || report.serverErrors > 0) process.exitCode = 1;
}

await main();

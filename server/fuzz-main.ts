import { parseArgs } from 'node:util';
import { fuzzHub, type FuzzTally } from './fuzz.ts';
import { startHub } from './start.ts';

/** `npm run fuzz:hub -- --cases 100000 --seed N`: a long seeded fuzz run at an in-process reference hub. */
const USAGE = 'usage: npm run fuzz:hub -- [--cases 10000] [--seed 1] [--concurrency 8]';

function fail(message: string, fix: string): never {
  process.stderr.write(`error: ${message}\nfix: ${fix}\n`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({ options: { cases: { type: 'string' }, seed: { type: 'string' }, concurrency: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
} catch (error) {
  fail((error as Error).message.split('\n')[0]!, USAGE);
}
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const whole = (flag: string, text: string | undefined, fallback: number) => {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) fail(`${flag} ${JSON.stringify(text)} is not a whole number >= 1`, `pass e.g. ${flag} ${fallback}`);
  return Number(text);
};
const cases = whole('--cases', values.cases, 10_000);
const concurrency = whole('--concurrency', values.concurrency, 8);
const seed = values.seed ?? '1';
if (!/^[A-Za-z0-9._-]{1,64}$/.test(seed)) fail(`--seed ${JSON.stringify(seed)} is not a valid seed`, 'use a number or a short word, e.g. --seed 42');

// A crash inside the hub (same process) is counted, not fatal, so the run reports it with the rest.
let crashes = 0;
process.on('uncaughtException', (error) => {
  crashes++;
  process.stderr.write(`crash: ${error.stack ?? error.message}\n`);
});

const hub = await startHub({ requestTimeoutMs: 1_000 });
const t0 = performance.now();
const summary = (t: FuzzTally) => `${t.cases} cases, ${crashes} crashes, ${t.serverErrors.length} 5xx, ${t.hangs.length} hangs, ${t.unhealthy.length} failed health checks`;
const tally = await fuzzHub({
  hubUrl: hub.url,
  port: hub.port,
  seed,
  cases,
  concurrency,
  batch: 500,
  onBatch: (t) => {
    if (t.cases % 10_000 === 0 || t.cases === cases) process.stdout.write(`${summary(t)} (${Math.round((performance.now() - t0) / 1000)} s)\n`);
  },
});
await hub.stop();
const seconds = Math.round((performance.now() - t0) / 1000);
process.stdout.write(`seed ${seed}: ${summary(tally)} in ${seconds} s\nstatuses: ${JSON.stringify(tally.statuses)}\n`);
for (const e of tally.serverErrors.slice(0, 20)) process.stdout.write(`5xx: ${e.status} ${e.what}\n`);
for (const h of tally.hangs.slice(0, 20)) process.stdout.write(`hang: ${h}\n`);
for (const u of tally.unhealthy.slice(0, 20)) process.stdout.write(`unhealthy: ${u}\n`);
process.exit(crashes + tally.serverErrors.length + tally.hangs.length + tally.unhealthy.length === 0 ? 0 : 1);

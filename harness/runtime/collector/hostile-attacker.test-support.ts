/**
 * The hostile client as its own process, as an attacker is: its 50 MB
 * bodies and probes cost its own event loop, not the harness's, so the run's
 * event-loop-lag check measures only what the servers did with them.
 * argv: collector URL, metrics base URL, run token. Prints one JSON line:
 * the probes' answers and the blasts' outcomes.
 */
import { blast, collectorProbes, metricsProbes, sendProbe } from './hostile-client.test-support.ts';

const [collectorUrl, metricsBase, token] = process.argv.slice(2) as [string, string, string];
const [collector, metrics, blasts] = await Promise.all([
  Promise.all(collectorProbes(2).map(async (p) => ({ probe: p.name, expected: p.status, answer: await sendProbe(collectorUrl, p, token) }))),
  Promise.all(metricsProbes().map(async (p) => ({ probe: p.name, expected: p.status, answer: await sendProbe(metricsBase, p, token) }))),
  Promise.all(Array.from({ length: 5 }, (_, i) => blast(i % 2 ? metricsBase : collectorUrl, i % 2 ? '/metrics' : '/healthz', 50_000_000))),
]);
process.stdout.write(`${JSON.stringify({ collector, metrics, blasts })}\n`);

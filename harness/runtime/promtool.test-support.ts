import { spawnSync } from 'node:child_process';

/**
 * Prometheus's own linter, where the machine has it (Debian's `prometheus`
 * package; .ci/run installs it). Tests that need it skip with the reason when
 * it is absent.
 */
export const PROMTOOL_MISSING: string | undefined = (() => {
  const probe = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
  return probe.error || probe.status !== 0 ? 'promtool is not installed (apt-get install prometheus); the exposition is not linted' : undefined;
})();

/** `promtool check metrics` on `text`: its exit status and what it said (nothing when the exposition is clean). */
export function promtoolCheck(text: string): { status: number | null; output: string } {
  const run = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 30_000 });
  return { status: run.status, output: `${run.stdout}${run.stderr}`.trim() };
}

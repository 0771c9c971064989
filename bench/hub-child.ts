import type { ChildProcess } from 'node:child_process';
import { spawnTracked, waitForExit } from './children.ts';
import { referenceHubArgs } from '../harness/runtime/hubs/reference-args.ts';
import { REPO_ROOT } from './paths.ts';

/**
 * The reference hub (server/main.ts) in a process of its own, so the hub's
 * memory and CPU never mix with the clients being measured. Each bench
 * section gets a fresh one on a fresh port: no state carries over, and the
 * TIME_WAIT sockets of one section never collide with the next's 4-tuples.
 */

/** Agents expect a ping this often; long, so an idle connection costs no traffic while measured. */
export const HUB_PING_INTERVAL_MS = 60_000;
const START_TIMEOUT_MS = 20_000;

export interface HubChild {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** Gauges from the hub's /metrics that tell whether the held connections are real. */
  connections(): Promise<{ open: number; replaced: number }>;
  stop(): Promise<void>;
}

function metric(text: string, name: string): number {
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  return match ? Number(match[1]) : 0;
}

function waitForListening(child: ChildProcess, stderr: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => fail(`did not print its URL within ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);
    function fail(why: string): void {
      clearTimeout(timer);
      reject(new Error(`reference hub (server/main.ts) ${why}; its stderr: ${stderr().trim().slice(-600) || '(empty)'}`));
    }
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code, signal) => fail(`exited (${signal ?? `code ${code}`}) before listening`));
  });
}

export async function startHubChild(): Promise<HubChild> {
  const child = spawnTracked(
    process.execPath,
    referenceHubArgs({ port: 0, pingIntervalMs: HUB_PING_INTERVAL_MS }),
    {
      what: 'reference hub',
      cwd: REPO_ROOT,
      // EDGE_HUB_DB through the environment, not --db, so the bench also runs against hubs that predate the flag.
      // EXIT_WITH_PARENT: the hub watches its stdin pipe and stops if the bench dies, even by SIGKILL.
      env: { ...process.env, EDGE_HUB_DB: ':memory:', EDGE_CHAOS_EXIT_WITH_PARENT: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4_000)));
  let url: string;
  try {
    url = (await waitForListening(child, () => stderr)).replace(/\/$/, '');
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  child.stdout!.resume(); // keep draining so the hub never blocks on a full pipe
  return {
    url,
    port: Number(new URL(url).port),
    pid: child.pid!,
    async connections() {
      const response = await fetch(`${url}/metrics`);
      if (!response.ok) throw new Error(`hub /metrics answered HTTP ${response.status}`);
      const text = await response.text();
      return { open: metric(text, 'edge_hub_connections_open'), replaced: metric(text, 'edge_hub_connections_replaced_total') };
    },
    async stop() {
      child.kill('SIGTERM');
      await waitForExit(child, 5_000);
    },
  };
}

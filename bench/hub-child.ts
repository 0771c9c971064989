import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { spawnTracked, waitForExit } from './children.ts';
import { referenceHubArgs } from '../harness/runtime/hubs/reference-args.ts';
import { freePort } from '../harness/runtime/free-port.ts';
import { REPO_ROOT } from './paths.ts';
import { HUB_LISTEN_BACKLOG, HUB_PING_INTERVAL_MS } from './settings.ts';
import { ACME_KEY, type BenchHubKind } from './sides.ts';
import { establishedConnections } from './tcp-count.ts';

/**
 * A hub in a process of its own, so the hub's memory and CPU never mix
 * with the clients being measured. Each bench section gets a fresh one on a
 * fresh port: no state carries over, and the TIME_WAIT sockets of one
 * section never collide with the next's 4-tuples.
 */

const START_TIMEOUT_MS = 20_000;

export interface HubChild {
  readonly kind: BenchHubKind;
  /** http://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /**
   * The witness that the held connections are real: the reference hub's own
   * gauges from /metrics; for a hub without them, the kernel's count of
   * established TCP connections on the hub's port (`replaced` unknown).
   */
  connections(): Promise<{ open: number; replaced?: number }>;
  stop(): Promise<void>;
}

function metric(text: string, name: string): number {
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  return match ? Number(match[1]) : 0;
}

/**
 * The Python hub run so it exits when the bench's end of its stdin closes,
 * even when the bench was SIGKILLed (the reference hub does this itself
 * with EDGE_CHAOS_EXIT_WITH_PARENT; the acme hub is a stranger and knows
 * nothing of it): a daemon thread blocks on stdin, then the hub runs as its
 * own __main__.
 */
const PYTHON_EXIT_WITH_PARENT = [
  'import os, runpy, sys, threading',
  'def watch():',
  '    sys.stdin.buffer.read()',
  '    os._exit(0)',
  'threading.Thread(target=watch, daemon=True).start()',
  'sys.argv = sys.argv[1:]',
  'runpy.run_path(sys.argv[0], run_name="__main__")',
].join('\n');

/** The same for a Node hub, preloaded with --import. */
const NODE_EXIT_WITH_PARENT = fileURLToPath(new URL('./exit-with-parent.mjs', import.meta.url));

interface HubLaunch {
  what: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  /** Its URL, from the line it prints once listening (whole: up to its newline). */
  listening: RegExp;
}

/** How each hub is started; `port` is a free one for a hub that cannot be given 0. */
const HUB_LAUNCH: Record<BenchHubKind, (port: number) => HubLaunch> = {
  reference: () => ({
    what: 'reference hub (server/main.ts)',
    command: process.execPath,
    args: referenceHubArgs({ port: 0, pingIntervalMs: HUB_PING_INTERVAL_MS }),
    // EDGE_HUB_DB through the environment, not --db, so the bench also runs against hubs that predate the flag.
    // EXIT_WITH_PARENT: the hub watches its stdin pipe and stops if the bench dies, even by SIGKILL.
    env: { EDGE_HUB_DB: ':memory:', EDGE_CHAOS_EXIT_WITH_PARENT: '1' },
    listening: /listening on (http:\/\/\S+)/,
  }),
  acme: (port) => ({
    what: 'acme hub (examples/protocols/acme-hub/hub.py)',
    command: 'python3',
    args: ['-c', PYTHON_EXIT_WITH_PARENT, fileURLToPath(new URL('../examples/protocols/acme-hub/hub.py', import.meta.url))],
    env: { HOST: '127.0.0.1', PORT: String(port), ACME_KEY, PING_INTERVAL_MS: String(HUB_PING_INTERVAL_MS), BACKLOG: String(HUB_LISTEN_BACKLOG) },
    listening: / on (http:\/\/\S+)\n/,
  }),
  socketio: (port) => ({
    what: 'Socket.IO hub (harness/runtime/hubs/zoo/socketio-hub.mjs)',
    command: process.execPath,
    args: ['--import', NODE_EXIT_WITH_PARENT, fileURLToPath(new URL('../harness/runtime/hubs/zoo/socketio-hub.mjs', import.meta.url))],
    env: { HOST: '127.0.0.1', PORT: String(port), PING_INTERVAL_MS: String(HUB_PING_INTERVAL_MS) },
    listening: / on (http:\/\/\S+?)(?:\/socket\.io\/)?\n/,
  }),
};

function waitForListening(child: ChildProcess, launch: HubLaunch, stderr: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => fail(`did not print its URL within ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);
    function fail(why: string): void {
      clearTimeout(timer);
      reject(new Error(`${launch.what} ${why}; its stderr: ${stderr().trim().slice(-600) || '(empty)'}`));
    }
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = launch.listening.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('error', (error) => fail(`could not start (${error.message})`));
    child.once('exit', (code, signal) => fail(`exited (${signal ?? `code ${code}`}) before listening`));
  });
}

export async function startHubChild(kind: BenchHubKind = 'reference'): Promise<HubChild> {
  const launch = HUB_LAUNCH[kind](kind === 'reference' ? 0 : await freePort());
  const child = spawnTracked(launch.command, launch.args, {
    what: launch.what,
    cwd: REPO_ROOT,
    env: { ...process.env, ...launch.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4_000)));
  let url: string;
  try {
    url = (await waitForListening(child, launch, () => stderr)).replace(/\/$/, '');
  } catch (error) {
    child.kill('SIGKILL');
    await waitForExit(child, 1_000);
    throw error;
  }
  child.stdout!.resume(); // keep draining so the hub never blocks on a full pipe
  const port = Number(new URL(url).port);
  return {
    kind,
    url,
    port,
    pid: child.pid!,
    async connections() {
      if (kind !== 'reference') return { open: establishedConnections(port) };
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

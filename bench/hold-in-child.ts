import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { forkTracked, waitForExit } from './children.ts';
import type { HubChild } from './hub-child.ts';
import { HUB_PING_INTERVAL_MS } from './settings.ts';
import type { FromHolder, HolderSide, ToHolder } from './holder/messages.ts';
import { REPO_ROOT, TSX_EXEC_ARGV } from './paths.ts';
import { readProcessTree } from './proc-stats.ts';
import { rssPerConnection, type HoldMeasurement } from './results.ts';

const HOLDER_MAIN = fileURLToPath(new URL('./holder/main.ts', import.meta.url));
const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 15_000;

export interface HoldOptions {
  side: HolderSide;
  agents: number;
  hub: HubChild;
  /** Handshakes under way at most. */
  maxInFlight: number;
  connectTimeoutMs: number;
  settleMs: number;
  /** CPU is read over this long while the connections sit idle, ms. */
  idleWindowMs: number;
}

/** Waits for the holder's next message of one type; a 'failed' message or an exit turns into an error. */
function nextMessage<T extends FromHolder['type']>(child: ChildProcess, type: T, timeoutMs: number, what: string): Promise<Extract<FromHolder, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`${what}: no '${type}' from the holder within ${timeoutMs / 1000} s`)), timeoutMs);
    const onMessage = (message: FromHolder): void => {
      if (message.type === 'failed') finish(new Error(`${what}: ${message.message}`));
      else if (message.type === type) finish(undefined, message as Extract<FromHolder, { type: T }>);
    };
    const onExit = (code: number | null, signal: string | null): void =>
      finish(new Error(`${what}: holder exited (${signal ?? `code ${code}`}) while waiting for '${type}'`));
    function finish(error: Error | undefined, message?: Extract<FromHolder, { type: T }>): void {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(message!);
    }
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

async function expectHeld(hub: HubChild, agents: number, what: string): Promise<void> {
  const { open, replaced } = await hub.connections();
  const witness = replaced === undefined ? `established TCP connections on its port (/proc/net/tcp)` : `edge_hub_connections_open`;
  if (open !== agents) throw new Error(`${what}: the hub's ${witness} is ${open}, expected ${agents}; connections were lost or never counted`);
  if (replaced !== undefined && replaced !== 0) throw new Error(`${what}: the hub replaced ${replaced} connections, so some agent ids were not unique`);
}

/**
 * One side of the comparison in a process of its own: memory from the
 * child's own GC'd readings, CPU from /proc (reading it over IPC would cost
 * CPU in the process being measured), and the hub (its /metrics, or the
 * kernel's count of its connections) as the witness that N connections
 * really are held.
 */
export async function measureHoldInChild(options: HoldOptions): Promise<HoldMeasurement> {
  const { side, agents, hub } = options;
  const what = `${side} holding ${agents} connections`;
  const child = forkTracked(HOLDER_MAIN, [], {
    what: `${side} holder`,
    cwd: REPO_ROOT,
    execArgv: ['--expose-gc', ...TSX_EXEC_ARGV],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const send = (message: ToHolder): void => {
    child.send(message);
  };
  try {
    const ready = nextMessage(child, 'ready', READY_TIMEOUT_MS, what);
    send({
      type: 'setup',
      side,
      agents,
      hubUrl: hub.url,
      maxInFlight: options.maxInFlight,
      connectTimeoutMs: options.connectTimeoutMs,
      settleMs: options.settleMs,
      pingIntervalMs: HUB_PING_INTERVAL_MS,
    });
    const { baseline } = await ready;

    const connected = nextMessage(child, 'connected', options.connectTimeoutMs + 5_000, what);
    const measured = nextMessage(child, 'measured', options.connectTimeoutMs + options.settleMs + 30_000, what);
    const cpuBeforeMs = readProcessTree(child.pid!).cpuMs;
    send({ type: 'connect' });
    const { connectMs, failedAttempts } = await connected;
    const connectCpuMs = readProcessTree(child.pid!).cpuMs - cpuBeforeMs;
    const { held } = await measured;
    await expectHeld(hub, agents, what);

    const idleStart = readProcessTree(child.pid!).cpuMs;
    await sleep(options.idleWindowMs);
    const idleCpuMs = readProcessTree(child.pid!).cpuMs - idleStart;
    await expectHeld(hub, agents, what);

    send({ type: 'stop' });
    await waitForExit(child, STOP_GRACE_MS);
    return {
      agents,
      connectMs,
      agentsPerSecond: agents / (connectMs / 1000),
      failedAttempts,
      rssPerConnectionBytes: rssPerConnection(held.rssBytes - baseline.rssBytes, agents),
      heapPerConnectionBytes: (held.heapUsedBytes - baseline.heapUsedBytes) / agents,
      connectCpuMsPerConnection: connectCpuMs / agents,
      idleCpuPercent: (100 * idleCpuMs) / options.idleWindowMs,
    };
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await waitForExit(child, 1_000);
    }
  }
}

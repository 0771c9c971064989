import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnTracked, waitForExit } from '../children.ts';
import type { HubChild } from '../hub-child.ts';
import { readProcessTree, type ProcessTreeStats } from '../proc-stats.ts';
import { rssPerConnection, type HoldMeasurement } from '../results.ts';
import { artilleryScript } from './script.ts';

const SAMPLE_EVERY_MS = 100;
/** Artillery loads a lot (AWS SDK, OpenTelemetry) before its first arrival. */
const STARTUP_TIMEOUT_MS = 60_000;

export interface ArtilleryHoldOptions {
  binPath: string;
  hub: HubChild;
  connections: number;
  /** Artillery's arrival pace (its model is open loop: arrivals per second, not a bound on handshakes under way). */
  arrivalsPerSecond: number;
  connectTimeoutMs: number;
  settleMs: number;
  idleWindowMs: number;
}

/**
 * Runs Artillery as a child (its own process group) and measures its process
 * tree from /proc while it holds N connections, with the hub's /metrics as
 * the witness. Artillery cannot be GC'd on demand, so its RSS growth is
 * read against its last sample before the first connection (loaded and
 * idle), and there is no heap figure.
 */
export async function measureArtilleryHold(options: ArtilleryHoldOptions): Promise<HoldMeasurement> {
  const { hub, connections } = options;
  const arrivalSeconds = Math.max(1, Math.ceil(connections / options.arrivalsPerSecond));
  const holdSeconds = Math.ceil((STARTUP_TIMEOUT_MS + options.connectTimeoutMs + options.settleMs + options.idleWindowMs) / 1000) + 30;
  const dir = mkdtempSync(join(tmpdir(), 'edge-chaos-bench-artillery-'));
  const removeDir = (): void => rmSync(dir, { recursive: true, force: true });
  // Ctrl-C exits from the signal handler, past the finally below.
  process.once('exit', removeDir);
  const scriptPath = join(dir, 'hold-idle.yml');
  writeFileSync(scriptPath, artilleryScript({ hubUrl: hub.url, connections, arrivalSeconds, holdSeconds }));

  const child = spawnTracked(process.execPath, [options.binPath, 'run', '--quiet', scriptPath], {
    what: 'artillery',
    cwd: dir,
    detached: true,
    env: { ...process.env, ARTILLERY_DISABLE_TELEMETRY: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-3_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const pid = child.pid!;
  const failure = (why: string): Error => new Error(`artillery ${why}; its output: ${output.trim().slice(-500) || '(none)'}`);
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;

  try {
    // Wait for the first connection, keeping the last reading taken before it.
    let beforeFirst: ProcessTreeStats = readProcessTree(pid);
    let firstSeenMs = 0;
    const startupDeadline = performance.now() + STARTUP_TIMEOUT_MS;
    for (;;) {
      if (!alive()) throw failure(`exited (${child.signalCode ?? `code ${child.exitCode}`}) before opening a connection`);
      if (performance.now() > startupDeadline) throw failure(`opened no connection within ${STARTUP_TIMEOUT_MS / 1000} s`);
      const stats = readProcessTree(pid);
      if ((await hub.connections()).open > 0) {
        firstSeenMs = performance.now();
        break;
      }
      beforeFirst = stats;
      await sleep(SAMPLE_EVERY_MS);
    }

    let open = 0;
    const connectDeadline = firstSeenMs + options.connectTimeoutMs;
    while ((open = (await hub.connections()).open) < connections) {
      if (!alive()) throw failure(`exited with ${open} of ${connections} connections open`);
      if (performance.now() > connectDeadline) throw failure(`held only ${open} of ${connections} connections after ${options.connectTimeoutMs / 1000} s`);
      await sleep(SAMPLE_EVERY_MS);
    }
    const connectMs = performance.now() - firstSeenMs;
    const connected = readProcessTree(pid);

    await sleep(options.settleMs);
    const held = readProcessTree(pid);
    await sleep(options.idleWindowMs);
    const idleEnd = readProcessTree(pid);
    const { open: stillOpen, replaced } = await hub.connections();
    if (stillOpen !== connections) throw failure(`held ${stillOpen} instead of ${connections} connections while idle`);
    if (replaced !== 0) throw failure(`connections replaced each other at the hub (${replaced}): the per-VU ids were not unique`);

    return {
      agents: connections,
      connectMs,
      agentsPerSecond: connections / (connectMs / 1000),
      rssPerConnectionBytes: rssPerConnection(held.rssBytes - beforeFirst.rssBytes, connections),
      connectCpuMsPerConnection: (connected.cpuMs - beforeFirst.cpuMs) / connections,
      idleCpuPercent: (100 * (idleEnd.cpuMs - held.cpuMs)) / options.idleWindowMs,
    };
  } finally {
    if (alive()) {
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        // gone already
      }
      await waitForExit(child, 3_000);
    }
    removeDir();
    process.off('exit', removeDir);
  }
}

import { setTimeout as sleep } from 'node:timers/promises';
import { bareHolder } from './bare-holder.ts';
import { median } from '../summary.ts';
import { fleetHolder } from './fleet-holder.ts';
import type { ConnectionHolder, FromHolder, HolderSetup, MemorySample, ToHolder } from './messages.ts';
import { SIDES, type FleetProtocol } from '../sides.ts';

/**
 * A holder child: opens N connections for one side, reports its memory
 * before and after, and holds them until told to stop. Run by the bench
 * with --expose-gc; see messages.ts for the conversation.
 */

function send(message: FromHolder): void {
  process.send?.(message);
}

/** Two full collections with a turn of the loop between, so finalizers and weak callbacks have run. */
async function collectGarbage(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('holder started without --expose-gc, so memory readings would include garbage; start it through bench/hold-in-child.ts');
  gc();
  await sleep(20);
  gc();
}

const SAMPLES = 3;

/** Each figure's median over a few GC'd readings, so one collection that freed more or less than usual moves nothing. */
async function memorySample(): Promise<MemorySample> {
  const readings: NodeJS.MemoryUsage[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    await collectGarbage();
    readings.push(process.memoryUsage());
  }
  return {
    rssBytes: median(readings.map((r) => r.rss)),
    heapUsedBytes: median(readings.map((r) => r.heapUsed)),
    externalBytes: median(readings.map((r) => r.external)),
  };
}

function fail(error: unknown): void {
  send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
  process.exit(1);
}

let setup: HolderSetup | undefined;
let holder: ConnectionHolder | undefined;

async function onMessage(message: ToHolder): Promise<void> {
  switch (message.type) {
    case 'setup': {
      setup = message;
      const wire = (SIDES[message.side] as { fleet?: FleetProtocol }).fleet;
      holder = wire ? await fleetHolder(message, wire) : bareHolder(message);
      await holder.warmUp();
      send({ type: 'ready', baseline: await memorySample() });
      return;
    }
    case 'connect': {
      if (!setup || !holder) throw new Error('connect before setup');
      const startedMs = performance.now();
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const trouble = holder!.trouble?.();
          reject(new Error(`only ${holder!.openCount()} of ${setup!.agents} ${setup!.side} connections open after ${setup!.connectTimeoutMs / 1000} s${trouble ? `; last trouble: ${trouble}` : ''}`));
        }, setup!.connectTimeoutMs);
      });
      const { failedAttempts } = await Promise.race([holder.connectAll(), timedOut]);
      clearTimeout(timer);
      send({ type: 'connected', connectMs: performance.now() - startedMs, failedAttempts });
      await sleep(setup.settleMs);
      send({ type: 'measured', held: await memorySample() });
      return;
    }
    case 'stop': {
      await holder?.close();
      process.exit(0);
    }
  }
}

process.on('message', (message: ToHolder) => void onMessage(message).catch(fail));
// The bench went away (crashed, killed): nothing to report to, so stop holding.
process.on('disconnect', () => process.exit(0));

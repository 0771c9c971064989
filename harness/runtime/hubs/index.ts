import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hubRuntime } from './runtimes.ts';
import type { HubChoice, HubRuntime, HubSettings } from './types.ts';

export type { HubChoice, HubExit, HubKind, HubRuntime, HubSettings, StopHow } from './types.ts';
export { scrapeHubMetrics } from './scrape.ts';
export { defaultHubRuntime, IN_PROCESS_HUB_MAX_AGENTS } from './default-runtime.ts';

/**
 * Starts (or connects to) the hub for a run, as its HUB_RUNTIMES entry says.
 * Reference-hub runtimes (`sharedDb`) share a SQLite file in a temporary
 * folder, so every incarnation of a redeployed hub (and a blue-green sibling)
 * sees the same pending commands; the folder goes when the runtime is disposed.
 */
export async function startHubRuntime(choice: HubChoice, settings: Omit<HubSettings, 'dbPath'>): Promise<HubRuntime> {
  const entry = hubRuntime(choice.kind);
  if (!entry.sharedDb) return entry.start(choice, settings);
  const dataDir = await mkdtemp(join(tmpdir(), 'edge-chaos-hub-'));
  let runtime: HubRuntime;
  try {
    runtime = await entry.start(choice, { ...settings, dbPath: join(dataDir, 'hub.sqlite') });
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  const dispose = runtime[Symbol.asyncDispose].bind(runtime);
  return Object.assign(runtime, {
    [Symbol.asyncDispose]: async () => {
      try {
        await dispose();
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    },
  });
}

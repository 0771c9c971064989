import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HarnessError } from '../../errors.ts';
import { startContainerHub } from './container.ts';
import { connectExternalHub } from './external.ts';
import { startInProcessHub } from './in-process.ts';
import { startChildProcessHub, startCommandHub } from './reference-process.ts';
import type { HubRuntime, HubSettings } from './types.ts';

export type { HubExit, HubKind, HubRuntime, HubSettings, StopHow } from './types.ts';
export { scrapeHubMetrics } from './scrape.ts';
export { defaultHubRuntime, IN_PROCESS_HUB_MAX_AGENTS } from './default-runtime.ts';

/** Which hub a run uses, as chosen on the command line. */
export type HubChoice =
  | { kind: 'in-process' }
  | { kind: 'child-process' }
  | { kind: 'container'; image?: string; port?: number }
  | { kind: 'command'; command: string }
  | { kind: 'external'; url: string };

/**
 * Starts (or connects to) the hub for a run. Reference-hub runtimes share a
 * SQLite file in a temporary folder, so every incarnation of a redeployed hub
 * (and a blue-green sibling) sees the same pending commands; the folder goes
 * when the runtime is disposed.
 */
export async function startHubRuntime(choice: HubChoice, settings: Omit<HubSettings, 'dbPath'>): Promise<HubRuntime> {
  if (choice.kind === 'external') return connectExternalHub(choice.url);
  if (choice.kind === 'command') {
    if (settings.defects.length > 0) throw new HarnessError('EC_BAD_OPTION', `--defect ${settings.defects.join(',')} needs the reference hub, not --hub-cmd`, 'drop --defect, or drop --hub-cmd');
    return startCommandHub(choice.command, { pingIntervalMs: settings.pingIntervalMs });
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'edge-chaos-hub-'));
  const withDb: HubSettings = { ...settings, dbPath: join(dataDir, 'hub.sqlite') };
  let runtime: HubRuntime;
  try {
    if (choice.kind === 'in-process') runtime = await startInProcessHub(withDb);
    else if (choice.kind === 'child-process') runtime = await startChildProcessHub(withDb);
    else runtime = await startContainerHub(choice.image ? settings : withDb, { image: choice.image, port: choice.port });
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

import { HubError } from '../errors.ts';
import { duplicateWsHandler } from './duplicate-ws-handler.ts';
import { slowLeak } from './slow-leak.ts';
import type { HubDefect } from './types.ts';
import { volatileQueue } from './volatile-queue.ts';

export type { HubDefect, HubParts } from './types.ts';

/** Every hub defect by name. A new defect is one file plus one line here. */
export const HUB_DEFECTS: ReadonlyMap<string, HubDefect> = new Map(
  [duplicateWsHandler, volatileQueue, slowLeak].map((d) => [d.name, d]),
);

export function resolveHubDefects(names: readonly string[]): HubDefect[] {
  return names.map((name) => {
    const defect = HUB_DEFECTS.get(name);
    if (!defect) {
      throw new HubError(
        'EC_HUB_UNKNOWN_DEFECT',
        `unknown hub defect ${JSON.stringify(name)}`,
        `use one of: ${[...HUB_DEFECTS.keys()].join(', ')}`,
      );
    }
    return defect;
  });
}

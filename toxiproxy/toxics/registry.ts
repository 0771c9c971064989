import { bandwidth } from './bandwidth.ts';
import { latency } from './latency.ts';
import { limitData } from './limit-data.ts';
import { noop } from './noop.ts';
import { resetPeer } from './reset-peer.ts';
import { slicer } from './slicer.ts';
import { slowClose } from './slow-close.ts';
import { timeout } from './timeout.ts';
import type { ToxicDefinition } from './types.ts';

/** Every toxic type the API accepts, by its wire name. A new toxic goes here. */
const DEFINITIONS: ReadonlyMap<string, ToxicDefinition> = new Map(
  [latency, bandwidth, slowClose, timeout, resetPeer, slicer, limitData, noop].map(
    (definition): [string, ToxicDefinition] => [definition.type, definition],
  ),
);

export function findToxicDefinition(type: string): ToxicDefinition | undefined {
  return DEFINITIONS.get(type);
}

export function toxicTypes(): string[] {
  return [...DEFINITIONS.keys()];
}

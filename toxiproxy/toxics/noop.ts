import { NOTHING_HELD } from './types.ts';
import type { Stage, StageContext, ToxicDefinition } from './types.ts';

/** Passes everything through; also what a toxic runs as when its toxicity roll misses. */
export function createNoopStage(ctx: StageContext): Stage {
  return {
    write: (chunk) => ctx.out.push(chunk),
    end: (kind) => ctx.out.end(kind),
    interrupt: () => NOTHING_HELD,
    heldBytes: () => 0,
  };
}

export const noop: ToxicDefinition<never> = {
  type: 'noop',
  attributeNames: [],
  createStage: (_attributes, ctx) => createNoopStage(ctx),
};

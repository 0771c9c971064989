/**
 * `import 'edge-chaos/vitest'` (or list this file in vitest's setupFiles):
 * adds toPassAllChecks, toHaveNoConnectionLoops, toHaveReconnectsAtMost and
 * toHaveDeliveredAllCommands to expect, with their types.
 */
import { expect } from 'vitest';
import { edgeChaosMatchers } from './matchers.ts';

export type { EdgeChaosMatchers } from './matchers.ts';

expect.extend(edgeChaosMatchers);

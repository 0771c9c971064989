/**
 * The seeded RNG lives in common/rng.ts, shared by the agents, the harness
 * and the embedded Toxiproxy. This re-export keeps the runner's imports
 * working while it is being refactored.
 */
export { createRng } from '../common/rng.ts';
export type { Rng } from '../common/rng.ts';

import type { ScenarioDefinition } from './define.ts';
import loop from './loop.ts';

export { defineScenario, type ScenarioDefinition, type ScenarioParams } from './define.ts';

/** The built-in scenarios by name. A new scenario is one file plus one line here. */
export const SCENARIOS: ReadonlyMap<string, ScenarioDefinition> = new Map([loop].map((s) => [s.name, s]));

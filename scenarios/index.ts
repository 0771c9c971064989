import type { ScenarioDefinition } from '../harness/scenario/index.ts';
import bandwidth from './bandwidth.ts';
import crash from './crash.ts';
import flap from './flap.ts';
import halfOpen from './half-open.ts';
import latency from './latency.ts';
import loop from './loop.ts';
import partition from './partition.ts';
import redeploy from './redeploy.ts';
import reset from './reset.ts';
import rolling from './rolling.ts';
import soak from './soak.ts';
import steady from './steady.ts';
import storm from './storm.ts';

export { defineScenario, type ScenarioDefinition, type ScenarioParams } from '../harness/scenario/index.ts';

/** The built-in scenarios by name (each file is plain data through the harness's scenario API). A new scenario is one file plus one line here. */
export const SCENARIOS: ReadonlyMap<string, ScenarioDefinition> = new Map([loop, latency, halfOpen, reset, partition, flap, bandwidth, redeploy, crash, rolling, storm, steady, soak].map((s) => [s.name, s]));

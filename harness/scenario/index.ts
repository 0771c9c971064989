/**
 * The scenario API: what a scenario file (built-in or a user's) imports.
 * A scenario is plain data checked once by `defineScenario`; nothing here
 * starts anything.
 */
export { defineScenario, resolveFaults, resolveRedeploys, type ScenarioDefinition, type ScenarioParams } from './define.ts';
export type { FaultSpec, FaultStep, GroupSpec, RedeployStep, Stream } from './steps.ts';
export { loadScenario } from './load.ts';
export { firstRetryWindowMs, type BackoffOptions } from './backoff.ts';
export { herdMaskingStallMs } from '../checks/reconnect-spread.ts';

import { availableParallelism, cpus, loadavg, release, totalmem, type } from 'node:os';
import type { LoadAverage, MachineInfo } from './results.ts';

/** The machine the numbers came from: ratios travel between machines, absolute numbers do not. */
export function describeMachine(now = new Date()): MachineInfo {
  const model = cpus()[0]?.model.trim();
  return {
    cpuModel: model && model.length > 0 ? model : 'unknown',
    cores: availableParallelism(),
    ramBytes: totalmem(),
    node: process.version,
    os: `${type()} ${release()}`,
    date: now.toISOString(),
  };
}

export function loadAverage(): LoadAverage {
  const [one = Number.NaN, five = Number.NaN, fifteen = Number.NaN] = loadavg();
  return [one, five, fifteen];
}

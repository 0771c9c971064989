import { describe, expect, it } from 'vitest';
import { descriptorBudgetProblem, maxConnections, readDescriptorLimits, DESCRIPTOR_RESERVE } from './fd-budget.ts';

describe('descriptor budget', () => {
  const limits = { openFilesPerProcess: 20_000, ephemeralPorts: 28_232, systemFilesFree: 2_000_000 };

  it('lets 10,000 connections through under a 20,000 open-file limit, and refuses past it with the limit named', () => {
    expect(descriptorBudgetProblem(10_000, limits)).toBeUndefined();
    expect(maxConnections(limits)).toBe(20_000 - DESCRIPTOR_RESERVE);
    const problem = descriptorBudgetProblem(19_700, limits);
    expect(problem?.message).toMatch(/open 20000 here/);
    expect(problem?.fix).toMatch(/at most 19600/);
  });

  it('names the port range or the system file table when either is the tighter limit', () => {
    expect(descriptorBudgetProblem(10_000, { ...limits, ephemeralPorts: 5_000 })?.message).toMatch(/ip_local_port_range has 5000/);
    expect(descriptorBudgetProblem(10_000, { ...limits, systemFilesFree: 15_000 })?.message).toMatch(/15000 are free/);
  });

  it('reads this machine\'s limits as positive numbers', () => {
    const here = readDescriptorLimits();
    for (const value of Object.values(here)) expect(value).toBeGreaterThan(0);
  });
});

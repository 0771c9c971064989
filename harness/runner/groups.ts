import type { GroupSpec } from '../scenario/steps.ts';

export interface AssignedGroup {
  name: string;
  /** Agents with index in [startIndex, endIndex) belong to the group. */
  startIndex: number;
  endIndex: number;
}

/**
 * Splits the fleet into contiguous groups by share, in the order given, so a
 * group is always the same agents for the same size (agent-1..agent-k first).
 * Agents left over form 'rest'; with no groups the whole fleet is 'fleet'.
 */
export function assignGroups(specs: readonly GroupSpec[], agents: number): AssignedGroup[] {
  if (specs.length === 0) return [{ name: 'fleet', startIndex: 0, endIndex: agents }];
  const out: AssignedGroup[] = [];
  let next = 0;
  for (const spec of specs) {
    const size = Math.min(agents - next, Math.max(1, Math.round(spec.share * agents)));
    out.push({ name: spec.name, startIndex: next, endIndex: next + size });
    next += size;
  }
  if (next < agents) out.push({ name: 'rest', startIndex: next, endIndex: agents });
  return out.filter((g) => g.endIndex > g.startIndex);
}

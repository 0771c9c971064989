import type { HistoryEvent } from '../history/events.ts';

export interface FaultWindow {
  fault: string;
  kind: string;
  /** The group the fault hit, or 'all'. */
  target: string;
  fromMs: number;
  /** When it healed; the end of observation when it never did. */
  toMs: number;
  healed: boolean;
}

/**
 * Every disruption of the run as a window: each fault.applied paired with its
 * fault.removed (a flap yields one window per down phase), and each hub
 * redeploy from begin to end (kind `redeploy:<kind>`, hitting every agent).
 */
export function faultWindows(events: readonly HistoryEvent[], endMs: number): FaultWindow[] {
  const open = new Map<string, FaultWindow>();
  const windows: FaultWindow[] = [];
  for (const e of events) {
    if (e.type === 'hub.redeploy') {
      const key = `redeploy\u0000${e.name}`;
      if (e.phase === 'begin') {
        const w: FaultWindow = { fault: e.name, kind: `redeploy:${e.kind}`, target: 'all', fromMs: e.t, toMs: endMs, healed: false };
        open.set(key, w);
        windows.push(w);
      } else {
        const w = open.get(key);
        if (w) {
          w.toMs = e.t;
          w.healed = true;
          open.delete(key);
        }
      }
      continue;
    }
    if (e.type === 'fault.applied') {
      const w: FaultWindow = { fault: e.fault, kind: e.kind, target: e.target, fromMs: e.t, toMs: endMs, healed: false };
      open.set(e.fault, w);
      windows.push(w);
    } else if (e.type === 'fault.removed') {
      const w = open.get(e.fault);
      if (!w) continue;
      w.toMs = e.t;
      w.healed = e.atStop !== true;
      open.delete(e.fault);
    }
  }
  return windows;
}

/** Agents by group, and the windows that hit each group. */
export class GroupMap {
  readonly #groupOf = new Map<string, string>();
  readonly #members = new Map<string, string[]>();
  readonly #all: readonly string[];

  /** `all` is every agent of the fleet: with no proxy there are no groups, but a redeploy still hits everyone. */
  constructor(groups: readonly { name: string; agents: readonly string[] }[], all: readonly string[]) {
    this.#all = all;
    for (const g of groups) {
      this.#members.set(g.name, [...g.agents]);
      for (const a of g.agents) this.#groupOf.set(a, g.name);
    }
  }

  groupOf(agent: string): string | undefined {
    return this.#groupOf.get(agent);
  }

  /** The agents a fault aimed at `target` hits; every known agent for 'all'. */
  agentsHit(target: string): string[] {
    if (target === 'all') return [...this.#all];
    return this.#members.get(target) ?? [];
  }

  hits(window: FaultWindow, agent: string): boolean {
    return window.target === 'all' || this.#groupOf.get(agent) === window.target;
  }
}

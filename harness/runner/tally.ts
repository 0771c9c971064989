import type { History } from '../history/history.ts';

/** Running counts the live progress line and the settle phase read without rescanning the history. */
export class RunTally {
  opens = 0;
  /** Agents whose WebSocket is open now. */
  connected = 0;
  /** Commands issued and not yet applied by their agent. */
  readonly outstanding = new Set<string>();
  // A command can reach its agent over the WebSocket before the admin call that issued it returns.
  readonly #applied = new Set<string>();
  /** Faults and redeploys under way, by name, for the live progress line. */
  readonly disruptions = new Set<string>();

  constructor(history: History) {
    history.subscribe((e) => {
      if (e.type === 'fault.applied') this.disruptions.add(`fault:${e.fault}`);
      else if (e.type === 'fault.removed') this.disruptions.delete(`fault:${e.fault}`);
      else if (e.type === 'hub.redeploy') this.disruptions[e.phase === 'begin' ? 'add' : 'delete'](`redeploy:${e.name}`);
      else if (e.type === 'ws.open') {
        this.opens++;
        this.connected++;
      } else if (e.type === 'ws.close') this.connected--;
      else if (e.type === 'command.issued' && !this.#applied.has(e.id)) this.outstanding.add(e.id);
      else if (e.type === 'command') {
        this.#applied.add(e.id);
        this.outstanding.delete(e.id);
      }
    });
  }

  reconnects(agents: number): number {
    return Math.max(0, this.opens - agents);
  }
}

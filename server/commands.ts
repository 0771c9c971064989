import { randomUUID } from 'node:crypto';
import type { Command } from '../protocol/v1.ts';

/**
 * Where pending commands live until acked. The hub only talks to this
 * interface so a durable store can replace the in-memory one.
 */
export interface CommandStore {
  enqueue(agentId: string, name: string, payload: unknown): Command;
  /** The agent's un-acked commands, oldest first: all of them, or the first `limit`. */
  pending(agentId: string, limit?: number): Command[];
  /** How many commands are pending for this agent. */
  pendingFor(agentId: string): number;
  /** Marks commands acked; returns how many were pending before this call. */
  ack(agentId: string, ids: readonly string[]): number;
  pendingCount(): number;
  close(): void;
}

export class MemoryCommandStore implements CommandStore {
  readonly #byAgent = new Map<string, Map<string, Command>>();
  #count = 0;

  enqueue(agentId: string, name: string, payload: unknown): Command {
    const command: Command = { id: randomUUID(), name, payload };
    let queue = this.#byAgent.get(agentId);
    if (!queue) this.#byAgent.set(agentId, (queue = new Map()));
    queue.set(command.id, command);
    this.#count++;
    return command;
  }

  pending(agentId: string, limit = Infinity): Command[] {
    const out: Command[] = [];
    for (const command of this.#byAgent.get(agentId)?.values() ?? []) {
      if (out.length >= limit) break;
      out.push(command);
    }
    return out;
  }

  pendingFor(agentId: string): number {
    return this.#byAgent.get(agentId)?.size ?? 0;
  }

  ack(agentId: string, ids: readonly string[]): number {
    const queue = this.#byAgent.get(agentId);
    if (!queue) return 0;
    let acked = 0;
    for (const id of ids) if (queue.delete(id)) acked++;
    if (queue.size === 0) this.#byAgent.delete(agentId);
    this.#count -= acked;
    return acked;
  }

  pendingCount(): number {
    return this.#count;
  }

  close(): void {
    this.#byAgent.clear();
    this.#count = 0;
  }
}

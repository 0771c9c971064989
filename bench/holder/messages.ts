/**
 * The IPC conversation between the bench and a holder child (one process
 * per side, so the sides' memory never mixes):
 *
 *   bench -> child   { type: 'setup', ... }
 *   child -> bench   { type: 'ready', baseline }      warmed up, GC'd, idle
 *   bench -> child   { type: 'connect' }
 *   child -> bench   { type: 'connected', ... }       all N open at the hub's end
 *   child -> bench   { type: 'measured', held }       after settle + GC
 *   bench -> child   { type: 'stop' }                 child closes everything and exits
 *   child -> bench   { type: 'failed', message }      at any point; the child then exits
 */

import type { HolderSide } from '../sides.ts';

export type { HolderSide };

export interface HolderSetup {
  type: 'setup';
  side: HolderSide;
  /** Connections to open and hold. */
  agents: number;
  /** Hub base URL, http://127.0.0.1:PORT */
  hubUrl: string;
  /** Handshakes under way at most (see bounded-start.ts). */
  maxInFlight: number;
  /** Give up when not all are open after this long, ms. */
  connectTimeoutMs: number;
  /** Pause between the last open and the memory reading, so handshake garbage is collectable, ms. */
  settleMs: number;
  /** Agent ping interval the hub uses, ms (the fleet's dead-link timer follows it). */
  pingIntervalMs: number;
}

export interface MemorySample {
  rssBytes: number;
  heapUsedBytes: number;
  /** Buffers and other memory outside the V8 heap. */
  externalBytes: number;
}

export type ToHolder = HolderSetup | { type: 'connect' } | { type: 'stop' };

export type FromHolder =
  | { type: 'ready'; baseline: MemorySample }
  | { type: 'connected'; connectMs: number; failedAttempts: number }
  | { type: 'measured'; held: MemorySample }
  | { type: 'failed'; message: string };

/** What a side must do; one implementation per side. */
export interface ConnectionHolder {
  /** Opens a few connections and closes them, so lazily loaded code is not counted as per-connection memory. */
  warmUp(): Promise<void>;
  /** Opens every connection, a bounded number at a time; resolves when all are open at once. */
  connectAll(): Promise<{ failedAttempts: number }>;
  /** Number of connections open now. */
  openCount(): number;
  /** The last failure or close it saw, if any: said when connecting times out. */
  trouble?(): string | undefined;
  close(): Promise<void>;
}

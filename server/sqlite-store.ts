import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Command } from '../protocol/v1.ts';
import type { CommandStore } from './commands.ts';
import { HubError } from './errors.ts';

/** Bumped when the table layout changes; a file with another version is refused, not rewritten. */
const SCHEMA_VERSION = 1;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS pending_commands (
    seq INTEGER PRIMARY KEY,           -- enqueue order; rowids only grow while rows exist
    id TEXT NOT NULL UNIQUE,           -- the command's UUID, as agents see it
    agent_id TEXT NOT NULL,
    name TEXT NOT NULL,
    payload TEXT NOT NULL,             -- JSON text
    enqueued_at_ms INTEGER NOT NULL    -- for whoever opens the file by hand
  );
  -- pending(agent) reads one agent's rows in order without touching anyone else's.
  CREATE INDEX IF NOT EXISTS pending_commands_by_agent ON pending_commands (agent_id, seq);
  -- count(*) scans the whole table; a trickle of enqueues and acks each setting the
  -- pending gauge must not cost O(pending), so a one-row counter follows every change
  -- inside the same transaction (and stays right when two hubs share the file).
  CREATE TABLE IF NOT EXISTS pending_count (only INTEGER PRIMARY KEY CHECK (only = 0), n INTEGER NOT NULL);
  INSERT OR IGNORE INTO pending_count (only, n) SELECT 0, count(*) FROM pending_commands;
  CREATE TRIGGER IF NOT EXISTS pending_count_insert AFTER INSERT ON pending_commands
    BEGIN UPDATE pending_count SET n = n + 1; END;
  CREATE TRIGGER IF NOT EXISTS pending_count_delete AFTER DELETE ON pending_commands
    BEGIN UPDATE pending_count SET n = n - 1; END;
`;

export interface SqliteCommandStoreOptions {
  /** How long a write waits for another hub on the same file (a blue-green sibling) to release its lock, ms. Default 5_000. */
  busyTimeoutMs?: number;
}

/**
 * Pending commands in an SQLite file, so a hub that is redeployed (stopped
 * or killed, then started again on the same file) still delivers every
 * command that was not acked. Acked commands are deleted: the file holds
 * what is pending, nothing more.
 *
 * Several hubs may open the same file at once (blue-green deploys): WAL
 * lets readers run beside the one writer, and a writer waits up to
 * `busyTimeoutMs` for another.
 */
export class SqliteCommandStore implements CommandStore {
  readonly path: string;
  readonly #db: Database.Database;
  readonly #insert: Database.Statement<[string, string, string, string, number]>;
  readonly #selectPending: Database.Statement<[string, number], { id: string; name: string; payload: string }>;
  readonly #countFor: Database.Statement<[string], { n: number }>;
  readonly #delete: Database.Statement<[string, string]>;
  readonly #count: Database.Statement<[], { n: number }>;
  readonly #ackAll: (agentId: string, ids: readonly string[]) => number;

  /** Opens the file at `path`, creating it and its folder if missing; `:memory:` gives a private in-memory database. */
  constructor(path: string, options: SqliteCommandStoreOptions = {}) {
    this.path = path;
    this.#db = openDatabase(path, options.busyTimeoutMs ?? 5_000);
    try {
      // WAL: a commit is one append to the log, and readers never block the writer.
      this.#db.pragma('journal_mode = WAL');
      // NORMAL skips the fsync on each commit. A committed command is in the OS's page
      // cache, so it survives the hub process crashing or being killed (what a redeploy
      // does); only a power loss or kernel crash could take the last commits with it.
      this.#db.pragma('synchronous = NORMAL');
      const version = this.#db.pragma('user_version', { simple: true }) as number;
      if (version !== 0 && version !== SCHEMA_VERSION) {
        throw new HubError(
          'EC_HUB_DB_OPEN',
          `${path} has command-store schema version ${version}; this hub reads version ${SCHEMA_VERSION}`,
          'pass --db with a new file, or run the hub version that wrote this one',
        );
      }
      this.#db.transaction(() => {
        this.#db.exec(SCHEMA);
        this.#db.pragma(`user_version = ${SCHEMA_VERSION}`);
      }).immediate();
    } catch (error) {
      this.#db.close();
      if (error instanceof HubError) throw error;
      throw new HubError('EC_HUB_DB_OPEN', `cannot use ${path} as the command database: ${(error as Error).message}`, 'pass --db with a writable SQLite file (it is created if missing), or --db :memory:');
    }
    this.#insert = this.#db.prepare('INSERT INTO pending_commands (id, agent_id, name, payload, enqueued_at_ms) VALUES (?, ?, ?, ?, ?)');
    this.#selectPending = this.#db.prepare('SELECT id, name, payload FROM pending_commands WHERE agent_id = ? ORDER BY seq LIMIT ?');
    this.#countFor = this.#db.prepare('SELECT count(*) AS n FROM pending_commands WHERE agent_id = ?');
    this.#delete = this.#db.prepare('DELETE FROM pending_commands WHERE agent_id = ? AND id = ?');
    this.#count = this.#db.prepare('SELECT n FROM pending_count');
    // One transaction per ack batch: an HTTP ack of many ids is one commit, not one per id.
    this.#ackAll = this.#db.transaction((agentId: string, ids: readonly string[]) => {
      let acked = 0;
      for (const id of ids) acked += this.#delete.run(agentId, id).changes;
      return acked;
    });
  }

  enqueue(agentId: string, name: string, payload: unknown): Command {
    const command: Command = { id: randomUUID(), name, payload };
    // JSON.stringify(undefined) is undefined; the wire and the poll answer carry null.
    this.#insert.run(command.id, agentId, name, JSON.stringify(payload) ?? 'null', Date.now());
    return command;
  }

  pending(agentId: string, limit = -1): Command[] {
    // SQLite reads LIMIT -1 as no limit.
    return this.#selectPending.all(agentId, Number.isFinite(limit) ? limit : -1).map((row) => ({ id: row.id, name: row.name, payload: JSON.parse(row.payload) as unknown }));
  }

  ack(agentId: string, ids: readonly string[]): number {
    if (ids.length === 0) return 0;
    return this.#ackAll(agentId, ids);
  }

  pendingFor(agentId: string): number {
    return this.#countFor.get(agentId)?.n ?? 0;
  }

  pendingCount(): number {
    return this.#count.get()?.n ?? 0;
  }

  /** Checkpoints the WAL into the file and closes it. Idempotent. */
  close(): void {
    if (this.#db.open) this.#db.close();
  }
}

function openDatabase(path: string, timeoutMs: number): Database.Database {
  try {
    if (path !== ':memory:' && path !== '') makeFolders(dirname(path));
    return new Database(path, { timeout: timeoutMs });
  } catch (error) {
    const message = (error as Error).message;
    // better-sqlite3 loads its native addon on first use; a skipped install script leaves none.
    if (/bindings file|better_sqlite3\.node|NODE_MODULE_VERSION/.test(message)) {
      throw new HubError(
        'EC_HUB_SQLITE_UNAVAILABLE',
        `better-sqlite3's native addon is missing or was built for another Node: ${message.split('\n')[0]}`,
        'run npm rebuild better-sqlite3 (needs python3, make and g++), or run the hub with --db :memory:',
      );
    }
    throw new HubError('EC_HUB_DB_OPEN', `cannot open ${path} as the command database: ${message}`, 'pass --db with a path this user can write (folders are created), or --db :memory:');
  }
}

/**
 * mkdir -p, one level at a time: Node 20's mkdirSync(dir, { recursive: true })
 * never returns for some paths it cannot create (under /proc, seen here), and
 * a hub that hangs at startup is worse than one that says why it cannot.
 */
function makeFolders(dir: string): void {
  const missing: string[] = [];
  for (let d = dir; !existsSync(d) && dirname(d) !== d; d = dirname(d)) missing.unshift(d);
  for (const d of missing) mkdirSync(d);
}

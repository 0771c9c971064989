import { existsSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { describe, expect, test } from 'vitest';
import { SqliteCommandStore } from './sqlite-store.ts';
import { tempDir } from './temp-dir.test-support.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A store that closes itself at the end of the test's scope. */
function open(path: string): SqliteCommandStore & Disposable {
  const store = new SqliteCommandStore(path);
  return Object.assign(store, { [Symbol.dispose]: () => store.close() });
}

describe('SqliteCommandStore semantics', () => {
  test('pending lists one agent’s un-acked commands, oldest first, with UUID ids', () => {
    using dir = tempDir();
    using store = open(dir.file('hub.sqlite'));
    const a1 = store.enqueue('edge-1', 'reboot', { delayS: 5 });
    const b1 = store.enqueue('edge-2', 'update', null);
    const a2 = store.enqueue('edge-1', 'update', 'v2');
    const a3 = store.enqueue('edge-1', 'reboot', { delayS: 1 });

    expect(a1.id).toMatch(UUID);
    expect(new Set([a1.id, a2.id, a3.id, b1.id]).size).toBe(4);
    expect(store.pending('edge-1')).toEqual([a1, a2, a3]);
    expect(store.pending('edge-2')).toEqual([b1]);
    expect(store.pending('edge-3')).toEqual([]);
    expect(store.pendingCount()).toBe(4);
  });

  test('ack counts only ids that were pending for that agent; unknown, repeated and other agents’ ids count 0', () => {
    using dir = tempDir();
    using store = open(dir.file('hub.sqlite'));
    const a1 = store.enqueue('edge-1', 'one', null);
    const a2 = store.enqueue('edge-1', 'two', null);
    const b1 = store.enqueue('edge-2', 'three', null);

    expect(store.ack('edge-1', [])).toBe(0);
    expect(store.ack('edge-1', [b1.id])).toBe(0); // edge-2's command, acked by edge-1
    expect(store.ack('edge-1', ['not-a-command', a1.id, a1.id])).toBe(1);
    expect(store.ack('edge-1', [a1.id])).toBe(0);
    expect(store.ack('nobody', [a2.id])).toBe(0);
    expect(store.pending('edge-1')).toEqual([a2]);
    expect(store.pending('edge-2')).toEqual([b1]);
    expect(store.pendingCount()).toBe(2);

    expect(store.ack('edge-1', [a2.id])).toBe(1);
    expect(store.ack('edge-2', [b1.id])).toBe(1);
    expect(store.pendingCount()).toBe(0);
    expect(store.pending('edge-1')).toEqual([]);
  });

  test('payloads round-trip as JSON; undefined becomes null as it does on the wire', () => {
    using store = open(':memory:');
    const payloads: unknown[] = [
      { nested: { list: [1, 2.5, -3e-7, true, null, 'x'], empty: {} }, unicode: 'héllo ✓ 𝄞', quote: '"\'\\' },
      [],
      'plain string',
      0,
      false,
      null,
      Number.MAX_SAFE_INTEGER,
    ];
    for (const [i, payload] of payloads.entries()) store.enqueue('edge-1', `cmd-${i}`, payload);
    store.enqueue('edge-1', 'no-payload', undefined);
    expect(store.pending('edge-1').map((c) => c.payload)).toEqual([...payloads, null]);
  });

  test('ack of a large batch is one transaction and counts every id', () => {
    using store = open(':memory:');
    const ids = Array.from({ length: 2_000 }, (_, i) => store.enqueue(`edge-${i % 10}`, 'n', i).id);
    expect(store.ack('edge-3', ids)).toBe(200);
    expect(store.pendingCount()).toBe(1_800);
  });

  test('close is idempotent', () => {
    const store = new SqliteCommandStore(':memory:');
    store.close();
    expect(() => store.close()).not.toThrow();
  });
});

describe('SqliteCommandStore durability', () => {
  test('a store reopened on the same file sees exactly the commands still pending, in order', () => {
    using dir = tempDir();
    const path = dir.file('hub.sqlite');
    let kept;
    {
      using first = open(path);
      const gone = first.enqueue('edge-1', 'acked-before-restart', null);
      kept = [first.enqueue('edge-1', 'reboot', { delayS: 5 }), first.enqueue('edge-1', 'update', ['a', 'b'])];
      first.enqueue('edge-2', 'other', 7);
      expect(first.ack('edge-1', [gone.id])).toBe(1);
    }
    using second = open(path);
    expect(second.pending('edge-1')).toEqual(kept);
    expect(second.pendingCount()).toBe(3);
    // New commands queue behind the old ones.
    const later = second.enqueue('edge-1', 'later', null);
    expect(second.pending('edge-1')).toEqual([...kept, later]);
    expect(second.ack('edge-1', [kept[0]!.id])).toBe(1);
  });

  test('two stores open on one file at once (blue-green) see each other’s writes and keep one count', () => {
    using dir = tempDir();
    const path = dir.file('hub.sqlite');
    using blue = open(path);
    using green = open(path);
    const fromBlue = blue.enqueue('edge-1', 'from-blue', null);
    const fromGreen = green.enqueue('edge-1', 'from-green', null);
    expect(green.pending('edge-1')).toEqual([fromBlue, fromGreen]);
    expect(green.ack('edge-1', [fromBlue.id])).toBe(1);
    expect(blue.ack('edge-1', [fromBlue.id])).toBe(0);
    expect(blue.pendingCount()).toBe(1);
    expect(green.pendingCount()).toBe(1);
  });

  test('the file is in WAL mode with the pending index, and creating it makes its folder', () => {
    using dir = tempDir();
    const path = dir.file('nested/deeper/hub.sqlite');
    open(path).close();
    expect(existsSync(path)).toBe(true);
    const db = new Database(path, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      const plan = db.prepare("EXPLAIN QUERY PLAN SELECT id FROM pending_commands WHERE agent_id = 'x' ORDER BY seq").all() as { detail: string }[];
      expect(plan.map((p) => p.detail).join('\n')).toContain('USING INDEX pending_commands_by_agent');
    } finally {
      db.close();
    }
  });

  test('a path whose folder cannot be made is refused with EC_HUB_DB_OPEN, at once', () => {
    expect(() => new SqliteCommandStore('/proc/edge-chaos-no-such/hub.sqlite')).toThrow(expect.objectContaining({ code: 'EC_HUB_DB_OPEN' }));
  });

  test('a file that is not an SQLite database, or has another schema version, is refused with EC_HUB_DB_OPEN', () => {
    using dir = tempDir();
    const junk = dir.file('junk.sqlite');
    writeFileSync(junk, 'this is not a database, just text that is long enough to have a header\n'.repeat(10));
    expect(() => new SqliteCommandStore(junk)).toThrow(expect.objectContaining({ code: 'EC_HUB_DB_OPEN' }));

    const future = dir.file('future.sqlite');
    const db = new Database(future);
    db.pragma('user_version = 99');
    db.close();
    expect(() => new SqliteCommandStore(future)).toThrow(expect.objectContaining({ code: 'EC_HUB_DB_OPEN', message: expect.stringContaining('version 99') }));
  });
});

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, test } from 'vitest';
import { encodeAck, pollUrl } from '../protocol/v1.ts';
import { RawClients, enqueueCommand, nextMessage, scrape } from './hub.test-support.ts';
import { SqliteCommandStore } from './sqlite-store.ts';
import { startHub } from './start.ts';
import { tempDir } from './temp-dir.test-support.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const TSX = pathToFileURL(`${ROOT}node_modules/tsx/dist/loader.mjs`).href;

async function poll(hubUrl: string, agentId: string): Promise<{ id: string; name: string; payload: unknown }[]> {
  const response = await fetch(pollUrl(hubUrl, agentId));
  expect(response.status).toBe(200);
  return ((await response.json()) as { commands: { id: string; name: string; payload: unknown }[] }).commands;
}

async function ackByHttp(hubUrl: string, agentId: string, ids: string[]): Promise<number> {
  const response = await fetch(new URL('/edge/acks', hubUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ edge_agent_id: agentId, ids }),
  });
  return ((await response.json()) as { acked: number }).acked;
}

describe('pending commands across a hub redeploy', () => {
  test('a new hub on the same database file serves what the old one left un-acked, by poll and on connect', async () => {
    using dir = tempDir();
    const dbPath = dir.file('hub.sqlite');
    let reboot: string, update: string;
    {
      await using old = await startHub({ dbPath });
      const acked = await enqueueCommand(old.url, 'edge-1', 'acked-before', null);
      reboot = await enqueueCommand(old.url, 'edge-1', 'reboot', { delayS: 5 });
      update = await enqueueCommand(old.url, 'edge-2', 'update', { to: 'v2' });
      expect(await ackByHttp(old.url, 'edge-1', [acked])).toBe(1);
    }

    await using next = await startHub({ dbPath });
    expect((await scrape(next.url)).sum('edge_hub_commands_pending')).toBe(2); // before any enqueue or ack
    expect(await poll(next.url, 'edge-1')).toEqual([{ id: reboot, name: 'reboot', payload: { delayS: 5 } }]);

    await using clients = new RawClients(next.url);
    const socket = await clients.open('edge-2');
    expect(await nextMessage(socket)).toEqual({ type: 'command', id: update, name: 'update', payload: { to: 'v2' } });
    socket.send(encodeAck(update));
    await expect.poll(() => poll(next.url, 'edge-2')).toEqual([]);
  });

  test('with volatile-queue the hub works, but a redeploy on the same file has lost every pending command', async () => {
    using dir = tempDir();
    const dbPath = dir.file('hub.sqlite');
    {
      await using old = await startHub({ dbPath, defects: ['volatile-queue'] });
      const id = await enqueueCommand(old.url, 'edge-1', 'reboot', { delayS: 5 });
      expect(await poll(old.url, 'edge-1')).toEqual([{ id, name: 'reboot', payload: { delayS: 5 } }]);
    }

    await using next = await startHub({ dbPath, defects: ['volatile-queue'] });
    expect(await poll(next.url, 'edge-1')).toEqual([]);
    // Not hidden by the defect on the read side: the file never had them.
    await next.stop();
    const store = new SqliteCommandStore(dbPath);
    try {
      expect(store.pendingCount()).toBe(0);
    } finally {
      store.close();
    }
  });

  test('dbPath and store together, or an empty dbPath, are refused with EC_HUB_BAD_OPTION', async () => {
    await expect(startHub({ dbPath: '' })).rejects.toMatchObject({ code: 'EC_HUB_BAD_OPTION' });
    const store = new SqliteCommandStore(':memory:');
    try {
      await expect(startHub({ dbPath: ':memory:', store })).rejects.toMatchObject({ code: 'EC_HUB_BAD_OPTION' });
    } finally {
      store.close();
    }
  });
});

describe('npm run hub (server/main.ts) and its --db', () => {
  /** Starts main.ts in `cwd` and resolves with its first stdout line and a SIGKILL that waits for the exit. */
  async function startMain(cwd: string, args: string[]): Promise<{ line: string; url: string; kill(): Promise<void> }> {
    const child = spawn(process.execPath, ['--import', TSX, `${ROOT}server/main.ts`, '--port', '0', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const kill = async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    };
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        let err = '';
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
          out += chunk;
          if (out.includes('\n')) resolve(out.split('\n')[0]!);
        });
        child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
        child.once('exit', (code) => reject(new Error(`main.ts exited with ${code} before listening: ${err}`)));
      });
      const url = /listening on (http:\/\/\S+)/.exec(line)?.[1];
      if (!url) throw new Error(`no URL in ${JSON.stringify(line)}`);
      return { line, url, kill };
    } catch (error) {
      await kill();
      throw error;
    }
  }

  test('by default it keeps commands in ./edge-hub.sqlite, and a command survives SIGKILL of the hub', async () => {
    using dir = tempDir();
    const first = await startMain(dir.path, []);
    let id: string;
    try {
      expect(first.line).toContain(`commands: 0 pending in ${dir.file('edge-hub.sqlite')}`);
      id = await enqueueCommand(first.url, 'edge-1', 'reboot', { delayS: 5 });
    } finally {
      await first.kill(); // no graceful close: the WAL is left as a crash leaves it
    }
    expect(existsSync(dir.file('edge-hub.sqlite-wal'))).toBe(true);

    const second = await startMain(dir.path, ['--db', 'edge-hub.sqlite']);
    try {
      expect(second.line).toContain('commands: 1 pending in');
      expect(await poll(second.url, 'edge-1')).toEqual([{ id, name: 'reboot', payload: { delayS: 5 } }]);
    } finally {
      await second.kill();
    }
  });

  test('--db :memory: keeps them in the process only, and writes no file', async () => {
    using dir = tempDir();
    const hub = await startMain(dir.path, ['--db', ':memory:']);
    try {
      expect(hub.line).toContain('commands: 0 pending in memory');
      await enqueueCommand(hub.url, 'edge-1', 'reboot');
      expect(await poll(hub.url, 'edge-1')).toHaveLength(1);
    } finally {
      await hub.kill();
    }
    expect(existsSync(dir.file('edge-hub.sqlite'))).toBe(false);
  });
});

/**
 * One build per image tag at a time across processes: vitest runs test files
 * in parallel workers, and each may call buildHubImage() on a cold cache.
 * Without this, each would import the same ~240 MB image at once.
 */
import { open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive } from './cleanup.ts';

const POLL_MS = 200;

/** Runs `fn` holding a lock named `name`; waits (up to waitMs) while a live process holds it. */
export async function withBuildLock<T>(name: string, waitMs: number, fn: () => Promise<T>): Promise<T> {
  const path = join(tmpdir(), `edge-chaos-build-${name.replace(/[^a-zA-Z0-9_.-]/g, '_')}.lock`);
  const deadlineMs = Date.now() + waitMs;
  for (;;) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = Number(await readFile(path, 'utf8').catch(() => ''));
    // A lock left by a killed process (or half-written) is stale: take it over.
    if (!Number.isInteger(holder) || holder <= 0 || !isAlive(holder)) {
      await rm(path, { force: true });
      continue;
    }
    if (Date.now() >= deadlineMs) {
      throw new Error(`process ${holder} has been building ${name} for over ${waitMs} ms (lock ${path})`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  try {
    return await fn();
  } finally {
    await rm(path, { force: true });
  }
}


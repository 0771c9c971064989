/** Helpers for the docker tests: ask the engine directly, not our own code. */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, expect } from 'vitest';
import { LABEL_OWNED, LABEL_OWNER_PID } from './cleanup.ts';

/** Ids of containers (running or not) matching every `label=value` filter. */
export function containersWithLabels(...labels: string[]): string[] {
  const args = ['ps', '-a', '-q', '--no-trunc', ...labels.flatMap((l) => ['--filter', `label=${l}`])];
  return execFileSync('docker', args, { encoding: 'utf8' }).split('\n').filter((id) => id !== '');
}

export function containerExists(id: string): boolean {
  return execFileSync('docker', ['ps', '-a', '-q', '--no-trunc', '--filter', `id=${id}`], { encoding: 'utf8' }).trim() !== '';
}

/**
 * Docker suites call this at load: when no engine is usable the suite is
 * skipped, its name carries the reason, and the reason is printed once.
 */
export async function dockerGate(): Promise<{ skip: boolean; suffix: string }> {
  const { dockerAvailability } = await import('./engine.ts');
  const availability = await dockerAvailability();
  if (availability.available) return { skip: false, suffix: '' };
  console.warn(`SKIPPED docker tests: ${availability.reason}`);
  return { skip: true, suffix: ` [SKIPPED: ${availability.reason}]` };
}

/**
 * For a suite that runs containers from the project image: builds it (or
 * finds it by its content hash) before the suite, and after it checks with
 * the engine that no container this process started is left. The getter
 * gives the image once built.
 */
export function useProjectImage(): () => string {
  let image = '';
  beforeAll(async () => {
    const { buildHubImage } = await import('./node-image.ts');
    image = (await buildHubImage()).image;
  }, 300_000);
  afterAll(() => {
    expect(containersWithLabels(`${LABEL_OWNED}=1`, `${LABEL_OWNER_PID}=${process.pid}`)).toEqual([]);
  });
  return () => image;
}

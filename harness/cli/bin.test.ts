import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const BIN = fileURLToPath(new URL('./bin.ts', import.meta.url));

/** The package's bin, run from its source as the repo runs everything (npm run test:package runs the compiled one). */
function bin(...args: string[]) {
  const out = spawnSync(process.execPath, ['--import', 'tsx', BIN, ...args], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, TOXIPROXY_URL: '', GITHUB_STEP_SUMMARY: '' } });
  return { code: out.status, stdout: out.stdout, stderr: out.stderr };
}

describe('edge-chaos bin', () => {
  test('a scenario takes its options with or without -- after its name', () => {
    for (const args of [['loop', '--', '--help', '--agents', '7'], ['loop', '--help', '--agents', '7']]) {
      const run = bin(...args);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/^loop: /);
      expect(run.stdout).toContain('at 7 agents');
    }
  });

  test('hub and toxiproxy run the reference hub and the embedded Toxiproxy with their own options', () => {
    const hub = bin('hub', '--', '--help');
    expect(hub.code, hub.stderr).toBe(0);
    expect(hub.stdout).toContain('--ping-interval D');
    const proxy = bin('toxiproxy', '--bogus');
    expect(proxy.code).toBe(2);
    expect(proxy.stderr).toMatch(/^error: unknown argument "--bogus"\nfix: usage: npm run toxiproxy -- /);
  });

  test('no command prints the usage, naming all three commands, and exits 2', () => {
    const run = bin();
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('npm run scenario list');
    expect(run.stdout).toContain('npm run hub -- [options]');
    expect(run.stdout).toContain('npm run toxiproxy -- [options]');
  });
});

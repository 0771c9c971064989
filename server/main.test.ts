import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

/** Runs `npm run hub -- ...args` (without npm) to its exit; for options refused before the hub listens. */
function runHub(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--port', '0', '--db', ':memory:', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      // A hub that started when it should have refused: stop it so the test fails on the exit code, not a timeout.
      if (stdout.includes('listening on')) child.kill('SIGTERM');
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Exit 2, an `error:` line naming `named` and a `fix:` line, no stack trace. */
async function expectRefused(args: string[], named: RegExp): Promise<void> {
  const { code, stderr } = await runHub(args);
  expect(stderr).toMatch(/^error: .+\nfix: .+\n$/);
  expect(stderr.split('\n')[0]).toMatch(named);
  expect(code).toBe(2);
}

describe('npm run hub refuses bad options with exit 2, cause and fix', () => {
  test('an empty --token', () => expectRefused(['--token', ''], /--token is empty/));
  test('a --token with CR LF', () => expectRefused(['--token', 'a\r\nb'], /--token "a\\r\\nb"/));
  test('an empty --admin-token', () => expectRefused(['--admin-token', ''], /--admin-token is empty/));

  test('a --ping-interval past the hub maximum (36000m would fire every 1 ms)', () => expectRefused(['--ping-interval', '36000m'], /--ping-interval "36000m" is above the maximum of 24h/));
  test('a --ping-interval that is not a duration', () => expectRefused(['--ping-interval', 'soon'], /--ping-interval "soon" is not a duration/));

  test('a limit flag out of range names the flag and the range', () => expectRefused(['--poll-page-size', '5000'], /--poll-page-size "5000" is not a whole number from 1 to 1000/));
  test('a duration limit past 24h', () => expectRefused(['--request-timeout', '25h'], /--request-timeout "25h" is above the maximum of 24h/));

  test('--help says the agent token is the admin token when no --admin-token is given', async () => {
    const { code, stdout } = await runHub(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/--admin-token T/);
    expect(stdout).toMatch(/without --admin-token, the --token values are the admin tokens too/i);
    expect(stdout).toMatch(/--metrics-open/);
    for (const flag of ['--max-pending-per-agent N', '--poll-page-size N', '--request-timeout D', '--ws-frame-budget N']) expect(stdout).toContain(flag);
    expect(stdout).toMatch(/--max-pending-per-agent N +commands pending for one agent before enqueue answers 429 \(default 1000\)/);
  });
});

describe('npm run hub --host', () => {
  test('an address that is not one (999.1.1.1) is exit 2, not a stack trace', () => expectRefused(['--host', '999.1.1.1'], /--host "999.1.1.1" is not an IP address or localhost/));
  test('a non-loopback address without --allow-non-loopback', () => expectRefused(['--host', '0.0.0.0'], /--host "0.0.0.0" is not a loopback address/));
});

import { createServer } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { dockerAvailability, dockerEndpoint, engineProblem } from './engine.ts';

const dir = mkdtempSync(join(tmpdir(), 'edge-chaos-engine-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('dockerEndpoint', () => {
  test('defaults to the standard socket and follows DOCKER_HOST', () => {
    expect(dockerEndpoint({})).toMatchObject({ kind: 'unix', socketPath: '/var/run/docker.sock' });
    expect(dockerEndpoint({ DOCKER_HOST: 'unix:///run/x.sock' })).toMatchObject({ kind: 'unix', socketPath: '/run/x.sock' });
    expect(dockerEndpoint({ DOCKER_HOST: 'tcp://127.0.0.1:2375' })).toMatchObject({ kind: 'tcp', host: '127.0.0.1', port: 2375 });
    expect(dockerEndpoint({ DOCKER_HOST: 'ssh://me@box' })).toMatchObject({ kind: 'other' });
  });
});

describe('engineProblem names what is wrong', () => {
  test('missing socket', async () => {
    const socketPath = join(dir, 'none.sock');
    expect(await engineProblem({ kind: 'unix', socketPath, label: socketPath }, 1_000)).toMatch(/socket does not exist/);
  });

  test('a file where the socket should be (left behind by a dead dockerd)', async () => {
    const socketPath = join(dir, 'stale.sock');
    writeFileSync(socketPath, '');
    expect(await engineProblem({ kind: 'unix', socketPath, label: socketPath }, 1_000)).toMatch(/no Docker engine answers at .*stale\.sock/);
  });

  test('something answers but is not a healthy engine', async () => {
    const socketPath = join(dir, 'sick.sock');
    const server = createServer((_req, res) => res.writeHead(500).end());
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      expect(await engineProblem({ kind: 'unix', socketPath, label: socketPath }, 1_000)).toMatch(/answered \/_ping with HTTP 500/);
    } finally {
      server.close();
    }
  });

  test('a healthy engine (anything answering /_ping with 200) is no problem', async () => {
    const socketPath = join(dir, 'ok.sock');
    const server = createServer((_req, res) => res.end('OK'));
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      expect(await engineProblem({ kind: 'unix', socketPath, label: socketPath }, 1_000)).toBeUndefined();
    } finally {
      server.close();
    }
  });
});

describe('dockerAvailability', () => {
  test('with DOCKER_HOST at a dead socket: unavailable, and the reason says how to start an engine', async () => {
    const saved = process.env['DOCKER_HOST'];
    process.env['DOCKER_HOST'] = `unix://${join(dir, 'dead.sock')}`;
    try {
      const availability = await dockerAvailability({ timeoutMs: 1_000 });
      expect(availability.available).toBe(false);
      expect(availability.available === false && availability.reason).toMatch(/dead\.sock.*dockerd --bridge=none --iptables=false.*\.ci\/docker-up/);
    } finally {
      if (saved === undefined) delete process.env['DOCKER_HOST'];
      else process.env['DOCKER_HOST'] = saved;
    }
  });

  test('sets the testcontainers environment this machine needs', () => {
    expect(process.env['TESTCONTAINERS_RYUK_DISABLED']).toBe('true');
    expect(process.env['TESTCONTAINERS_HOST_OVERRIDE']).toBeDefined();
  });
});

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { HEALTH_PATH } from '../../../protocol/v1.ts';
import { LABEL_OWNER_PID, sweepOrphans } from './cleanup.ts';
import { HostContainer } from './container.ts';
import { buildHubImage } from './node-image.ts';
import { containerExists, containersWithLabels, dockerGate } from './test-support.ts';

const gate = await dockerGate();
const projectDir = fileURLToPath(new URL('../../..', import.meta.url));
/** The stand-in hub, run through the image's node + tsx like server/main.ts would be. */
const ECHO = ['node', '--import', 'tsx', 'harness/runtime/docker/fixtures/http-echo.ts'];

describe.skipIf(gate.skip)(`hub container on the local engine${gate.suffix}`, () => {
  let image = '';

  beforeAll(async () => {
    image = (await buildHubImage()).image;
  }, 300_000);

  afterAll(() => {
    // Whatever happened above, nothing of ours may outlive the suite.
    expect(containersWithLabels('edge-chaos=1', `${LABEL_OWNER_PID}=${process.pid}`)).toEqual([]);
  });

  test('the hub image of this checkout is content-tagged; building again is a cache hit', async () => {
    expect(image).toMatch(/^edge-chaos\/hub:[0-9a-f]{12}$/);
    // In a shared checkout others may edit files between two builds; the
    // cache must hit once the tree holds still.
    let again = await buildHubImage();
    for (let tries = 0; again.built && tries < 3; tries += 1) again = await buildHubImage();
    expect(again.built).toBe(false);
    image = again.image;
    const ids = [image, 'edge-chaos/hub:local'].map((t) => execFileSync('docker', ['image', 'inspect', '--format', '{{.Id}}', t], { encoding: 'utf8' }).trim());
    expect(ids[0]).toBe(ids[1]);
  });

  test('starts with host networking, answers HTTP on 127.0.0.1:PORT, captures logs; stop removes it', async () => {
    const hub = await new HostContainer(image).withCommand(ECHO).withHttpWait('/').start();
    try {
      expect(hub.url).toBe(`http://127.0.0.1:${hub.port}`);
      expect(await (await fetch(hub.url)).text()).toBe(`ok ${hub.port}`);
      // Output reaches us through docker's log stream, independently of HTTP.
      await vi.waitFor(() => expect(hub.logs()).toContain(`listening on 127.0.0.1:${hub.port}`));
      const networkMode = execFileSync('docker', ['inspect', '--format', '{{.HostConfig.NetworkMode}}', hub.id], { encoding: 'utf8' }).trim();
      expect(networkMode).toBe('host');
      expect(containersWithLabels('edge-chaos=1', `${LABEL_OWNER_PID}=${process.pid}`)).toContain(hub.id);
    } finally {
      // The fixture exits 0 on SIGTERM after saying bye: a graceful stop.
      expect(await hub.stop()).toEqual({ exitCode: 0 });
    }
    expect(hub.logs().at(-1)).toBe('bye');
    expect(containerExists(hub.id)).toBe(false);
    expect(await hub.stop()).toEqual({ exitCode: 0 }); // idempotent
  });

  test.skipIf(!existsSync(`${projectDir}/server/main.ts`))('the default command runs the reference hub (server/main.ts) on PORT', async () => {
    const hub = await new HostContainer(image).withHttpWait(HEALTH_PATH).start();
    try {
      expect(await (await fetch(`${hub.url}${HEALTH_PATH}`)).json()).toMatchObject({ status: 'ok' });
    } finally {
      expect(await hub.stop()).toEqual({ exitCode: 0 });
    }
    expect(hub.logs().join('\n')).toMatch(/SIGTERM/);
  });

  test('SIGKILL stops a process that ignores SIGTERM, at once', async () => {
    const hub = await new HostContainer(image).withCommand(ECHO).withEnv({ IGNORE_SIGTERM: '1' }).withLogWait(/listening on/).start();
    const startedMs = Date.now();
    expect(await hub.stop({ signal: 'SIGKILL' })).toEqual({ exitCode: 137 });
    expect(Date.now() - startedMs).toBeLessThan(5_000);
    expect(containerExists(hub.id)).toBe(false);
    expect(hub.logs()).not.toContain('ignoring SIGTERM');
  });

  test('SIGTERM with a grace period ends in SIGKILL when the process ignores it', async () => {
    const hub = await new HostContainer(image).withCommand(ECHO).withEnv({ IGNORE_SIGTERM: '1' }).withHttpWait('/').start();
    expect(await hub.stop({ signal: 'SIGTERM', timeoutMs: 1_000 })).toEqual({ exitCode: 137 });
    expect(hub.logs()).toContain('ignoring SIGTERM');
    expect(containerExists(hub.id)).toBe(false);
  });

  test('restart keeps the port, waits until ready again, and keeps collecting logs; the init pid follows the new process', async () => {
    await using hub = await new HostContainer(image).withCommand(ECHO).withHttpWait('/').start();
    const firstPid = hub.pid;
    // The engine's State.Pid, on this host: the container's init, in the container's cgroup.
    expect(readFileSync(`/proc/${firstPid}/cgroup`, 'utf8')).toContain(hub.id);
    expect(hub.name).toMatch(/^[\w.-]+$/);
    await hub.restart();
    expect(hub.pid).not.toBe(firstPid);
    expect(readFileSync(`/proc/${hub.pid}/cgroup`, 'utf8')).toContain(hub.id);
    expect(await (await fetch(hub.url)).text()).toBe(`ok ${hub.port}`);
    await vi.waitFor(() => {
      const listening = hub.logs().filter((line) => line === `listening on 127.0.0.1:${hub.port}`);
      expect(listening).toHaveLength(2);
    });
    expect(hub.logs()).toContain('bye'); // the first process was stopped gracefully
  });

  test('await using removes the container at the end of the block', async () => {
    let id = '';
    {
      await using hub = await new HostContainer(image).withCommand(ECHO).withHttpWait('/').start();
      id = hub.id;
      expect(containerExists(id)).toBe(true);
    }
    expect(containerExists(id)).toBe(false);
  });

  test('a process that exits during startup fails fast with its output, and leaves no container', async () => {
    const before = containersWithLabels('edge-chaos=1', `${LABEL_OWNER_PID}=${process.pid}`);
    const start = new HostContainer(image)
      .withCommand(['node', '-e', "console.error('boom: no config'); process.exit(3)"])
      .withHttpWait('/health')
      .withStartupTimeoutMs(20_000)
      .start();
    await expect(start).rejects.toMatchObject({ code: 'EC_DOCKER_STARTUP', message: expect.stringMatching(/code 3[\s\S]*boom: no config/) });
    expect(containersWithLabels('edge-chaos=1', `${LABEL_OWNER_PID}=${process.pid}`)).toEqual(before);
  });

  test('an image that was never built is a coded error saying how to build it', async () => {
    await expect(new HostContainer('edge-chaos/never-built:nope').start()).rejects.toMatchObject({
      code: 'EC_DOCKER_STARTUP',
      fix: expect.stringContaining('npm run hub:image'),
    });
  });

  describe('cleanup when the owner process dies', () => {
    const fixture = fileURLToPath(new URL('./fixtures/start-then-wait.ts', import.meta.url));

    /** Runs the fixture in a child node, returns it and the id of the container it started. */
    async function startOwner(mode?: 'exit') {
      const child = spawn(process.execPath, ['--import', 'tsx', fixture, image, ...(mode ? [mode] : [])], {
        cwd: projectDir,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.on('exit', (code, signal) => resolve({ code, signal })),
      );
      const id = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
          out += chunk;
          const match = /started ([0-9a-f]{64})/.exec(out);
          if (match?.[1] !== undefined) resolve(match[1]);
        });
        child.on('exit', (code) => reject(new Error(`fixture exited (${code}) before starting a container: ${out}`)));
      });
      return { child, id, exited };
    }

    test('SIGTERM to the owner removes its container before it dies', async () => {
      const owner = await startOwner();
      expect(containerExists(owner.id)).toBe(true);
      owner.child.kill('SIGTERM');
      expect(await owner.exited).toEqual({ code: null, signal: 'SIGTERM' });
      expect(containerExists(owner.id)).toBe(false);
    });

    test('process.exit() without stop removes the container', async () => {
      const owner = await startOwner('exit');
      expect(await owner.exited).toEqual({ code: 0, signal: null });
      expect(containerExists(owner.id)).toBe(false);
    });

    test('after a SIGKILL of the owner, the next sweep removes the orphan', async () => {
      const owner = await startOwner();
      owner.child.kill('SIGKILL');
      await owner.exited;
      expect(containerExists(owner.id)).toBe(true);
      expect(await sweepOrphans()).toBeGreaterThanOrEqual(1);
      expect(containerExists(owner.id)).toBe(false);
    });
  });
});

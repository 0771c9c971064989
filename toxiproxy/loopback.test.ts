import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { rawRequest } from './conformance-support.ts';
import { ToxiproxyServerError } from './errors.ts';
import { startToxiproxyServer } from './server.ts';

/**
 * edge-chaos opens ports only on this machine unless told otherwise. Only the
 * refusal path is exercised: no test binds a non-loopback address (the
 * opt-in is shown with 192.0.2.1, a documentation address no machine has, so
 * the bind fails).
 */

const NON_LOOPBACK = ['0.0.0.0:0', '[::]:0', '192.168.1.10:0', '[fe80::1]:0', 'example.com:0'];

describe('proxy listen addresses', () => {
  it('refuses non-loopback addresses with 400 on create, populate and update', async () => {
    await using server = await startToxiproxyServer({ port: 0 });
    const raw = (method: string, path: string, body?: unknown) => rawRequest(server.url, method, path, body);
    for (const listen of NON_LOOPBACK) {
      const created = await raw('POST', '/proxies', { name: 'wide', listen, upstream: '127.0.0.1:1' });
      expect(created.status, listen).toBe(400);
      expect((created.json() as { error: string }).error).toMatch(/^listen address is not loopback: .*allow-non-loopback/);
      const populated = await raw('POST', '/populate', [{ name: 'wide', listen, upstream: '127.0.0.1:1' }]);
      expect(populated.status, listen).toBe(400);
    }
    expect((await raw('GET', '/proxies')).json()).toEqual({});

    for (const listen of ['127.0.0.1:0', 'localhost:0', ':0', '']) {
      const created = await raw('POST', '/proxies', { name: 'narrow', listen, upstream: '127.0.0.1:1' });
      expect(created.status, listen).toBe(201);
      const updated = await raw('POST', '/proxies/narrow', { listen: '0.0.0.0:0' });
      expect(updated.status).toBe(400);
      expect((await raw('GET', '/proxies/narrow')).json()).toMatchObject({ listen: expect.stringMatching(/^127\.0\.0\.1:/) });
      expect((await raw('DELETE', '/proxies/narrow')).status).toBe(204);
    }
  });

  it('with allowNonLoopbackListen, passes a non-loopback address on to the bind', async () => {
    await using server = await startToxiproxyServer({ port: 0, allowNonLoopbackListen: true });
    const created = await rawRequest(server.url, 'POST', '/proxies', { name: 'doc', listen: '192.0.2.1:0', upstream: '127.0.0.1:1' });
    expect(created.status).toBe(500);
    expect((created.json() as { error: string }).error).toMatch(/^listen tcp 192\.0\.2\.1:0: bind/);
  });
});

describe('the API host', () => {
  it('refuses a non-loopback host without binding anything', async () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.10']) {
      const failure = await startToxiproxyServer({ host, port: 0 }).then(
        // Should it ever start, stop it at once rather than leave it open.
        (server) => server.stop().then(() => server),
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(ToxiproxyServerError);
      expect(failure).toMatchObject({ code: 'EC_TOXIPROXY_BAD_OPTION' });
      expect((failure as ToxiproxyServerError).fix).toMatch(/allowNonLoopbackListen|--allow-non-loopback/);
    }
  });

  it('npm run toxiproxy: --host 0.0.0.0 exits 2 naming --allow-non-loopback, which passes it on', async () => {
    const run = async (args: string[]): Promise<{ code: number | null; output: string }> => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'toxiproxy/main.ts', ...args], {
        cwd: fileURLToPath(new URL('..', import.meta.url)),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (data: Buffer) => {
        output += data.toString();
        // Should it ever listen, stop it at once rather than leave the port open.
        if (output.includes('listening on')) child.kill('SIGKILL');
      });
      child.stderr.on('data', (data: Buffer) => (output += data.toString()));
      const [code] = (await once(child, 'exit')) as [number | null];
      return { code, output };
    };
    const refused = await run(['--host', '0.0.0.0', '--port', '0']);
    expect(refused.code).toBe(2);
    expect(refused.output).toMatch(/not loopback[\s\S]*--allow-non-loopback/);
    const allowed = await run(['-host=192.0.2.1', '--port', '0', '--allow-non-loopback']);
    expect(allowed.code).toBe(2);
    expect(allowed.output).toMatch(/cannot listen on 192\.0\.2\.1:0/);
  });
});

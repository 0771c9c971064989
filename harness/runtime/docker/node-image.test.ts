import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { buildHubImage, parseLdd } from './node-image.ts';
import { dockerGate } from './test-support.ts';

describe('parseLdd', () => {
  test('keeps resolved libraries and the loader, drops the vDSO', () => {
    const output = [
      '\tlinux-vdso.so.1 (0x00007ffd4b1f2000)',
      '\tlibstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x00007f4651000000)',
      '\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f4650e1e000)',
      '\t/lib64/ld-linux-x86-64.so.2 (0x00007f4651420000)',
    ].join('\n');
    expect(parseLdd(output)).toEqual([
      '/lib/x86_64-linux-gnu/libstdc++.so.6',
      '/lib/x86_64-linux-gnu/libc.so.6',
      '/lib64/ld-linux-x86-64.so.2',
    ]);
  });

  test('a missing library is a coded error naming it', () => {
    expect(() => parseLdd('\tlibfoo.so.1 => not found')).toThrow(expect.objectContaining({ code: 'EC_DOCKER_IMAGE_INPUT' }));
  });
});

const gate = await dockerGate();

describe.skipIf(gate.skip)(`buildHubImage on a small project${gate.suffix}`, () => {
  // A throwaway project with a unique file, so this always builds for real.
  const projectDir = mkdtempSync(join(tmpdir(), 'edge-chaos-image-'));
  const nonce = randomUUID();
  const tag = `edge-chaos/hub-test-${process.pid}:local`;
  const built: string[] = [];

  writeFileSync(join(projectDir, 'package.json'), '{"name":"t","private":true,"type":"module"}\n');
  mkdirSync(join(projectDir, 'harness', 'dist'), { recursive: true });
  mkdirSync(join(projectDir, 'reports'));
  writeFileSync(join(projectDir, 'harness', 'nonce.txt'), nonce);
  writeFileSync(join(projectDir, 'harness', 'dist', 'out.js'), '');
  writeFileSync(join(projectDir, 'harness', 'run.log'), '');
  writeFileSync(join(projectDir, 'reports', 'r.json'), '{}');

  afterAll(() => {
    rmSync(projectDir, { recursive: true, force: true });
    if (built.length > 0) execFileSync('docker', ['rmi', '--force', tag, ...built], { stdio: 'ignore' });
  });

  test('builds once, then the same inputs are a cache hit', async () => {
    const first = await buildHubImage({ projectDir, tag });
    built.push(first.image);
    expect(first).toEqual({ image: expect.stringMatching(/^edge-chaos\/hub-test-\d+:[0-9a-f]{12}$/), built: true });

    const second = await buildHubImage({ projectDir, tag });
    expect(second).toEqual({ image: first.image, built: false });

    const imageIds = [first.image, tag].map((t) => execFileSync('docker', ['image', 'inspect', '--format', '{{.Id}}', t], { encoding: 'utf8' }).trim());
    expect(imageIds[0]).toBe(imageIds[1]);
  });

  test('the image runs node as a non-root user with the project at /app, outputs excluded', () => {
    const script = [
      "const fs = require('fs');",
      "console.log(JSON.stringify({ uid: process.getuid(), cwd: process.cwd(), version: process.version,",
      "  nonce: fs.readFileSync('/app/harness/nonce.txt', 'utf8'),",
      "  excluded: ['/app/harness/dist', '/app/harness/run.log', '/app/reports'].filter((p) => fs.existsSync(p)) }));",
    ].join('\n');
    const out = execFileSync('docker', ['run', '--rm', '--network', 'host', tag, 'node', '-e', script], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ uid: 1000, cwd: '/app', version: process.version, nonce, excluded: [] });
  });

  test('changing a source file changes the tag', async () => {
    writeFileSync(join(projectDir, 'harness', 'nonce.txt'), `${nonce}-changed`);
    const next = await buildHubImage({ projectDir, tag });
    built.push(next.image);
    expect(next.built).toBe(true);
    expect(built[0]).not.toBe(next.image);
  });
});

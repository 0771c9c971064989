import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { tarStream } from './tar-writer.ts';
import type { TarEntry } from './tar-writer.ts';

const dir = mkdtempSync(join(tmpdir(), 'edge-chaos-tar-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function writeTar(entries: TarEntry[]): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of tarStream(entries)) chunks.push(chunk);
  const path = join(dir, `t${Math.floor(performance.now() * 1000)}.tar`);
  writeFileSync(path, Buffer.concat(chunks));
  return path;
}

describe('tarStream', () => {
  test('GNU tar reads back files, dirs, symlinks and PAX long names', async () => {
    const source = join(dir, 'big.bin');
    const big = Buffer.alloc(70_000, 7);
    writeFileSync(source, big);
    const longName = `deep/${'d'.repeat(120)}/${'f'.repeat(90)}.txt`;
    const tarPath = await writeTar([
      { type: 'dir', path: '/deep', mode: 0o755 },
      { type: 'dir', path: `/deep/${'d'.repeat(120)}`, mode: 0o755 },
      { type: 'file', path: `/${longName}`, mode: 0o644, content: Buffer.from('long\n') },
      { type: 'file', path: '/big.bin', mode: 0o755, size: big.length, source },
      { type: 'file', path: '/empty', mode: 0o600, content: Buffer.alloc(0) },
      { type: 'symlink', path: '/link', target: `deep/${'x'.repeat(150)}` },
      { type: 'dir', path: '/tmp', mode: 0o1777 },
    ]);
    const out = join(dir, 'out');
    execFileSync('mkdir', ['-p', out]);
    execFileSync('tar', ['-xf', tarPath, '-C', out, '--no-same-owner']);
    expect(readFileSync(join(out, longName), 'utf8')).toBe('long\n');
    expect(readFileSync(join(out, 'big.bin')).equals(big)).toBe(true);
    expect(statSync(join(out, 'big.bin')).mode & 0o777).toBe(0o755);
    expect(statSync(join(out, 'empty')).size).toBe(0);
    expect(readlinkSync(join(out, 'link'))).toBe(`deep/${'x'.repeat(150)}`);
    expect(statSync(join(out, 'tmp')).mode & 0o7777).toBe(0o1777);
  });

  test('a source file that shrank while archiving is an error, not a corrupt archive', async () => {
    const source = join(dir, 'shrinks.bin');
    writeFileSync(source, 'abc');
    await expect(writeTar([{ type: 'file', path: '/x', mode: 0o644, size: 10, source }])).rejects.toThrow(/changed while being archived/);
  });
});

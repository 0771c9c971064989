/**
 * A minimal streaming tar (ustar + PAX long names) writer: enough to feed
 * `docker import -` a root filesystem assembled from several host folders
 * without staging a copy on disk. Entries are written root:root with one fixed
 * mtime, so the same inputs give the same bytes.
 */
import { createReadStream } from 'node:fs';

export type TarEntry =
  | { type: 'dir'; path: string; mode: number }
  | { type: 'file'; path: string; mode: number; size: number; source: string }
  | { type: 'file'; path: string; mode: number; content: Buffer }
  | { type: 'symlink'; path: string; target: string };

const BLOCK_BYTES = 512;
/** 2000-01-01T00:00:00Z: fixed so rebuilding identical inputs gives identical layers. */
const MTIME_S = 946_684_800;

/** Yields the tar stream's bytes for the given entries, then the end marker. */
export async function* tarStream(entries: AsyncIterable<TarEntry> | Iterable<TarEntry>): AsyncGenerator<Buffer> {
  for await (const entry of entries) {
    const name = entry.type === 'dir' ? `${stripSlashes(entry.path)}/` : stripSlashes(entry.path);
    const linkname = entry.type === 'symlink' ? entry.target : '';
    const size = entry.type !== 'file' ? 0 : 'content' in entry ? entry.content.length : entry.size;
    if (!fitsUstar(name) || !fitsUstar(linkname)) {
      const records = paxRecord('path', name) + (linkname === '' ? '' : paxRecord('linkpath', linkname));
      const body = Buffer.from(records, 'utf8');
      yield header({ name: 'PaxHeader', mode: 0o644, size: body.length, typeflag: 'x', linkname: '' });
      yield body;
      yield padding(body.length);
    }
    const typeflag = entry.type === 'dir' ? '5' : entry.type === 'symlink' ? '2' : '0';
    const mode = entry.type === 'symlink' ? 0o777 : entry.mode;
    yield header({ name: truncate(name), mode, size, typeflag, linkname: truncate(linkname) });
    if (entry.type === 'file') {
      if ('content' in entry) {
        yield entry.content;
      } else {
        yield* fileBytes(entry.source, entry.size);
      }
      yield padding(size);
    }
  }
  yield Buffer.alloc(2 * BLOCK_BYTES);
}

async function* fileBytes(source: string, size: number): AsyncGenerator<Buffer> {
  if (size === 0) return;
  let read = 0;
  // end is inclusive; reading at most `size` keeps the archive valid even if
  // the file grows meanwhile.
  for await (const chunk of createReadStream(source, { end: size - 1 })) {
    read += (chunk as Buffer).length;
    yield chunk as Buffer;
  }
  if (read !== size) {
    throw new Error(`${source} changed while being archived (expected ${size} bytes, read ${read})`);
  }
}

function header(h: { name: string; mode: number; size: number; typeflag: string; linkname: string }): Buffer {
  const block = Buffer.alloc(BLOCK_BYTES);
  block.write(h.name, 0, 100, 'utf8');
  block.write(octal(h.mode, 8), 100, 'ascii');
  block.write(octal(0, 8), 108, 'ascii'); // uid
  block.write(octal(0, 8), 116, 'ascii'); // gid
  block.write(octal(h.size, 12), 124, 'ascii');
  block.write(octal(MTIME_S, 12), 136, 'ascii');
  block.write('        ', 148, 'ascii'); // checksum counts itself as spaces
  block.write(h.typeflag, 156, 'ascii');
  block.write(h.linkname, 157, 100, 'utf8');
  block.write('ustar\u000000', 257, 'ascii');
  block.write('root', 265, 'ascii');
  block.write('root', 297, 'ascii');
  let checksum = 0;
  for (const byte of block) checksum += byte;
  block.write(`${checksum.toString(8).padStart(6, '0')}\u0000 `, 148, 'ascii');
  return block;
}

/** Zero-padded octal with a trailing NUL, as ustar's numeric fields want. */
function octal(value: number, fieldBytes: number): string {
  return `${value.toString(8).padStart(fieldBytes - 1, '0')}\u0000`;
}

/** A PAX record is "<len> key=value\n" where len counts the whole record. */
function paxRecord(key: string, value: string): string {
  const rest = ` ${key}=${value}\n`;
  const restBytes = Buffer.byteLength(rest, 'utf8');
  let digits = 1;
  while (String(restBytes + digits).length !== digits) digits += 1;
  return `${restBytes + digits}${rest}`;
}

function fitsUstar(value: string): boolean {
  return Buffer.byteLength(value, 'utf8') <= 100 && /^[\x20-\x7e]*$/.test(value);
}

/** The ustar field holds a truncated name when a PAX record carries the full one. */
function truncate(value: string): string {
  return Buffer.from(value, 'utf8').subarray(0, 100).toString('latin1').replace(/[^\x20-\x7e]/g, '_');
}

function padding(size: number): Buffer {
  const rest = size % BLOCK_BYTES;
  return Buffer.alloc(rest === 0 ? 0 : BLOCK_BYTES - rest);
}

function stripSlashes(path: string): string {
  return path.replace(/^\/+/, '').replace(/\/+$/, '');
}

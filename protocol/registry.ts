/**
 * Protocols by name, and profile files by path: how a run, and every shard
 * process of it, gets the same Protocol from one string (`--protocol`).
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { EdgeChaosError } from '../common/errors.ts';
import { closestName } from '../common/closest-name.ts';
import { importUserFile } from '../common/user-file.ts';
import { compileProtocol, defineProtocol, type CompileContext, type ProtocolProfile } from './define.ts';
import socketIo from './profiles/socket-io.ts';
import v1 from './profiles/v1.ts';
import ws from './profiles/ws.ts';
import { compileSocketIoProtocol, defineSocketIoProtocol, isSocketIoProfile, type SocketIoProfile } from './socket-io.ts';
import type { Protocol } from './wire.ts';

/** A profile of either kind: declarative (defineProtocol), or Socket.IO's (defineSocketIoProtocol, marked `kind: 'socket.io'`). */
export type AnyProtocolProfile = ProtocolProfile | SocketIoProfile;

/** The built-in protocols, by the name `--protocol` takes. */
export const PROTOCOLS: ReadonlyMap<string, AnyProtocolProfile> = new Map<string, AnyProtocolProfile>([
  ['v1', v1],
  ['ws', ws],
  ['socket.io', socketIo],
]);

/** Builds the Protocol seam from a profile of either kind. */
export function compileAnyProtocol(profile: AnyProtocolProfile, context: CompileContext): Protocol {
  return isSocketIoProfile(profile) ? compileSocketIoProtocol(profile, context) : compileProtocol(profile, context);
}

export const DEFAULT_PROTOCOL = 'v1';

/** True when `spec` names a file rather than a built-in protocol. */
export function isProtocolPath(spec: string): boolean {
  return /[\\/]/.test(spec) || /\.[cm]?[jt]s$/.test(spec);
}

/**
 * Where `spec` is to be found by another process: a built-in name as it is, a
 * file as an absolute path (relative paths start where the user ran npm).
 * Refuses a name that is not built in and a file that does not exist.
 */
export function resolveProtocolSource(spec: string, cwd = process.env.INIT_CWD ?? process.cwd()): string {
  if (PROTOCOLS.has(spec)) return spec;
  if (!isProtocolPath(spec)) {
    const guess = closestName(spec, PROTOCOLS.keys());
    throw new EdgeChaosError(
      'EC_UNKNOWN_PROTOCOL',
      `no protocol named ${JSON.stringify(spec)}${guess ? `; did you mean ${guess}?` : ''}`,
      `built in: ${[...PROTOCOLS.keys()].join(', ')}; or pass the path of a profile file, like --protocol ./my-hub.protocol.ts (docs/protocols.md)`,
    );
  }
  const file = isAbsolute(spec) ? spec : resolve(cwd, spec);
  if (!existsSync(file)) throw new EdgeChaosError('EC_UNKNOWN_PROTOCOL', `protocol profile ${file} does not exist`, 'check the path (relative paths start where you ran npm)');
  return file;
}

/** The profile behind a source: a built-in's, or a file's default export (either kind), checked. */
export async function loadProtocolProfile(source: string): Promise<AnyProtocolProfile> {
  const builtIn = PROTOCOLS.get(source);
  if (builtIn) return builtIn;
  const file = resolveProtocolSource(source);
  const module = await importUserFile(file, 'protocol profile', 'EC_BAD_PROTOCOL');
  if (module.default === undefined) throw new EdgeChaosError('EC_BAD_PROTOCOL', `protocol profile ${file} has no default export`, 'end the file with `export default defineProtocol({...})` (or `defineSocketIoProtocol({...})` for a Socket.IO hub)');
  return isSocketIoProfile(module.default) ? defineSocketIoProtocol(module.default) : defineProtocol(module.default as ProtocolProfile);
}

/** The source of a profile given as an object rather than by name or file: it cannot reach another process. */
export const INLINE_SOURCE_PREFIX = 'inline:';

/** The Protocol a run uses: built from its profile (named, in a file, or given) with the run's token. */
export async function loadProtocol(spec: string | AnyProtocolProfile = DEFAULT_PROTOCOL, options: { token?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Protocol> {
  // A profile given as an object, of either kind: compiling checks it (compileProtocol and compileSocketIoProtocol define it first).
  if (typeof spec !== 'string') return compileAnyProtocol(spec, { source: `${INLINE_SOURCE_PREFIX}${spec.name}`, ...options });
  const source = resolveProtocolSource(spec);
  return compileAnyProtocol(await loadProtocolProfile(source), { source, ...options });
}

/** A built-in protocol, at once (no file to load): what a fleet uses when it is given none. */
export function builtInProtocol(name: string = DEFAULT_PROTOCOL, options: { token?: string; env?: NodeJS.ProcessEnv } = {}): Protocol {
  const profile = PROTOCOLS.get(name);
  if (!profile) throw new EdgeChaosError('EC_UNKNOWN_PROTOCOL', `${JSON.stringify(name)} is not a built-in protocol`, `built in: ${[...PROTOCOLS.keys()].join(', ')}; a profile file is loaded with loadProtocol()`);
  return compileAnyProtocol(profile, { source: name, ...options });
}

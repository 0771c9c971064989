import { isLoopbackHost, parseHostPort } from './address.ts';
import type { ProxyConfig } from './collection.ts';
import { ToxiproxyApiError } from './errors.ts';
import type { ProxySettings } from './proxy.ts';
import type { ToxicSet } from './toxic-set.ts';
import { decodeAttributes } from './toxics/attributes.ts';
import { findToxicDefinition } from './toxics/registry.ts';
import type { StreamDirection, ToxicSpec } from './toxics/types.ts';

/**
 * Request bodies, checked once where they enter. Each reader returns a typed
 * value or throws the ToxiproxyApiError real Toxiproxy would answer with;
 * checks run in real Toxiproxy's order, so the same bad body gets the same
 * error. Unknown keys are ignored and null means "not given", as with Go's
 * JSON decoder.
 */

/** Where a proxy listens when the body names no address (see address.ts for why loopback). */
const DEFAULT_LISTEN = '127.0.0.1:0';

type JsonObject = Record<string, unknown>;

/**
 * The longest proxy or toxic name, in bytes once percent-encoded as a path
 * segment. Every name the API accepts must be addressable by its URL; the API
 * raises its URL limits to fit two such names (api.ts), and refuses longer
 * ones at creation. Real Toxiproxy takes any name but its URLs stop at Go's
 * 1 MiB header limit, so it has the same trap further out.
 */
export const MAX_NAME_URL_BYTES = 65_536;

function checkName(name: string, what: 'proxy' | 'toxic', at = ''): void {
  const bytes = encodeURIComponent(name).length;
  if (bytes > MAX_NAME_URL_BYTES) {
    throw new ToxiproxyApiError(
      'NAME_TOO_LONG',
      `${what} name is ${bytes} bytes once URL-encoded, at most ${MAX_NAME_URL_BYTES}${at}`,
    );
  }
}

export function parseJson(raw: unknown): unknown {
  const text = typeof raw === 'string' ? raw : '';
  if (text.trim() === '') throw new ToxiproxyApiError('BAD_REQUEST_BODY', 'EOF');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ToxiproxyApiError('BAD_REQUEST_BODY', (error as Error).message);
  }
}

function asObject(value: unknown, what: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ToxiproxyApiError('BAD_REQUEST_BODY', `${what} must be a JSON object`);
  }
  return value as JsonObject;
}

function field<T>(body: JsonObject, key: string, kind: 'string' | 'boolean' | 'number', fallback: T, at = ''): T {
  const value = body[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== kind) {
    throw new ToxiproxyApiError('BAD_REQUEST_BODY', `${key} must be a ${kind}, got ${JSON.stringify(value)}${at}`);
  }
  return value as T;
}

/** What the server allows beyond the request itself. */
export interface BodyPolicy {
  /** Let proxies listen on addresses other than loopback. Default false. */
  readonly allowNonLoopbackListen?: boolean;
}

function checkListen(listen: string, policy: BodyPolicy, at: string): void {
  const address = parseHostPort(listen);
  if (address === undefined) {
    throw new ToxiproxyApiError('BAD_ADDRESS', `${JSON.stringify(listen)} is not host:port${at}`);
  }
  if (policy.allowNonLoopbackListen !== true && !isLoopbackHost(address.host)) {
    throw new ToxiproxyApiError(
      'NON_LOOPBACK_LISTEN',
      `${JSON.stringify(listen)}${at}: edge-chaos opens ports only on this machine (127.0.0.0/8, ::1, localhost); ` +
        'start the server with allowNonLoopbackListen (npm run toxiproxy -- --allow-non-loopback) to bind other addresses',
    );
  }
}

function readProxyConfig(body: JsonObject, policy: BodyPolicy, at: string): ProxyConfig {
  const name = field(body, 'name', 'string', '', at);
  const listen = field(body, 'listen', 'string', '', at) || DEFAULT_LISTEN;
  const upstream = field(body, 'upstream', 'string', '', at);
  const enabled = field(body, 'enabled', 'boolean', true, at);
  if (name === '') throw new ToxiproxyApiError('MISSING_FIELD', `name${at}`);
  checkName(name, 'proxy', at);
  if (upstream === '') throw new ToxiproxyApiError('MISSING_FIELD', `upstream${at}`);
  checkListen(listen, policy, at);
  return { name, listen, upstream, enabled };
}

/** POST /proxies. `toxics` in the body is ignored, as real Toxiproxy does. */
export function readProxyCreate(raw: unknown, policy: BodyPolicy): ProxyConfig {
  return readProxyConfig(asObject(parseJson(raw), 'proxy'), policy, '');
}

/** POST /populate: all entries are checked before any proxy is created. */
export function readPopulate(raw: unknown, policy: BodyPolicy): ProxyConfig[] {
  const body = parseJson(raw);
  if (!Array.isArray(body)) throw new ToxiproxyApiError('BAD_REQUEST_BODY', 'populate takes a JSON array of proxies');
  return body.map((entry, index) => readProxyConfig(asObject(entry, `proxy ${index + 1}`), policy, ` at proxy ${index + 1}`));
}

/** POST|PATCH /proxies/{proxy}: fields not given keep their current value. */
export function readProxyUpdate(raw: unknown, current: ProxySettings, policy: BodyPolicy): ProxySettings {
  const body = asObject(parseJson(raw), 'proxy');
  const listen = field(body, 'listen', 'string', current.listen) || DEFAULT_LISTEN;
  const upstream = field(body, 'upstream', 'string', current.upstream);
  const enabled = field(body, 'enabled', 'boolean', current.enabled);
  if (upstream === '') throw new ToxiproxyApiError('MISSING_FIELD', 'upstream');
  checkListen(listen, policy, '');
  return { listen, upstream, enabled };
}

/** The largest finite float32: real Toxiproxy's `toxicity` is one, and Go refuses to decode past it. */
const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * Any float32 is taken, as real Toxiproxy takes it: above 1 the toxic always
 * applies, below 0 never (the roll is `random < toxicity`).
 */
function readToxicity(body: JsonObject, fallback: number): number {
  const toxicity = field(body, 'toxicity', 'number', fallback);
  if (Math.abs(toxicity) > FLOAT32_MAX) {
    throw new ToxiproxyApiError('BAD_REQUEST_BODY', `toxicity must fit a float32 (at most ${FLOAT32_MAX} in size), got ${toxicity}`);
  }
  return toxicity;
}

function readStream(body: JsonObject): StreamDirection {
  const stream = field(body, 'stream', 'string', 'downstream').toLowerCase();
  if (stream !== 'upstream' && stream !== 'downstream') throw new ToxiproxyApiError('INVALID_STREAM');
  return stream;
}

/** POST /proxies/{proxy}/toxics. */
export function readToxicCreate(raw: unknown, existing: ToxicSet): ToxicSpec {
  const body = asObject(parseJson(raw), 'toxic');
  const givenName = field(body, 'name', 'string', '');
  const type = field(body, 'type', 'string', '');
  const toxicity = readToxicity(body, 1);
  const stream = readStream(body);
  const name = givenName === '' ? `${type}_${stream}` : givenName;
  const definition = findToxicDefinition(type);
  if (definition === undefined) throw new ToxiproxyApiError('INVALID_TOXIC_TYPE');
  checkName(name, 'toxic');
  if (existing.get(name) !== undefined) throw new ToxiproxyApiError('TOXIC_ALREADY_EXISTS');
  const attributes = decodeAttributes(definition, body['attributes'], {});
  if (typeof attributes === 'string') throw new ToxiproxyApiError('BAD_ATTRIBUTES', attributes);
  return { name, type, stream, toxicity, attributes };
}

/** POST|PATCH /proxies/{proxy}/toxics/{toxic}: attributes merge; name, type and stream stay. */
export function readToxicUpdate(raw: unknown, current: ToxicSpec): ToxicSpec {
  const body = asObject(parseJson(raw), 'toxic');
  const toxicity = readToxicity(body, current.toxicity);
  const definition = findToxicDefinition(current.type);
  if (definition === undefined) throw new ToxiproxyApiError('INVALID_TOXIC_TYPE');
  const attributes = decodeAttributes(definition, body['attributes'], current.attributes);
  if (typeof attributes === 'string') throw new ToxiproxyApiError('BAD_ATTRIBUTES', attributes);
  return { ...current, toxicity, attributes };
}

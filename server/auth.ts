import { createHash, timingSafeEqual } from 'node:crypto';
import { HubError } from './errors.ts';

/** What a request's bearer token is worth on a route. */
export type Access = 'granted' | 'missing' | 'wrong' | 'forbidden';

/** Visible ASCII only: a control character (CR, LF, NUL) in a header value is a request-splitting risk, and no client can send it anyway. */
const TOKEN_RE = /^[\x21-\x7e]+$/;

/**
 * Refuses a token no client could ever present, so a hub never starts
 * refusing everyone. `option` names the option in the message (`--token`).
 */
export function validateTokens(option: string, tokens: readonly string[]): void {
  for (const token of tokens) {
    if (token === '') throw new HubError('EC_HUB_BAD_OPTION', `${option} is empty: no agent could ever send it`, `pass a non-empty token, e.g. ${option} s3cret, or leave ${option} out for no auth`);
    if (!TOKEN_RE.test(token)) {
      throw new HubError('EC_HUB_BAD_OPTION', `${option} ${JSON.stringify(token)} has a space or a control character (CR, LF, tab...)`, 'use printable ASCII without spaces, e.g. a hex or base64url string');
    }
  }
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * A set of bearer tokens compared in constant time: the presented token and
 * every configured one are hashed to 32 bytes, so timingSafeEqual always
 * compares equal lengths, and every configured token is compared (no early
 * exit) so the time says nothing about which one nearly matched.
 */
export class TokenSet {
  readonly #digests: Buffer[];

  constructor(tokens: readonly string[]) {
    this.#digests = [...new Set(tokens)].map(digest);
  }

  get empty(): boolean {
    return this.#digests.length === 0;
  }

  has(token: string): boolean {
    const presented = digest(token);
    let found = false;
    for (const d of this.#digests) found = timingSafeEqual(d, presented) || found;
    return found;
  }
}

/** The token of an `Authorization: Bearer <token>` header; the scheme is case-insensitive (RFC 9110), the token is not. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer +(\S+) *$/i.exec(authorization ?? '');
  return match?.[1];
}

/** Who may use which route: agent tokens guard the agent routes, admin tokens the admin routes. */
export class HubAuth {
  readonly agent: TokenSet;
  readonly admin: TokenSet;
  readonly metricsOpen: boolean;

  constructor(options: { tokens?: readonly string[]; adminTokens?: readonly string[]; metricsOpen?: boolean }) {
    validateTokens('tokens', options.tokens ?? []);
    validateTokens('adminTokens', options.adminTokens ?? []);
    this.agent = new TokenSet(options.tokens ?? []);
    // With agent tokens only, they are the admin tokens too: a hub with --token is never open to admin calls.
    this.admin = new TokenSet(options.adminTokens ?? options.tokens ?? []);
    this.metricsOpen = options.metricsOpen ?? false;
  }

  /** WebSocket upgrade and /edge/*. */
  agentAccess(authorization: string | undefined): Access {
    return check(this.agent, authorization, undefined);
  }

  /** /admin/*; an agent token there is known but not enough (403). */
  adminAccess(authorization: string | undefined): Access {
    return check(this.admin, authorization, this.agent);
  }

  metricsAccess(authorization: string | undefined): Access {
    return this.metricsOpen ? 'granted' : this.adminAccess(authorization);
  }
}

function check(tokens: TokenSet, authorization: string | undefined, lesser: TokenSet | undefined): Access {
  if (tokens.empty) return 'granted';
  const token = bearerToken(authorization);
  if (token === undefined) return 'missing';
  if (tokens.has(token)) return 'granted';
  return lesser?.has(token) ? 'forbidden' : 'wrong';
}

/** HTTP status and message for a refused access. */
export function accessDenied(access: Exclude<Access, 'granted'>, route: 'agent' | 'admin'): { status: 401 | 403; error: string } {
  if (access === 'forbidden') return { status: 403, error: 'this is an agent token; admin routes need the admin token' };
  return { status: 401, error: access === 'missing' ? `missing bearer token: send Authorization: Bearer <${route} token>` : `wrong bearer token for ${route} routes` };
}

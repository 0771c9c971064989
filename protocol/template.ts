/**
 * Templates and field paths: how a protocol profile says where a value is
 * in a frame and how to build a frame, a URL or a body from what the agent
 * or the harness knows.
 *
 * A field path is dotted, array indexes as numbers: `job.id`, `args.0.name`.
 * A template is JSON-shaped data whose strings may hold `{placeholders}`:
 * `"/agents/{agent}/jobs"`, `{ "type": "pong", "seq": "{frame.seq}" }`. A
 * string that is one placeholder and nothing else (`"{payload}"`) stands for
 * the value itself, whatever its type, so a payload stays an object; inside a
 * longer string a value is written as text (objects as JSON). A function may
 * stand in for any template: it gets the same values and returns the result.
 *
 * Templates are compiled once, when the profile is loaded: a frame built for
 * each of 5,000 agents' connections must not re-parse its template.
 */

/** The values a template may name; which are set depends on where it is used (the profile's docs say). */
export interface TemplateValues {
  /** The agent's id. */
  agent?: string;
  /** The run's token (`--token`); a header that names it is left out when there is none. */
  token?: string;
  /** The frame being answered (a reply, a heartbeat answer). */
  frame?: unknown;
  /** The command being acked, its id as the hub sent it (a number stays a number). */
  command?: { id: string | number; name: string; payload: unknown };
  /** The commands being acked in one request (an ack per batch). */
  commands?: readonly { id: string | number; name: string; payload: unknown }[];
  /** Their ids, as the hub sent them. */
  ids?: readonly (string | number)[];
  /** The command being issued: its name and payload. */
  name?: string;
  payload?: unknown;
  /** The agent's heartbeat counter, from 1 on each connection. */
  seq?: number;
}

export type TemplateFunction = (values: TemplateValues) => unknown;
export type Template = string | number | boolean | null | readonly Template[] | { readonly [key: string]: Template } | TemplateFunction;

/** A compiled template: values in, the built value out; `undefined` when it names a value that is not set. */
export type Built = (values: TemplateValues) => unknown;

/** Thrown at load for a template that cannot be compiled; the caller adds where it is. */
export class TemplateError extends Error {
  /** What to do, when it is not "fix the template" (a variable to set). */
  readonly fix: string | undefined;

  constructor(message: string, fix?: string) {
    super(message);
    this.fix = fix;
  }
}

const PLACEHOLDER = /\{([^{}]*)\}/g;
const MISSING = Symbol('missing');

/** Reads a dotted path from a value; `undefined` where the path leads nowhere. */
export function readPath(value: unknown, path: readonly string[]): unknown {
  let at = value;
  for (const key of path) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

/** Splits and checks a field path: dotted names or indexes, none empty. */
export function parsePath(path: string): string[] {
  if (typeof path !== 'string' || path === '') throw new TemplateError(`a field path must be a non-empty string like "job.id", got ${JSON.stringify(path)}`);
  const parts = path.split('.');
  if (parts.some((p) => p === '')) throw new TemplateError(`field path ${JSON.stringify(path)} has an empty part`);
  return parts;
}

/**
 * Compiles a template. `allowed` lists the roots the place it is used may name (an ack may name
 * `command`, an issuing body `name` and `payload`); `env` is read now, so a secret missing from the
 * environment is a load error, not a run of refused upgrades.
 */
export function compileTemplate(template: Template, allowed: readonly string[], env: NodeJS.ProcessEnv): Built {
  if (typeof template === 'function') return template;
  if (typeof template === 'string') return compileString(template, allowed, env);
  if (template === null || typeof template !== 'object') return () => template;
  if (Array.isArray(template)) {
    const items = template.map((t) => compileTemplate(t, allowed, env));
    return (values) => {
      const out: unknown[] = [];
      for (const item of items) {
        const v = item(values);
        if (v === undefined) return undefined;
        out.push(v);
      }
      return out;
    };
  }
  const entries = Object.entries(template as Record<string, Template>).map(([key, t]) => [key, compileTemplate(t, allowed, env)] as const);
  return (values) => {
    const out: Record<string, unknown> = {};
    for (const [key, build] of entries) {
      const v = build(values);
      if (v === undefined) return undefined;
      out[key] = v;
    }
    return out;
  };
}

function compileString(text: string, allowed: readonly string[], env: NodeJS.ProcessEnv): Built {
  const parts: (string | ((values: TemplateValues) => unknown))[] = [];
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    if (match.index > last) parts.push(text.slice(last, match.index));
    parts.push(compilePlaceholder(match[1]!.trim(), allowed, env));
    last = match.index + match[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  if (parts.length === 0) return () => '';
  if (parts.length === 1) {
    const only = parts[0]!;
    if (typeof only === 'string') return () => only;
    return (values) => {
      const v = only(values);
      return v === MISSING ? undefined : v;
    };
  }
  return (values) => {
    let out = '';
    for (const part of parts) {
      if (typeof part === 'string') out += part;
      else {
        const v = part(values);
        if (v === MISSING || v === undefined) return undefined;
        out += typeof v === 'string' ? v : JSON.stringify(v);
      }
    }
    return out;
  };
}

function compilePlaceholder(name: string, allowed: readonly string[], env: NodeJS.ProcessEnv): (values: TemplateValues) => unknown {
  const [root, ...rest] = name.split('.');
  if (root === 'env') {
    if (rest.length !== 1 || rest[0] === '') throw new TemplateError(`{${name}} must name one environment variable, like {env.HUB_KEY}`);
    const value = env[rest[0]!];
    if (value === undefined) throw new TemplateError(`{${name}} names the environment variable ${rest[0]}, which is not set`, `set ${rest[0]} in the environment the run starts from (the profile reads it there), then run again`);
    return () => value;
  }
  if (!allowed.includes(root!)) {
    throw new TemplateError(`{${name}} cannot be used here; a placeholder here starts with one of: ${[...allowed, 'env'].join(', ')}`);
  }
  if (rest.some((p) => p === '')) throw new TemplateError(`{${name}} has an empty part`);
  const key = root as keyof TemplateValues;
  if (rest.length === 0) return (values) => (values[key] === undefined ? MISSING : values[key]);
  return (values) => {
    const v = readPath(values[key], rest);
    return v === undefined ? MISSING : v;
  };
}

/** A match: every path given equals its value; or a function of the frame. */
export type Match = { readonly [path: string]: string | number | boolean | null } | ((frame: unknown) => boolean);

export function compileMatch(match: Match): (frame: unknown) => boolean {
  if (typeof match === 'function') return match;
  if (match === null || typeof match !== 'object' || Array.isArray(match)) throw new TemplateError(`a match must be an object of field paths and values, like { "type": "job" }, or a function, got ${JSON.stringify(match)}`);
  const tests = Object.entries(match).map(([path, value]) => {
    if (value !== null && typeof value === 'object') throw new TemplateError(`match value for ${JSON.stringify(path)} must be a string, number, boolean or null, got ${JSON.stringify(value)}`);
    return [parsePath(path), value] as const;
  });
  if (tests.length === 0) throw new TemplateError('a match needs at least one field, like { "type": "job" }');
  if (tests.length === 1) {
    const [[path, value]] = tests as [readonly [string[], unknown]];
    if (path.length === 1) {
      const key = path[0]!;
      return (frame) => frame !== null && typeof frame === 'object' && (frame as Record<string, unknown>)[key] === value;
    }
  }
  return (frame) => tests.every(([path, value]) => readPath(frame, path) === value);
}

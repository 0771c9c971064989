import { parseArgs } from 'node:util';
import { basename, dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALL_PROTOCOLS, PROTOCOL_CHOICES, type ProtocolChoice } from './sides.ts';

/** `npm run bench -- [options]`: flags are checked here once, and nowhere else. */

export const USAGE = `usage: npm run bench -- [--quick] [--curve] [--sizes N,N,...] [--agents N] [--runs N] [--protocols P,P,...] [--no-artillery] [--no-artillery-install] [--out FILE] [--json FILE]

  --quick                 a small run (2000 connections, one run per side, short windows): under a minute
  --curve                 the cost curve: every client at 1000, 2000, 5000 and 10000 connections,
                          drawn as an SVG beside the markdown (FILE-curve.svg for --out FILE.md);
                          about 10 minutes on a busy 2-core machine (the default run: about 2.5)
  --sizes N,N,...         the curve at these sizes instead (implies --curve)
  --agents N              connections each client holds (default 5000, quick 2000); with --curve, the
                          size the headline table shows (default 5000 if measured, else the largest)
  --runs N                runs per client per size, taken in turn (Fleet, bare, Artillery, then the
                          reverse), medians and min to max reported (default 3, quick 1; at most 5)
  --protocols P,P,...     the Fleets to measure, each against its own hub (default ${ALL_PROTOCOLS.join(',')}):
                          v1 (the reference hub; with bare ws, its floor), json (the custom JSON profile
                          examples/protocols/acme-hub/acme.protocol.ts against its Python hub, needs python3 3.11+),
                          socket.io (against the zoo's Socket.IO hub); with --curve, json and socket.io are
                          measured at the headline size only
  --no-artillery          skip the Artillery column (marked skipped; it also needs v1, whose rate paces it)
  --no-artillery-install  use Artillery only if it is already installed (node_modules/.cache/edge-chaos-bench/); never install
  --out FILE              markdown report (default: docs/benchmarks.md with --curve, the committed page with
                          its chart; reports/benchmarks.md otherwise, so a quick look never drops the chart)
  --json FILE             also write the raw results as JSON (with the pid of every process started)

The most connections a run may hold is checked against this machine's open-file limit and port range
before anything starts.`;

/** What --curve measures: from where fixed costs still show to the scale target's 10,000. */
export const CURVE_SIZES: readonly number[] = [1_000, 2_000, 5_000, 10_000];
export const DEFAULT_AGENTS = 5_000;
export const QUICK_AGENTS = 2_000;
/** A sanity bound on the flag; what this machine can hold is fd-budget.ts's to say. */
const MAX_AGENTS = 1_000_000;
const MAX_RUNS = 5;
const MAX_SIZES = 8;

export interface BenchArgs {
  quick: boolean;
  /** The size the headline table shows; one of `sizes`. */
  agents: number;
  /** Every size to measure, ascending. */
  sizes: number[];
  curve: boolean;
  runsPerSide: number;
  /** The Fleets to measure; v1 brings bare ws with it. In the order ALL_PROTOCOLS lists them. */
  protocols: ProtocolChoice[];
  artillery: boolean;
  artilleryInstall: boolean;
  outPath: string;
  /** With --curve: the chart, beside the markdown (docs/benchmarks.md -> docs/benchmarks-curve.svg). */
  curveSvgPath: string | undefined;
  jsonPath: string | undefined;
}

export class UsageError extends Error {
  readonly fix: string;
  constructor(message: string, fix: string) {
    super(message);
    this.fix = fix;
  }
}

function positiveInt(flag: string, text: string | undefined, fallback: number, max: number, why = ''): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1 || value > max) {
    throw new UsageError(`${flag} ${JSON.stringify(text)} is not a whole number from 1 to ${max}${why}`, `pass e.g. ${flag} ${fallback}`);
  }
  return value;
}

function parseSizes(text: string): number[] {
  const parts = text.split(',').map((part) => part.trim());
  const sizes = parts.map((part) => positiveInt('--sizes', part, DEFAULT_AGENTS, MAX_AGENTS));
  const unique = [...new Set(sizes)].sort((a, b) => a - b);
  if (unique.length !== sizes.length || unique.length > MAX_SIZES) {
    throw new UsageError(`--sizes ${JSON.stringify(text)} must list 1 to ${MAX_SIZES} different sizes`, `pass e.g. --sizes ${CURVE_SIZES.join(',')}`);
  }
  return unique;
}

function parseProtocols(text: string | undefined): ProtocolChoice[] {
  if (text === undefined) return [...ALL_PROTOCOLS];
  const names = text.split(',').map((part) => part.trim());
  const unknown = names.filter((name) => !Object.hasOwn(PROTOCOL_CHOICES, name));
  if (names.length === 0 || unknown.length > 0 || new Set(names).size !== names.length) {
    const why = unknown.length > 0 ? `${unknown.map((name) => JSON.stringify(name)).join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not one of them` : 'each at most once';
    throw new UsageError(`--protocols ${JSON.stringify(text)}: ${why}`, `list some of ${ALL_PROTOCOLS.join(', ')}, e.g. --protocols ${ALL_PROTOCOLS.join(',')}`);
  }
  return ALL_PROTOCOLS.filter((name) => names.includes(name));
}

export function parseBenchArgs(argv: readonly string[]): BenchArgs | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        quick: { type: 'boolean' },
        agents: { type: 'string' },
        curve: { type: 'boolean' },
        sizes: { type: 'string' },
        runs: { type: 'string' },
        protocols: { type: 'string' },
        'no-artillery': { type: 'boolean' },
        'no-artillery-install': { type: 'boolean' },
        out: { type: 'string' },
        json: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0]!, USAGE.split('\n')[0]!);
  }
  if (values.help) return 'help';
  const quick = values.quick ?? false;
  const curve = (values.curve ?? false) || values.sizes !== undefined;
  if (quick && curve) throw new UsageError('--quick and --curve together', 'the curve is the long run; pass one of them (--sizes 1000,2000 for a small curve)');
  let sizes: number[];
  let agents: number;
  if (curve) {
    sizes = values.sizes === undefined ? [...CURVE_SIZES] : parseSizes(values.sizes);
    const fallback = sizes.includes(DEFAULT_AGENTS) ? DEFAULT_AGENTS : sizes.at(-1)!;
    agents = positiveInt('--agents', values.agents, fallback, MAX_AGENTS);
    if (!sizes.includes(agents)) throw new UsageError(`--agents ${agents} is not one of the curve's sizes (${sizes.join(', ')})`, `pass one of them, or add it to --sizes`);
  } else {
    agents = positiveInt('--agents', values.agents, quick ? QUICK_AGENTS : DEFAULT_AGENTS, MAX_AGENTS);
    sizes = [agents];
  }
  for (const flag of ['out', 'json'] as const) {
    if (values[flag] === '') throw new UsageError(`--${flag} is empty`, `pass a file path, e.g. --${flag} /tmp/bench.${flag === 'out' ? 'md' : 'json'}`);
  }
  // docs/benchmarks.md is the curve's page (table and chart); a run without the curve would overwrite it
  // without its chart, so it goes to reports/ unless told otherwise.
  const outPath = values.out ?? fileURLToPath(new URL(curve ? '../docs/benchmarks.md' : '../reports/benchmarks.md', import.meta.url));
  return {
    quick,
    agents,
    sizes,
    curve,
    runsPerSide: positiveInt('--runs', values.runs, quick ? 1 : 3, MAX_RUNS),
    protocols: parseProtocols(values.protocols),
    artillery: !(values['no-artillery'] ?? false),
    artilleryInstall: !(values['no-artillery-install'] ?? false),
    outPath,
    curveSvgPath: curve ? join(dirname(outPath), `${basename(outPath, extname(outPath))}-curve.svg`) : undefined,
    jsonPath: values.json,
  };
}

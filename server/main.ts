import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatDuration, parseDuration } from '../common/duration.ts';
import { LIMIT_FLAGS, MAX_HUB_DURATION_MS, MIN_PING_INTERVAL_MS, type HubLimitOptions } from './limits.ts';
import { validateTokens } from './auth.ts';
import { HUB_DEFECTS } from './defects/index.ts';
import { EdgeChaosError } from '../common/errors.ts';
import { commandLine } from '../common/layout.ts';
import { SqliteCommandStore } from './sqlite-store.ts';
import { startHub } from './start.ts';

/** `npm run hub -- --port P` (`npx edge-chaos hub --port P` installed): the reference hub as its own process. */
const USAGE = `usage: ${commandLine('hub', '', '[--host 127.0.0.1] [--port 8080] [--db edge-hub.sqlite] [--ping-interval 10s] [--defect NAME]... [--token T]... [--admin-token T]... [--metrics-open] [--allow-non-loopback] [limits]')}`;
/** Like a production hub, a restarted one must still deliver what was queued before, so the default is a file. */
const DEFAULT_DB = 'edge-hub.sqlite';
const HELP = `${USAGE}

  --host H            address to listen on (env HOST; default 127.0.0.1): an IP
                      address or localhost; a non-loopback one needs --allow-non-loopback
  --allow-non-loopback  let --host be an address other machines can reach
  --port P            TCP port, 0 for any free one (env PORT; default 8080)
  --db FILE           SQLite file for pending commands (env EDGE_HUB_DB; default
                      ./${DEFAULT_DB}, created with its folder if missing). A hub
                      started again on the same file re-sends every command not
                      yet acked; hubs running at once on one file share it.
                      --db :memory: keeps them in this process only: a restart
                      loses them.
  --ping-interval D   WebSocket ping interval, e.g. 10s or 500ms (default 10s;
                      10ms to 24h: every hub duration is at most 24h)
  --defect NAME       switch on a deliberate bug (repeatable): ${[...HUB_DEFECTS.keys()].join(', ')}
  --token T           agent token: the WebSocket upgrade, GET /edge/commands and
                      POST /edge/acks need Authorization: Bearer T (repeatable).
                      Without --admin-token, the --token values are the admin tokens too
  --admin-token T     admin token: /admin/* and /metrics need Authorization: Bearer T
                      (repeatable); an agent token there gets 403
  --metrics-open      serve /metrics without a token (/healthz is always open)
  Tokens are printable ASCII without spaces; an empty one is refused.

limits (durations like 30s or 500ms, at most ${formatDuration(MAX_HUB_DURATION_MS)}; counts and bytes whole numbers >= 1):
${LIMIT_FLAGS.map((l) => `  ${`${l.flag} ${l.kind === 'duration' ? 'D' : 'N'}`.padEnd(28)}${l.help} (default ${l.fallback})`).join('\n')}
`;

function fail(message: string, fix: string): never {
  process.stderr.write(`error: ${message}\nfix: ${fix}\n`);
  process.exit(2);
}

/** Every hub duration option goes through here: a bare number is seconds, and nothing past MAX_HUB_DURATION_MS gets near a timer. */
function parseMs(flag: string, text: string, minMs = 1): number {
  try {
    return parseDuration(text, { flag, minMs, maxMs: MAX_HUB_DURATION_MS, code: 'EC_HUB_BAD_OPTION' });
  } catch (error) {
    if (error instanceof EdgeChaosError) fail(error.message, error.fix);
    throw error;
  }
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'ping-interval': { type: 'string' },
      defect: { type: 'string', multiple: true },
      token: { type: 'string', multiple: true },
      'admin-token': { type: 'string', multiple: true },
      'metrics-open': { type: 'boolean' },
      'allow-non-loopback': { type: 'boolean' },
      db: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      ...Object.fromEntries(LIMIT_FLAGS.map((l) => [l.flag.slice(2), { type: 'string' as const }])),
    },
  }));
} catch (error) {
  fail((error as Error).message.split('\n')[0]!, USAGE);
}
if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
const portText = values.port ?? process.env.PORT ?? '8080';
const port = Number(portText);
if (!/^\d+$/.test(portText) || port > 65_535) fail(`port ${JSON.stringify(portText)} is not a TCP port`, 'pass --port with a number from 0 to 65535');
const host = values.host ?? process.env.HOST ?? '127.0.0.1';
const db = values.db ?? process.env.EDGE_HUB_DB ?? DEFAULT_DB;
if (db === '') fail('--db is empty', `pass a file path, or --db :memory: to keep commands in memory`);
const dbPath = db === ':memory:' ? db : resolve(db);
const tokens = values.token ?? [];
const adminTokens = values['admin-token'];

const limitValues: HubLimitOptions = {};
for (const l of LIMIT_FLAGS) {
  const text = (values as Record<string, unknown>)[l.flag.slice(2)];
  if (typeof text !== 'string') continue;
  if (l.kind === 'duration') {
    limitValues[l.option] = parseMs(l.flag, text);
    continue;
  }
  const n = Number(text);
  const max = l.max ?? Number.MAX_SAFE_INTEGER;
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1 || n > max) fail(`${l.flag} ${JSON.stringify(text)} is not a whole number from 1 to ${max}`, `pass e.g. ${l.flag} ${l.fallback} (the default)`);
  limitValues[l.option] = n;
}

try {
  validateTokens('--token', tokens);
  validateTokens('--admin-token', adminTokens ?? []);
} catch (error) {
  if (error instanceof EdgeChaosError) fail(error.message, error.fix);
  throw error;
}

try {
  const started = await startHub({
    host,
    allowNonLoopback: values['allow-non-loopback'] ?? false,
    port,
    pingIntervalMs: values['ping-interval'] !== undefined ? parseMs('--ping-interval', values['ping-interval'], MIN_PING_INTERVAL_MS) : undefined,
    defects: values.defect ?? [],
    tokens,
    ...(adminTokens ? { adminTokens } : {}),
    metricsOpen: values['metrics-open'] ?? false,
    ...limitValues,
    processMetrics: true,
    dbPath,
  });
  // Says where commands really are: a defect may have swapped the file for memory.
  const { store } = started.hub;
  const notes = [`commands: ${store.pendingCount()} pending in ${store instanceof SqliteCommandStore ? store.path : 'memory'}`];
  if (values.defect?.length) notes.push(`defects: ${values.defect.join(', ')}`);
  process.stdout.write(`edge-chaos reference hub listening on ${started.url} (${notes.join('; ')})\n`);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${signal}: closing every socket with 1012 Service Restart\n`);
    void started.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  if (process.env.EDGE_CHAOS_EXIT_WITH_PARENT === '1') {
    // Started by the harness with a pipe on stdin: when the harness dies, even by SIGKILL, the pipe closes.
    process.stdin.on('end', () => shutdown('parent gone'));
    process.stdin.resume();
  }
} catch (error) {
  if (error instanceof EdgeChaosError) fail(error.message, error.fix);
  const code = (error as { code?: string }).code;
  if (code === 'EADDRINUSE') fail(`port ${port} on ${host} is already in use`, 'pick another --port, or stop what holds it');
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAFNOSUPPORT') fail(`cannot listen on --host ${host}: no interface of this machine has that address (${code})`, 'pass an address this machine has, e.g. 127.0.0.1');
  if (code === 'EACCES') fail(`not allowed to listen on port ${port} (EACCES)`, 'use a port above 1023, or --port 0 for any free one');
  throw error;
}

import { parseArgs } from 'node:util';
import { HubError } from './errors.ts';
import { startHub } from './start.ts';

/** `npm run hub -- --port P`: the reference hub as its own process. */
const USAGE = 'usage: npm run hub -- [--host 127.0.0.1] [--port 8080] [--ping-interval 10s] [--defect NAME]... [--token T]...';

function fail(message: string, fix: string): never {
  process.stderr.write(`error: ${message}\nfix: ${fix}\n`);
  process.exit(2);
}

function parseMs(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text);
  if (!match) fail(`--ping-interval ${JSON.stringify(text)} is not a duration`, 'write it like 10s or 500ms');
  return Math.round(Number(match[1]) * { ms: 1, s: 1_000, m: 60_000 }[match[2] ?? 's']!);
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
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (error) {
  fail((error as Error).message.split('\n')[0]!, USAGE);
}
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const portText = values.port ?? process.env.PORT ?? '8080';
const port = Number(portText);
if (!/^\d+$/.test(portText) || port > 65_535) fail(`port ${JSON.stringify(portText)} is not a TCP port`, 'pass --port with a number from 0 to 65535');
const host = values.host ?? process.env.HOST ?? '127.0.0.1';

try {
  const started = await startHub({
    host,
    port,
    pingIntervalMs: values['ping-interval'] ? parseMs(values['ping-interval']) : undefined,
    defects: values.defect ?? [],
    tokens: values.token ?? [],
    processMetrics: true,
  });
  process.stdout.write(`edge-chaos reference hub listening on ${started.url}${values.defect?.length ? ` (defects: ${values.defect.join(', ')})` : ''}\n`);
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
  if (error instanceof HubError) fail(error.message, error.fix);
  const code = (error as { code?: string }).code;
  if (code === 'EADDRINUSE') fail(`port ${port} on ${host} is already in use`, 'pick another --port, or stop what holds it');
  throw error;
}

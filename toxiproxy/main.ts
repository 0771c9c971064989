import { EdgeChaosError, formatError } from '../common/errors.ts';
import { commandLine } from '../common/layout.ts';
import { ToxiproxyServerError } from './errors.ts';
import { DEFAULT_TOXIPROXY_HOST, DEFAULT_TOXIPROXY_PORT, startToxiproxyServer } from './server.ts';
import type { StartToxiproxyServerOptions } from './server.ts';

/**
 * `npm run toxiproxy -- [--host 127.0.0.1] [--port 8474] [--seed N] [--allow-non-loopback]`: the
 * embedded Toxiproxy as its own process. toxiproxy-server's spelling
 * (`-host=127.0.0.1 -port=8474`) works too, so it can stand in for it. Prints the URL it listens on and
 * stops cleanly on SIGINT/SIGTERM. A bad flag or a taken port prints one line
 * of cause and one of fix, and exits 2.
 */

const USAGE = commandLine('toxiproxy', '', `[--host ${DEFAULT_TOXIPROXY_HOST}] [--port ${DEFAULT_TOXIPROXY_PORT}] [--seed N] [--allow-non-loopback]`);

function usageError(cause: string): ToxiproxyServerError {
  return new ToxiproxyServerError('EC_TOXIPROXY_BAD_OPTION', cause, `usage: ${USAGE}`);
}

function parseArgs(argv: readonly string[]): StartToxiproxyServerOptions {
  const options: { host?: string; port?: number; seed?: string; allowNonLoopbackListen?: boolean } = {};
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] ?? '';
    const equals = arg.indexOf('=');
    const [given, inline] = arg.startsWith('-') && equals > 0 ? [arg.slice(0, equals), arg.slice(equals + 1)] : [arg, undefined];
    // Go's flag package, and so toxiproxy-server, takes -port as well as --port.
    const flag = /^-[a-z]/.test(given) ? `-${given}` : given;
    const value = (): string => {
      const next = inline ?? argv[(index += 1)];
      if (next === undefined || next === '') throw usageError(`${flag} needs a value`);
      return next;
    };
    switch (flag) {
      case '--host':
        options.host = value();
        break;
      case '--port': {
        const text = value();
        const port = Number(text);
        if (!/^\d+$/.test(text) || port > 65_535) throw usageError(`--port must be an integer 0..65535, got ${JSON.stringify(text)}`);
        options.port = port;
        break;
      }
      case '--seed': {
        // Any text: the harness passes child seeds such as `42/toxiproxy-1`.
        options.seed = value();
        break;
      }
      case '--allow-non-loopback':
        if (inline !== undefined) throw usageError('--allow-non-loopback takes no value');
        options.allowNonLoopbackListen = true;
        break;
      default:
        throw usageError(`unknown argument ${JSON.stringify(arg)}`);
    }
  }
  return options;
}

async function main(): Promise<void> {
  const server = await startToxiproxyServer(parseArgs(process.argv.slice(2)));
  console.log(`toxiproxy listening on ${server.url} (seed ${server.seed})`);
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    // A second Ctrl-C means "now": do not wait for connections to drain.
    if (stopping) process.exit(130);
    stopping = true;
    console.log(`toxiproxy stopping (${signal})`);
    server.stop().catch((error: unknown) => {
      console.error(`toxiproxy: stop failed: ${String(error)}`);
      process.exitCode = 1;
    });
  };
  // Signal listeners do not hold the event loop open: once stop() has closed
  // every socket and timer the process ends by itself, which is also the
  // proof that nothing leaked.
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

main().catch((error: unknown) => {
  if (error instanceof EdgeChaosError) {
    process.stderr.write(formatError(error));
  } else {
    console.error(`toxiproxy: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  }
  process.exitCode = 2;
});

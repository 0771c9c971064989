import type { BenchResult, HoldMeasurement, LatencyPercentiles, Outcome } from './results.ts';

/**
 * BenchResult as markdown: the tables the console prints, and the whole of
 * docs/benchmarks.md. Row labels are stable (bench.test.ts reads them);
 * units are in the labels, so cells are bare numbers.
 */

export const HOLD_ROWS = {
  rate: 'connect rate (agents/s)',
  rss: 'RSS per connection (KiB)',
  heap: 'V8 heap per connection (KiB)',
  connectCpu: 'CPU to connect, per connection (ms)',
  idleCpu: 'CPU while idle (% of one core)',
} as const;

export const LATENCY_ROWS = {
  p50: 'ping round trip p50 (µs)',
  p99: 'ping round trip p99 (µs)',
} as const;

/** Shown where a figure does not exist, e.g. a ratio to zero or Artillery's heap. */
export const NO_VALUE = '–';

const thousands = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function cell(value: number | undefined, digits: number): string {
  if (value === undefined || !Number.isFinite(value)) return NO_VALUE;
  return digits === 0 ? thousands.format(value) : value.toFixed(digits);
}

function ratio(numerator: number | undefined, denominator: number | undefined): string {
  if (numerator === undefined || denominator === undefined || denominator === 0) return NO_VALUE;
  return cell(numerator / denominator, 2);
}

function holdFigures(m: HoldMeasurement | undefined): Record<keyof typeof HOLD_ROWS, number | undefined> {
  return {
    rate: m?.agentsPerSecond,
    rss: m === undefined ? undefined : m.rssPerConnectionBytes / 1024,
    heap: m?.heapPerConnectionBytes === undefined ? undefined : m.heapPerConnectionBytes / 1024,
    connectCpu: m?.connectCpuMsPerConnection,
    idleCpu: m?.idleCpuPercent,
  };
}

const DIGITS: Record<keyof typeof HOLD_ROWS, number> = { rate: 0, rss: 1, heap: 1, connectCpu: 3, idleCpu: 1 };

function measured<T>(outcome: Outcome<T>): T | undefined {
  return outcome.status === 'measured' ? outcome.value : undefined;
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n');
}

function outcomeNote(name: string, outcome: Outcome<unknown>): string | undefined {
  return outcome.status === 'measured' ? undefined : `${name}: ${outcome.status}: ${outcome.reason}`;
}

export function holdTable(result: BenchResult): string {
  const fleet = measured(result.fleet)?.median;
  const bare = measured(result.bare)?.median;
  const artillery = measured(result.artillery);
  const artilleryName = artillery ? `Artillery ${artillery.version}` : 'Artillery';
  const f = holdFigures(fleet);
  const b = holdFigures(bare);
  const a = holdFigures(artillery?.measurement);
  const artilleryCell = (key: keyof typeof HOLD_ROWS): string =>
    result.artillery.status === 'measured' ? cell(a[key], DIGITS[key]) : result.artillery.status;
  const rows = (Object.keys(HOLD_ROWS) as (keyof typeof HOLD_ROWS)[]).map((key) => [
    HOLD_ROWS[key],
    cell(f[key], DIGITS[key]),
    cell(b[key], DIGITS[key]),
    ratio(f[key], b[key]),
    artilleryCell(key),
    // Artillery's arrivals were paced by the bench, so its rate says nothing about it.
    key === 'rate' ? NO_VALUE : ratio(a[key], f[key]),
  ]);
  const notes = [outcomeNote('Fleet', result.fleet), outcomeNote('bare ws', result.bare), outcomeNote(artilleryName, result.artillery)].filter(Boolean);
  const body = table(['metric', 'Fleet (EdgeAgent)', 'bare ws', 'Fleet / bare', artilleryName, `${artilleryName.split(' ')[0]} / Fleet`], rows);
  return notes.length > 0 ? `${body}\n\n${notes.join('\n\n')}` : body;
}

export function latencyTable(result: BenchResult): string {
  const proxy = measured(result.proxy);
  if (!proxy) return outcomeNote('round trips', result.proxy)!;
  const rows = (Object.keys(LATENCY_ROWS) as (keyof typeof LATENCY_ROWS)[]).map((key) => {
    const pick = (p: LatencyPercentiles): number => (key === 'p50' ? p.p50Us : p.p99Us);
    return [
      LATENCY_ROWS[key],
      cell(pick(proxy.direct), 0),
      cell(pick(proxy.embedded), 0),
      ratio(pick(proxy.embedded), pick(proxy.direct)),
      cell(pick(proxy.standalone), 0),
      ratio(pick(proxy.standalone), pick(proxy.direct)),
    ];
  });
  return table(['metric', 'direct', 'embedded proxy', 'embedded / direct', 'standalone proxy', 'standalone / direct'], rows);
}

function range(runs: HoldMeasurement[] | undefined, pick: (m: HoldMeasurement) => number, digits: number): string {
  if (!runs || runs.length < 2) return '';
  const values = runs.map(pick);
  return `${cell(Math.min(...values), digits)} to ${cell(Math.max(...values), digits)}`;
}

function spreadNote(result: BenchResult): string {
  const fleetRuns = measured(result.fleet)?.runs;
  const bareRuns = measured(result.bare)?.runs;
  if (!fleetRuns || !bareRuns || fleetRuns.length < 2) return '';
  const kib = (m: HoldMeasurement): number => m.rssPerConnectionBytes / 1024;
  return (
    `Spread over the ${fleetRuns.length} runs per side: connect rate Fleet ${range(fleetRuns, (m) => m.agentsPerSecond, 0)}, ` +
    `bare ${range(bareRuns, (m) => m.agentsPerSecond, 0)} agents/s; RSS per connection Fleet ${range(fleetRuns, kib, 1)}, ` +
    `bare ${range(bareRuns, kib, 1)} KiB.`
  );
}

function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** What the console prints: both tables, headed. */
export function consoleReport(result: BenchResult): string {
  const { settings } = result;
  const spread = spreadNote(result);
  return [
    `Holding ${thousands.format(settings.agents)} idle WebSocket connections (medians of ${settings.runsPerSide} run(s) per side; ratios from this one bench run)`,
    '',
    holdTable(result),
    ...(spread ? ['', spread] : []),
    '',
    'What a Toxiproxy proxy (no toxics) adds to a WebSocket ping round trip',
    '',
    latencyTable(result),
    '',
    `whole bench: ${formatDuration(result.totalMs)}`,
  ].join('\n');
}

export function markdownReport(result: BenchResult): string {
  const { machine, settings } = result;
  const proxy = measured(result.proxy);
  const artillery = measured(result.artillery);
  const spread = spreadNote(result);
  const machineRows = [
    ['CPU', machine.cpuModel],
    ['cores', String(machine.cores)],
    ['RAM', `${(machine.ramBytes / 1024 ** 3).toFixed(1)} GiB`],
    ['Node', machine.node],
    ['OS', machine.os],
    ['date', machine.date],
    ['load average at start (1 min)', machine.loadAverage1m.toFixed(2)],
    ['run', `${settings.quick ? 'quick, ' : ''}${thousands.format(settings.agents)} connections per client, ${settings.runsPerSide} run(s) per side, whole bench ${formatDuration(result.totalMs)}`],
  ];
  return `${[
    '# Benchmarks',
    '',
    'Written by `npm run bench` (bench/main.ts); run it again to replace this file.',
    'Every figure comes from one run on the machine below, so the ratios compare',
    'like with like. Absolute numbers move with the machine; the ratios travel better.',
    '',
    table(['machine', ''], machineRows),
    '',
    `## Holding ${thousands.format(settings.agents)} idle WebSocket connections`,
    '',
    holdTable(result),
    '',
    ...(spread ? [spread, ''] : []),
    'How: the reference hub (`server/main.ts`, ping interval 60 s, no commands) runs',
    'in a process of its own, a fresh one for each client run. Each client runs in a',
    'process of its own too, so no two sides share a heap:',
    '',
    '- **Fleet**: `agent/fleet.ts` with N `EdgeAgent`s, as the harness builds it',
    '  (the event sink only counts). Connected agents do not poll.',
    '- **bare ws**: one `ws` client per connection and nothing else, same URL and',
    '  options (`perMessageDeflate: false`); a failed handshake is retried after 1 s.',
    `- Both are started by one driver with at most ${settings.maxInFlight} handshakes under way, not by`,
    '  `Fleet.start`\'s open-loop ramp: a ramp faster than the hub accepts overflows',
    '  its listen backlog (511), the kernel drops SYNs, and the time then measures',
    '  TCP\'s SYN retransmit timer (1 s, 3 s), not the client.',
    `- **Artillery**${artillery ? ` ${artillery.version}` : ''}: its WebSocket engine, a generated script of N arrivals`,
    `  spread evenly${artillery ? ` at ${thousands.format(artillery.arrivalsPerSecond)}/s` : ''} (80% of the Fleet's rate: Artillery's arrivals are`,
    '  open loop, so faster would overflow the backlog; its connect rate is that pace,',
    '  not its capacity), each `connect` then a long `think`. Each virtual user gets',
    '  `edge_agent_id=art-{{ $uuid }}` (a per-VU variable), since the hub keeps one',
    '  connection per id; the hub\'s `/metrics` showed no replaced connection.',
    `  Installed by the bench with \`npm install --prefix node_modules/.cache/edge-chaos-bench/artillery --ignore-scripts\`, telemetry off.${artillery ? ` This run: ${artillery.install}.` : ''}`,
    '',
    'Every run ends only when the hub\'s `edge_hub_connections_open` equals N, and',
    'again after the idle window. Fleet and bare runs alternate (A B B A ...) and',
    'each figure is the median over the runs.',
    '',
    '- connect rate: N / time from the first start to all N open.',
    '- RSS and heap per connection: (after - before) / N, both read after two',
    `  forced GCs (\`--expose-gc\`), before after a warm-up of 5 connections, after ${settings.settleMs} ms`,
    '  past the last open. Artillery cannot be GC\'d from outside: its RSS is read',
    '  from /proc against its last sample before its first connection, and it has no heap figure.',
    '- CPU: user + system time from /proc/<pid>/stat of the client\'s process tree',
    '  (Artillery: the `artillery run` process and its worker threads), while',
    `  connecting, and over ${settings.idleWindowMs / 1000} s while the connections sit idle.`,
    '',
    '## What a Toxiproxy proxy adds to a round trip',
    '',
    latencyTable(result),
    '',
    'How: a WebSocket ping to the reference hub and its pong, one at a time over one',
    'connection per path, 300 pings of warm-up, then',
    `${settings.proxyRounds} rounds of ${settings.proxyBlockMs} ms per path, taken in turn so drift in machine load hits every path alike`,
    proxy
      ? `(${thousands.format(proxy.direct.samples)} direct, ${thousands.format(proxy.embedded.samples)} embedded, ${thousands.format(proxy.standalone.samples)} standalone round trips).`
      : '.',
    'The hub answers pings without application code, so the difference is the',
    'proxy\'s. **embedded**: `toxiproxy/server.ts` in the client\'s process, as the',
    'harness runs it beside the fleet; **standalone**: the same server as a process',
    'of its own (`npm run toxiproxy`). No toxics. `npm run bench:proxy` measures',
    'raw TCP echo latency and throughput instead.',
  ].join('\n')}\n`;
}

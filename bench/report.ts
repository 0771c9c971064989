import { curveMarkdown } from './curve.ts';
import { cell, formatDuration, measured, NO_VALUE, ratio, runsText, spreadCell, table, thousands } from './markdown.ts';
import { HUB_LISTEN_BACKLOG, HUB_PING_INTERVAL_MS } from './settings.ts';
import { HOLDER_SIDES, OTHER_PROTOCOL_SIDES, SIDES, SOCKET_IO_RSS_BOUND } from './sides.ts';
import { rssRatios, socketIoWithinBound } from './summary.ts';
import { MIN_CONNECTIONS_FOR_RSS, type BenchResult, type HoldMeasurement, type HoldPoint, type HoldSummary, type LatencyPercentiles, type LoadAverage, type Outcome } from './results.ts';

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

const PICK: Record<keyof typeof HOLD_ROWS, (m: HoldMeasurement) => number | undefined> = {
  rate: (m) => m.agentsPerSecond,
  rss: (m) => (m.rssPerConnectionBytes === undefined ? undefined : m.rssPerConnectionBytes / 1024),
  heap: (m) => (m.heapPerConnectionBytes === undefined ? undefined : m.heapPerConnectionBytes / 1024),
  connectCpu: (m) => m.connectCpuMsPerConnection,
  idleCpu: (m) => m.idleCpuPercent,
};

const DIGITS: Record<keyof typeof HOLD_ROWS, number> = { rate: 0, rss: 1, heap: 1, connectCpu: 3, idleCpu: 1 };

function outcomeNote(name: string, outcome: Outcome<unknown>): string | undefined {
  return outcome.status === 'measured' ? undefined : `${name}: ${outcome.status}: ${outcome.reason}`;
}

/** One figure's cell and ratio: idle CPU is a few clock ticks (10 ms each) in the window, so a ratio of two would be a ratio of noise. */
function ratioOf(key: keyof typeof HOLD_ROWS, a: HoldSummary | undefined, b: HoldSummary | undefined): string {
  const median = (summary: HoldSummary | undefined): number | undefined => summary && PICK[key](summary.median);
  return key === 'idleCpu' ? NO_VALUE : ratio(median(a), median(b));
}

/** The point the headline table shows: settings.agents, which is always one of the sizes. */
export function headlinePoint(result: BenchResult): HoldPoint {
  return result.points.find((p) => p.agents === result.settings.agents) ?? result.points.at(-1)!;
}

/** One size, every client: each cell the median (min–max) over the runs, each ratio from the medians. */
export function holdTable(point: HoldPoint): string {
  const fleet = measured(point.fleet);
  const bare = measured(point.bare);
  const artillery = measured(point.artillery);
  const artilleryName = artillery ? `Artillery ${artillery.version}` : 'Artillery';
  const rows = (Object.keys(HOLD_ROWS) as (keyof typeof HOLD_ROWS)[]).map((key) => [
    HOLD_ROWS[key],
    spreadCell(fleet, PICK[key], DIGITS[key]),
    spreadCell(bare, PICK[key], DIGITS[key]),
    ratioOf(key, fleet, bare),
    artillery ? spreadCell(artillery.summary, PICK[key], DIGITS[key]) : point.artillery.status,
    // Artillery's arrivals were paced by the bench, so its rate says nothing about it.
    key === 'rate' ? NO_VALUE : ratioOf(key, artillery?.summary, fleet),
  ]);
  const notes = [outcomeNote(SIDES.fleet.name, point.fleet), outcomeNote(SIDES.bare.name, point.bare), outcomeNote(artilleryName, point.artillery)].filter(Boolean);
  const body = table(['metric', SIDES.fleet.name, SIDES.bare.name, 'Fleet / bare', artilleryName, `${artilleryName.split(' ')[0]} / Fleet`], rows);
  return notes.length > 0 ? `${body}\n\n${notes.join('\n\n')}` : body;
}

/** True when --protocols chose a Fleet on another protocol than v1: the protocol table is shown. */
function otherProtocolsChosen(result: BenchResult): boolean {
  return result.settings.protocols.some((protocol) => protocol !== 'v1');
}

function protocolHeading(result: BenchResult): string {
  return `The Fleet on other protocols: ${thousands.format(result.settings.agents)} idle connections, each protocol against its own hub`;
}

/**
 * The Fleet on each protocol at one size, next to the v1 Fleet: each cell
 * the median (min–max) over the runs, each ratio of two medians. Each side
 * ran against its own hub, so the connect rate is the pair's (a hub in
 * Python accepts more slowly than one in Node), while memory and CPU are
 * the fleet process's alone.
 */
export function protocolTable(point: HoldPoint): string {
  const v1 = measured(point.fleet);
  const rows = (Object.keys(HOLD_ROWS) as (keyof typeof HOLD_ROWS)[]).map((key) => [
    HOLD_ROWS[key],
    spreadCell(v1, PICK[key], DIGITS[key]),
    ...OTHER_PROTOCOL_SIDES.flatMap((side) => {
      const summary = measured(point[side]);
      return [summary ? spreadCell(summary, PICK[key], DIGITS[key]) : point[side].status, ratioOf(key, summary, v1)];
    }),
  ]);
  const header = ['metric', SIDES.fleet.name, ...OTHER_PROTOCOL_SIDES.flatMap((side) => [SIDES[side].name, `${SIDES[side].short} / ${SIDES.fleet.short}`])];
  const notes = (['fleet', ...OTHER_PROTOCOL_SIDES] as const).map((side) => outcomeNote(SIDES[side].name, point[side])).filter(Boolean);
  return [table(header, rows), '', rssRatiosSentence(point), ...(notes.length > 0 ? ['', notes.join('\n\n')] : [])].join('\n');
}

/** The RSS-per-agent ratios in one sentence, with the Socket.IO bound's verdict. */
export function rssRatiosSentence(point: HoldPoint): string {
  const ratios = rssRatios(point);
  const within = socketIoWithinBound(ratios);
  const bound = `${SOCKET_IO_RSS_BOUND}`;
  const verdict = within === undefined ? `the ${bound}× bound cannot be judged without both` : within ? `within the ${bound}× bound` : `over the ${bound}× bound`;
  return (
    `RSS per agent, each a ratio of two medians from this run: ${SIDES.json.short} / ${SIDES.fleet.short} ${cell(ratios.jsonPerV1, 2)}; ` +
    `${SIDES.socketio.short} / ${SIDES.fleet.short} ${cell(ratios.socketIoPerV1, 2)} (${verdict}); ` +
    `${SIDES.fleet.short} Fleet / bare ws ${cell(ratios.fleetPerBare, 2)}.`
  );
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

function loadText(load: LoadAverage): string {
  return load.map((value) => value.toFixed(2)).join(' / ');
}

function holdHeading(result: BenchResult): string {
  const { settings } = result;
  const runs = settings.runsPerSide === 1 ? 'one run per side' : `median (min–max) of ${settings.runsPerSide} runs per side`;
  return `Holding ${thousands.format(headlinePoint(result).agents)} idle WebSocket connections (${runs}; ratios from this one bench run)`;
}

/** What the console prints: the tables, headed. */
export function consoleReport(result: BenchResult): string {
  const { settings } = result;
  const curve = settings.curve
    ? result.points.map((point) => [`At ${thousands.format(point.agents)} connections`, '', holdTable(point), '']).flat()
    : [holdHeading(result), '', holdTable(headlinePoint(result)), ''];
  const protocols = otherProtocolsChosen(result) ? [protocolHeading(result), '', protocolTable(headlinePoint(result)), ''] : [];
  return [
    ...curve,
    ...protocols,
    'What a Toxiproxy proxy (no toxics) adds to a WebSocket ping round trip',
    '',
    latencyTable(result),
    '',
    `load average (1 / 5 / 15 min): ${loadText(result.loadAverage.atStart)} at start, ${loadText(result.loadAverage.atEnd)} at end`,
    `whole bench: ${formatDuration(result.totalMs)}`,
  ].join('\n');
}

export interface MarkdownOptions {
  /** The curve chart, relative to the markdown file; with --curve. */
  curveSvgHref?: string;
}

export function markdownReport(result: BenchResult, options: MarkdownOptions = {}): string {
  const { machine, settings } = result;
  const headline = headlinePoint(result);
  const proxy = measured(result.proxy);
  const artillery = measured(headline.artillery);
  const sizes = settings.sizes.map((n) => thousands.format(n)).join(', ');
  const machineRows = [
    ['CPU', machine.cpuModel],
    ['cores', String(machine.cores)],
    ['RAM', `${(machine.ramBytes / 1024 ** 3).toFixed(1)} GiB`],
    ['Node', machine.node],
    ['OS', machine.os],
    ['date', machine.date],
    ['load average at start (1 / 5 / 15 min)', loadText(result.loadAverage.atStart)],
    ['load average at end (1 / 5 / 15 min)', loadText(result.loadAverage.atEnd)],
    [
      'run',
      `${settings.quick ? 'quick, ' : ''}${settings.curve ? `curve over ${sizes}` : thousands.format(settings.agents)} connections per client, ${runsText(settings.runsPerSide)} per side, whole bench ${formatDuration(result.totalMs)}`,
    ],
  ];
  return `${[
    '# Benchmarks',
    '',
    `Written by \`npm run bench${settings.curve ? ' -- --curve' : ''}\` (bench/main.ts); run it again to replace this file.`,
    'Every figure comes from one bench invocation on the machine below, so the ratios compare',
    'like with like. Absolute numbers move with the machine; the ratios travel better.',
    'Each client is measured several times, in turn with the others, and each cell',
    'shows the median and, in brackets, the smallest and largest run.',
    '',
    table(['machine', ''], machineRows),
    '',
    `## Holding ${thousands.format(headline.agents)} idle WebSocket connections`,
    '',
    holdTable(headline),
    '',
    ...(otherProtocolsChosen(result) ? [`## ${protocolHeading(result)}`, '', protocolTable(headline), ''] : []),
    ...(settings.curve
      ? [`## The cost curve: ${sizes} connections`, '', curveMarkdown(result, options.curveSvgHref), '']
      : []),
    '## How',
    '',
    `Each client run gets a hub of its own, in a process of its own, a fresh one each time, with no commands and a ping interval of ${HUB_PING_INTERVAL_MS / 1000} s`,
    'for every hub (WebSocket pings, the acme hub\'s app-level pings, Engine.IO\'s pings alike), so no side\'s idle window',
    'holds a heartbeat another\'s does not. Each client runs in a process of its own too, so no two sides share a heap',
    `(bench/sides.ts). Chosen with \`--protocols\` (this run: ${settings.protocols.join(', ')})${settings.curve ? '; with the curve, the Fleets on other protocols than v1 only at the headline size' : ''}:`,
    '',
    ...HOLDER_SIDES.map((side) => `- **${SIDES[side].name}**: ${SIDES[side].measures}`),
    '',
    'The hubs: the reference hub (`server/main.ts`, in-memory store); the acme hub, `python3 examples/protocols/acme-hub/hub.py`',
    `(asyncio, standard library only), given a listen backlog of ${HUB_LISTEN_BACKLOG} (\`BACKLOG\`; asyncio's default of 100 is under the`,
    `${settings.maxInFlight} handshakes the bench keeps under way), with the open-file limit it inherits from the bench (Node raises`,
    'its own to the hard limit, which the bench checks against N before it starts); the zoo\'s Socket.IO hub,',
    '`node harness/runtime/hubs/zoo/socketio-hub.mjs` (the `socket.io` package, websocket transport only). The connect',
    'rate is the pair\'s, client and hub: a hub in Python accepts more slowly than one in Node. Memory and CPU are the',
    'client process\'s alone.',
    '',
    `- Every client is started by one driver with at most ${settings.maxInFlight} handshakes under way (a handshake`,
    '  lasting to the session\'s open: the WebSocket\'s for v1 and bare, the welcome for JSON, the CONNECT ack for',
    '  Socket.IO), not by `Fleet.start`\'s open-loop ramp: a ramp faster than the hub accepts overflows',
    '  its listen backlog, the kernel drops SYNs, and the time then measures',
    '  TCP\'s SYN retransmit timer (1 s, 3 s), not the client.',
    `- **Artillery**${artillery ? ` ${artillery.version}` : ''}: its WebSocket engine, a generated script of N arrivals`,
    `  spread evenly${artillery ? ` (at ${thousands.format(headline.agents)}: ${thousands.format(artillery.arrivalsPerSecond)}/s)` : ''}, 80% of the rate of the first Fleet run at that size: Artillery's arrivals are`,
    '  open loop, so faster would overflow the backlog; its connect rate is that pace,',
    '  not its capacity. Each virtual user `connect`s then `think`s. Each gets',
    '  `edge_agent_id=art-{{ $uuid }}` (a per-VU variable), since the hub keeps one',
    '  connection per id; the hub\'s `/metrics` showed no replaced connection.',
    `  Installed by the bench with \`npm install --prefix node_modules/.cache/edge-chaos-bench/artillery --ignore-scripts\`, telemetry off.${artillery ? ` This run: ${artillery.install}.` : ''}`,
    '  Where it fails at a size, the table says why and it is not run again at that size.',
    '',
    'Every run ends only when the hub counts N connections, and again after the idle window: the reference hub\'s',
    '`edge_hub_connections_open` (with no replaced connection); for the acme and Socket.IO hubs, which have no metrics,',
    'the kernel\'s count of established TCP connections on the hub\'s port (/proc/net/tcp), and the Fleet\'s count of',
    'sessions, less any connection that closed. At each size the clients take turns, Fleet v1, bare, JSON, Socket.IO,',
    'Artillery, then the reverse (A B C C B A ...), so a drift in machine load falls',
    'on every client alike; each figure is the median over the runs, taken figure by',
    'figure, and every ratio is of two medians from this one bench run.',
    '',
    '- connect rate: N / time from the first start to all N open.',
    '- RSS and heap per connection: (after - before) / N; each reading is the median',
    `  of three, each after two forced GCs (\`--expose-gc\`); before is after a warm-up of 5 connections, after ${settings.settleMs} ms`,
    '  past the last open. Artillery cannot be GC\'d from outside: its RSS is read',
    '  from /proc against its last sample before its first connection, and it has no heap figure.',
    `  RSS is not reported below ${thousands.format(MIN_CONNECTIONS_FOR_RSS)} connections: there the allocator's and the GC's`,
    '  run-to-run swing of a few MB is as large as the growth. Growth / N includes each',
    '  client\'s fixed costs spread over N, which is why it falls as N grows.',
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

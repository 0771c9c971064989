/**
 * The hold-N-idle-connections workload as an Artillery script: N arrivals
 * spread evenly over a phase, each opening one WebSocket and thinking
 * (holding it, silent) until the bench has measured and stops Artillery.
 *
 * The hub allows one connection per edge_agent_id and replaces an older one,
 * so each virtual user needs its own id. Artillery templates the `connect`
 * URL with the virtual user's context, and `$uuid` is a per-VU variable
 * (int-core runner.js createContext), so `edge_agent_id=art-{{ $uuid }}` is
 * unique per connection; the bench checks the hub replaced none.
 */
export interface ArtilleryScriptOptions {
  /** Hub base URL, http://127.0.0.1:PORT */
  hubUrl: string;
  connections: number;
  /** Arrivals are spread over this many seconds (Artillery's phase duration; at least 1). */
  arrivalSeconds: number;
  /** How long each VU holds its connection, s. Bounds the run if the bench dies before stopping it. */
  holdSeconds: number;
}

export function artilleryScript(options: ArtilleryScriptOptions): string {
  const target = options.hubUrl.replace(/^http/, 'ws');
  return [
    'config:',
    `  target: "${target}"`,
    '  phases:',
    `    - duration: ${options.arrivalSeconds}`,
    `      arrivalCount: ${options.connections}`,
    '  ws:',
    '    perMessageDeflate: false # as an EdgeAgent',
    'scenarios:',
    '  - name: hold-idle',
    '    engine: ws',
    '    flow:',
    `      - connect: "${target}/ws?edge_agent_id=art-{{ $uuid }}"`,
    `      - think: ${options.holdSeconds}`,
    '',
  ].join('\n');
}

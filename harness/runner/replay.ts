import { SETTING_FLAGS, type FleetRunnerSettings } from '../runtime/fleet/runner-settings.ts';
import { hubChoiceFlags } from '../runtime/hubs/runtimes.ts';
import type { ToxiproxyChoice } from '../runtime/proxy.ts';
import { isAbsolute, relative } from 'node:path';
import { formatDuration } from '../../common/duration.ts';
import { INLINE_SOURCE_PREFIX } from '../../protocol/registry.ts';
import { commandLine } from '../../common/layout.ts';
import type { ResolvedParams } from './params.ts';

/** The command line that replays a run: same scenario, size, duration, seed, hub and switches, typed the way this copy of edge-chaos is run. */
export function replayCommand(scenario: string, params: ResolvedParams): string {
  const args = [`--agents ${params.agents}`, `--duration ${formatDuration(params.durationMs)}`, `--seed ${params.seed}`];
  for (const d of params.hubDefects) args.push(`--defect ${d}`);
  for (const d of params.agentDefects) args.push(`--agent-defect ${d}`);
  const hub = params.hub;
  // In-process is named only where it was asked for over a default that is not (a big fleet's, a scenario's).
  if (!(hub.kind === 'in-process' && params.hubRuntimeDefault === 'in-process')) for (const { flag, value } of hubChoiceFlags(hub)) args.push(`${flag} ${shellQuote(value)}`);
  if (params.toxiproxyChosen && params.toxiproxy) args.push(`--toxiproxy ${toxiproxyArg(params.toxiproxy)}`);
  if (params.pingIntervalChosen) args.push(`--hub-ping-interval ${formatDuration(params.pingIntervalMs)}`);
  if (params.fleetShards !== undefined) args.push(`--fleet-shards ${params.fleetShards}`);
  const runner = params.fleetRunner;
  // A launcher a library caller passed has no flag: the replay runs the fleet locally.
  if (!('start' in runner) && runner.kind !== 'local') {
    args.push(`--fleet-runner ${runner.kind}`);
    for (const [key, flag] of Object.entries(SETTING_FLAGS)) {
      const value = (runner as FleetRunnerSettings)[key as keyof FleetRunnerSettings];
      if (value !== undefined) args.push(`${flag} ${shellQuote(value)}`);
    }
  }
  if (params.healthPath !== undefined) args.push(`--health-path ${shellQuote(params.healthPath)}`);
  if (params.protocolChosen && !params.protocolSource.startsWith(INLINE_SOURCE_PREFIX)) args.push(`--protocol ${shellQuote(shownProtocol(params.protocolSource))}`);
  // Never a secret in a report: the replay reads the token from the environment.
  if (params.tokenGiven) args.push(`--token "$${TOKEN_ENV}"`);
  if (params.adminTokenGiven) args.push(`--admin-token "$${ADMIN_TOKEN_ENV}"`);
  if (params.agentIdPrefix !== 'agent-') args.push(`--agent-id-prefix ${params.agentIdPrefix}`);
  if (params.loop.minCycles !== undefined) args.push(`--loop-cycles ${params.loop.minCycles}`);
  if (params.loop.maxConnectionMs !== undefined) args.push(`--loop-max-connection ${formatDuration(params.loop.maxConnectionMs)}`);
  const name = /^[a-z0-9-]+$/.test(scenario) ? scenario : shellQuote(scenario);
  return commandLine('scenario', name, args.join(' '));
}

/** The environment variable a replay command reads the agents' token from. */
export const TOKEN_ENV = 'EDGE_CHAOS_TOKEN';
export const ADMIN_TOKEN_ENV = 'EDGE_CHAOS_ADMIN_TOKEN';

/** A line to show beside the replay command when it needs something it does not print. */
export function replayNote(params: ResolvedParams): string | undefined {
  const names = [...(params.tokenGiven ? [TOKEN_ENV] : []), ...(params.adminTokenGiven ? [ADMIN_TOKEN_ENV] : [])];
  const notes = names.length > 0 ? [`tokens are not printed: set ${names.join(' and ')} before replaying`] : [];
  if (params.protocolEnv.length > 0) notes.push(`the protocol profile reads ${params.protocolEnv.join(', ')} from the environment: set ${params.protocolEnv.length > 1 ? 'them' : 'it'} before replaying`);
  if (params.protocolSource.startsWith(INLINE_SOURCE_PREFIX)) notes.push(`protocol ${params.protocolSource.slice(INLINE_SOURCE_PREFIX.length)} was given as an object: put it in a file and add --protocol FILE`);
  return notes.length > 0 ? notes.join('; ') : undefined;
}

function toxiproxyArg(choice: ToxiproxyChoice): string {
  switch (choice.kind) {
    case 'url':
      return shellQuote(choice.url);
    case 'process':
      return `process:${choice.servers}`;
    default:
      return choice.kind;
  }
}

function shellQuote(text: string): string {
  return /^[A-Za-z0-9_./:=@-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** A protocol as a replay names it: a built-in by name, a profile file relative to where npm runs when it is under it. */
function shownProtocol(source: string): string {
  if (!isAbsolute(source)) return source;
  const rel = relative(process.env.INIT_CWD ?? process.cwd(), source);
  return rel.startsWith('..') || isAbsolute(rel) ? source : `./${rel}`;
}

/**
 * Where a run's hub runs, one entry each: the hub option's type (HubChoice,
 * types.ts, which the record must match), the command line's flags, their
 * parsing and --help lines (harness/cli/args.ts), the option checks
 * (harness/runner/check-options.ts), the replay command's flags and the
 * start function all come from this record, as fleet runners come from
 * FLEET_RUNNERS. A new runtime is its start function in its own file and one
 * entry here.
 */
import { HarnessError } from '../../errors.ts';
import { startContainerHub } from './container.ts';
import { connectExternalHub } from './external.ts';
import { startInProcessHub } from './in-process.ts';
import { startChildProcessHub, startCommandHub } from './reference-process.ts';
import type { HubChoice, HubKind, HubRuntime, HubSettings } from './types.ts';

/** The flag that chooses a runtime by its name (the entries with `named`). */
export const HUB_RUNTIME_FLAG = '--hub-runtime';

/** One field of a choice: its flag, what its value must be, and how --help and errors word it. */
export interface HubField {
  flag: `--${string}`;
  /** The value's placeholder in --help: URL, "CMD". */
  arg: string;
  /** What the value must be, for the CLI's parse and the run options' check: text (not blank), an http(s) URL, a TCP port (1 to 65535). */
  value: 'text' | 'http-url' | 'port';
  required: boolean;
  /** What to pass, in a fix: 'the hub base URL'. */
  what: string;
  /** An example value, in fixes. */
  example: string;
  /** Its --help text ('\n' starts a continuation line). */
  usage: string;
  /** The flag alone chooses this runtime (--hub-url); a field without it goes with the field that has it (--hub-port with --hub-image). */
  chooses?: true;
}

/** Any choice, as code that reads every entry alike sees it. */
type AnyChoice = { kind: string } & { readonly [field: string]: unknown };

/** A runtime; the record's own type keeps each entry's exact choice, hubRuntime() gives any entry as AnyChoice's. */
export interface HubRuntimeEntry<C extends AnyChoice = AnyChoice> {
  /** One line: where the hub runs. */
  description: string;
  /** `--hub-runtime NAME` chooses it (with none of its fields). */
  named?: true;
  /** The reference hub keeps its pending commands in a SQLite file in a temporary folder, so every incarnation of a redeployed hub (and a blue-green sibling) sees them. */
  sharedDb?: true;
  /** Every field of the choice besides kind; the type refuses a missing or extra one. */
  fields: { readonly [F in Exclude<keyof C, 'kind'>]-?: HubField };
  /** Starts (or connects to) the hub; `settings.dbPath` is set when the entry has `sharedDb`. */
  start(choice: C, settings: HubSettings): Promise<HubRuntime>;
}

type HubRuntimes = { readonly [K in HubKind]: HubRuntimeEntry<Extract<HubChoice, { kind: K }>> };

/** In the order --help lists them. */
export const HUB_RUNTIMES: HubRuntimes = {
  'in-process': {
    description: 'the reference hub in this process (the default up to 50 agents; the fastest to start)',
    named: true,
    sharedDb: true,
    fields: {},
    start: (_, settings) => startInProcessHub(settings),
  },
  'child-process': {
    description: "the reference hub as its own Node process, off the harness's event loop (the default past 50 agents)",
    named: true,
    sharedDb: true,
    fields: {},
    start: (_, settings) => startChildProcessHub(settings),
  },
  external: {
    description: 'a hub someone else runs (--hub-url): checked for an answer, never restarted',
    fields: {
      url: { flag: '--hub-url', arg: 'URL', value: 'http-url', required: true, chooses: true, what: 'the hub base URL', example: 'http://127.0.0.1:8080', usage: 'target a hub you run, on the wire --protocol names; the harness will not restart it' },
    },
    start: (choice) => connectExternalHub(choice.url),
  },
  command: {
    description: 'your own hub, started with a shell command (--hub-cmd)',
    fields: {
      command: {
        flag: '--hub-cmd',
        arg: '"CMD"',
        value: 'text',
        required: true,
        chooses: true,
        what: 'the command that starts your hub',
        example: 'node my-hub.js',
        usage: 'start your own hub with this shell command (PORT, HOST and\nPING_INTERVAL_MS in its environment); redeploys stop and start it again',
      },
    },
    start: (choice, settings) => {
      if (settings.defects.length > 0) throw new HarnessError('EC_BAD_OPTION', `--defect ${settings.defects.join(',')} needs the reference hub, not --hub-cmd`, 'drop --defect, or drop --hub-cmd');
      return startCommandHub(choice.command, { pingIntervalMs: settings.pingIntervalMs });
    },
  },
  container: {
    description: 'a container on the local Docker engine, host-networked: the reference hub image, or yours (--hub-image)',
    named: true,
    sharedDb: true,
    fields: {
      image: { flag: '--hub-image', arg: 'IMAGE', value: 'text', required: false, chooses: true, what: 'your hub image', example: 'my-org/my-hub:1.2', usage: 'run your own hub image (host network) ...' },
      port: { flag: '--hub-port', arg: 'PORT', value: 'port', required: false, what: 'the port your image listens on', example: '8080', usage: '... which listens on PORT' },
    },
    // A user's image keeps its own state: only the reference hub's image gets the shared database.
    start: (choice, { dbPath, ...settings }) => startContainerHub(choice.image ? settings : { ...settings, dbPath }, { image: choice.image, port: choice.port }),
  },
};

export function isHubKind(name: string): name is HubKind {
  return Object.hasOwn(HUB_RUNTIMES, name);
}

/** The record's entry, typed as any runtime's. */
export function hubRuntime(kind: HubKind): HubRuntimeEntry {
  return HUB_RUNTIMES[kind] as HubRuntimeEntry;
}

/** Every runtime with its name, in the record's order. */
export function hubRuntimes(): [HubKind, HubRuntimeEntry][] {
  return (Object.keys(HUB_RUNTIMES) as HubKind[]).map((kind) => [kind, hubRuntime(kind)]);
}

/**
 * The flags that choose `choice` on the command line, with their values: its fields' flags when one of
 * them chooses the runtime (--hub-image IMAGE --hub-port PORT), else --hub-runtime NAME (a field that
 * goes with a choosing one has no flag of its own there).
 */
export function hubChoiceFlags(choice: HubChoice): { flag: string; value: string }[] {
  const set = Object.entries(hubRuntime(choice.kind).fields).flatMap(([name, field]) => {
    const value = (choice as Readonly<Record<string, unknown>>)[name];
    return value === undefined ? [] : [{ flag: field.flag, value: String(value), chooses: field.chooses === true }];
  });
  if (!set.some((f) => f.chooses)) return [{ flag: HUB_RUNTIME_FLAG, value: choice.kind }];
  return set.map(({ flag, value }) => ({ flag, value }));
}

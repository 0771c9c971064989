// The zoo's own kit: the plumbing its Node hubs (foreign-hub.mjs, protocol v1
// over `ws`, and socketio-hub.mjs, Socket.IO) share, so each hub file holds
// only its wire and its misbehaviours. Plain Node ESM, `node:` modules only,
// nothing imported from edge-chaos: it belongs to the zoo, and the zoo's hubs
// stay hubs that are not ours by importing nothing outside zoo/ but this.
//
//   hubArgs()          argv: option(name) and has(flag)
//   parseMisbehave()   every `--misbehave NAME[:MS]`, checked against a hub's table
//   listenAddress()    $PORT (required) and $HOST (default 127.0.0.1)
//   commandQueue()     pending commands per agent, kept in a --state JSON file
//   misrouteTarget()   the agent a misrouted command goes to instead
//   json(), readJson() an HTTP answer, and a request's JSON body
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** An agent id as the hubs accept it in a query, an auth payload or a body. */
export const ID_RE = /^[A-Za-z0-9._:-]{1,128}$/;

/** This process's arguments: option(name) is the value after `name`, has(flag) whether it is there. */
export function hubArgs(args = process.argv.slice(2)) {
  return {
    args,
    option: (name) => {
      const i = args.indexOf(name);
      return i === -1 ? undefined : args[i + 1];
    },
    has: (flag) => args.includes(flag),
  };
}

/**
 * Every `--misbehave NAME[:MS]` in args, checked against `table` (name ->
 * whether it takes a duration argument in ms). Returns misbehaviour name ->
 * its argument in ms (0 when it takes none). A name the table lacks, a
 * missing or bad MS, or an MS given to a name that takes none: one line on
 * stderr, prefixed with `hubName`, and exit 2.
 */
export function parseMisbehave(args, table, hubName) {
  const misbehave = new Map();
  for (let i = 0; i < args.length; i++) {
    if (args[i] !== '--misbehave') continue;
    const spec = args[i + 1] ?? '';
    const [name, arg] = spec.split(':');
    const takesMs = table[name];
    const ms = Number(arg);
    if (takesMs === undefined || (takesMs && !(arg !== undefined && Number.isFinite(ms) && ms >= 0)) || (!takesMs && arg !== undefined)) {
      process.stderr.write(`${hubName}: bad --misbehave ${JSON.stringify(spec)}; known: ${Object.entries(table).map(([n, t]) => (t ? `${n}:MS` : n)).join(', ')}\n`);
      process.exit(2);
    }
    misbehave.set(name, takesMs ? ms : 0);
  }
  return misbehave;
}

/** Where to listen, the way --hub-cmd starts a hub: $PORT, else `hubName: PORT must be set` and exit 2; $HOST or 127.0.0.1. */
export function listenAddress(hubName) {
  const port = Number(process.env.PORT);
  const host = process.env.HOST ?? '127.0.0.1';
  if (!Number.isInteger(port) || port <= 0) {
    process.stderr.write(`${hubName}: PORT must be set\n`);
    process.exit(2);
  }
  return { port, host };
}

/**
 * Pending commands per agent, oldest first, loaded from `stateFile` (JSON,
 * agent id -> commands) when it exists and written back after every change
 * (through a .tmp file and a rename, so a crash leaves the old or the new
 * file, never half of one). Without a stateFile they live in memory only.
 */
export function commandQueue(stateFile) {
  // A replay line (the matrix's, or a test's) names its state file under a folder that is gone once the run ended.
  if (stateFile) mkdirSync(dirname(stateFile), { recursive: true });
  /** agent id -> pending commands, oldest first */
  const pending = new Map(stateFile && existsSync(stateFile) ? Object.entries(JSON.parse(readFileSync(stateFile, 'utf8'))) : []);
  const save = () => {
    if (!stateFile) return;
    writeFileSync(`${stateFile}.tmp`, JSON.stringify(Object.fromEntries(pending)));
    renameSync(`${stateFile}.tmp`, stateFile);
  };
  const of = (agent) => pending.get(agent) ?? [];
  return {
    /** The agent's pending commands, oldest first ([] when none). */
    of,
    /** Appends a command to the agent's queue and saves. */
    push(agent, command) {
      pending.set(agent, [...of(agent), command]);
      save();
    },
    /** Removes the agent's pending commands whose id is in ids; saves when any went. Returns how many went. */
    remove(agent, ids) {
      const list = of(agent);
      const left = list.filter((c) => !ids.includes(c.id));
      if (left.length === list.length) return 0;
      if (left.length) pending.set(agent, left);
      else pending.delete(agent);
      save();
      return list.length - left.length;
    },
  };
}

/**
 * misroute: the agent a command for `agent` goes to instead: the next
 * connected agent id (by sort order, wrapping), else the next agent id seen,
 * else `agent` itself.
 */
export function misrouteTarget(agent, connected, seen) {
  for (const pool of [[...connected], [...seen]]) {
    const others = pool.filter((id) => id !== agent).sort();
    if (others.length > 0) return others.find((id) => id > agent) ?? others[0];
  }
  return agent;
}

export function json(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** The request's body parsed as JSON, or undefined when it is not JSON. */
export function readJson(req) {
  return new Promise((resolve) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (text += chunk));
    req.on('end', () => {
      try {
        resolve(JSON.parse(text));
      } catch {
        resolve(undefined);
      }
    });
  });
}

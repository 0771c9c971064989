// A Socket.IO 4 hub that is not ours: plain Node ESM, `socket.io`,
// `node:http` and the zoo's own kit (zoo-kit.mjs, beside it) only, nothing
// imported from edge-chaos. It speaks what `--protocol socket.io` expects
// (protocol/profiles/socket-io.ts): Engine.IO over the websocket transport at
// /socket.io/, the agent's id in the CONNECT's auth payload ({ agentId,
// token }), commands as the `command` event ({ id, name, payload }) with an
// ack callback (an `ack` event is taken too),
// and protocol v1's HTTP routes on the same server: GET /edge/commands, POST
// /edge/acks, POST /admin/commands, and GET /healthz. It listens on
// $HOST:$PORT (the way --hub-cmd starts a hub) and has no /metrics, so the
// harness's hub-metric checks skip.
//
//   --state FILE      keep pending commands in FILE (JSON), so they survive a restart
//   --no-admin        no POST /admin/commands: the harness cannot issue commands
//   --pid-log FILE    append this process's pid to FILE once listening
//   --ping-interval MS  Engine.IO pingInterval (default $PING_INTERVAL_MS, which
//                     --hub-cmd sets to what the agents expect, else Socket.IO's 25000)
//   --ping-timeout MS Engine.IO pingTimeout: a socket whose pong is that late is
//                     closed (default Socket.IO's 20000)
//   --path P          Engine.IO's path (default /socket.io/)
//   --namespace NS    the namespace agents connect to (default /; others are refused
//                     with a CONNECT_ERROR, as Socket.IO refuses any unknown namespace)
//   --token T         the CONNECT's auth.token and every HTTP call's
//                     `authorization: Bearer T` must carry T
//   --misbehave NAME[:ARG]  switch on one of the misbehaviours below (repeatable);
//                     tests use them to prove the judge on a Socket.IO hub. Times
//                     count from listening.
//
// Misbehaviours (without any, the hub follows the wire above):
//   double-register       the incident (shared/incident-websocket-loop.md) in Socket.IO:
//                         a second 'connection' handler registers every socket with
//                         the connection manager again; the manager's "replace the
//                         old connection" rule finds the agent already connected (by
//                         the first handler, with this very socket) and disconnects
//                         it (DISCONNECT `41`, then the transport) just after the
//                         CONNECT ack: every agent loops
//   misroute              deliver each command to another agent than the one it
//                         was issued for: the next connected agent id (by sort
//                         order, wrapping), else the next agent id seen
//   no-heartbeat-at:MS    from MS on the sockets fall silent and stay open: no
//                         Engine.IO pings (the server's ping timers are stopped, and
//                         so is its ping-timeout close, on every socket open then
//                         and every one opened later), no events; HTTP still answers
//
// SIGTERM closes every socket with 1012 Service Restart and exits. It does
// not watch its parent: a harness that leaks it leaves it running.
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { Server } from 'socket.io';
import { ID_RE, commandQueue, hubArgs, json, listenAddress, misrouteTarget, parseMisbehave, readJson } from './zoo-kit.mjs';

const { args, option, has } = hubArgs();
const stateFile = option('--state');
const pidLog = option('--pid-log');
const admin = !has('--no-admin');
const pingIntervalMs = Number(option('--ping-interval') ?? (process.env.PING_INTERVAL_MS || 25_000));
const pingTimeoutMs = Number(option('--ping-timeout') ?? 20_000);
const path = option('--path') ?? '/socket.io/';
const namespace = option('--namespace') ?? '/';
const token = option('--token');
/** ms since epoch when the server started listening; misbehaviour times count from it. */
let listeningAt = Infinity;

// name -> whether it takes a duration argument (ms)
const MISBEHAVIOURS = {
  'double-register': false,
  misroute: false,
  'no-heartbeat-at': true,
};
/** misbehaviour name -> its argument in ms (0 when it takes none) */
const misbehave = parseMisbehave(args, MISBEHAVIOURS, 'socketio-hub');
const silentAtMs = misbehave.get('no-heartbeat-at');
const silent = () => silentAtMs !== undefined && Date.now() - listeningAt >= silentAtMs;
/** every agent id seen on a socket or a poll, for misroute's fallback */
const seenAgents = new Set();
const { port, host } = listenAddress('socketio-hub');
if (!(pingIntervalMs > 0) || !(pingTimeoutMs > 0)) {
  process.stderr.write('socketio-hub: --ping-interval and --ping-timeout must be positive numbers of ms\n');
  process.exit(2);
}

/** pending commands per agent, oldest first, kept in --state FILE when given (zoo-kit.mjs) */
const queue = commandQueue(stateFile);

/** Removes the acked commands; returns how many went. */
const ack = (agent, ids) => queue.remove(agent, ids);

/**
 * The connection manager: one live socket per agent, the newest wins. Its
 * rule is right for a stale connection; it is the incident's loop only when
 * something registers one socket twice (double-register).
 */
const connections = new Map();
function register(agent, socket) {
  const old = connections.get(agent);
  if (old) old.disconnect(true);
  connections.set(agent, socket);
}

/** Emits a command asking for an ack; the callback acks it. */
function send(socket, agent, command) {
  if (silent()) return;
  socket.emit('command', command, () => ack(agent, [command.id]));
}

function enqueue(agent, command) {
  queue.push(agent, command);
  const socket = connections.get(agent);
  if (socket) send(socket, agent, command);
}

// Requests under --path never get here: Socket.IO takes them first.
const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://socketio');
  if (req.method === 'GET' && url.pathname === '/healthz') return json(res, 200, { status: 'ok' });
  if (token && req.headers.authorization !== `Bearer ${token}`) return json(res, 401, { error: 'bad token' });
  if (req.method === 'GET' && url.pathname === '/edge/commands') {
    const agent = url.searchParams.get('edge_agent_id');
    if (!agent || !ID_RE.test(agent)) return json(res, 400, { error: 'bad edge_agent_id' });
    seenAgents.add(agent);
    return json(res, 200, { commands: queue.of(agent) });
  }
  if (req.method === 'POST' && url.pathname === '/edge/acks') {
    const body = await readJson(req);
    if (!body || !ID_RE.test(body.edge_agent_id ?? '') || !Array.isArray(body.ids)) return json(res, 400, { error: 'bad acks' });
    return json(res, 200, { acked: ack(body.edge_agent_id, body.ids) });
  }
  if (admin && req.method === 'POST' && url.pathname === '/admin/commands') {
    const body = await readJson(req);
    if (!body || !ID_RE.test(body.edge_agent_id ?? '') || typeof body.name !== 'string') return json(res, 400, { error: 'bad command' });
    const command = { id: randomUUID(), name: body.name, payload: body.payload ?? null };
    enqueue(misbehave.has('misroute') ? misrouteTarget(body.edge_agent_id, connections.keys(), seenAgents) : body.edge_agent_id, command);
    return json(res, 201, { id: command.id });
  }
  res.writeHead(404, { 'content-type': 'text/plain' }).end('socketio hub: not here\n');
});

// websocket only: no long-polling transport, so no upgrade; the agents open the websocket at once.
const io = new Server(server, { path, transports: ['websocket'], pingInterval: pingIntervalMs, pingTimeout: pingTimeoutMs, serveClient: false });
const nsp = io.of(namespace);

nsp.use((socket, next) => {
  const auth = socket.handshake.auth ?? {};
  if (typeof auth.agentId !== 'string' || !ID_RE.test(auth.agentId)) return next(new Error('auth.agentId missing or not a valid agent id'));
  if (token && auth.token !== token) return next(new Error('auth.token is not the hub token'));
  socket.data.agent = auth.agentId;
  next();
});

nsp.on('connection', (socket) => {
  const agent = socket.data.agent;
  seenAgents.add(agent);
  register(agent, socket);
  socket.on('ack', (message) => typeof message?.id === 'string' && ack(agent, [message.id]));
  socket.on('disconnect', () => connections.get(agent) === socket && connections.delete(agent));
  for (const command of queue.of(agent)) send(socket, agent, command);
});

// The incident's second route: it only registers, and the manager does the rest.
if (misbehave.has('double-register')) nsp.on('connection', (socket) => register(socket.data.agent, socket));

/**
 * no-heartbeat-at: stops one Engine.IO socket's heartbeat for good. In
 * Engine.IO 4 the server pings: each socket keeps a timer to send the next
 * ping and one to close the socket when its pong is late, and re-arms them
 * from schedulePing/resetPingTimeout. Clearing both and making those no-ops
 * leaves the socket open and silent, as a hub whose heartbeat died would.
 * (Reaching into engine.io's Socket: these are its own fields, engine.io 6.)
 */
function silence(engineSocket) {
  clearTimeout(engineSocket.pingIntervalTimer);
  clearTimeout(engineSocket.pingTimeoutTimer);
  // Null, not only cleared: a pong would refresh() a cleared timer back to life.
  engineSocket.pingIntervalTimer = null;
  engineSocket.pingTimeoutTimer = null;
  engineSocket.schedulePing = () => {};
  engineSocket.resetPingTimeout = () => {};
}
// A socket opened once silent is silenced as it opens (engine.io armed its first ping just before).
io.engine.on('connection', (engineSocket) => silent() && silence(engineSocket));

server.listen(port, host, () => {
  listeningAt = Date.now();
  if (silentAtMs !== undefined) {
    setTimeout(() => {
      for (const engineSocket of Object.values(io.engine.clients)) silence(engineSocket);
      process.stderr.write(`socketio hub ${process.pid}: no-heartbeat-at ${silentAtMs} ms, the sockets fall silent\n`);
    }, silentAtMs);
  }
  if (pidLog) appendFileSync(pidLog, `${process.pid}\n`);
  process.stdout.write(`socketio hub ${process.pid} on http://${host}:${port}${path}\n`);
});

process.once('SIGTERM', shutdown);

function shutdown() {
  // 1012 on each websocket itself: Socket.IO has no close code of its own (io.close() ends
  // its sockets with a plain close), and a hub going down for a restart says so.
  const sockets = Object.values(io.engine.clients).map((engineSocket) => engineSocket.transport?.socket).filter(Boolean);
  server.close();
  const exit = () => process.exit(0);
  if (sockets.length === 0) exit();
  let open = sockets.length;
  for (const ws of sockets) {
    ws.once('close', () => --open === 0 && exit());
    ws.close(1012, 'Service Restart');
  }
  // A peer that never completes the closing handshake does not hold the exit up for long.
  setTimeout(exit, 500).unref();
}

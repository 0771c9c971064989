/**
 * The acme hub's wire (hub.py beside this file, in Python), told to
 * edge-chaos: `--protocol ./examples/protocols/acme-hub/acme.protocol.ts`.
 * The agents and the harness learn everything they say to the hub from here;
 * the hub knows nothing of edge-chaos.
 *
 * ACME_KEY must be set where the run starts: the key is read from it when the
 * profile loads (and the hub, started by --hub-cmd, inherits it).
 */
import { defineProtocol } from 'edge-chaos';

export default defineProtocol({
  name: 'acme',
  socket: {
    path: '/agents/{agent}/socket',
    // Sent on the upgrade and on every poll, poll ack and issuing call.
    headers: { 'x-acme-key': '{env.ACME_KEY}' },
  },
  // The hub opens with a session id the hello must echo, within 5 s, or it closes 4001 "no hello".
  replies: [{ match: { type: 'welcome' }, send: { type: 'hello', agent: '{agent}', session: '{frame.session}' } }],
  // App-level pings (no WebSocket pings), every PING_INTERVAL_MS: the interval is the run's, which the hub is told.
  heartbeat: { by: 'hub', match: { type: 'ping' }, reply: { type: 'pong', seq: '{frame.seq}' } },
  command: {
    match: { type: 'job' },
    id: 'job.id',
    name: 'job.kind',
    payload: 'job.args',
    ack: { type: 'done', job_id: '{command.id}' },
  },
  polling: {
    path: '/agents/{agent}/jobs',
    list: 'jobs',
    more: 'more',
    // A polled job is the bare job, not the {"type":"job","job":...} frame.
    id: 'id',
    name: 'kind',
    payload: 'args',
    ack: { per: 'command', method: 'POST', path: '/agents/{agent}/jobs/{command.id}/done' },
  },
  issue: {
    method: 'POST',
    path: '/api/jobs',
    body: { agent: '{agent}', kind: '{name}', args: '{payload}' },
    id: 'job_id',
  },
  replaceClose: { code: 4000, reason: 'superseded' },
  health: { path: '/health' },
});

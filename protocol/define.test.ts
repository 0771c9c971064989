import { describe, expect, test } from 'vitest';
import { EdgeChaosError } from '../common/errors.ts';
import { compileProtocol, defineProtocol, type ProtocolProfile } from './define.ts';
import { builtInProtocol, loadProtocol, resolveProtocolSource } from './registry.ts';
import { encodeAck, encodeCommand, pollUrl, wsUrl } from './v1.ts';

/** A custom JSON hub: id in the path, a key header, welcome/hello, app heartbeats, its own job routes. */
const acme = {
  name: 'acme',
  socket: { path: '/agents/{agent}/socket', headers: { 'x-acme-key': '{env.ACME_KEY}', authorization: 'Bearer {token}' }, subprotocols: ['acme.v2'] },
  replies: [{ match: { type: 'welcome' }, send: { type: 'hello', agent: '{agent}', session: '{frame.session}' } }],
  heartbeat: { by: 'hub', match: { type: 'ping' }, intervalMs: 5_000, reply: { type: 'pong', seq: '{frame.seq}' } },
  command: { match: { type: 'job' }, id: 'job.id', name: 'job.kind', payload: 'job.args', ack: { type: 'done', job_id: '{command.id}' } },
  ignore: [{ type: 'status' }],
  polling: { path: '/agents/{agent}/jobs', list: 'jobs', ack: { per: 'command', method: 'POST', path: '/agents/{agent}/jobs/{command.id}/done' } },
  issue: { path: '/api/jobs', body: { agent: '{agent}', kind: '{name}', args: '{payload}' }, id: 'job_id' },
  replaceClose: { code: 4000, reason: 'superseded' },
  health: { path: '/health' },
} satisfies ProtocolProfile;

const env = { ACME_KEY: 's3cret' };

function codeOf(fn: () => unknown): { code?: string; message: string; fix?: string } {
  try {
    fn();
  } catch (error) {
    if (error instanceof EdgeChaosError) return { code: error.code, message: error.message, fix: error.fix };
    throw error;
  }
  throw new Error('did not throw');
}

describe('protocol v1 as a profile', () => {
  const v1 = builtInProtocol('v1', { token: 't0k' });

  test('dials, reads, acks and polls exactly as protocol/v1.ts says', () => {
    expect(v1.agent.socketUrl('http://127.0.0.1:8080', 'agent-7')).toBe(wsUrl('http://127.0.0.1:8080', 'agent-7'));
    expect(v1.agent.headers).toEqual({ authorization: 'Bearer t0k' });
    const frame = v1.agent.read(encodeCommand({ id: 'c1', name: 'reboot', payload: { n: 1 } }), 'agent-7');
    expect(frame).toEqual({ kind: 'command', command: { id: 'c1', name: 'reboot', payload: { n: 1 } }, ack: encodeAck('c1') });
    const poll = v1.agent.polling!.request('agent-7');
    expect(new URL(poll.path, 'http://h').toString()).toBe(pollUrl('http://h', 'agent-7'));
    expect(v1.agent.polling!.read({ commands: [{ id: 'a', name: 'n' }, { name: 'no id' }], more: true })).toEqual({ ok: true, commands: [{ id: 'a', name: 'n', payload: undefined }], more: true });
    expect(v1.agent.polling!.acks('agent-7', [{ id: 'a', name: 'n', payload: 1 }, { id: 'b', name: 'n', payload: 2 }])).toEqual([
      { ids: ['a', 'b'], request: { method: 'POST', path: '/edge/acks', headers: { authorization: 'Bearer t0k', 'content-type': 'application/json' }, body: { edge_agent_id: 'agent-7', ids: ['a', 'b'] } } },
    ]);
    expect(v1.hub.issue!.request('agent-7', 'cmd-1', { sequence: 1 })).toEqual({
      method: 'POST',
      path: '/admin/commands',
      headers: { authorization: 'Bearer t0k', 'content-type': 'application/json' },
      body: { edge_agent_id: 'agent-7', name: 'cmd-1', payload: { sequence: 1 } },
    });
    expect(v1.hub.issue!.read({ id: 'x1' })).toEqual({ ok: true, id: 'x1' });
    expect(v1.hub.metricNames.replaced).toBe('edge_hub_connections_replaced_total');
  });

  test('without a token no authorization header is sent anywhere', () => {
    const open = builtInProtocol('v1');
    expect(open.agent.headers).toEqual({});
    expect(open.hub.issue!.request('a', 'n', null).headers).toEqual({ 'content-type': 'application/json' });
  });

  test('a frame that is not v1 is unrecognised, quoted and cut at 200 characters', () => {
    const frame = v1.agent.read(JSON.stringify({ event: 'job', pad: 'x'.repeat(300) }), 'a');
    expect(frame.kind).toBe('unrecognised');
    const why = (frame as { why: string }).why;
    expect(why).toContain('{\\"event\\":\\"job\\"');
    expect(why).toContain('…');
    expect(why.length).toBeLessThan(400);
    expect((v1.agent.read('not json', 'a') as { why: string }).why).toMatch(/JSON\.parse failed .*"not json"/);
    expect((v1.agent.read('{"type":"command","name":"x"}', 'a') as { why: string }).why).toMatch(/matched the command rule .* but has no id at id/);
  });
});

describe('a custom JSON profile', () => {
  const acmeWire = compileProtocol(acme, { source: '/tmp/acme.protocol.ts', token: 'tk', env });

  test('the id goes in the path, encoded; the key comes from the environment; subprotocols are offered', () => {
    expect(acmeWire.agent.socketUrl('https://hub.example:8443/ignored', 'site a/1')).toBe('wss://hub.example:8443/agents/site%20a%2F1/socket');
    expect(acmeWire.agent.headers).toEqual({ 'x-acme-key': 's3cret', authorization: 'Bearer tk' });
    expect(acmeWire.agent.subprotocols).toEqual(['acme.v2']);
    expect(acmeWire.heartbeatIntervalMs).toBe(5_000);
    expect(acmeWire.heartbeatBy).toBe('hub');
  });

  test('welcome is answered with hello carrying the session; app pings are heartbeats answered with their seq', () => {
    expect(acmeWire.agent.read('{"type":"welcome","session":"s-9"}', 'a-1')).toEqual({ kind: 'control', reply: ['{"type":"hello","agent":"a-1","session":"s-9"}'] });
    expect(acmeWire.agent.read('{"type":"ping","seq":41}', 'a-1')).toEqual({ kind: 'heartbeat', reply: '{"type":"pong","seq":41}' });
    expect(acmeWire.agent.read('{"type":"status","ok":true}', 'a-1')).toEqual({ kind: 'control' });
  });

  test('a job is read from its field paths and acked with its own frame; a numeric id is text to the agent and a number again in the ack', () => {
    const frame = acmeWire.agent.read('{"type":"job","job":{"id":17,"kind":"restart","args":{"force":true}}}', 'a-1');
    expect(frame).toEqual({ kind: 'command', command: { id: '17', name: 'restart', payload: { force: true }, hubId: 17 }, ack: '{"type":"done","job_id":17}' });
    const text = acmeWire.agent.read('{"type":"job","job":{"id":"j-5","kind":"k"}}', 'a-1');
    expect(text).toMatchObject({ ack: '{"type":"done","job_id":"j-5"}' });
  });

  test('batch and per-command poll acks say numeric ids back as numbers', () => {
    const batch = compileProtocol({ ...acme, polling: { path: '/q', id: 'ref', ack: { per: 'batch', path: '/q/ack', body: { refs: '{ids}' } } } }, { source: 'x', env });
    const read = batch.agent.polling!.read([{ ref: 1 }, { ref: 'r2' }]);
    expect(read).toMatchObject({ ok: true, commands: [{ id: '1', hubId: 1 }, { id: 'r2' }] });
    expect(batch.agent.polling!.acks('a', (read as unknown as { commands: never[] }).commands)[0]!.request.body).toEqual({ refs: [1, 'r2'] });
  });

  test('polled jobs are acked one call each; issuing keeps the payload an object and reads the hub id', () => {
    const polling = acmeWire.agent.polling!;
    expect(polling.request('a 1').path).toBe('/agents/a%201/jobs');
    const read = polling.read({ jobs: [{ job: { id: 'j1', kind: 'k' } }] });
    expect(read).toEqual({ ok: true, commands: [{ id: 'j1', name: 'k', payload: undefined }], more: false });
    expect(polling.read({ items: [] })).toMatchObject({ ok: false, why: expect.stringContaining('no list at jobs') });
    const acks = polling.acks('a-1', [{ id: 'j1', name: 'k', payload: 1 }, { id: 'j2', name: 'k', payload: 2 }]);
    expect(acks.map((a) => `${a.request.method} ${a.request.path}`)).toEqual(['POST /agents/a-1/jobs/j1/done', 'POST /agents/a-1/jobs/j2/done']);
    expect(acks.map((a) => a.ids)).toEqual([['j1'], ['j2']]);
    const issue = acmeWire.hub.issue!.request('a-1', 'cmd-3', { sequence: 3 });
    expect(issue.body).toEqual({ agent: 'a-1', kind: 'cmd-3', args: { sequence: 3 } });
    expect(acmeWire.hub.issue!.read({ job_id: 'j-77' })).toEqual({ ok: true, id: 'j-77' });
    expect(acmeWire.hub.issue!.read({ id: 'j-77' })).toMatchObject({ ok: false, why: expect.stringContaining('no id at job_id') });
    expect(acmeWire.hub.replaceClose).toEqual({ code: 4000, reason: 'superseded' });
    expect(acmeWire.hub.healthPath).toBe('/health');
    expect(acmeWire.hub.metricsPath).toBeUndefined();
  });

  test('agent-sent heartbeats carry their counter', () => {
    const beat = compileProtocol({ name: 'beat', socket: { path: '/ws' }, heartbeat: { by: 'agent', everyMs: 3_000, send: { op: 'hb', n: '{seq}' }, answer: { op: 'hb-ack' } } }, { source: 'x' });
    expect(beat.agent.heartbeat!.everyMs).toBe(3_000);
    expect(beat.agent.heartbeat!.frame('a', 4)).toBe('{"op":"hb","n":4}');
    expect(beat.agent.read('{"op":"hb-ack"}', 'a')).toEqual({ kind: 'heartbeat' });
    expect(beat.heartbeatIntervalMs).toBe(3_000);
  });

  test('a function may stand in for a template and a match', () => {
    const fn = compileProtocol(
      { name: 'fn', socket: { path: '/ws' }, parse: (text) => ({ raw: text }), command: { match: (f) => (f as { raw: string }).raw.startsWith('CMD '), id: 'raw', ack: (v) => `ACK ${v.command!.id}` } },
      { source: 'x' },
    );
    expect(fn.agent.read('CMD 5', 'a')).toEqual({ kind: 'command', command: { id: 'CMD 5', name: '', payload: undefined }, ack: 'ACK CMD 5' });
  });
});

describe('a profile that cannot describe a hub is refused at load, naming the field', () => {
  test('a mistyped field gets a guess', () => {
    const error = codeOf(() => defineProtocol({ ...acme, comand: acme.command } as unknown as ProtocolProfile));
    expect(error).toMatchObject({ code: 'EC_BAD_PROTOCOL', message: expect.stringContaining('"comand" is not a field of a protocol profile; did you mean command?') });
    expect(codeOf(() => defineProtocol({ ...acme, command: { ...acme.command, acks: false } } as unknown as ProtocolProfile)).message).toContain('"command.acks" is not a field of command; did you mean ack?');
  });

  test('missing and wrong values say what they must be', () => {
    expect(codeOf(() => defineProtocol({ ...acme, name: 'Acme Hub' })).message).toContain('name must be lower-case words');
    expect(codeOf(() => defineProtocol({ ...acme, socket: { path: 'ws' } })).message).toContain('socket.path must be an absolute path');
    expect(codeOf(() => defineProtocol({ ...acme, heartbeat: { by: 'server' } as never })).message).toContain("heartbeat.by must be 'pings'");
    expect(codeOf(() => defineProtocol({ ...acme, command: { ...acme.command, ack: undefined as never } })).message).toContain('command.ack is required');
    expect(codeOf(() => defineProtocol({ ...acme, polling: { ...acme.polling, ack: { ...acme.polling.ack, per: 'each' as never } } })).message).toContain("polling.ack.per must be 'batch'");
  });

  test('a placeholder that cannot be filled there, or a secret missing from the environment, is a load error', () => {
    expect(codeOf(() => compileProtocol({ ...acme, opening: [{ seq: '{frame.seq}' }] }, { source: 'x', env })).message).toContain('opening[0] {frame.seq} cannot be used here');
    const missing = codeOf(() => compileProtocol(acme, { source: 'x', env: {} }));
    expect(missing.message).toContain('socket.headers.x-acme-key {env.ACME_KEY} names the environment variable ACME_KEY, which is not set');
    expect(missing.message).not.toContain('s3cret');
  });

  test('an unknown protocol name gets a guess; a missing file is named', async () => {
    expect(codeOf(() => resolveProtocolSource('v2'))).toMatchObject({ code: 'EC_UNKNOWN_PROTOCOL', message: 'no protocol named "v2"; did you mean v1?' });
    await expect(loadProtocol('./nowhere.protocol.ts')).rejects.toMatchObject({ code: 'EC_UNKNOWN_PROTOCOL', message: expect.stringContaining('nowhere.protocol.ts does not exist') });
  });
});

describe('connection-only (ws)', () => {
  const ws = builtInProtocol('ws');
  test('dials the hub URL as given, reads every frame as nothing for the agent, issues and polls nothing', () => {
    expect(ws.agent.socketUrl('http://127.0.0.1:9/feed?room=7', 'agent-1')).toBe('ws://127.0.0.1:9/feed?room=7');
    expect(ws.agent.read('anything at all', 'agent-1')).toEqual({ kind: 'control' });
    expect(ws.agent.polling).toBeUndefined();
    expect(ws.hub.issue).toBeUndefined();
    expect(ws.hub.healthPath).toBeUndefined();
  });
});

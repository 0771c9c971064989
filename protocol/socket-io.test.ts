import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Decoder, PacketType, type Packet } from 'socket.io-parser';
import { afterAll, describe, expect, test } from 'vitest';
import { EdgeChaosError } from '../common/errors.ts';
import { builtInProtocol, loadProtocol, loadProtocolProfile } from './registry.ts';
import { compileSocketIoProtocol, decodeSocketIo, defineSocketIoProtocol, SOCKET_IO_CLOSE, type SocketIoProfileInput } from './socket-io.ts';
import type { HubFrame } from './wire.ts';

/** A profile compiled as a run would, with or without the run's token. */
const wire = (profile: Partial<SocketIoProfileInput> = {}, token?: string) =>
  compileSocketIoProtocol(defineSocketIoProtocol({ name: 'sio-test', ...profile }), { source: 'test', ...(token === undefined ? {} : { token }) }).agent;

/** What a Socket.IO server's parser makes of a frame the agent sends (the Engine.IO message type stripped). */
function serverReads(frame: string): Packet {
  expect(frame[0], `${frame} is an Engine.IO message`).toBe('4');
  const decoder = new Decoder();
  let packet: Packet | undefined;
  decoder.on('decoded', (p: Packet) => (packet = p));
  decoder.add(frame.slice(1));
  return packet!;
}

function reply(frame: HubFrame): string {
  if (frame.kind !== 'control' || frame.reply?.length !== 1) throw new Error(`expected one reply, got ${JSON.stringify(frame)}`);
  return frame.reply[0]!;
}

function ackOf(frame: HubFrame): string {
  if (frame.kind !== 'command' || frame.ack === undefined) throw new Error(`expected an acked command, got ${JSON.stringify(frame)}`);
  return frame.ack;
}

const OPEN = '0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":[],"pingInterval":2000,"pingTimeout":20000,"maxPayload":1000000}';

describe('the socket.io wire: Engine.IO packets', () => {
  test('the open packet is answered with the CONNECT to the namespace, the agent id (and the token when the run has one) in its auth', () => {
    expect(serverReads(reply(wire().read(OPEN, 'a-1')))).toEqual({ type: PacketType.CONNECT, nsp: '/', data: { agentId: 'a-1' } });
    expect(reply(wire({}, 's3cret').read(OPEN, 'a-1'))).toBe('40{"agentId":"a-1","token":"s3cret"}');
    expect(serverReads(reply(wire({ namespace: '/edge', auth: { id: '{agent}', key: '{token}', v: 2 } }).read(OPEN, 'a-2')))).toEqual({ type: PacketType.CONNECT, nsp: '/edge', data: { id: 'a-2', v: 2 } });
    expect(reply(wire({ auth: false }).read(OPEN, 'a-1'))).toBe('40');
    expect(wire().opening('a-1')).toEqual([]);
  });

  test('a ping is a heartbeat answered with a pong; pong, noop and upgrade mean nothing; a close packet ends the session', () => {
    const w = wire();
    expect(w.read('2', 'a-1')).toEqual({ kind: 'heartbeat', reply: '3' });
    expect(w.read('2probe', 'a-1')).toEqual({ kind: 'heartbeat', reply: '3probe' });
    for (const text of ['3', '6', '5']) expect(w.read(text, 'a-1'), text).toEqual({ kind: 'control' });
    expect(w.read('1', 'a-1')).toEqual({ kind: 'disconnect', ...SOCKET_IO_CLOSE.engineClose });
  });

  test.each([
    ['an unknown Engine.IO type', '9'],
    ['an empty frame', ''],
    ['an open packet without a sid', '0{"pingInterval":1}'],
    ['an open packet that is not JSON', '0{'],
    ['a base64 binary message', 'bAQID'],
    ['a message that is no Socket.IO packet', '4hello'],
    ['an EVENT whose payload is not a list', '42{"id":1}'],
  ])('%s is unrecognised, quoted in the reason', (_what, text) => {
    const frame = wire().read(text, 'a-1');
    expect(frame.kind).toBe('unrecognised');
    expect(frame.kind === 'unrecognised' && frame.why).toContain(JSON.stringify(text));
  });

  test('the URL is Engine.IO 4 on the websocket transport at the path; headers carry the token as protocol v1 does', () => {
    const p = builtInProtocol('socket.io', { token: 't' });
    expect(p.agent.socketUrl('http://127.0.0.1:8080', 'a-1')).toBe('ws://127.0.0.1:8080/socket.io/?EIO=4&transport=websocket');
    expect(p.agent.socketUrl('https://hub.example/ignored', 'a-1')).toBe('wss://hub.example/socket.io/?EIO=4&transport=websocket');
    expect(p.agent.headers).toEqual({ authorization: 'Bearer t' });
    expect(builtInProtocol('socket.io').agent.headers).toEqual({});
    expect(p.agent.subprotocols).toEqual([]);
    const custom = compileSocketIoProtocol(defineSocketIoProtocol({ name: 'x', path: '/rt/', query: { site: 'eu' } }), { source: 'x' });
    expect(custom.agent.socketUrl('http://h:1', 'a')).toBe('ws://h:1/rt/?EIO=4&transport=websocket&site=eu');
    expect(p.heartbeatBy).toBe('hub');
    expect(p.heartbeatIntervalMs).toBeUndefined();
  });
});

describe('the socket.io wire: Socket.IO packets', () => {
  const command = { id: 'c-1', name: 'reboot', payload: { delayS: 5 } };

  test('a command event asking for an ack is a command acked by the ACK packet with its id', () => {
    const frame = wire().read(`421["command",${JSON.stringify(command)}]`, 'a-1');
    expect(frame).toMatchObject({ kind: 'command', command });
    expect(serverReads(ackOf(frame))).toEqual({ type: PacketType.ACK, nsp: '/', id: 1, data: [{ id: 'c-1' }] });
  });

  test('a command event without an ack id is acked with the ack event; the ack id may be long and the id a number', () => {
    const plain = wire().read(`42["command",${JSON.stringify(command)}]`, 'a-1');
    expect(serverReads(ackOf(plain))).toEqual({ type: PacketType.EVENT, nsp: '/', data: ['ack', { id: 'c-1' }] });
    const long = wire().read('4212345["command",{"id":7,"name":"n"}]', 'a-1');
    expect(long).toMatchObject({ kind: 'command', command: { id: '7', name: 'n' } });
    // The id goes back as the hub sent it: a number stays a number.
    expect(ackOf(long)).toBe('4312345[{"id":7}]');
  });

  test("ack: 'callback' acks only when asked; false never; a custom event and data name the command and the frame", () => {
    const callback = wire({ ack: 'callback' });
    expect(callback.read(`42["command",${JSON.stringify(command)}]`, 'a-1')).toEqual({ kind: 'command', command });
    expect(ackOf(callback.read(`423["command",${JSON.stringify(command)}]`, 'a-1'))).toBe('433[{"id":"c-1"}]');
    expect(wire({ ack: false }).read(`423["command",${JSON.stringify(command)}]`, 'a-1')).toEqual({ kind: 'command', command });
    const custom = wire({ ack: { event: 'done', data: { job: '{command.id}', by: '{agent}', site: '{frame.args.1}' } } });
    expect(serverReads(ackOf(custom.read(`42["command",${JSON.stringify(command)},"eu"]`, 'a-9')))).toMatchObject({ data: ['done', { job: 'c-1', by: 'a-9', site: 'eu' }] });
    const callbackOnly = wire({ ack: { event: false, data: { ok: true } } });
    expect(callbackOnly.read(`42["command",${JSON.stringify(command)}]`, 'a-1')).toEqual({ kind: 'command', command });
    expect(ackOf(callbackOnly.read(`423["command",${JSON.stringify(command)}]`, 'a-1'))).toBe('433[{"ok":true}]');
  });

  test('in a namespace, packets carry it both ways; packets of another namespace mean nothing', () => {
    const w = wire({ namespace: '/edge' });
    const frame = w.read(`42/edge,5["command",${JSON.stringify(command)}]`, 'a-1');
    expect(frame).toMatchObject({ kind: 'command', command });
    expect(ackOf(frame)).toBe('43/edge,5[{"id":"c-1"}]');
    expect(w.read(`42["command",${JSON.stringify(command)}]`, 'a-1')).toEqual({ kind: 'control' });
    expect(w.read('40/edge,{"sid":"x"}', 'a-1')).toEqual({ kind: 'control' });
  });

  test('the command event and its fields are the profile\'s: a path in the first argument, or args.N by position', () => {
    const named = wire({ commandEvent: 'job', command: { id: 'job.key', name: 'kind', payload: 'job' } });
    expect(named.read('42["job",{"job":{"key":"k1"},"kind":"scan"}]', 'a-1')).toMatchObject({ kind: 'command', command: { id: 'k1', name: 'scan', payload: { key: 'k1' } } });
    const positional = wire({ command: { id: 'args.0', name: 'args.1', payload: 'args.2' } });
    expect(positional.read('42["command","c-9","reboot",{"now":true}]', 'a-1')).toMatchObject({ kind: 'command', command: { id: 'c-9', name: 'reboot', payload: { now: true } } });
    // Only args.<index> is positional: args.key is a field of the first argument like any other.
    expect(wire({ command: { id: 'args.key' } }).read('42["command",{"args":{"key":"k"}}]', 'a-1')).toMatchObject({ kind: 'command', command: { id: 'k' } });
  });

  test('other events mean nothing, or are unrecognised with otherEvents: unrecognised; a command event without an id is unrecognised', () => {
    expect(wire().read('42["status",{"load":1}]', 'a-1')).toEqual({ kind: 'control' });
    const strict = wire({ otherEvents: 'unrecognised' }).read('42["status",{"load":1}]', 'a-1');
    expect(strict).toMatchObject({ kind: 'unrecognised', why: expect.stringContaining('"status"') });
    expect(wire().read('42["command",{"name":"x"}]', 'a-1')).toMatchObject({ kind: 'unrecognised', why: expect.stringContaining('no id at id') });
  });

  test('CONNECT ack and ACK mean nothing; DISCONNECT and CONNECT_ERROR end the session with codes of their own, the error\'s message in the reason', () => {
    const w = wire();
    expect(w.read('40{"sid":"wZX3oN0bSVIhsaknAAAI"}', 'a-1')).toEqual({ kind: 'control' });
    expect(w.read('431[]', 'a-1')).toEqual({ kind: 'control' });
    expect(w.read('41', 'a-1')).toEqual({ kind: 'disconnect', code: 4000, reason: 'socket.io disconnect: io server disconnect' });
    expect(w.read('44{"message":"Not authorized"}', 'a-1')).toEqual({ kind: 'disconnect', code: 4001, reason: 'socket.io connect_error: Not authorized', refused: true });
    expect(w.read('44"plain text"', 'a-1')).toEqual({ kind: 'disconnect', code: 4001, reason: 'socket.io connect_error: plain text', refused: true });
    // A WebSocket close reason holds at most 123 bytes: a long message is cut, never thrown by the socket's close().
    const long = w.read(`44{"message":"${'é'.repeat(200)}"}`, 'a-1');
    expect(long.kind === 'disconnect' && Buffer.byteLength(long.reason)).toBeLessThanOrEqual(123);
    expect(long.kind === 'disconnect' && long.reason).toMatch(/^socket\.io connect_error: é+…$/);
  });

  test('a binary packet is unrecognised and leaves the shared decoder ready for the next agent\'s frame', () => {
    const w = wire();
    expect(w.read('451-["command",{"_placeholder":true,"num":0}]', 'a-1')).toMatchObject({ kind: 'unrecognised', why: expect.stringContaining('binary') });
    expect(decodeSocketIo('61-0[{"_placeholder":true,"num":0}]')).toEqual(expect.stringContaining('binary'));
    expect(w.read(`42["command",${JSON.stringify(command)}]`, 'a-2')).toMatchObject({ kind: 'command', command });
  });

  test('the same Protocol reads every agent\'s frames and keeps nothing between them', () => {
    const w = builtInProtocol('socket.io').agent;
    const frames = Array.from({ length: 3 }, (_, i) => [`a-${i}`, reply(w.read(OPEN, `a-${i}`))]);
    expect(frames).toEqual([
      ['a-0', '40{"agentId":"a-0"}'],
      ['a-1', '40{"agentId":"a-1"}'],
      ['a-2', '40{"agentId":"a-2"}'],
    ]);
  });
});

describe('socket.io profiles', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'edge-chaos-sio-profile-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  function refused(profile: unknown): EdgeChaosError {
    try {
      defineSocketIoProtocol(profile as SocketIoProfileInput);
    } catch (error) {
      expect(error).toBeInstanceOf(EdgeChaosError);
      expect((error as EdgeChaosError).code).toBe('EC_BAD_PROTOCOL');
      return error as EdgeChaosError;
    }
    throw new Error('not refused');
  }

  test('a mistyped or wrong field is refused, naming it', () => {
    expect(refused({ name: 'x', namspace: '/a' }).message).toContain('did you mean namespace?');
    expect(refused({ name: 'x', commandEvent: 'disconnect' }).message).toContain('commandEvent');
    expect(refused({ name: 'x', namespace: 'edge' }).message).toContain('namespace');
    expect(refused({ name: 'x', ack: 'sometimes' }).message).toContain('ack');
    expect(refused({ name: 'x', command: { idd: 'x' } }).message).toContain('did you mean id?');
    expect(refused({ name: 'Bad Name' }).message).toContain('name');
    // The HTTP side is a declarative profile's, checked by define.ts.
    expect(refused({ name: 'x', polling: { path: 'edge', ack: false } }).message).toContain('polling.path');
    expect(refused({ name: 'x', command: { id: 'args.0' }, polling: { path: '/p', ack: false } }).message).toContain('polling.id');
  });

  test('defaults: v1\'s HTTP routes for polling and issuing, /healthz, no metrics; each can be overridden or turned off', () => {
    const p = builtInProtocol('socket.io', { token: 't' });
    expect(p.agent.polling?.request('a-1')).toEqual({ method: 'GET', path: '/edge/commands?edge_agent_id=a-1', headers: { authorization: 'Bearer t' } });
    expect(p.agent.polling?.acks('a-1', [{ id: 'c1', name: 'n', payload: null }])).toMatchObject([{ ids: ['c1'], request: { method: 'POST', path: '/edge/acks', body: { edge_agent_id: 'a-1', ids: ['c1'] } } }]);
    expect(p.hub.issue?.request('a-1', 'reboot', { s: 1 })).toMatchObject({ method: 'POST', path: '/admin/commands', body: { edge_agent_id: 'a-1', name: 'reboot', payload: { s: 1 } } });
    expect(p.hub.issue?.read({ id: 'c-1' })).toEqual({ ok: true, id: 'c-1' });
    expect(p.hub).toMatchObject({ healthPath: '/healthz', metricNames: {} });
    expect(p.hub.metricsPath).toBeUndefined();
    const off = compileSocketIoProtocol(defineSocketIoProtocol({ name: 'x', polling: false, issue: false, health: false }), { source: 'x' });
    expect(off.agent.polling).toBeUndefined();
    expect(off.hub.issue).toBeUndefined();
    expect(off.hub.healthPath).toBeUndefined();
  });

  test('a profile file whose default export is a socket.io profile (marked by its kind) loads as one', async () => {
    const file = join(tmp, 'my-hub.protocol.mjs');
    writeFileSync(file, "export default { kind: 'socket.io', name: 'my-sio', namespace: '/edge', commandEvent: 'job', health: { path: '/up' } };\n");
    expect(await loadProtocolProfile(file)).toMatchObject({ kind: 'socket.io', name: 'my-sio' });
    const p = await loadProtocol(file, { token: 't' });
    expect(p).toMatchObject({ name: 'my-sio', source: file, hub: { healthPath: '/up' } });
    expect(reply(p.agent.read(OPEN, 'a-1'))).toBe('40/edge,{"agentId":"a-1","token":"t"}');
    const bad = join(tmp, 'bad.protocol.mjs');
    writeFileSync(bad, "export default { kind: 'socket.io', name: 'bad', comandEvent: 'job' };\n");
    await expect(loadProtocolProfile(bad)).rejects.toMatchObject({ code: 'EC_BAD_PROTOCOL', message: expect.stringContaining('did you mean commandEvent?') });
  });
});

import { describe, expect, test } from 'vitest';
import {
  AGENT_ID_PARAM,
  decodeAgentMessage,
  decodeHubMessage,
  encodeAck,
  encodeCommand,
  isValidAgentId,
  pollUrl,
  wsUrl,
} from './v1.ts';

describe('protocol v1 codecs', () => {
  test('a command survives encode then decode, payload included', () => {
    const command = { id: 'c-1', name: 'reboot', payload: { delayS: 5, tags: ['a'] } };
    expect(decodeHubMessage(encodeCommand(command))).toEqual({ ok: true, message: { type: 'command', ...command } });
    expect(decodeAgentMessage(encodeAck('c-1'))).toEqual({ ok: true, message: { type: 'ack', id: 'c-1' } });
  });

  test.each([
    ['not JSON', '{'],
    ['an array', '[]'],
    ['null', 'null'],
    ['another type', JSON.stringify({ type: 'ack', id: 'x' })],
    ['a missing id', JSON.stringify({ type: 'command', name: 'n' })],
    ['an empty id', JSON.stringify({ type: 'command', id: '', name: 'n' })],
    ['a numeric id', JSON.stringify({ type: 'command', id: 7, name: 'n' })],
    ['a missing name', JSON.stringify({ type: 'command', id: 'x' })],
  ])('a hub frame that is %s is refused with a reason', (_what, text) => {
    const decoded = decodeHubMessage(text);
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.error).not.toBe('');
  });

  test.each([
    ['not JSON', 'ack'],
    ['a command', encodeCommand({ id: 'x', name: 'n', payload: null })],
    ['an ack without id', JSON.stringify({ type: 'ack' })],
    ['an ack with an empty id', JSON.stringify({ type: 'ack', id: '' })],
  ])('an agent frame that is %s is refused', (_what, text) => {
    expect(decodeAgentMessage(text).ok).toBe(false);
  });
});

describe('protocol v1 agent ids and URLs', () => {
  test('agent ids are 1 to 128 characters of [A-Za-z0-9._:-]', () => {
    for (const id of ['a', 'agent-1', 'site.eu:rack_2', 'x'.repeat(128)]) expect(isValidAgentId(id), id).toBe(true);
    for (const id of ['', 'x'.repeat(129), 'has space', 'a/b', 'ä', 'a?b', 7, null, undefined]) expect(isValidAgentId(id), String(id)).toBe(false);
  });

  test('wsUrl maps http to ws and https to wss, keeps the port, and carries the agent id', () => {
    const plain = new URL(wsUrl('http://127.0.0.1:8080', 'agent-1'));
    expect(plain.protocol).toBe('ws:');
    expect(plain.host).toBe('127.0.0.1:8080');
    expect(plain.pathname).toBe('/ws');
    expect(plain.searchParams.get(AGENT_ID_PARAM)).toBe('agent-1');
    expect(new URL(wsUrl('https://hub.example', 'a')).protocol).toBe('wss:');
    const poll = new URL(pollUrl('http://127.0.0.1:8080/ignored/path', 'agent-1'));
    expect(poll.pathname).toBe('/edge/commands');
    expect(poll.searchParams.get(AGENT_ID_PARAM)).toBe('agent-1');
  });
});

import { describe, expect, test } from 'vitest';
import { wsUrl } from '../protocol/v1.ts';
import { AgentProfile } from './profile.ts';

describe('AgentProfile', () => {
  const profile = new AgentProfile({ observe: () => {}, token: 't0k' });

  test('by default it speaks protocol v1: its WebSocket URL is wsUrl(), ids that need encoding carried as they are', () => {
    expect(profile.protocolName).toBe('v1');
    for (const hubUrl of ['http://127.0.0.1:8080', 'https://hub.example:443/base/?x=1#frag', 'http://[::1]:9/']) {
      for (const id of ['agent-1', 'site-a.7', 'A_b*c', 'edge:42']) expect(profile.wire.socketUrl(hubUrl, id)).toBe(wsUrl(hubUrl, id));
      for (const id of ['a b', 'ä/?&=', '']) {
        const url = new URL(profile.wire.socketUrl(hubUrl, id));
        expect(url.searchParams.get('edge_agent_id')).toBe(id);
        expect(url.toString().split('?')[0]).toBe(wsUrl(hubUrl, id).split('?')[0]);
      }
    }
  });

  test('ws options: one shared object per source address, localAddress only when there is one', () => {
    const none = profile.wsOptions(undefined);
    expect(profile.wsOptions(undefined)).toBe(none);
    expect(none).toEqual({ headers: { authorization: 'Bearer t0k' }, handshakeTimeout: 10_000, perMessageDeflate: false });
    expect('localAddress' in none).toBe(false);
    const bound = profile.wsOptions('127.0.1.2');
    expect(bound).toMatchObject({ localAddress: '127.0.1.2', perMessageDeflate: false });
    expect(profile.wsOptions('127.0.1.2')).toBe(bound);
    expect(Object.isFrozen(bound) && Object.isFrozen(bound.headers)).toBe(true);
  });

  test('without a token, v1 sends no authorization header', () => {
    expect(new AgentProfile({ observe: () => {} }).wsOptions(undefined).headers).toEqual({});
  });
});

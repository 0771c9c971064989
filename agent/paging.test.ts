import { describe, expect, test } from 'vitest';
import { RawHub } from '../protocol/raw-hub.test-support.ts';
import { startAgent } from './agent.test-support.ts';

const c = (id: string) => ({ id, name: `do-${id}`, payload: { id } });

describe('EdgeAgent and the poll paging extension', () => {
  test('while a poll answers more: true the agent acks and polls again at once, not after its poll interval', async () => {
    await using hub = await RawHub.start({ acceptUpgrades: false });
    // Three pages; a page is gone once acked, as on the reference hub.
    const pages = [[c('p1'), c('p2')], [c('p3'), c('p4')], [c('p5')]];
    hub.pollAnswer = () => ({ commands: pages[0] ?? [], more: pages.length > 1 });
    hub.on('http-ack', (ids: string[]) => {
      if (pages[0]?.some((cmd) => ids.includes(cmd.id))) pages.shift();
    });
    await using a = startAgent({ hubUrl: hub.url, pollIntervalMs: 60_000 });
    await a.rec.until(() => (hub.httpAcks.includes('p5') ? true : undefined), 'every page acked', 5_000);
    expect(a.rec.all('command').map((e) => e.id)).toEqual(['p1', 'p2', 'p3', 'p4', 'p5']);
    expect(hub.polls).toBe(3);
  });

  test('a hub without the extension (no `more`) is polled at the poll interval, as before', async () => {
    await using hub = await RawHub.start({ acceptUpgrades: false });
    hub.pollCommands = [c('p1')];
    await using a = startAgent({ hubUrl: hub.url, pollIntervalMs: 60_000 });
    await hub.times('http-ack', 1);
    await a.rec.nth('poll', 1);
    expect(hub.polls).toBe(1);
  });

  test('more: true with a page that brings nothing new does not spin: the agent waits its poll interval', async () => {
    await using hub = await RawHub.start({ acceptUpgrades: false });
    hub.pollAnswer = () => ({ commands: [c('same')], more: true }); // a hub that never drops acked commands
    await using a = startAgent({ hubUrl: hub.url, pollIntervalMs: 300 });
    const second = await a.rec.nth('poll', 2);
    const third = await a.rec.nth('poll', 3);
    // The first page was new, so the second poll came at once; the second page was all repeats, so the third waited.
    expect(third.t - second.t).toBeGreaterThanOrEqual(250);
  });
});

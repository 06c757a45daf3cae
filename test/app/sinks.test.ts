/** The one list of sinks: each sink on its own, so one that throws, rejects or hangs never stops the others. */
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SinkList } from '../../src/app/sinks.js';
import type { Sink } from '../../src/core/sink.js';
import type { BridgeSnapshot } from '../../src/core/snapshot.js';
import type { ReadingSource } from '../../src/core/source.js';
import { History } from '../../src/history/history.js';
import { memoryLogger } from '../../src/log/logger.js';

const T0 = Date.UTC(2026, 5, 1, 12, 0, 0);
function snap(soc: number, at = T0): BridgeSnapshot {
  return {
    batteries: [{ sn: 'SN-1', deviceId: 1, stationId: 1, stationName: 'Home', master: true, live: true, fresh: true, raw: {}, updatedAt: at, soc, batteryPower: -100 }],
    cycles: 1,
  };
}

/** A sink that records what happened to it, in one journal shared by all. */
function recorder(name: string, journal: string[], faults: { start?: 'throw' | 'reject' | 'hang'; stop?: 'throw' | 'reject' | 'hang'; snapshot?: boolean } = {}) {
  const seen: number[] = [];
  const sink: Sink = {
    name,
    start() {
      journal.push(`start ${name}`);
      if (faults.start === 'throw') throw new Error(`${name} cannot start`);
      if (faults.start === 'reject') return Promise.reject(new Error(`${name} refused to start`));
      if (faults.start === 'hang') return new Promise<void>(() => undefined);
    },
    stop() {
      journal.push(`stop ${name}`);
      if (faults.stop === 'throw') throw new Error(`${name} broke while stopping`);
      if (faults.stop === 'reject') return Promise.reject(new Error(`${name} refused to stop`));
      if (faults.stop === 'hang') return new Promise<void>(() => undefined);
    },
    onSnapshot(s) {
      if (faults.snapshot) throw new Error(`${name} choked on ${'x'.repeat(5_000)}`);
      seen.push(s.batteries[0]?.soc ?? -1);
    },
  };
  return { sink, seen };
}

class FakeSource extends EventEmitter implements ReadingSource {
  current: BridgeSnapshot = { batteries: [], cycles: 0 };
  start(): void {}
  async stop(): Promise<void> {}
  snapshot(): BridgeSnapshot {
    return this.current;
  }
  async refreshNow(): Promise<BridgeSnapshot> {
    return this.current;
  }
  send(s: BridgeSnapshot): void {
    this.current = s;
    this.emit('snapshot', s);
  }
}

describe('SinkList', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'sinks-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a sink that throws on every snapshot: the others get each one, and the failure is logged once, bounded', async () => {
    const { logger, lines } = memoryLogger('info');
    const journal: string[] = [];
    const a = recorder('first', journal);
    const bad = recorder('broken sink', journal, { snapshot: true });
    // A real sink after the broken one: the history writes its ring file.
    const history = new History({ dir, logger });
    const list = new SinkList(logger);
    const source = new FakeSource();
    await list.add([a.sink, bad.sink, history]);
    list.attach(source);
    expect(await list.start()).toEqual([]);
    for (let i = 0; i < 5; i++) source.send(snap(50 + i, T0 + i * 60_000));

    expect(a.seen).toEqual([50, 51, 52, 53, 54]);
    expect(history.view(['SN-1'], 24, T0 + 5 * 60_000).batteries[0]!.samples.map((s) => s[1])).toEqual([50, 51, 52, 53, 54]);
    const failures = lines.filter((l) => l.includes('broken sink'));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/The broken sink failed on a reading \(broken sink choked on x+…\); the others got it/);
    expect(failures[0]!.length).toBeLessThan(600);
    expect(list.latest.batteries[0]!.soc).toBe(54);
    await list.stop();
  });

  it('a sink that throws or rejects in start is left out; the others start and get snapshots', async () => {
    const { logger, lines } = memoryLogger('info');
    const journal: string[] = [];
    const throws = recorder('tray icon', journal, { start: 'throw' });
    const rejects = recorder('notifications', journal, { start: 'reject' });
    const ok = recorder('history', journal);
    const list = new SinkList(logger);
    const source = new FakeSource();
    list.attach(source);
    await list.add([throws.sink, rejects.sink, ok.sink]);
    const failed = await list.start();
    expect(failed).toEqual([throws.sink, rejects.sink]);
    source.send(snap(40));
    expect(ok.seen).toEqual([40]);
    expect(throws.seen).toEqual([]);
    expect(rejects.seen).toEqual([]);
    expect(lines.filter((l) => /could not start/.test(l))).toEqual([
      expect.stringContaining('The tray icon could not start (tray icon cannot start); everything else runs without it'),
      expect.stringContaining('The notifications could not start (notifications refused to start)'),
    ]);
    await list.stop();
  });

  it('a slow start delays no other sink: snapshots reach the others (and the starting one) meanwhile', async () => {
    const { logger } = memoryLogger('info');
    const journal: string[] = [];
    const slow = recorder('tray icon', journal, { start: 'hang' });
    const ok = recorder('MQTT publisher', journal);
    const list = new SinkList(logger);
    const source = new FakeSource();
    list.attach(source);
    await list.add([slow.sink, ok.sink]);
    void list.start();
    source.send(snap(30));
    expect(ok.seen).toEqual([30]);
    expect(slow.seen).toEqual([30]);
    await list.stop();
    expect(journal).toEqual(['start tray icon', 'start MQTT publisher', 'stop MQTT publisher', 'stop tray icon']);
  });

  it('stops the last first; a stop that throws, rejects or hangs does not keep the others from stopping', async () => {
    const { logger, lines } = memoryLogger('info');
    const journal: string[] = [];
    const sinks = [
      recorder('history', journal),
      recorder('tray icon', journal, { stop: 'hang' }),
      recorder('notifications', journal, { stop: 'reject' }),
      recorder('MQTT publisher', journal, { stop: 'throw' }),
      recorder('feed controls', journal),
    ];
    const list = new SinkList(logger, 100);
    const source = new FakeSource();
    list.attach(source);
    await list.add(sinks.map((s) => s.sink));
    await list.start();
    await list.stop();
    expect(journal.filter((j) => j.startsWith('stop'))).toEqual(['stop feed controls', 'stop MQTT publisher', 'stop notifications', 'stop tray icon', 'stop history']);
    expect(lines.filter((l) => /did not stop cleanly/.test(l))).toEqual([
      expect.stringContaining('The MQTT publisher did not stop cleanly (MQTT publisher broke while stopping); stopping the rest'),
      expect.stringContaining('The notifications did not stop cleanly (notifications refused to stop)'),
      expect.stringContaining('The tray icon did not stop cleanly (it did not finish within 0.1 s)'),
    ]);
    // Stopped is stopped: no snapshot afterwards, and a second stop stops nothing twice.
    source.send(snap(20));
    expect(sinks.every((s) => s.seen.length === 0)).toBe(true);
    await list.stop();
    expect(journal.filter((j) => j.startsWith('stop'))).toHaveLength(5);
  });

  it('remove() stops some sinks (the last first) and says where they were; add() at that place starts the new ones', async () => {
    const { logger } = memoryLogger('info');
    const journal: string[] = [];
    const ctl = recorder('battery controls', journal);
    const pub = recorder('MQTT publisher', journal);
    const tray = recorder('tray icon', journal);
    const list = new SinkList(logger);
    const first = new FakeSource();
    list.attach(first);
    await list.add([ctl.sink, pub.sink, tray.sink]);
    await list.start();
    const at = await list.remove([ctl.sink, pub.sink]);
    expect(at).toBe(0);
    expect(journal.slice(-2)).toEqual(['stop MQTT publisher', 'stop battery controls']);

    const pub2 = recorder('MQTT publisher 2', journal);
    const second = new FakeSource();
    second.current = snap(61);
    list.attach(second);
    expect(list.latest.batteries[0]!.soc).toBe(61);
    await list.add([pub2.sink], at);
    expect(journal.at(-1)).toBe('start MQTT publisher 2');
    expect(list.sinks.map((s) => s.name)).toEqual(['MQTT publisher 2', 'tray icon']);
    first.send(snap(10)); // the old source reaches nobody
    second.send(snap(62));
    expect(pub2.seen).toEqual([62]);
    expect(tray.seen).toEqual([62]);
    expect(pub.seen).toEqual([]);
    await list.stop();
  });
});

/** Stopping, written once: signals and Quit stop everything once, then exit; a second signal or a hang exits anyway. */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { onShutdown } from '../../src/app/shutdown.js';
import { memoryLogger } from '../../src/log/logger.js';

function setup(stop: () => Promise<void>, graceMs = 5_000) {
  const { logger, lines } = memoryLogger('info');
  const signals = new EventEmitter();
  const codes: number[] = [];
  let exited!: () => void;
  const exit = new Promise<void>((r) => (exited = r));
  const run = onShutdown({ log: logger, stop, graceMs, signals, exit: (c) => (codes.push(c), exited()) });
  return { run, signals, codes, lines, exit };
}

describe('onShutdown', () => {
  it('SIGTERM: stops once, says so, exits 0', async () => {
    let stops = 0;
    const s = setup(async () => void stops++);
    s.signals.emit('SIGTERM');
    await s.exit;
    expect(stops).toBe(1);
    expect(s.codes).toEqual([0]);
    expect(s.lines.some((l) => l.includes('SIGTERM received: publishing offline and stopping'))).toBe(true);
  });

  it("the app's Quit is the same shutdown; asking again does not stop twice, a signal meanwhile exits 130", async () => {
    let stops = 0;
    let finish!: () => void;
    const s = setup(() => new Promise<void>((r) => (stops++, (finish = r))));
    s.run('Quit');
    s.run('Quit');
    expect(stops).toBe(1);
    s.signals.emit('SIGINT');
    expect(s.codes).toEqual([130]);
    finish();
    await s.exit;
    expect(s.lines.filter((l) => l.includes('Quit: publishing offline and stopping'))).toHaveLength(1);
  });

  it('a failing stop is logged and still exits 0; a stop that never ends exits 1', async () => {
    const failing = setup(() => Promise.reject(new Error('broker gone')));
    failing.run('Quit');
    await failing.exit;
    expect(failing.codes).toEqual([0]);
    expect(failing.lines.some((l) => l.includes('Error while stopping: broker gone'))).toBe(true);

    const hanging = setup(() => new Promise<void>(() => undefined), 50);
    hanging.signals.emit('SIGINT');
    await hanging.exit;
    expect(hanging.codes).toEqual([1]);
    expect(hanging.lines.some((l) => l.includes('exiting anyway'))).toBe(true);
  });
});

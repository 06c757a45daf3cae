/**
 * Stopping the app, written once for the headless bridge, the tray app and the demo: SIGINT, SIGTERM (and the
 * tray's Quit) stop everything (the bridge publishes `offline` first), then the process exits 0. The other signal
 * meanwhile exits at once (130); a stop that takes longer than SHUTDOWN_GRACE_MS exits 1, inside the 10 s that
 * Docker and most service managers wait before they kill.
 */
import type { Logger } from '../log/logger.js';

export const SHUTDOWN_GRACE_MS = 8_000;

export interface ShutdownOptions {
  log: Logger;
  /** Stops everything; its rejection is logged, the exit code stays 0. */
  stop: () => Promise<void>;
  graceMs?: number;
  /** Tests only: instead of process.exit and the process's signals. */
  exit?: (code: number) => void;
  signals?: Pick<NodeJS.EventEmitter, 'once'>;
}

/** Listens for SIGINT and SIGTERM; returns the same shutdown for the app's own Quit (`why` starts the log line). */
export function onShutdown(o: ShutdownOptions): (why: string) => void {
  const exit = o.exit ?? ((code: number) => process.exit(code));
  let started = false;
  const run = (why: string) => {
    if (started) return;
    started = true;
    o.log.info(`${why}: publishing offline and stopping`);
    const force = setTimeout(() => {
      o.log.warn(`Stopping took longer than ${(o.graceMs ?? SHUTDOWN_GRACE_MS) / 1000} s: exiting anyway`);
      exit(1);
    }, o.graceMs ?? SHUTDOWN_GRACE_MS);
    force.unref?.();
    o.stop()
      .catch((e) => o.log.error('Error while stopping', e))
      .finally(() => {
        clearTimeout(force);
        exit(0);
      });
  };
  const signals = o.signals ?? process;
  // Once per signal: a library that hooks exit signals (when-exit, under conf) sends the same signal again after
  // its own clean-up; that repeat must not count as the user's second signal.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    signals.once(sig, () => {
      if (started) exit(130);
      else run(`${sig} received`);
    });
  }
  return run;
}

/** `--headless` (the poll-and-publish loop in the foreground) and `--once` (check credentials, print JSON). */
import type { BridgeSnapshot } from '../core/snapshot.js';
import { maskUrl } from '../log/mask.js';
import { createBridge, type Bridge, type BridgeDeps } from './bridge.js';
import { enableDiagnostics } from './diagnostics.js';
import { Pipeline } from './pipeline.js';
import { onShutdown } from './shutdown.js';
import { SummaryLog } from './summary-log.js';

/**
 * The bridge and the summary line in one list of sinks, until SIGINT/SIGTERM (shutdown.ts). `afterStop`: what
 * else to close before the exit (the demo's simulated cloud and broker).
 */
export async function runHeadless(deps: BridgeDeps, afterStop?: () => Promise<void>): Promise<Pipeline<Bridge>> {
  const log = deps.logger;
  const s = deps.settings;
  const from =
    s.source === 'native'
      ? `the battery's own MQTT feed (published at most every ${s.nativePublishSec} s)`
      : `${s.source === 'both' ? "the battery's own MQTT feed while fresh, else " : ''}live data every ${s.intervalSec} s, energy and temperature every ${s.stationIntervalSec} s`;
  log.info(
    `hoymiles-tray headless: ${from}, ` +
      `MQTT ${maskUrl(s.mqttUrl)} base topic "${s.baseTopic}", discovery ${s.discoveryEnabled ? `under "${s.discoveryPrefix}"` : 'off'}`,
  );
  const bridge = createBridge(deps);
  const pipeline = new Pipeline(bridge, log.child('app'), [new SummaryLog(log)]);
  void pipeline.start();
  onShutdown({
    log,
    stop: async () => {
      await pipeline.stop();
      await afterStop?.();
    },
  });
  if (process.env.HOYMILES_TRAY_DIAGNOSTICS === '1') bridgeDiagnostics(bridge);
  return pipeline;
}

/** Counters the benchmark reads through the diagnostics line (see diagnostics.ts). */
function bridgeDiagnostics(bridge: Bridge): void {
  enableDiagnostics(() => ({
    cycles: bridge.source.snapshot().cycles,
    requests: bridge.cloud?.transport.requestCount ?? 0,
    logins: bridge.cloud?.loginCount ?? 0,
    published: bridge.connection?.publishedCount ?? 0,
  }));
}

/**
 * One reading, nothing published. Cloud: one poll with station data. The battery's feed (native, both): up to
 * `feedWaitMs` (15 s) for the first full reading. Exit code 0 only if every battery has fresh data.
 */
export async function runOnce(deps: BridgeDeps, feedWaitMs = 15_000): Promise<number> {
  const bridge = createBridge({ ...deps, mqtt: false });
  let snap: BridgeSnapshot;
  if (bridge.native) {
    bridge.start();
    snap = await firstFullReading(bridge, feedWaitMs);
    if (!snap.batteries.length) snap = { ...snap, problem: snap.problem ?? bridge.native.noBatteryProblem() };
  } else snap = await bridge.poller!.pollOnce();
  await bridge.stop();
  const out = {
    ok: !snap.problem && snap.batteries.length > 0,
    problem: snap.problem?.message,
    batteries: snap.batteries.map(({ raw: _raw, ...b }) => ({ ...b, updatedAt: b.updatedAt ? new Date(b.updatedAt).toISOString() : undefined })),
  };
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  return out.ok ? 0 : 1;
}

/** Resolves when every battery on the feed has live and slow values (and the cloud, if used, had a cycle). */
function firstFullReading(bridge: Bridge, waitMs: number): Promise<BridgeSnapshot> {
  const full = () => {
    const feed = bridge.native!.snapshot();
    const cloudDone = !bridge.poller || bridge.poller.snapshot().cycles > 0;
    const complete = feed.batteries.length > 0 && feed.batteries.every((b) => b.fresh && b.temperature !== undefined && (!b.master || b.chargedToday !== undefined));
    return cloudDone && complete;
  };
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      bridge.source.off('snapshot', check);
      resolve(bridge.source.snapshot());
    };
    const check = () => {
      if (full()) done();
    };
    const timer = setTimeout(done, waitMs);
    bridge.source.on('snapshot', check);
  });
}

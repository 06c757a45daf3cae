/**
 * CPU and resident memory at the cadence people run: one station, a real broker, the fake cloud on loopback,
 * side by side in the same window: the app after a restart with a stored token, the app after a fresh login
 * (Argon2id), the floor (floor-script.ts) and bare `node` with a timer at the same interval. CPU per steady
 * cycle comes from each process's own process.cpuUsage() over the window; memory is the median of VmRSS
 * samples taken every second over the same window.
 *
 * Beside them, the app and the floor as the systemd unit and the Docker image (scripts/deploy/) run them, with
 * MALLOC_ARENA_MAX=1: without it a V8 helper thread's glibc malloc arena (64 MB aligned, about 10 MB touched)
 * stays in some processes and not in others, so identical processes land about 9 MB apart.
 *
 * With BENCH_PYTHON_SCRIPT, the original Python script too (python-script.ts), in the same window; its CPU and,
 * for that comparison, the app's come from /proc (a Python process cannot answer the diagnostics signal).
 */
import { KEEP_JIT_ENV } from '../../src/app/v8-tiers.js';
import { BURST_URI_LIFETIME_MS } from '../../src/cloud/burst.js';
import { APP_SETTINGS } from '../../src/config/app-settings.js';
import { CONTROL_READ_INTERVAL_MS } from '../../src/controls/battery-controls.js';
import { SETTING_KEYS } from '../../src/controls/battery-settings.js';
import type { FakeCloud } from '../../test/fake-cloud/server.js';
import { cpuMs, fmt, mb, median, requestKinds, sampleRss, signed, sleep, startApp, startBare, startFloor, until, type BenchContext, type Diag, type Proc, type Row, type Section } from './lib.js';
import { notMeasuredRows, procCpuMs, scriptProblem, scriptRows, startScript, type ScriptRun } from './python-script.js';

const CPU_AIM = 1.2; // × the floor
const RSS_AIM_KB = 4 * 1024; // floor + 4 MB
const LOGIN_AIM_KB = 2 * 1024; // fresh login within 2 MB of the stored-token figure
/** What scripts/deploy/hoymiles-tray.service and the Dockerfile set. */
const SERVICE_ENV = { MALLOC_ARENA_MAX: '1' };
/** The app as it ran before src/app/v8-tiers.ts: with V8's optimising compilers. */
const KEEP_JIT = { [KEEP_JIT_ENV]: '1' };

export function steadySection(intervalS: number, o: { background?: boolean } = {}): Section {
  return { name: `Steady cycles at a ${intervalS} s interval`, background: o.background, run: (ctx) => runSteady(ctx, intervalS) };
}

async function runSteady(ctx: BenchContext, intervalS: number): Promise<Row[]> {
  const cycles = Number(process.env.BENCH_STEADY_CYCLES ?? (ctx.quick ? Math.max(8, Math.round(60 / intervalS)) : 40));
  const warmupS = Math.max(20, 4 * intervalS);
  const tag = `${intervalS}s`;
  const stored = await startApp(`app-${tag}`, { brokerUrl: ctx.brokerUrl, intervalS, storedToken: true });
  const fresh = await startApp(`login-${tag}`, { brokerUrl: ctx.brokerUrl, intervalS, storedToken: false });
  const floor = await startFloor(`floor-${tag}`, { brokerUrl: ctx.brokerUrl, intervalS });
  const bare = startBare(`bare-${tag}`, intervalS);
  const svc = await startApp(`svc-${tag}`, { brokerUrl: ctx.brokerUrl, intervalS, storedToken: true, env: SERVICE_ENV });
  const svcFloor = await startFloor(`svcfloor-${tag}`, { brokerUrl: ctx.brokerUrl, intervalS, env: SERVICE_ENV });
  const jit = await startApp(`jit-${tag}`, { brokerUrl: ctx.brokerUrl, intervalS, storedToken: true, env: KEEP_JIT });
  // The original Python script (python-script.ts): measured when BENCH_PYTHON_SCRIPT names it, never a failure.
  let scriptWhy = await scriptProblem();
  const script: ScriptRun | undefined = scriptWhy
    ? undefined
    : await startScript(`script-${tag}`, { brokerUrl: ctx.brokerUrl, intervalS }).catch((e: Error) => void (scriptWhy = `it did not start: ${e.message.split('\n')[0]}`));
  const counted = [
    { proc: stored.proc, cloud: stored.cloud },
    { proc: fresh.proc, cloud: fresh.cloud },
    { proc: floor.proc, cloud: floor.cloud },
    { proc: svc.proc, cloud: svc.cloud },
    { proc: svcFloor.proc, cloud: svcFloor.cloud },
    { proc: jit.proc, cloud: jit.cloud },
  ];
  try {
    await sleep(warmupS * 1000);
    await until(() => counted.every((c) => c.cloud.bursts() >= 3), 60_000, `first cycles at ${tag}`);
    if (script) await until(() => !script.alive() || script.cloud.bursts() >= 3, 60_000, `the script's first cycles at ${tag}`).catch(() => undefined);
    const all: Proc[] = [stored.proc, fresh.proc, floor.proc, bare, svc.proc, svcFloor.proc, jit.proc];
    const d0 = await Promise.all(all.map((p) => p.diag()));
    const from = counted.map((c) => c.cloud.cloud.requests.length);
    const bursts0 = counted.map((c) => c.cloud.bursts());
    const samplers = all.map((p) => sampleRss(p.pid));
    // The script and the app's stored-token run, both from /proc over the same window (like for like).
    const s0 = script && { cpu: procCpuMs(script.proc.pid), bursts: script.cloud.bursts(), from: script.cloud.cloud.requests.length, rss: sampleRss(script.proc.pid) };
    const appProc0 = procCpuMs(stored.proc.pid);
    const t0 = Date.now();
    const scriptDone = () =>
      !script || !s0 || !script.alive() || script.cloud.bursts() - s0.bursts >= cycles || Date.now() - t0 > cycles * intervalS * 1500 + 15_000;
    await until(
      () => counted.every((c, i) => c.cloud.bursts() - bursts0[i]! >= cycles) && Date.now() - t0 >= cycles * intervalS * 1000 && scriptDone(),
      cycles * intervalS * 1000 * 2 + 60_000,
      `${cycles} cycles at ${tag}`,
      250,
    );
    const appProc1 = procCpuMs(stored.proc.pid);
    const appProcCycles = stored.cloud.bursts() - bursts0[0]!;
    const s1 = script && s0 && { cpu: procCpuMs(script.proc.pid), bursts: script.cloud.bursts(), rss: s0.rss.stop(), anon: s0.rss.anon() };
    const d1 = await Promise.all(all.map((p) => p.diag()));
    const rss = samplers.map((s) => median(s.stop()));
    const [appAnon, loginAnon, floorAnon, bareAnon, svcAnon, svcFloorAnon, jitAnon] = samplers.map((s) => median(s.anon())) as [number, number, number, number, number, number, number];
    const per = (i: number) => cpuMs(d0[i]!, d1[i]!) / Math.max(1, d1[i]!.cycles - d0[i]!.cycles);
    const [appCpu, loginCpu, floorCpu, bareCpu, svcCpu, svcFloorCpu, jitCpu] = [0, 1, 2, 3, 4, 5, 6].map(per) as [number, number, number, number, number, number, number];
    const [appRss, loginRss, floorRss, bareRss, svcRss, svcFloorRss, jitRss] = rss as [number, number, number, number, number, number, number];
    const appCycles = d1[0]!.cycles - d0[0]!.cycles;
    const req = requestKinds(stored.cloud.cloud, from[0]!);
    const loginReq = requestKinds(fresh.cloud.cloud, from[1]!);
    const oneRequest = (r: typeof req, d: [Diag, Diag]) => Math.abs(r.bursts - (d[1].cycles - d[0].cycles)) <= 1 && r.other === 0;
    const samples = `median of ${Math.round((Date.now() - t0) / 1000)} samples`;
    const pythonRows =
      script && s0 && s1
        ? scriptRows(tag, {
            app: { cpuMs: appProc1 - appProc0, cycles: appProcCycles, requestsPerCycle: req.total / Math.max(1, req.bursts) },
            script: { cpuMs: s1.cpu - s0.cpu, cycles: s1.bursts - s0.bursts, run: script, fromRequest: s0.from, rss: median(s1.rss), anon: median(s1.anon) },
            appRss,
            appAnon,
            samples,
          })
        : notMeasuredRows(tag, scriptWhy ?? 'it did not start');
    return [
      {
        figure: `CPU per steady cycle, ${tag} (${appCycles} cycles)`,
        value: `app ${fmt(appCpu, 3)} ms, floor ${fmt(floorCpu, 3)} ms, bare node ${fmt(bareCpu, 3)} ms: app/floor ${fmt(appCpu / floorCpu)}×, app/bare ${fmt(appCpu / bareCpu)}×`,
        aim: `≤ ${CPU_AIM}× floor`,
        met: appCpu <= CPU_AIM * floorCpu,
        result: `${fmt(appCpu / floorCpu)}× floor (${fmt(appCpu, 2)} vs ${fmt(floorCpu, 2)} ms)`,
      },
      {
        figure: `  same, after a fresh login`,
        value: `app ${fmt(loginCpu, 3)} ms: app/floor ${fmt(loginCpu / floorCpu)}×, app/bare ${fmt(loginCpu / bareCpu)}×`,
        aim: `≤ ${CPU_AIM}× floor`,
        met: loginCpu <= CPU_AIM * floorCpu,
        result: `${fmt(loginCpu / floorCpu)}× floor (${fmt(loginCpu, 2)} ms)`,
      },
      {
        figure: `Resident memory, ${tag}, restart with a stored token`,
        value: `app ${mb(appRss)}, floor ${mb(floorRss)}, bare node ${mb(bareRss)}: floor ${signed(appRss - floorRss)}, app/floor ${fmt(appRss / floorRss)}×, app/bare ${fmt(appRss / bareRss)}× (${samples}); private (RssAnon) app ${mb(appAnon)}, floor ${mb(floorAnon)}, bare ${mb(bareAnon)}: floor ${signed(appAnon - floorAnon)}`,
        aim: 'floor + 4 MB',
        met: appRss - floorRss <= RSS_AIM_KB,
        result: `floor ${signed(appRss - floorRss)} (${mb(appRss)}; private: floor ${signed(appAnon - floorAnon)})`,
      },
      {
        figure: `Resident memory, ${tag}, after a fresh login`,
        value: `app ${mb(loginRss)}: ${signed(loginRss - appRss)} vs the stored-token run, floor ${signed(loginRss - floorRss)}, app/floor ${fmt(loginRss / floorRss)}×, app/bare ${fmt(loginRss / bareRss)}×; private (RssAnon) ${mb(loginAnon)}: ${signed(loginAnon - appAnon)} vs the stored-token run`,
        aim: 'stored-token run + 2 MB',
        met: loginRss - appRss <= LOGIN_AIM_KB,
        result: `${signed(loginRss - appRss)} (floor ${signed(loginRss - floorRss)}; private: ${signed(loginAnon - appAnon)})`,
      },
      {
        figure: `Resident memory, ${tag}, as the service runs it (MALLOC_ARENA_MAX=1, the floor likewise)`,
        value: `app ${mb(svcRss)}, floor ${mb(svcFloorRss)}: floor ${signed(svcRss - svcFloorRss)}; private (RssAnon) app ${mb(svcAnon)}, floor ${mb(svcFloorAnon)}: floor ${signed(svcAnon - svcFloorAnon)}; CPU app ${fmt(svcCpu, 3)} ms, floor ${fmt(svcFloorCpu, 3)} ms: ${fmt(svcCpu / svcFloorCpu)}×`,
        aim: 'floor + 4 MB',
        met: svcRss - svcFloorRss <= RSS_AIM_KB,
        result: `floor ${signed(svcRss - svcFloorRss)} (${mb(svcRss)}; private: floor ${signed(svcAnon - svcFloorAnon)})`,
      },
      {
        figure: `  the app with V8's optimising compilers (${KEEP_JIT_ENV}=1), ${tag}`,
        value: `CPU ${fmt(jitCpu, 3)} ms per cycle: ${fmt(jitCpu / floorCpu)}× floor, ${fmt(jitCpu / appCpu)}× the app as shipped; RSS ${mb(jitRss)}: floor ${signed(jitRss - floorRss)}, app ${signed(jitRss - appRss)}; private ${mb(jitAnon)}: app ${signed(jitAnon - appAnon)}`,
        result: `${fmt(jitCpu / floorCpu)}× floor, floor ${signed(jitRss - floorRss)}`,
      },
      {
        figure: `Cloud requests per steady cycle, ${tag}`,
        value:
          `${fmt(req.bursts / appCycles, 3)} (${req.bursts} live reads in ${appCycles} cycles, ${req.other} unexpected); ` +
          `${scheduledInWindow(req, stored.cloud.cloud, appCycles)}; ${scheduledShare(intervalS, stored.cloud.cloud)}; ` +
          `fresh-login run ${loginReq.bursts} in ${d1[1]!.cycles - d0[1]!.cycles}, ${loginReq.other} unexpected`,
        aim: 'exactly 1',
        met: oneRequest(req, [d0[0]!, d1[0]!]) && oneRequest(loginReq, [d0[1]!, d1[1]!]),
        result: `${fmt(req.bursts / appCycles, 3)}, ${req.other} unexpected`,
      },
      ...pythonRows,
    ];
  } finally {
    await Promise.all([stored.cleanup(), fresh.cleanup(), floor.cleanup(), bare.stop(), svc.cleanup(), svcFloor.cleanup(), jit.cleanup(), script?.cleanup()]);
  }
}

type Kinds = ReturnType<typeof requestKinds>;

/** Cloud requests of one energy/temperature read (real_g_c, one find_c per battery) and of one control-read round. */
function perRead(cloud: FakeCloud) {
  const polls = cloud.jobSpec.runningPolls + 1; // setting_status_c until the job is done
  return { station: 1 + cloud.station().batteries.length, round: SETTING_KEYS.length * (1 + polls) };
}

/** What of the schedule fell in the window: a window holds a control-read round or not, which moves the figure. */
function scheduledInWindow(req: Kinds, cloud: FakeCloud, cycles: number): string {
  const per = perRead(cloud);
  const scheduled = req.stationReads + req.renewals + req.controlReads;
  return (
    `scheduled in the window: ${fmt(req.stationReads / per.station, 0)} energy/temperature reads (${req.stationReads} requests), ` +
    `${req.renewals} live-address renewals, ${fmt(req.controlReads / per.round, 1)} control-setting read rounds (${req.controlReads} requests): ` +
    `${scheduled} requests, ${fmt(1 + scheduled / cycles, 3)} per cycle in all`
  );
}

/**
 * Requests per cycle averaged over a whole control-read period, from the schedule (each scheduled read goes out
 * with the first cycle at or after its due time): what the window's figure is on average, lucky or not.
 */
function scheduledShare(intervalS: number, cloud: FakeCloud): string {
  const interval = intervalS * 1000;
  const per = perRead(cloud);
  const every = (ms: number) => Math.max(1, Math.ceil(ms / interval)); // cycles between two reads
  const cycles = every(CONTROL_READ_INTERVAL_MS);
  const station = per.station / every(APP_SETTINGS.stationIntervalSec.default * 1000);
  const renewal = 1 / every(BURST_URI_LIFETIME_MS);
  const control = per.round / cycles;
  return (
    `averaged over a control-read period (${CONTROL_READ_INTERVAL_MS / 60_000} min = ${cycles} cycles): 1 live + ` +
    `${fmt(station, 3)} energy/temperature + ${fmt(renewal, 3)} renewal + ${fmt(control, 3)} control = ${fmt(1 + station + renewal + control, 3)} per cycle`
  );
}

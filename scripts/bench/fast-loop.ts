/**
 * The 5 ms loop: 10,000 cycles in about a minute, for heap growth (after a forced GC, --expose-gc), requests per
 * cycle and a third CPU line (everything stays hot at this pace, so it is not the headline). Then a clean exit
 * and a restart with the stored token: no new login.
 */
import { watch } from '../../test/helpers/broker.js';
import { APP, appEnv, cpuMs, fmt, requestKinds, sleep, startApp, startProc, until, type BenchContext, type Row, type Section } from './lib.js';

const HEAP_AIM_MB = 1;

export const fastLoopSection: Section = { name: 'Fast loop (5 ms interval)', run };

async function run(ctx: BenchContext): Promise<Row[]> {
  const cycles = Number(process.env.BENCH_CYCLES ?? (ctx.quick ? 2_000 : 10_000));
  const warmup = Number(process.env.BENCH_WARMUP ?? (ctx.quick ? 300 : 1_000));
  const stationS = 5;
  const app = await startApp('fast', { brokerUrl: ctx.brokerUrl, intervalS: 0.005, stationS, storedToken: true, nodeArgs: ['--expose-gc'] });
  const watcher = await watch(ctx.brokerUrl, 'bench-fast/#');
  try {
    const { cloud } = app;
    await until(() => cloud.bursts() >= warmup, 300_000, 'warm-up of the fast loop');
    const d0 = await app.proc.diag();
    const from = cloud.cloud.requests.length;
    const bursts0 = cloud.bursts();
    await until(() => cloud.bursts() - bursts0 >= cycles, 900_000, `${cycles} fast cycles`);
    const d1 = await app.proc.diag();
    const n = d1.cycles - d0.cycles;
    const req = requestKinds(cloud.cloud, from);
    const states = watcher.messages.filter((m) => m.topic.endsWith('/state')).length;

    // Clean exit, then a restart with the stored token: count logins.
    const exitCode = await app.proc.stop('SIGTERM');
    await sleep(300);
    const offline = watcher.last('bench-fast/bridge/state')?.payload;
    const loginsBefore = cloud.cloud.loginCount;
    const again = startProc('fast-restart', [APP, '--headless'], appEnv('fast', cloud.cloud.url, ctx.brokerUrl, app.dir, 1));
    const b0 = cloud.bursts();
    await until(() => cloud.bursts() >= b0 + 3, 60_000, 'restart');
    const d2 = await again.diag();
    await again.stop();
    const growth = (d1.heapUsed - d0.heapUsed) / 1048576;
    return [
      {
        figure: `Heap growth over ${n} cycles`,
        value: `${fmt(growth, 3)} MB (${fmt(d0.heapUsed / 1048576, 1)} → ${fmt(d1.heapUsed / 1048576, 1)} MB after GC)`,
        aim: `< ${HEAP_AIM_MB} MB`,
        met: growth < HEAP_AIM_MB,
        result: `${fmt(growth, 3)} MB`,
      },
      { figure: 'CPU per cycle at 5 ms (everything hot)', value: `${fmt(cpuMs(d0, d1) / n, 3)} ms` },
      {
        figure: 'Cloud requests per cycle at 5 ms',
        value: `${fmt(req.bursts / n, 3)} (${req.bursts} live reads, ${req.other} unexpected; ${req.stationReads} energy/temperature reads every ${stationS} s, ${req.controlReads} control-setting reads, ${req.renewals} renewals)`,
        aim: 'exactly 1',
        met: Math.abs(req.bursts - n) <= 1 && req.other === 0,
        result: `${fmt(req.bursts / n, 3)}, ${req.other} unexpected`,
      },
      { figure: 'State messages published / cycles', value: `${states} / ${n}` },
      {
        figure: 'Logins on a restart with a stored token',
        value: `${cloud.cloud.loginCount - loginsBefore} (the process counts ${d2.logins})`,
        aim: '0',
        met: cloud.cloud.loginCount - loginsBefore === 0 && d2.logins === 0,
      },
      { figure: 'Clean exit', value: `exit code ${exitCode}, bridge/state = ${offline}`, aim: '0, offline', met: exitCode === 0 && offline === 'offline' },
    ];
  } finally {
    await watcher.close();
    await app.cleanup();
  }
}

/**
 * npm run bench: the headless bridge (the built bundle, in its own process) against the fake cloud and a
 * local broker at a fast interval. Prints CPU per poll cycle, memory beside a bare node process, heap growth
 * over 10,000 cycles, HTTP requests per steady cycle, and logins on a restart with a stored token.
 * Only 127.0.0.1 is contacted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeCloud, TEST_ACCOUNT } from '../test/fake-cloud/server.js';
import { startBroker, watch } from '../test/helpers/broker.js';
import { missingDesktopTools, startDesktop } from '../test/helpers/desktop.js';
import { benchNative } from './bench-native.js';

const CYCLES = Number(process.env.BENCH_CYCLES ?? 10_000);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 1_000);
const INTERVAL_S = 0.005;
const STATION_S = 5;
const root = join(__dirname, '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rssKb(pid: number): number {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/);
  return m ? Number(m[1]) : NaN;
}

interface Diag {
  heapUsed: number;
  rss: number;
  cpuUserUs: number;
  cpuSystemUs: number;
  cycles: number;
  requests: number;
  logins: number;
  published: number;
}

function startBridge(env: Record<string, string>): { proc: ChildProcess; diag(): Promise<Diag>; out: string[] } {
  const proc = spawn(process.execPath, ['--expose-gc', join(root, 'dist/app/main.cjs'), '--headless'], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: string[] = [];
  let waiting: ((d: Diag) => void) | undefined;
  const onData = (b: Buffer) => {
    for (const line of b.toString().split('\n')) {
      if (!line) continue;
      out.push(line);
      const m = line.match(/^diagnostics: (.*)$/);
      if (m && waiting) {
        const w = waiting;
        waiting = undefined;
        w(JSON.parse(m[1]!));
      }
    }
  };
  proc.stdout!.on('data', onData);
  proc.stderr!.on('data', onData);
  return {
    proc,
    out,
    diag: () =>
      new Promise<Diag>((resolve) => {
        waiting = resolve;
        proc.kill('SIGUSR2');
      }),
  };
}

async function until(fn: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`bench: timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function main(): Promise<void> {
  const cloud = await FakeCloud.start();
  const broker = await startBroker();
  const dir = mkdtempSync(join(tmpdir(), 'hoymiles-bench-'));
  mkdirSync(dir, { recursive: true });
  // A valid token from an earlier run: a restart must not log in again.
  const token = cloud.issueToken();
  writeFileSync(join(dir, 'secrets.json'), JSON.stringify({ cloudToken: token }), { mode: 0o600 });
  writeFileSync(join(dir, 'state.json'), JSON.stringify({ 'cloud.session': { email: TEST_ACCOUNT.email, dc: 1 } }), { mode: 0o600 });
  const env = {
    HOYMILES_USER: TEST_ACCOUNT.email,
    HOYMILES_PASSWORD: TEST_ACCOUNT.password,
    HOYMILES_API_URL: cloud.url,
    HOYMILES_TRAY_CONFIG_DIR: dir,
    HOYMILES_TRAY_SECRETS: 'file',
    HOYMILES_TRAY_DIAGNOSTICS: '1',
    MQTT_URL: broker.url,
    REQUEST_INTERVAL_SECONDS: String(INTERVAL_S),
    STATION_DATA_INTERVAL: String(STATION_S),
  };

  // A bare idle node process, measured in the same run, as the memory yardstick.
  const bare = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  await sleep(2_000);
  const bareRss = rssKb(bare.pid!);
  bare.kill();
  // The floor set by the two libraries every cycle needs (the parts of undici we load, and MQTT.js), idle.
  const libs = spawn(
    process.execPath,
    ['-e', 'require("undici/lib/dispatcher/agent.js"); require("undici/lib/api/api-request.js"); require("mqtt"); setInterval(() => {}, 1000)'],
    { stdio: 'ignore', cwd: root },
  );
  await sleep(2_000);
  const libsRss = rssKb(libs.pid!);
  libs.kill();

  const watcher = await watch(broker.url, 'hoymiles-ms-a2/#');
  const b = startBridge(env);
  const burst = () => cloud.count('/rds/api/0/burst/get');
  await until(() => burst() >= WARMUP, 120_000, 'warm-up');
  const d0 = await b.diag();
  const paths0 = cloud.requests.length;
  const bursts0 = burst();
  const rssWarm = rssKb(b.proc.pid!);
  await until(() => burst() - bursts0 >= CYCLES, 600_000, `${CYCLES} cycles`);
  const d1 = await b.diag();
  const window = cloud.requests.slice(paths0);
  const cycles = d1.cycles - d0.cycles;
  const cpuMs = (d1.cpuUserUs + d1.cpuSystemUs - d0.cpuUserUs - d0.cpuSystemUs) / 1000;
  const byPath = new Map<string, number>();
  for (const r of window) {
    const p = r.path.split('?')[0]!.replace(/^.*\/(?=[^/]+$)/, '');
    byPath.set(p, (byPath.get(p) ?? 0) + 1);
  }
  const burstsInWindow = byPath.get('get') ?? 0;
  const slowReads = (byPath.get('real_g_c') ?? 0) + (byPath.get('find_c') ?? 0);
  const renewals = byPath.get('get_sd_uri_c') ?? 0;
  // Battery-control settings are read at start-up and every 5 minutes (a job: read_c + status polls).
  const controlReads = (byPath.get('read_c') ?? 0) + (byPath.get('setting_status_c') ?? 0);
  const other = window.length - burstsInWindow - slowReads - renewals - controlReads;
  const state = watcher.messages.filter((m) => m.topic.endsWith('/state')).length;

  // Clean exit, then a restart with the stored token: count logins.
  b.proc.kill('SIGTERM');
  const exitCode = await new Promise<number | null>((r) => b.proc.once('exit', (c) => r(c)));
  const offline = watcher.last('hoymiles-ms-a2/bridge/state')?.payload;
  const loginsBefore = cloud.loginCount;
  // The restart runs at a calmer 1 s interval, to show memory at a realistic pace as well.
  const again = startBridge({ ...env, REQUEST_INTERVAL_SECONDS: '1' });
  await until(() => burst() > bursts0 + CYCLES + 3, 30_000, 'restart');
  await sleep(15_000);
  const rssCalm = rssKb(again.proc.pid!);
  const d2 = await again.diag();
  again.proc.kill('SIGTERM');
  await new Promise((r) => again.proc.once('exit', r));
  await watcher.close();
  const tray = await trayFigures(cloud.url, broker.url, dir);
  const iconRows = await (await import('./bench-tray-icon.js')).trayIconRows({ cloudUrl: cloud.url, brokerUrl: broker.url, root });
  await broker.stop();
  await cloud.close();
  rmSync(dir, { recursive: true, force: true });

  const fmt = (n: number, d = 2) => n.toFixed(d);
  const rows: [string, string, string][] = [
    ['CPU per poll cycle', `${fmt(cpuMs / cycles, 3)} ms`, '≤ 2 ms'],
    ['Resident memory after warm-up', `${fmt(rssWarm / 1024, 1)} MB vs bare node ${fmt(bareRss / 1024, 1)} MB = ${fmt(rssWarm / bareRss)}×`, '≤ 1.3×'],
    ['  same, at a 1 s interval after 15 s', `${fmt(rssCalm / 1024, 1)} MB = ${fmt(rssCalm / bareRss)}×`, ''],
    ['  floor: node + undici agent + mqtt, idle', `${fmt(libsRss / 1024, 1)} MB = ${fmt(libsRss / bareRss)}×`, ''],
    [`Heap growth over ${cycles} cycles`, `${fmt((d1.heapUsed - d0.heapUsed) / 1024 / 1024, 3)} MB (${fmt(d0.heapUsed / 1048576, 1)} → ${fmt(d1.heapUsed / 1048576, 1)} MB)`, '< 2 MB'],
    ['HTTP requests per steady cycle', `${fmt((burstsInWindow + other) / cycles, 3)} (bursts ${burstsInWindow}, other ${other}; plus ${slowReads} station reads every ${STATION_S} s, ${controlReads} control-setting reads, ${renewals} URL renewals)`, 'exactly 1'],
    ['Logins on restart with a stored valid token', `${cloud.loginCount - loginsBefore} (process reports ${d2.logins}; first start ${d0.logins})`, '0'],
    ['State messages published / cycles', `${state} / ${cycles} (unchanged states are sent as a heartbeat only)`, ''],
    ['Clean exit', `exit code ${exitCode}, bridge/state = ${offline}`, '0, offline'],
    ['Broker', broker.kind, ''],
    ['Tray: start-up to icon docked', tray.skipped ?? `${tray.dockMs} ms`, ''],
    ['Tray: resident memory after 1 min', tray.skipped ?? `node ${fmt(tray.nodeRss! / 1024, 1)} MB, tray helper ${fmt(tray.helperRss! / 1024, 1)} MB`, ''],
    ...iconRows,
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  console.log(`\nhoymiles-tray benchmark (Node ${process.version}, interval ${INTERVAL_S * 1000} ms)\n`);
  for (const [k, v, aim] of rows) console.log(`${k.padEnd(w0)}  ${v}${aim ? `   [aim ${aim}]` : ''}`);
  for (const [k, v, aim] of await benchNative(root)) console.log(`${k.padEnd(w0)}  ${v}${aim ? `   [aim ${aim}]` : ''}`);
}

/** The tray app (the same bundle, no flag) on a private headless desktop: time to the docked icon, memory after a minute. */
async function trayFigures(cloudUrl: string, brokerUrl: string, dir: string): Promise<{ dockMs?: number; nodeRss?: number; helperRss?: number; skipped?: string }> {
  if (process.platform !== 'linux') return { skipped: 'skipped (Linux only)' };
  const missing = missingDesktopTools();
  if (missing.length) return { skipped: `skipped (missing ${missing.join(', ')})` };
  const desktop = await startDesktop({ name: 'bench-tray' });
  try {
    const t0 = Date.now();
    const app = desktop.run(process.execPath, [join(root, 'dist/app/main.cjs')], {
      name: 'bench-tray',
      env: {
        ...desktop.env,
        HOYMILES_USER: TEST_ACCOUNT.email,
        HOYMILES_PASSWORD: TEST_ACCOUNT.password,
        HOYMILES_API_URL: cloudUrl,
        HOYMILES_TRAY_CONFIG_DIR: dir,
        HOYMILES_TRAY_LOG_DIR: join(dir, 'logs'),
        HOYMILES_TRAY_SECRETS: 'file',
        MQTT_URL: brokerUrl,
      },
    });
    await desktop.waitForIcon(15_000);
    const dockMs = Date.now() - t0;
    await sleep(60_000);
    const helper = readFileSync(`/proc/${app.pid}/task/${app.pid}/children`, 'utf8').trim().split(/\s+/).map(Number).find((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('tray_linux');
      } catch {
        return false;
      }
    });
    const figures = { dockMs, nodeRss: rssKb(app.pid), helperRss: helper ? rssKb(helper) : NaN };
    app.kill('SIGTERM');
    await app.exited;
    return figures;
  } finally {
    await desktop.stop();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);

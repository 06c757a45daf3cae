/**
 * The original Python script (krikk/hoymiles-ms-a2-to-mqtt), measured beside the app in the steady sections.
 * The bench never holds its code: BENCH_PYTHON_SCRIPT names a copy (a clone of its repository), and without it,
 * or without Debian's python3 and the script's modules, the rows say so and how to get them (never a failure).
 *
 * Same setup as the app's stored-token run: a copy of the script in a temp folder with its config file holding a
 * token its own fake cloud issued, the station's sid, the inverter id and the login URL, so it does not log in;
 * the same interval, the app's default station-data interval, the bench's broker, its own topic. Python loads
 * python/sitecustomize.py first (three adaptations: requests to *.hoymiles.com go to the fake cloud and nothing
 * leaves loopback; paho-mqtt 1.x takes the version-2 constructor; jsonpath_rw stands in for jsonpath_ng).
 *
 * A Python process cannot answer the diagnostics signal, so CPU comes from /proc for the script and, for a
 * like-for-like ratio, for the app too (procCpuNs): the sum of every thread's run time in the same window.
 * Cycles = live (burst) reads each one's fake cloud saw in the window.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { DEFAULTS } from '../../src/config/app-settings.js';
import { TEST_ACCOUNT } from '../../test/fake-cloud/server.js';
import { fmt, mb, requestKinds, root, signed, startCloud, startProc, type BenchCloud, type Proc, type Row } from './lib.js';

export const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
/** Beside this file in the sources (tests), under scripts/bench/ from the bundle in dist/. */
export const SITECUSTOMIZE = [join(__dirname, 'python/sitecustomize.py'), join(root, 'scripts/bench/python/sitecustomize.py')].find((p) => existsSync(p))!;
export const SCRIPT_CPU_AIM = 1; // the app below the script
export const HOW_TO_GET =
  'to measure it: git clone https://github.com/krikk/hoymiles-ms-a2-to-mqtt; apt-get install python3-requests python3-paho-mqtt python3-jsonpath-rw; ' +
  'BENCH_PYTHON_SCRIPT=<clone>/hoymiles-ms-a2-to-mqtt.py npm run bench';
/** The app's station-data interval (energy and temperature reads), given to the script too. */
export const STATION_S = DEFAULTS.stationIntervalSec;

// ---- pure parts -----------------------------------------------------------------------------------------------

/** The script's config file (`key=value` lines, read beside the script): the state an earlier run leaves. */
export function scriptConfig(c: { token: string; sid: number; inverterId: number; loginUrl: string }): string {
  const lines = { token: c.token, sid: String(c.sid), inverterId: String(c.inverterId), login_url: c.loginUrl };
  for (const [k, v] of Object.entries(lines)) if (/[\r\n]/.test(v) || !v) throw new Error(`bench: config value ${k} is empty or has a line break`);
  return Object.entries(lines).map(([k, v]) => `${k}=${v}\n`).join('');
}

/** Run time in ns of one thread from its /proc/<pid>/task/<tid>/schedstat ("run-ns wait-ns slices"). */
export function schedstatNs(text: string): number {
  const m = /^(\d+)\s+\d+\s+\d+\s*$/.exec(text);
  if (!m) throw new Error(`bench: unexpected schedstat line: ${JSON.stringify(text.slice(0, 80))}`);
  return Number(m[1]);
}

/** CPU time of a whole process (all its live threads) in ms, from /proc; NaN when it is gone. */
export function procCpuMs(pid: number): number {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return NaN;
  }
  let ns = 0;
  for (const tid of tids) {
    try {
      ns += schedstatNs(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' && (e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
      // a thread that ended between the listing and the read
    }
  }
  return ns / 1e6;
}

/** The MQTT host and port of an mqtt:// URL, as the script takes them (MQTT_BROKER, MQTT_PORT). */
export function brokerHostPort(url: string): { host: string; port: number } {
  const u = new URL(url);
  if (u.protocol !== 'mqtt:') throw new Error(`bench: the script needs a plain mqtt:// broker, not ${u.protocol}`);
  return { host: u.hostname, port: Number(u.port || 1883) };
}

// ---- the process ----------------------------------------------------------------------------------------------

let checked: Promise<string | undefined> | undefined;

/** Why the script cannot be measured here (undefined: it can). Checked once per bench run. */
export function scriptProblem(): Promise<string | undefined> {
  return (checked ??= checkScript(process.env.BENCH_PYTHON_SCRIPT, PYTHON));
}

/** Why `script` cannot run in `python` with the adaptations (undefined: it can). */
export async function checkScript(script: string | undefined, python: string): Promise<string | undefined> {
  if (!script) return 'BENCH_PYTHON_SCRIPT is not set';
  if (!existsSync(script)) return `BENCH_PYTHON_SCRIPT (${script.slice(0, 200)}) does not exist`;
  if (!existsSync(python)) return `${python.slice(0, 200)} is missing`;
  const site = mkdtempSync(join(tmpdir(), 'hoymiles-bench-pycheck-'));
  try {
    copyFileSync(SITECUSTOMIZE, join(site, 'sitecustomize.py'));
    const code = 'import requests, jsonpath_ng, paho.mqtt.client as m; m.Client(m.CallbackAPIVersion.VERSION2)';
    return await new Promise((resolve) =>
      execFile(python, ['-c', code], { env: { PATH: process.env.PATH ?? '', PYTHONPATH: site }, timeout: 30_000 }, (err, _out, stderr) =>
        resolve(err ? `${python.slice(0, 200)} cannot load the script's modules (${String(stderr).trim().split('\n').pop()?.slice(0, 200) || err.message.split('\n')[0]})` : undefined),
      ),
    );
  } finally {
    rmSync(site, { recursive: true, force: true });
  }
}

export interface ScriptRun {
  proc: Proc;
  cloud: BenchCloud;
  alive(): boolean;
  /** Lines of the sitecustomize's guard: connections or look-ups it refused (must stay 0). */
  refusals(): number;
  cleanup(): Promise<void>;
}

/** The script in its own process with its own fake cloud; BENCH_PYTHON_SCRIPT must be usable (scriptProblem()). */
export async function startScript(name: string, o: { brokerUrl: string; intervalS: number }): Promise<ScriptRun> {
  const source = process.env.BENCH_PYTHON_SCRIPT!;
  const cloud = await startCloud();
  const dir = mkdtempSync(join(tmpdir(), `hoymiles-bench-${name}-`));
  try {
    const station = cloud.cloud.station();
    mkdirSync(join(dir, 'site'));
    mkdirSync(join(dir, 'script'));
    copyFileSync(SITECUSTOMIZE, join(dir, 'site/sitecustomize.py'));
    const script = join(dir, 'script', basename(source));
    copyFileSync(source, script);
    const config = scriptConfig({ token: cloud.cloud.issueToken(), sid: station.sid, inverterId: station.batteries[0]!.id, loginUrl: 'https://euapi.hoymiles.com' });
    writeFileSync(join(dir, 'script/hoymiles-ms-a2-to-mqtt.config'), config, { mode: 0o600 });
    const broker = brokerHostPort(o.brokerUrl);
    const proc = startProc(
      name,
      [script],
      {
        PYTHONPATH: join(dir, 'site'),
        BENCH_FAKE_CLOUD: cloud.cloud.url,
        HOYMILES_USER: TEST_ACCOUNT.email,
        HOYMILES_PASSWORD: TEST_ACCOUNT.password,
        MQTT_BROKER: broker.host,
        MQTT_PORT: String(broker.port),
        MQTT_TOPIC: `bench-${name}`,
        REQUEST_INTERVAL_SECONDS: String(o.intervalS),
        STATION_DATA_INTERVAL: String(STATION_S),
        DEBUG: 'false',
      },
      { command: PYTHON, cwd: dir },
    );
    return {
      proc,
      cloud,
      alive: () => proc.proc.exitCode === null && proc.proc.signalCode === null,
      refusals: () => proc.tail.filter((l) => l.startsWith('bench-guard: refused')).length,
      async cleanup() {
        await proc.stop();
        await cloud.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await cloud.close();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

// ---- rows -----------------------------------------------------------------------------------------------------

export const scriptCpuFigure = (tag: string) => `CPU per steady cycle vs the original Python script, ${tag}`;
const memFigure = (tag: string) => `Resident memory vs the original Python script, ${tag}`;

/** The rows when the script was not measured: why, and how to measure it. */
export function notMeasuredRows(tag: string, why: string): Row[] {
  return [{ figure: scriptCpuFigure(tag), value: `not measured: ${why}; ${HOW_TO_GET}`, aim: `< ${SCRIPT_CPU_AIM}× the script`, result: 'not measured' }];
}

export interface ScriptWindow {
  /** CPU in ms over the window, from /proc, and live reads its fake cloud saw in it. */
  app: { cpuMs: number; cycles: number; requestsPerCycle: number };
  script: { cpuMs: number; cycles: number; run: ScriptRun; fromRequest: number; rss: number; anon: number };
  appRss: number;
  appAnon: number;
  samples: string;
}

export function scriptRows(tag: string, w: ScriptWindow): Row[] {
  const { run } = w.script;
  if (w.script.cycles < 1 || !Number.isFinite(w.script.cpuMs)) {
    const last = run.proc.tail.slice(-3).join(' | ').slice(0, 300);
    return notMeasuredRows(tag, `the script made ${w.script.cycles} live reads in the window${run.alive() ? '' : ' and exited'} (last output: ${last || 'none'})`);
  }
  const app = w.app.cpuMs / Math.max(1, w.app.cycles);
  const script = w.script.cpuMs / w.script.cycles;
  const k = requestKinds(run.cloud.cloud, w.script.fromRequest);
  const refused = run.refusals();
  return [
    {
      figure: scriptCpuFigure(tag),
      value:
        `app ${fmt(app, 3)} ms (${w.app.cycles} cycles), script ${fmt(script, 3)} ms (${w.script.cycles} cycles): app/script ${fmt(app / script)}× ` +
        `(all threads, /proc schedstat, same window); script requests per cycle ${fmt(k.total / w.script.cycles, 3)} ` +
        `(${k.bursts} live reads, ${k.renewals} live-address requests, ${k.stationReads} energy/temperature reads, ${k.other} other), ` +
        `app ${fmt(w.app.requestsPerCycle, 3)}` +
        (refused ? `; ${refused} connections refused by the guard` : ''),
      aim: `< ${SCRIPT_CPU_AIM}× the script`,
      met: refused ? undefined : app < SCRIPT_CPU_AIM * script,
      result: `${fmt(app / script)}× the script (${fmt(app, 2)} vs ${fmt(script, 2)} ms)`,
    },
    {
      figure: memFigure(tag),
      value:
        `script ${mb(w.script.rss)}, app ${mb(w.appRss)}: app − script ${signed(w.appRss - w.script.rss)}; ` +
        `private (RssAnon) script ${mb(w.script.anon)}, app ${mb(w.appAnon)}: ${signed(w.appAnon - w.script.anon)} (${w.samples})`,
    },
  ];
}

/**
 * What every benchmark section shares: child processes that answer the diagnostics signal, resident memory
 * sampled from /proc, a fake cloud per measured process (so its requests are its own), and result rows.
 * Only 127.0.0.1 is contacted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeCloud, TEST_ACCOUNT } from '../../test/fake-cloud/server.js';

export const root = join(__dirname, '..');
export const APP = join(root, 'dist/app/main.cjs');
/** The floor (floor-script.ts), started through floor-main.ts as the app is through dist/app/main.cjs. */
export const FLOOR = join(root, 'dist/bench-floor-main.cjs');
const TAIL_LINES = Number(process.env.BENCH_TAIL_LINES ?? 200);
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---- results ----------------------------------------------------------------------------------------------

export interface Row {
  figure: string;
  value: string;
  /** The aim in words; empty for a figure that is only informative. */
  aim?: string;
  /** Whether the aim is met; undefined when there is no aim or it could not be measured. */
  met?: boolean;
  /** The result in a few words for the final table (default: the start of `value`). */
  result?: string;
}

export interface Section {
  name: string;
  /** Runs in the background beside the sections that follow (its processes are quiet, e.g. a 15 s interval). */
  background?: boolean;
  run(ctx: BenchContext): Promise<Row[]>;
}

export interface BenchContext {
  brokerUrl: string;
  brokerKind: string;
  /** Shorter windows for trying the bench out (BENCH_QUICK=1); the figures are then rough. */
  quick: boolean;
}

export const fmt = (n: number, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
export const mb = (kb: number, d = 1) => `${fmt(kb / 1024, d)} MB`;
/** A difference of kB as "+ 1.2 MB" / "− 1.2 MB". */
export const signed = (kb: number) => `${kb >= 0 ? '+' : '−'} ${mb(Math.abs(kb))}`;

export function median(xs: number[]): number {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

// ---- processes --------------------------------------------------------------------------------------------

export function rssKb(pid: number, field: 'VmRSS' | 'RssAnon' = 'VmRSS'): number {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`${field}:\\s+(\\d+)`));
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}

/**
 * Resident memory of `pid`, sampled every `everyMs` until stop(); the median says more than one sample.
 * `anon()`: the private part (RssAnon) of the same samples. VmRSS also counts the node binary's pages in
 * the page cache (RssFile, about 40 MB, shared by every node process and reclaimed under memory pressure), so
 * the private part is the steadier measure of what the process itself holds.
 */
export function sampleRss(pid: number, everyMs = 1_000): { stop(): number[]; anon(): number[] } {
  const samples: number[] = [];
  const anon: number[] = [];
  const t = setInterval(() => {
    samples.push(rssKb(pid));
    anon.push(rssKb(pid, 'RssAnon'));
  }, everyMs);
  return {
    stop() {
      clearInterval(t);
      return samples.filter(Number.isFinite);
    },
    anon: () => anon.filter(Number.isFinite),
  };
}

export interface Diag {
  cpuUserUs: number;
  cpuSystemUs: number;
  rss: number;
  rssBefore: number;
  heapUsed: number;
  cycles: number;
  requests?: number;
  logins?: number;
  published?: number;
}

export const cpuMs = (a: Diag, b: Diag) => (b.cpuUserUs + b.cpuSystemUs - a.cpuUserUs - a.cpuSystemUs) / 1000;

export interface Proc {
  name: string;
  proc: ChildProcess;
  pid: number;
  startedAt: number;
  /** The last lines of output (bounded). */
  tail: string[];
  /** Asks for a diagnostics line (SIGUSR2) and resolves with it. */
  diag(): Promise<Diag>;
  /** Resolves once a line matches. */
  waitLine(re: RegExp, timeoutMs: number): Promise<string>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** `command`: another program than node (e.g. python3); such a process does not answer diag(). */
export function startProc(name: string, args: string[], env: Record<string, string>, o: { command?: string; cwd?: string } = {}): Proc {
  const proc = spawn(o.command ?? process.execPath, args, {
    env: { PATH: process.env.PATH ?? '', HOYMILES_TRAY_DIAGNOSTICS: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: o.cwd ?? root,
  });
  const tail: string[] = [];
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  let diagWaiter: ((d: Diag) => void) | undefined;
  let partial = '';
  const onData = (b: Buffer) => {
    const lines = (partial + b.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line) continue;
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      const m = line.match(/^diagnostics: (.*)$/);
      if (m && diagWaiter) {
        const w = diagWaiter;
        diagWaiter = undefined;
        w(JSON.parse(m[1]!));
      }
      for (const w of [...waiters]) {
        if (w.re.test(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  };
  proc.stdout!.on('data', onData);
  proc.stderr!.on('data', onData);
  const exited = new Promise<number | null>((r) => proc.once('exit', (c) => r(c)));
  const p: Proc = {
    name,
    proc,
    pid: proc.pid!,
    startedAt: Date.now(),
    tail,
    diag: () =>
      withTimeout(
        new Promise<Diag>((resolve) => {
          diagWaiter = resolve;
          proc.kill('SIGUSR2');
        }),
        10_000,
        `diagnostics of ${name}`,
        tail,
      ),
    waitLine: (re, timeoutMs) => withTimeout(new Promise<string>((resolve) => waiters.push({ re, resolve })), timeoutMs, `${re} from ${name}`, tail),
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
  return p;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string, tail: string[]): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise<never>((_, rej) => {
      t = setTimeout(() => rej(new Error(`bench: timed out waiting for ${what}\n${tail.slice(-20).join('\n')}`)), ms);
    }),
  ]);
}

export async function until(fn: () => boolean, timeoutMs: number, what: string, everyMs = 100): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`bench: timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

// ---- the fake cloud, one per measured process ---------------------------------------------------------------

export interface BenchCloud {
  cloud: FakeCloud;
  /** Burst (live-data) requests so far. */
  bursts(): number;
  close(): Promise<void>;
}

/** A fake cloud whose battery drifts every second like a real one, so states really change. */
export async function startCloud(): Promise<BenchCloud> {
  const cloud = await FakeCloud.start();
  const station = cloud.station();
  const drift = setInterval(() => cloud.simulate(station, 1), 1_000);
  return {
    cloud,
    bursts: () => cloud.count('/rds/api/0/burst/get'),
    async close() {
      clearInterval(drift);
      await cloud.close();
    },
  };
}

/** Requests to `cloud` after index `from`, by kind: what a steady cycle needs and what comes on a schedule. */
export function requestKinds(cloud: FakeCloud, from: number, to = cloud.requests.length) {
  const byPath = new Map<string, number>();
  for (const r of cloud.requests.slice(from, to)) {
    const p = r.path.split('?')[0]!.replace(/^.*\/(?=[^/]+$)/, '');
    byPath.set(p, (byPath.get(p) ?? 0) + 1);
  }
  const total = to - from;
  const bursts = byPath.get('get') ?? 0;
  const stationReads = (byPath.get('real_g_c') ?? 0) + (byPath.get('find_c') ?? 0);
  const renewals = byPath.get('get_sd_uri_c') ?? 0;
  // Battery-control settings are read at start-up and every 30 minutes (a job: read_c + status polls).
  const controlReads = (byPath.get('read_c') ?? 0) + (byPath.get('setting_status_c') ?? 0);
  const other = total - bursts - stationReads - renewals - controlReads;
  return { total, bursts, stationReads, renewals, controlReads, other };
}

export interface AppRun {
  proc: Proc;
  cloud: BenchCloud;
  dir: string;
  cleanup(): Promise<void>;
}

/**
 * The headless bundle in its own process with its own fake cloud and config folder. `storedToken`: as after an
 * earlier run (no login at start); otherwise the process logs in (Argon2id) first.
 */
export async function startApp(
  name: string,
  o: { brokerUrl: string; intervalS: number; storedToken: boolean; stationS?: number; nodeArgs?: string[]; env?: Record<string, string>; bundle?: string },
): Promise<AppRun> {
  const cloud = await startCloud();
  const dir = mkdtempSync(join(tmpdir(), `hoymiles-bench-${name}-`));
  if (o.storedToken) {
    writeFileSync(join(dir, 'secrets.json'), JSON.stringify({ cloudToken: cloud.cloud.issueToken() }), { mode: 0o600 });
    writeFileSync(join(dir, 'state.json'), JSON.stringify({ 'cloud.session': { email: TEST_ACCOUNT.email, dc: 1 } }), { mode: 0o600 });
  }
  const proc = startProc(name, [...(o.nodeArgs ?? []), o.bundle ?? APP, '--headless'], appEnv(name, cloud.cloud.url, o.brokerUrl, dir, o.intervalS, o.stationS, o.env));
  return {
    proc,
    cloud,
    dir,
    async cleanup() {
      await proc.stop();
      await cloud.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function appEnv(name: string, cloudUrl: string, brokerUrl: string, dir: string, intervalS: number, stationS?: number, extra?: Record<string, string>): Record<string, string> {
  return {
    HOYMILES_USER: TEST_ACCOUNT.email,
    HOYMILES_PASSWORD: TEST_ACCOUNT.password,
    HOYMILES_API_URL: cloudUrl,
    HOYMILES_TRAY_CONFIG_DIR: dir,
    HOYMILES_TRAY_SECRETS: 'file',
    MQTT_URL: brokerUrl,
    MQTT_TOPIC: `bench-${name}`,
    REQUEST_INTERVAL_SECONDS: String(intervalS),
    ...(stationS ? { STATION_DATA_INTERVAL: String(stationS) } : {}),
    ...extra,
  };
}

/**
 * The floor: a minimal script doing only what no bridge can avoid (one burst request through the same undici
 * parts, JSON parsed, one MQTT.js publish per interval), with its own fake cloud. The token and the burst
 * address are fetched here, so the floor's process makes nothing but the steady requests.
 */
export async function startFloor(name: string, o: { brokerUrl: string; intervalS: number; env?: Record<string, string> }): Promise<{ proc: Proc; cloud: BenchCloud; cleanup(): Promise<void> }> {
  const cloud = await startCloud();
  const token = cloud.cloud.issueToken();
  const sid = cloud.cloud.station().sid;
  const res = await fetch(`${cloud.cloud.url}/pvmc/api/0/station/get_sd_uri_c`, {
    method: 'POST',
    headers: { authorization: token, 'content-type': 'application/json' },
    body: JSON.stringify({ sid }),
  });
  const uri = ((await res.json()) as { data: { uri: string } }).data.uri;
  cloud.cloud.clearRequests();
  const proc = startProc(name, [FLOOR], {
    FLOOR_URL: uri,
    FLOOR_TOKEN: token,
    FLOOR_SID: String(sid),
    FLOOR_INTERVAL_MS: String(o.intervalS * 1000),
    FLOOR_TOPIC: `bench-${name}/state`,
    MQTT_URL: o.brokerUrl,
    ...o.env,
  });
  return {
    proc,
    cloud,
    async cleanup() {
      await proc.stop();
      await cloud.close();
    },
  };
}

/** Bare `node`: a timer at the same interval and the diagnostics handler, nothing else. */
export function startBare(name: string, intervalS: number): Proc {
  const script =
    `let cycles = 0; setInterval(() => { cycles++; }, ${intervalS * 1000});` +
    `process.on('SIGUSR2', () => { const c = process.cpuUsage(); const m = process.memoryUsage();` +
    ` process.stdout.write('diagnostics: ' + JSON.stringify({ cpuUserUs: c.user, cpuSystemUs: c.system, rss: m.rss, rssBefore: m.rss, heapUsed: m.heapUsed, cycles }) + '\\n'); });`;
  return startProc(name, ['-e', script], {});
}

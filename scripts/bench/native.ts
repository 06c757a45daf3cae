/**
 * The benchmark's part for the battery's own feed (HOYMILES_SOURCE=native): the headless bundle in its own
 * process reading the fake firmware on a local broker. CPU per 100 feed messages (at a fast 10 ms feed, for
 * a measurable amount), and what goes to the broker under the firmware's real 1 s feed. Only 127.0.0.1.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeFirmware } from '../../test/fake-firmware/firmware.js';
import { startBroker, watch } from '../../test/helpers/broker.js';
import type { Row, Section } from './lib.js';

const MESSAGES = Number(process.env.BENCH_NATIVE_MESSAGES ?? 3_000);
const CALM_S = Number(process.env.BENCH_NATIVE_SECONDS ?? 60);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Diag {
  cpuUserUs: number;
  cpuSystemUs: number;
  cycles: number;
  published: number;
  heapUsed: number;
}

function headless(bundle: string, env: Record<string, string>) {
  const proc = spawn(process.execPath, ['--expose-gc', bundle, '--headless'], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let waiting: ((d: Diag) => void) | undefined;
  const onData = (b: Buffer) => {
    for (const line of b.toString().split('\n')) {
      const m = line.match(/^diagnostics: (.*)$/);
      if (m && waiting) {
        const w = waiting;
        waiting = undefined;
        w(JSON.parse(m[1]!));
      }
    }
  };
  proc.stdout.on('data', onData);
  proc.stderr.on('data', onData);
  return {
    proc,
    diag: () => new Promise<Diag>((resolve) => ((waiting = resolve), proc.kill('SIGUSR2'))),
    stop: () => new Promise<void>((resolve) => (proc.once('exit', () => resolve()), proc.kill('SIGTERM'))),
  };
}

async function until(fn: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`bench-native: timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** CPU (ms per 100 messages) of a bare MQTT.js client that only parses the quick/state JSON: the floor. */
async function bareSubscriber(url: string, fw: FakeFirmware, messages: number, cwd: string): Promise<number> {
  const code = `const c=require('mqtt').connect(${JSON.stringify(url)},{writeCache:false});let n=0;c.on('connect',()=>c.subscribe('homeassistant/sensor/+/quick/state'));c.on('message',(t,p)=>{JSON.parse(p.toString());n++});process.stdin.on('data',()=>{const r=process.resourceUsage();process.stdout.write(JSON.stringify({n,cpu:r.userCPUTime+r.systemCPUTime})+'\\n')})`;
  const p = spawn(process.execPath, ['-e', code], { cwd, stdio: ['pipe', 'pipe', 'inherit'] });
  const ask = () => new Promise<{ n: number; cpu: number }>((resolve) => (p.stdout.once('data', (b: Buffer) => resolve(JSON.parse(b.toString()))), p.stdin.write('?\n')));
  await sleep(3_000);
  const a = await ask();
  const from = fw.sent.quick;
  await until(async () => fw.sent.quick - from >= messages, 300_000, 'floor messages');
  const b = await ask();
  p.kill();
  return (b.cpu - a.cpu) / 1000 / ((b.n - a.n) / 100);
}

/** Rows for the benchmark table. */
export async function benchNative(root = join(__dirname, '..')): Promise<Row[]> {
  const bundle = join(root, 'dist/app/main.cjs');
  const broker = await startBroker();
  const dir = mkdtempSync(join(tmpdir(), 'hoymiles-bench-native-'));
  const env = { HOYMILES_SOURCE: 'native', HOYMILES_TRAY_CONFIG_DIR: dir, HOYMILES_TRAY_SECRETS: 'file', HOYMILES_TRAY_DIAGNOSTICS: '1', MQTT_URL: broker.url };
  try {
    // 1. CPU per 100 feed messages, at 100 messages a second.
    const watcher = await watch(broker.url, 'hoymiles-ms-a2/#');
    const firstState = () => until(async () => watcher.messages.some((m) => /\/\d+\/state$/.test(m.topic)), 30_000, 'first state');
    let fw = await FakeFirmware.start({ url: broker.url, sn: '280024290529', quickMs: 10, slowMs: 300_000, slowOnConnect: true });
    let app = headless(bundle, env);
    // Only then ask for diagnostics: before its handler is installed, SIGUSR2 would end the process.
    await firstState();
    // Diagnostics only at the two ends: each one runs a full GC, which would dwarf what is measured.
    const sent = fw.sent.quick;
    await until(async () => fw.sent.quick - sent >= 500, 60_000, 'feed warm-up');
    const d0 = await app.diag();
    const fastFrom = fw.sent.quick;
    await until(async () => fw.sent.quick - fastFrom >= MESSAGES, 300_000, `${MESSAGES} feed messages`);
    await sleep(200);
    const d1 = await app.diag();
    await app.stop();
    const taken = d1.cycles - d0.cycles;
    const floor = await bareSubscriber(broker.url, fw, MESSAGES, root);
    await fw.stop();
    const cpuMs = (d1.cpuUserUs + d1.cpuSystemUs - d0.cpuUserUs - d0.cpuSystemUs) / 1000;

    // 2. The firmware's real rate (1 s quick, 5 min slow) with the default NATIVE_PUBLISH_SECONDS (5).
    fw = await FakeFirmware.start({ url: broker.url, sn: '280024290529', quickMs: 1_000, slowOnConnect: true });
    watcher.messages.length = 0;
    app = headless(bundle, env);
    await firstState();
    const c0 = await app.diag();
    const t0 = Date.now();
    const sent0 = fw.sent.quick;
    await sleep(CALM_S * 1000);
    const c1 = await app.diag();
    const seconds = (Date.now() - t0) / 1000;
    const states = watcher.messages.filter((m) => m.at >= t0 && /\/\d+\/state$/.test(m.topic)).length;
    await app.stop();
    await watcher.close();
    await fw.stop();
    const calmCpu = (c1.cpuUserUs + c1.cpuSystemUs - c0.cpuUserUs - c0.cpuSystemUs) / 1000;

    const fmt = (n: number, d = 2) => n.toFixed(d);
    const statesPerMin = (states / seconds) * 60;
    return [
      { figure: 'Feed: CPU per 100 feed messages', value: `${fmt((cpuMs / taken) * 100, 2)} ms (${taken} messages at 100/s, slow topics at their 5-min rate)` },
      { figure: '  floor: bare MQTT.js subscriber + JSON.parse', value: `${fmt(floor, 2)} ms per 100 messages` },
      {
        figure: `Feed: publishes under a 1 s feed (${Math.round(seconds)} s)`,
        value: `${fmt((c1.published - c0.published) / seconds, 2)}/s in all, state ${fmt(statesPerMin, 1)}/min, for ${fw.sent.quick - sent0} feed messages`,
        aim: 'state ≤ 12/min (NATIVE_PUBLISH_SECONDS=5)',
        met: statesPerMin <= 12.5,
      },
      { figure: 'Feed: CPU at the 1 s feed', value: `${fmt(calmCpu / seconds, 2)} ms per second` },
    ];
  } finally {
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const nativeSection: Section = { name: 'Battery feed', run: () => benchNative() };

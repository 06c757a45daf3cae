/**
 * Battery controls end to end: the job runner against the fake cloud's station_ctl lifecycle, and the whole
 * bridge (fake cloud → core → real MQTT broker) driven through the Home Assistant command topics.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Bridge, BridgeDeps } from '../../src/app/bridge.js';
import { JobError, JobRunner, JOB_PATHS } from '../../src/cloud/jobs.js';
import type { Settings } from '../../src/config/app-settings.js';
import type { ControlEvent } from '../../src/controls/battery-controls.js';
import { createFileSink } from '../../src/log/file-sink.js';
import { MAX_LINE_CHARS, memoryLogger } from '../../src/log/logger.js';
import { FakeCloud } from '../fake-cloud/server.js';
import { waitFor, watch, type TestBroker } from '../helpers/broker.js';
import { clientFor } from '../helpers/cloud.js';
import { discoveryProblems } from '../helpers/ha-rules.js';
import { useBridgeFixture } from '../helpers/bridge.js';
import { useTempDirs } from '../helpers/temp.js';

const SN = '280024290529';
const SID = 1234567;
const BASE = 'hoymiles-ms-a2';
const CONFIG = `homeassistant/device/hoymiles_msa2_${SN}/config`;
const STATE = `${BASE}/${SN}/state`;

let cloud: FakeCloud;

describe('job runner against the fake cloud', () => {
  beforeEach(async () => {
    cloud = await FakeCloud.start();
  });
  afterEach(async () => {
    await cloud.close();
  });

  function runner(opts: ConstructorParameters<typeof JobRunner>[1] = {}) {
    const { client } = clientFor(cloud);
    return { client, jobs: new JobRunner(client, { pollIntervalMs: 20, ...opts }) };
  }

  it('a job running for a few polls, then done: the read result', async () => {
    cloud.jobSpec = { runningPolls: 3, outcome: 'done' };
    const { client, jobs } = runner();
    expect(await jobs.read(SID, 1513)).toEqual({ power: 800 });
    expect(cloud.count(JOB_PATHS.status)).toBe(4);
    const read = cloud.requests.find((r) => r.path === JOB_PATHS.read)!;
    expect(read.body).toEqual({ action: 1513, data: { sid: SID } });
    expect(cloud.requests.filter((r) => r.path === JOB_PATHS.status).every((r) => r.body.id === cloud.jobLog[0]!.id)).toBe(true);
    await client.close();
  });

  it('read results given as a JSON string', async () => {
    cloud.jobSpec = { runningPolls: 1, outcome: 'done', resultAsString: true };
    cloud.settingsOf(SID).reserveSoc = 35;
    const { client, jobs } = runner();
    expect(await jobs.read(SID, 83)).toEqual({ mode: 2, k_2: { soc_l: 35, soc_h: 100 } });
    expect(await jobs.read(SID, 1503)).toEqual({ enable: 0 });
    await client.close();
  });

  it('a failing job carries the battery message; nothing is applied', async () => {
    cloud.jobSpec = { runningPolls: 1, outcome: 'fail', message: 'Battery is sleeping' };
    const { client, jobs } = runner();
    const e = await jobs.write(SID, 1513, { power: 1000, sid: SID }, 'set the on-grid input power to 1000 W').catch((x) => x);
    expect(e).toBeInstanceOf(JobError);
    expect(e.message).toBe('The battery could not set the on-grid input power to 1000 W: Battery is sleeping.');
    expect(cloud.settingsOf(SID).power).toBe(800);
    await client.close();
  });

  it('a job that never finishes times out', async () => {
    cloud.jobSpec = { runningPolls: 0, outcome: 'never' };
    const { client, jobs } = runner({ maxPolls: 5 });
    await expect(jobs.write(SID, 1503, { enable: 0, sid: SID })).rejects.toMatchObject({ reason: 'timeout', kind: 'timeout' });
    expect(cloud.count(JOB_PATHS.status)).toBe(5);
    await client.close();
  });

  it('an unsupported setting is refused at once', async () => {
    cloud.unsupportedActions.add(83);
    const { client, jobs } = runner();
    await expect(jobs.read(SID, 83, 'read the work mode')).rejects.toMatchObject({ reason: 'refused', message: expect.stringMatching(/The device list is empty/) });
    expect(cloud.count(JOB_PATHS.status)).toBe(0);
    await client.close();
  });

  it('a token that expires while a job runs is renewed, the job goes on', async () => {
    cloud.jobSpec = { runningPolls: 3, outcome: 'done' };
    const { client, jobs } = runner({ pollIntervalMs: 50 });
    const p = jobs.write(SID, 1513, { power: 1200, sid: SID });
    await waitFor(() => cloud.count(JOB_PATHS.status) >= 1, 5_000, 'first poll');
    cloud.expireTokens();
    await expect(p).resolves.toEqual({});
    expect(cloud.settingsOf(SID).power).toBe(1200);
    expect(cloud.count('/auth/login')).toBe(2);
    await client.close();
  });
});

describe('controls through MQTT', () => {
  const fx = useBridgeFixture();
  let broker: TestBroker;
  let log: ReturnType<typeof memoryLogger>;
  beforeEach(() => {
    ({ cloud, broker, log } = fx);
  });

  function bridge(over: Partial<Settings> = {}, deps: Partial<BridgeDeps> = {}): Bridge {
    return fx.bridge(over, {
      ...deps,
      tuning: {
        staleAfterMs: 2_000,
        controls: { pollIntervalMs: 50, maxPolls: 10, rateLimitMs: 300, readIntervalMs: 60_000, retryReadMs: 60_000 },
        ...deps.tuning,
      },
    });
  }

  type Watcher = Awaited<ReturnType<typeof watch>>;
  const stateOf = (w: Watcher) => {
    const m = w.last(STATE);
    return m ? JSON.parse(m.payload) : undefined;
  };
  const configOf = (w: Watcher) => {
    const m = w.last(CONFIG);
    return m ? JSON.parse(m.payload) : undefined;
  };
  /** Discovery with the controls and a state carrying their values. */
  /** Controls announced, and a state that carries every announced setting (the reads finish one by one). */
  const ready = (w: Watcher, key = 'grid_charging') =>
    waitFor(
      () => {
        const cmps = configOf(w)?.components;
        const state = stateOf(w);
        if (!cmps?.refresh || !state || state[key] === undefined) return false;
        return ['grid_charging', 'input_power', 'reserve_soc'].every((k) => !cmps[k] || k in state) && w.last(STATE);
      },
      10_000,
      'controls announced',
    );
  const writes = () => cloud.requests.filter((r) => r.path === JOB_PATHS.write);
  const logText = () => log.lines.join('\n');

  it('announces switch, numbers and button in the device discovery, with the values read at start-up', async () => {
    cloud.settingsOf(SID).gridCharge = true;
    cloud.settingsOf(SID).reserveSoc = 20;
    const w = await watch(broker.url);
    bridge();
    await ready(w);
    const config = configOf(w);
    expect(discoveryProblems(CONFIG, config)).toEqual([]);
    const c = config.components;
    expect(c.grid_charging).toMatchObject({ platform: 'switch', command_topic: `${BASE}/${SN}/grid_charging/set`, payload_on: 'ON', payload_off: 'OFF', unique_id: `hoymiles_msa2_${SN}_grid_charging` });
    expect(c.input_power).toMatchObject({ platform: 'number', command_topic: `${BASE}/${SN}/input_power/set`, min: 0, max: 2000, step: 1, mode: 'box' });
    expect(c.reserve_soc).toMatchObject({ platform: 'number', command_topic: `${BASE}/${SN}/reserve_soc/set`, min: 10, max: 100, step: 1, mode: 'box' });
    expect(c.refresh).toMatchObject({ platform: 'button', command_topic: `${BASE}/${SN}/refresh/set`, payload_press: 'PRESS' });
    expect(c.soc).toBeDefined(); // the same device config as the sensors
    expect(stateOf(w)).toMatchObject({ grid_charging: 'ON', input_power: 800, reserve_soc: 20, soc: 57 });
    expect(cloud.jobLog.filter((j) => j.kind === 'read').map((j) => j.action).sort((a, b) => a - b)).toEqual([83, 1503, 1513]);
    expect(writes()).toEqual([]);
    await w.close();
  });

  it('a command reaches the cloud as the right write_c body; the state changes only after confirmation', async () => {
    const w = await watch(broker.url);
    const b = bridge();
    await ready(w);
    cloud.jobSpecs[1513] = { runningPolls: 4, outcome: 'done' };
    const t0 = Date.now();
    w.client.publish(`${BASE}/${SN}/input_power/set`, '1000');
    await waitFor(() => stateOf(w)?.input_power === 1000, 5_000, 'confirmed input power');
    expect(writes().map((r) => r.body)).toEqual([{ action: 1513, data: { power: 1000, sid: SID } }]);
    const job = cloud.jobLog.find((j) => j.kind === 'write')!;
    expect(job.outcome).toBe('done');
    const states = w.messages.filter((m) => m.topic === STATE && m.at >= t0).map((m) => ({ at: m.at, v: JSON.parse(m.payload).input_power }));
    const firstNew = states.find((s) => s.v === 1000)!;
    expect(firstNew.at).toBeGreaterThanOrEqual(job.finishedAt!);
    // While the job ran, the state kept saying 800 (the poller publishes every 100 ms; a busy machine fewer times).
    expect(states.filter((s) => s.at < job.finishedAt!).length).toBeGreaterThan(0);
    expect(states.filter((s) => s.at < job.finishedAt!).every((s) => s.v === 800)).toBe(true);
    expect(cloud.settingsOf(SID).power).toBe(1000);

    w.client.publish(`${BASE}/${SN}/grid_charging/set`, 'ON');
    await waitFor(() => stateOf(w)?.grid_charging === 'ON', 5_000, 'grid charging on');
    w.client.publish(`${BASE}/${SN}/reserve_soc/set`, '30');
    await waitFor(() => stateOf(w)?.reserve_soc === 30, 5_000, 'reserve 30');
    expect(writes().slice(1).map((r) => JSON.stringify(r.body))).toEqual([
      `{"action":1503,"data":{"enable":1,"sid":${SID},"target":2,"type":1}}`,
      `{"action":83,"data":{"sid":${SID},"mode":2,"soc_l":30,"soc_h":100}}`,
    ]);
    expect(b.controls!.lastControlError).toBeUndefined();
    // Commands are never published or retained by the bridge.
    expect(w.messages.filter((m) => m.topic.endsWith('/set') && m.retain)).toEqual([]);
    await w.close();
  });

  it('a retained command is ignored', async () => {
    const pub = await watch(broker.url, 'nothing/#');
    await pub.client.publishAsync(`${BASE}/${SN}/input_power/set`, '1500', { retain: true, qos: 1 });
    await pub.close();
    const w = await watch(broker.url);
    bridge();
    await ready(w);
    await new Promise((r) => setTimeout(r, 500));
    expect(writes()).toEqual([]);
    expect(stateOf(w).input_power).toBe(800);
    expect(logText()).toMatch(/Ignored the retained command "1500" on hoymiles-ms-a2\/280024290529\/input_power\/set/);
    await w.close();
  });

  it('out-of-range and malformed values are refused with a reason; nothing reaches the cloud', async () => {
    const w = await watch(broker.url);
    bridge();
    await ready(w);
    const bad: [string, string][] = [
      ['input_power', '2500'],
      ['input_power', '-5'],
      ['input_power', 'abc'],
      ['input_power', '100.5'],
      ['reserve_soc', '5'],
      ['reserve_soc', '101'],
      ['grid_charging', 'true'],
      ['refresh', 'ON'],
    ];
    for (const [key, payload] of bad) w.client.publish(`${BASE}/${SN}/${key}/set`, payload);
    await waitFor(() => (logText().match(/Refused the command/g) ?? []).length >= bad.length, 5_000, 'refusals');
    await new Promise((r) => setTimeout(r, 300));
    expect(writes()).toEqual([]);
    expect(logText()).toMatch(/Refused the command "2500" for input_power of 280024290529: 2500 W is outside 0–2000 W/);
    expect(logText()).toMatch(/Refused the command "5" for reserve_soc of 280024290529: 5 % is outside 10–100 %/);
    expect(logText()).toMatch(/Refused the command "abc" for input_power of 280024290529: "abc" is not a number/);
    expect(stateOf(w)).toMatchObject({ input_power: 800, reserve_soc: 10, grid_charging: 'OFF' });
    await w.close();
  });

  it('a failed write publishes the previous value again and shows the failure for the tray', async () => {
    const w = await watch(broker.url);
    const b = bridge({ intervalSec: 30, stationIntervalSec: 300 }); // no regular state publishing during the test
    await ready(w);
    const errors: ControlEvent[] = [];
    b.controls!.on('control-error', (e) => errors.push(e));
    cloud.jobSpecs[1503] = { runningPolls: 1, outcome: 'fail', message: 'Battery is sleeping' };
    w.client.publish(`${BASE}/${SN}/grid_charging/set`, 'ON');
    await waitFor(() => b.controls!.lastControlError, 5_000, 'control error');
    expect(b.controls!.lastControlError).toBe('The battery could not switch grid charging on: Battery is sleeping.');
    expect(errors).toMatchObject([{ sn: SN, key: 'grid_charging', value: true }]);
    const failedAt = cloud.jobLog.find((j) => j.kind === 'write')!.finishedAt!;
    // Re-published at once (not at the next poll 30 s later), so Home Assistant snaps back.
    await waitFor(() => w.messages.some((m) => m.topic === STATE && m.at >= failedAt), 1_000, 'state re-published after the failure');
    const published = w.messages.filter((m) => m.topic === STATE).map((m) => JSON.parse(m.payload).grid_charging);
    expect(published.filter((v) => v !== undefined).every((v) => v === 'OFF')).toBe(true); // undefined: before the start-up read
    expect(cloud.settingsOf(SID).gridCharge).toBe(false);
    expect(logText()).toMatch(/ERROR \[controls\] The battery could not switch grid charging on: Battery is sleeping\. Keeping grid charging off/);
    // The next confirmed change clears it.
    delete cloud.jobSpecs[1503];
    await new Promise((r) => setTimeout(r, 350)); // rate limit
    w.client.publish(`${BASE}/${SN}/grid_charging/set`, 'ON');
    await waitFor(() => stateOf(w)?.grid_charging === 'ON', 5_000, 'on after all');
    expect(b.controls!.lastControlError).toBeUndefined();
    await w.close();
  });

  it('a setting the station does not support is not offered', async () => {
    cloud.unsupportedActions.add(83);
    const w = await watch(broker.url);
    bridge();
    await ready(w);
    const c = configOf(w).components;
    expect(c.grid_charging && c.input_power && c.refresh).toBeTruthy();
    expect(c.reserve_soc).toBeUndefined();
    expect('reserve_soc' in stateOf(w)).toBe(false);
    w.client.publish(`${BASE}/${SN}/reserve_soc/set`, '30');
    await waitFor(() => logText().match(/Refused reserve_soc = "30" of 280024290529: station 1234567 does not offer/), 5_000, 'refusal');
    expect(writes()).toEqual([]);
    await w.close();
  });

  it('rate limit: a second change of the same setting within the window is refused', async () => {
    const w = await watch(broker.url);
    bridge();
    await ready(w);
    cloud.jobSpecs[1513] = { runningPolls: 3, outcome: 'done' };
    w.client.publish(`${BASE}/${SN}/input_power/set`, '900');
    w.client.publish(`${BASE}/${SN}/input_power/set`, '950');
    await waitFor(() => stateOf(w)?.input_power === 900, 5_000, 'first change');
    expect(logText()).toMatch(/Refused input_power = "950" of 280024290529: too soon: at most one change of this setting per 0.3 s/);
    expect(writes().map((r) => r.body.data.power)).toEqual([900]);
    await w.close();
  });

  it('the refresh button polls at once and reads the settings again, without a cloud write', async () => {
    const w = await watch(broker.url);
    bridge({ intervalSec: 30, stationIntervalSec: 300 });
    await ready(w);
    await new Promise((r) => setTimeout(r, 200));
    const bursts = cloud.count('/rds/api/0/burst/get');
    const energy = cloud.count('real_g_c');
    const reads = cloud.count('station_ctl/read_c');
    cloud.station().soc = 63;
    cloud.settingsOf(SID).power = 650;
    w.client.publish(`${BASE}/${SN}/refresh/set`, 'PRESS');
    await waitFor(() => stateOf(w)?.soc === 63, 3_000, 'fresh soc');
    await waitFor(() => stateOf(w)?.input_power === 650, 5_000, 'fresh input power');
    expect(cloud.count('/rds/api/0/burst/get')).toBe(bursts + 1);
    expect(cloud.count('real_g_c')).toBe(energy + 1);
    expect(cloud.count('station_ctl/read_c')).toBe(reads + 3);
    expect(writes()).toEqual([]);
    await w.close();
  });

  it("the tray's Refresh now (Bridge.refreshNow) also polls at once and reads the settings again", async () => {
    const w = await watch(broker.url);
    const b = bridge({ intervalSec: 30, stationIntervalSec: 300 });
    await ready(w);
    await new Promise((r) => setTimeout(r, 200));
    const bursts = cloud.count('/rds/api/0/burst/get');
    const reads = cloud.count('station_ctl/read_c');
    cloud.settingsOf(SID).power = 700;
    await b.refreshNow();
    expect(cloud.count('/rds/api/0/burst/get')).toBe(bursts + 1);
    expect(cloud.count('station_ctl/read_c')).toBe(reads + 3);
    expect(b.controls!.value(SN, 'input_power')).toBe(700);
    await waitFor(() => stateOf(w)?.input_power === 700, 5_000, 'fresh input power');
    expect(writes()).toEqual([]);
    await w.close();
  });
});

describe('junk on a command topic', () => {
  const fx = useBridgeFixture();
  const tempDir = useTempDirs();
  const stateOf = (w: Awaited<ReturnType<typeof watch>>) => {
    const m = w.last(STATE);
    return m ? JSON.parse(m.payload) : undefined;
  };
  it('four 1 MB values are refused in bounded lines; the log keeps its start-up lines', async () => {
    const logDir = tempDir('hardening-log-');
    const file = createFileSink({ dir: logDir });
    fx.log.logger.addSink(file.sink);
    fx.log.logger.info('start-up line that must survive');
    const w = await watch(fx.broker.url);
    fx.bridge();
    await waitFor(() => stateOf(w), 10_000, 'state');
    const huge = '9'.repeat(1024 * 1024);
    for (let i = 0; i < 4; i++) w.client.publish(`${BASE}/${SN}/input_power/set`, `${huge}${i}`);
    await waitFor(() => fx.log.lines.filter((l) => l.includes('Refused the command')).length >= 4, 10_000, 'four refusals');
    file.close();
    const text = readFileSync(file.path, 'utf8');
    expect(text).toContain('start-up line that must survive');
    expect(readdirSync(logDir)).toEqual(['hoymiles-tray.log']); // nothing rotated away
    const longest = Math.max(...text.split('\n').map((l) => l.length));
    expect(longest).toBeLessThanOrEqual(MAX_LINE_CHARS);
    expect(fx.log.lines.filter((l) => l.includes('Refused the command')).every((l) => l.length < 300)).toBe(true);
    expect(fx.cloud.jobLog.filter((j) => j.kind === 'write')).toEqual([]);
    await w.close();
  });
});

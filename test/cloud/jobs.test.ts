/** The station_ctl job runner against a scripted `call` (no HTTP): lifecycle, parsing, queue, timeouts. */
import { describe, expect, it } from 'vitest';
import { CloudError } from '../../src/cloud/errors.js';
import { JobError, JobRunner, JOB_PATHS } from '../../src/cloud/jobs.js';
import type { Envelope } from '../../src/cloud/transport.js';

type Answer = Partial<Envelope> | Error | ((body: any) => Partial<Envelope> | Error);

/** A scripted cloud: every path answers from its own list (the last entry repeats). */
function scripted(script: Partial<Record<string, Answer[]>>) {
  const calls: { path: string; body: any; at: number }[] = [];
  const cursor: Record<string, number> = {};
  const call = async (path: string, body: unknown): Promise<Envelope> => {
    calls.push({ path, body, at: Date.now() });
    const list = script[path] ?? [];
    const i = Math.min(cursor[path] ?? 0, list.length - 1);
    cursor[path] = (cursor[path] ?? 0) + 1;
    let a = list[i];
    if (typeof a === 'function') a = a(body);
    if (a === undefined) throw new Error(`unscripted ${path}`);
    if (a instanceof Error) throw a;
    return { status: '0', message: 'success', data: null, raw: '', ...a };
  };
  return { call, calls };
}

const running = { data: { code: 2, speed: [{ rate: -1 }], data: [], message: '' } };
const done = (data: unknown) => ({ data: { code: 0, data, message: '' } });

describe('JobRunner', () => {
  it('read: job id, polls while code 2, returns the result object', async () => {
    const cloud = scripted({
      [JOB_PATHS.read]: [{ data: '39219485' }],
      [JOB_PATHS.status]: [running, running, done({ power: 800 })],
    });
    const r = new JobRunner(cloud, { pollIntervalMs: 5 });
    expect(await r.read(7, 1513)).toEqual({ power: 800 });
    expect(cloud.calls[0]).toMatchObject({ path: JOB_PATHS.read, body: { action: 1513, data: { sid: 7 } } });
    expect(cloud.calls.slice(1).map((c) => c.body)).toEqual([{ id: '39219485' }, { id: '39219485' }, { id: '39219485' }]);
  });

  it('accepts a numeric job id and data given as JSON strings (result and whole status)', async () => {
    const cloud = scripted({
      [JOB_PATHS.read]: [{ data: 123 }],
      [JOB_PATHS.status]: [{ data: JSON.stringify({ code: 2 }) }, done(JSON.stringify({ mode: 2, k_2: { soc_l: 20, soc_h: 100 } }))],
    });
    const r = new JobRunner(cloud, { pollIntervalMs: 5 });
    expect(await r.read(7, 83)).toEqual({ mode: 2, k_2: { soc_l: 20, soc_h: 100 } });
    expect(cloud.calls[1]!.body).toEqual({ id: '123' });
  });

  it('write: sends the data as given (sid kept in place) and resolves {} for a done write', async () => {
    const cloud = scripted({ [JOB_PATHS.write]: [{ data: '1' }], [JOB_PATHS.status]: [done([])] });
    const r = new JobRunner(cloud, { pollIntervalMs: 5 });
    expect(await r.write(7, 1503, { enable: 1, sid: 7, target: 2, type: 1 })).toEqual({});
    expect(JSON.stringify(cloud.calls[0]!.body)).toBe('{"action":1503,"data":{"enable":1,"sid":7,"target":2,"type":1}}');
    await r.write(7, 1513, { power: 500 });
    expect(cloud.calls[2]!.body).toEqual({ action: 1513, data: { power: 500, sid: 7 } });
  });

  it('a failed job rejects with the battery message', async () => {
    const cloud = scripted({
      [JOB_PATHS.write]: [{ data: '1' }],
      [JOB_PATHS.status]: [running, { data: { code: 3, data: [], message: 'Device offline', err_code: '3' } }],
    });
    const r = new JobRunner(cloud, { pollIntervalMs: 5 });
    const e = await r.write(7, 1513, { power: 5 }, 'set the on-grid input power to 5 W').catch((x) => x);
    expect(e).toBeInstanceOf(JobError);
    expect(e).toBeInstanceOf(CloudError);
    expect(e.reason).toBe('failed');
    expect(e.message).toBe('The battery could not set the on-grid input power to 5 W: Device offline.');
  });

  it('a failure without message names the error code', async () => {
    const cloud = scripted({ [JOB_PATHS.write]: [{ data: '1' }], [JOB_PATHS.status]: [{ data: { code: 5, err_code: '17', message: '' } }] });
    const e = await new JobRunner(cloud, { pollIntervalMs: 5 }).write(7, 1513, { power: 5 }).catch((x) => x);
    expect(e.message).toMatch(/error 17/);
  });

  it('a job that never finishes times out after maxPolls', async () => {
    const cloud = scripted({ [JOB_PATHS.write]: [{ data: '1' }], [JOB_PATHS.status]: [running] });
    const r = new JobRunner(cloud, { pollIntervalMs: 5, maxPolls: 4 });
    const e = await r.write(7, 1503, { enable: 0 }, 'switch grid charging off').catch((x) => x);
    expect(e).toBeInstanceOf(JobError);
    expect(e.reason).toBe('timeout');
    expect(e.kind).toBe('timeout');
    expect(e.message).toMatch(/did not confirm in time .* switch grid charging off/);
    expect(cloud.calls.filter((c) => c.path === JOB_PATHS.status)).toHaveLength(4);
  });

  it('a timeoutMs ends polling before maxPolls', async () => {
    const cloud = scripted({ [JOB_PATHS.write]: [{ data: '1' }], [JOB_PATHS.status]: [running] });
    const r = new JobRunner(cloud, { pollIntervalMs: 20, maxPolls: 1000, timeoutMs: 100 });
    const t0 = Date.now();
    await expect(r.write(7, 1503, { enable: 0 })).rejects.toMatchObject({ reason: 'timeout' });
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('a refused start (status ≠ 0) is "refused", with the cloud message', async () => {
    const cloud = scripted({ [JOB_PATHS.read]: [{ status: '1', message: 'The device list is empty' }] });
    const e = await new JobRunner(cloud).read(7, 83, 'read the work mode').catch((x) => x);
    expect(e.reason).toBe('refused');
    expect(e.message).toBe('The Hoymiles cloud refused to read the work mode: The device list is empty.');
  });

  it('a lost status poll is retried; a vanished job is a failure', async () => {
    const cloud = scripted({
      [JOB_PATHS.read]: [{ data: '1' }],
      [JOB_PATHS.status]: [new CloudError('network', 'Cannot reach'), done({ power: 1 })],
    });
    expect(await new JobRunner(cloud, { pollIntervalMs: 5 }).read(7, 1513)).toEqual({ power: 1 });
    const gone = scripted({ [JOB_PATHS.read]: [{ data: '1' }], [JOB_PATHS.status]: [{ status: '1', message: 'Task does not exist' }] });
    await expect(new JobRunner(gone, { pollIntervalMs: 5 }).read(7, 1513)).rejects.toMatchObject({ reason: 'failed', message: expect.stringMatching(/Task does not exist/) });
    const noId = scripted({ [JOB_PATHS.read]: [{ data: null }] });
    await expect(new JobRunner(noId, { pollIntervalMs: 5 }).read(7, 1513)).rejects.toMatchObject({ reason: 'bad-response' });
  });

  it('runs one job at a time per station, in order; stations in parallel', async () => {
    let active = 0;
    let maxActive = 0;
    const order: string[] = [];
    const cloud = scripted({
      [JOB_PATHS.write]: [
        (body) => {
          active++;
          maxActive = Math.max(maxActive, active);
          order.push(`${body.data.sid}:${body.data.power}`);
          return { data: `${body.data.sid}-${body.data.power}` };
        },
      ],
      [JOB_PATHS.status]: [
        () => {
          active--;
          return done([]);
        },
      ],
    });
    const r = new JobRunner(cloud, { pollIntervalMs: 10 });
    await Promise.all([r.write(1, 1513, { power: 1 }), r.write(1, 1513, { power: 2 }), r.write(1, 1513, { power: 3 })]);
    expect(order).toEqual(['1:1', '1:2', '1:3']);
    expect(maxActive).toBe(1);
    expect(r.pending(1)).toBe(0);

    order.length = 0;
    maxActive = 0;
    await Promise.all([r.write(1, 1513, { power: 4 }), r.write(2, 1513, { power: 5 })]);
    expect(maxActive).toBe(2);
  });

  it('reads asked for together are one round: started in turn, their polls together; a write waits for the round', async () => {
    // Job `<action>` answers "running" for `runningPolls[action]` polls, then done; 1503 is refused at the start.
    const runningPolls: Record<string, number> = { '1513': 1, '83': 2 };
    const polls: Record<string, number> = {};
    const cloud = scripted({
      [JOB_PATHS.read]: [(body) => (body.action === 1503 ? { status: '1', message: 'The device list is empty' } : { data: String(body.action) })],
      [JOB_PATHS.write]: [{ data: 'w' }],
      [JOB_PATHS.status]: [
        (body) => {
          polls[body.id] = (polls[body.id] ?? 0) + 1;
          return polls[body.id]! <= (runningPolls[body.id] ?? 0) ? running : done({ job: body.id });
        },
      ],
    });
    const r = new JobRunner(cloud, { pollIntervalMs: 5 });
    const reads = [r.read(7, 1513), r.read(7, 83), r.read(7, 1503).catch((e) => e)];
    const write = r.write(7, 1513, { power: 5 });
    expect(r.pending(7)).toBe(4);
    expect(await reads[0]).toEqual({ job: '1513' });
    expect(await reads[1]).toEqual({ job: '83' });
    expect(await reads[2]).toMatchObject({ reason: 'refused', message: expect.stringMatching(/device list is empty/) });
    await write;
    const seen = cloud.calls.map((c) => (c.path === JOB_PATHS.status ? `poll ${c.body.id}` : c.path === JOB_PATHS.read ? `read ${c.body.action}` : 'write'));
    // One poll of each running job per interval (83 and 1513 interleaved), not all polls of one job, then the next.
    expect(seen).toEqual(['read 1513', 'read 83', 'read 1503', 'poll 1513', 'poll 83', 'poll 1513', 'poll 83', 'poll 83', 'write', 'poll w']);
  });

  it('a read asked for while a round runs waits for the next round; a failing poll ends only its own job', async () => {
    const cloud = scripted({
      [JOB_PATHS.read]: [(body) => ({ data: String(body.action) })],
      [JOB_PATHS.status]: [(body) => (body.id === '83' ? { status: '1', message: 'Task does not exist' } : done({ job: body.id }))],
    });
    const r = new JobRunner(cloud, { pollIntervalMs: 5 });
    const first = [r.read(7, 1513), r.read(7, 83).catch((e) => e)];
    await new Promise((res) => setTimeout(res, 0)); // the round has begun
    const late = r.read(7, 1503);
    expect(await first[0]).toEqual({ job: '1513' });
    expect(await first[1]).toMatchObject({ reason: 'failed', message: expect.stringMatching(/Task does not exist/) });
    expect(await late).toEqual({ job: '1503' });
    expect(cloud.calls.map((c) => (c.path === JOB_PATHS.read ? `read ${c.body.action}` : `poll ${c.body.id}`))).toEqual([
      'read 1513',
      'read 83',
      'poll 1513',
      'poll 83',
      'read 1503',
      'poll 1503',
    ]);
  });

  it('the queue is bounded: more waiting jobs are refused in words', async () => {
    const cloud = scripted({ [JOB_PATHS.write]: [{ data: '1' }], [JOB_PATHS.status]: [running, done([])] });
    const r = new JobRunner(cloud, { pollIntervalMs: 5, maxQueued: 2 });
    const accepted = [r.write(1, 1513, { power: 1 }), r.write(1, 1513, { power: 2 }), r.write(1, 1513, { power: 3 })];
    expect(r.pending(1)).toBe(3);
    const e = await r.write(1, 1513, { power: 4 }).catch((x) => x);
    expect(e).toMatchObject({ reason: 'busy' });
    expect(e.message).toMatch(/already waiting/);
    await expect(r.write(2, 1513, { power: 4 })).resolves.toEqual({}); // another station is not affected
    await Promise.all(accepted);
  });

  it('close() ends running and waiting jobs at once and refuses new ones', async () => {
    const cloud = scripted({ [JOB_PATHS.write]: [{ data: '1' }], [JOB_PATHS.status]: [running] });
    const r = new JobRunner(cloud, { pollIntervalMs: 10_000 });
    const a = r.write(1, 1513, { power: 1 }).catch((x) => x);
    const b = r.write(1, 1513, { power: 2 }).catch((x) => x);
    await new Promise((res) => setTimeout(res, 20));
    const t0 = Date.now();
    r.close();
    expect((await a).reason).toBe('stopped');
    expect((await b).reason).toBe('stopped');
    expect(Date.now() - t0).toBeLessThan(500);

    const reads = scripted({ [JOB_PATHS.read]: [(body) => ({ data: String(body.action) })], [JOB_PATHS.status]: [running] });
    const r2 = new JobRunner(reads, { pollIntervalMs: 10_000 });
    const round = [r2.read(1, 1513, 'read the on-grid input power').catch((x) => x), r2.read(1, 83, 'read the work mode').catch((x) => x)];
    await new Promise((res) => setTimeout(res, 20));
    r2.close();
    expect(await round[0]).toMatchObject({ reason: 'stopped', message: 'Cannot read the on-grid input power: the bridge is stopping.' });
    expect(await round[1]).toMatchObject({ reason: 'stopped', message: 'Cannot read the work mode: the bridge is stopping.' });
    await expect(r.read(1, 1513)).rejects.toMatchObject({ reason: 'stopped' });
  });
});

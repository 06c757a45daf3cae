/**
 * S-Miles Home `station_ctl` jobs (reference hoymiles-cloud-api.md §7): `read_c` / `write_c` answer a job id,
 * `setting_status_c {id}` answers `code 2` while the battery works on it, `code 0` (+ `data`) when done and any
 * other code on failure. Jobs of one station go out in order behind a small bounded queue, so a burst of commands
 * can neither pile up on the account nor reach the battery out of order. A write runs alone. Reads asked for
 * together (the settings of one read round) run as one round: their jobs are started one after the other and
 * their status polls share one timer, so the round wakes the process once a second, not once per job and second.
 */
import type { CloudClient } from './client.js';
import { clip } from '../log/mask.js';
import { CloudError } from './errors.js';
import { isObject, num, str } from './parse.js';
import type { Envelope } from './transport.js';
import type { Logger } from '../log/logger.js';

export const JOB_PATHS = {
  read: '/pvmc/api/0/station_ctl/read_c',
  write: '/pvmc/api/0/station_ctl/write_c',
  status: '/pvmc/api/0/station_ctl/setting_status_c',
} as const;

/** `setting_status_c` code while the job is still running. */
export const JOB_RUNNING = 2;

/**
 * refused: read_c/write_c answered status ≠ "0" (e.g. "The device list is empty": the station has no such
 * setting); failed: the job ended with a code other than 0 (or vanished); timeout: still running after the
 * poll budget; busy: the station's queue is full; stopped: the runner was closed.
 */
export type JobFailure = 'refused' | 'failed' | 'timeout' | 'busy' | 'stopped' | 'bad-response';

/** A job that did not succeed; `reason` says at which stage, `message` says it in plain words. */
export class JobError extends CloudError {
  constructor(
    readonly reason: JobFailure,
    message: string,
    detail?: CloudError['detail'],
  ) {
    super(reason === 'timeout' ? 'timeout' : reason === 'bad-response' ? 'bad-response' : 'api', message, detail);
    this.name = 'JobError';
  }
}

export interface JobRunnerOptions {
  logger?: Logger;
  /** Wait between `setting_status_c` polls (default 1000 ms; the app and PHH use 1 s). */
  pollIntervalMs?: number;
  /** Give up after this many polls that still say "running" (default 15). */
  maxPolls?: number;
  /** Also give up once this much time has passed since the job was started (default: none beyond maxPolls). */
  timeoutMs?: number;
  /** Jobs allowed to wait per station behind the running one (default 5); more are refused. */
  maxQueued?: number;
  now?: () => number;
}

export interface JobRequest {
  kind: 'read' | 'write';
  sid: number;
  action: number;
  /** The request's `data`; `sid` is added when it is missing. */
  data?: Record<string, unknown>;
  /** Plain words for messages, e.g. "switch grid charging on". */
  what?: string;
}

interface StationQueue {
  tail: Promise<void>;
  /** Running + waiting jobs. */
  size: number;
  /** A read round queued and not begun yet: reads asked for meanwhile join it. */
  openRound?: QueuedJob[];
}

interface QueuedJob {
  req: JobRequest;
  what: string;
  resolve(result: Record<string, unknown>): void;
  reject(e: unknown): void;
}

/** A job the cloud accepted, being polled. */
interface RunningJob extends QueuedJob {
  id: string;
  started: number;
  polls: number;
}

export class JobRunner {
  private readonly queues = new Map<number, StationQueue>();
  private readonly pollIntervalMs: number;
  private readonly maxPolls: number;
  private readonly maxQueued: number;
  private readonly now: () => number;
  private readonly stop = new AbortController();

  constructor(
    private readonly cloud: Pick<CloudClient, 'call'>,
    private readonly opts: JobRunnerOptions = {},
  ) {
    this.pollIntervalMs = opts.pollIntervalMs ?? 1_000;
    this.maxPolls = opts.maxPolls ?? 15;
    this.maxQueued = opts.maxQueued ?? 5;
    this.now = opts.now ?? Date.now;
  }

  /**
   * Read a setting: resolves with the job's result object (`{}` if the cloud sent none). Reads of a station asked
   * for before its queue gets to them go out as one round (their polls share one timer).
   */
  read(sid: number, action: number, what?: string): Promise<Record<string, unknown>> {
    return this.run({ kind: 'read', sid, action, what });
  }

  /** Write a setting: resolves once the cloud reports the job done. */
  write(sid: number, action: number, data: Record<string, unknown>, what?: string): Promise<Record<string, unknown>> {
    return this.run({ kind: 'write', sid, action, data, what });
  }

  /** Jobs of a station that are running or waiting. */
  pending(sid: number): number {
    return this.queues.get(sid)?.size ?? 0;
  }

  /** Queue a job behind the station's others; refused at once when the queue is full or the runner stopped. */
  run(req: JobRequest): Promise<Record<string, unknown>> {
    const what = req.what ?? `${req.kind} setting ${req.action}`;
    if (this.stop.signal.aborted) return Promise.reject(this.stopped(what));
    let q = this.queues.get(req.sid);
    if (!q) {
      q = { tail: Promise.resolve(), size: 0 };
      this.queues.set(req.sid, q);
    }
    if (q.size > this.maxQueued) {
      return Promise.reject(
        new JobError('busy', `Cannot ${what}: ${q.size} battery settings jobs of station ${req.sid} are already waiting. Try again in a moment.`),
      );
    }
    const queue = q;
    queue.size++;
    const job = new Promise<Record<string, unknown>>((resolve, reject) => {
      const queued: QueuedJob = { req, what, resolve, reject };
      if (req.kind === 'read' && queue.openRound) {
        queue.openRound.push(queued);
        return;
      }
      const round = [queued];
      if (req.kind === 'read') queue.openRound = round;
      queue.tail = queue.tail.then(() => {
        if (queue.openRound === round) queue.openRound = undefined;
        return this.runRound(round);
      });
    });
    const settled = () => {
      queue.size--;
      if (queue.size === 0 && this.queues.get(req.sid) === queue) this.queues.delete(req.sid);
    };
    job.then(settled, settled);
    return job;
  }

  /** Stop polling: running and waiting jobs end with a "stopped" error, new ones are refused. */
  close(): void {
    this.stop.abort();
  }

  // ---- one round: a write alone, or the reads asked for together ------------------------------------------

  /** Starts the round's jobs one after the other, then polls the running ones together, once per interval. */
  private async runRound(round: QueuedJob[]): Promise<void> {
    const running: RunningJob[] = [];
    for (const job of round) {
      try {
        running.push({ ...job, id: await this.start(job), started: this.now(), polls: 0 });
      } catch (e) {
        job.reject(e);
      }
    }
    while (running.length) {
      try {
        await this.sleep(this.pollIntervalMs);
      } catch {
        for (const job of running) job.reject(this.stopped(job.what));
        return;
      }
      for (const job of [...running]) {
        try {
          if (this.stop.signal.aborted) throw this.stopped(job.what);
          const result = await this.poll(job);
          if (result === undefined) continue; // still running
          job.resolve(result);
        } catch (e) {
          job.reject(e);
        }
        running.splice(running.indexOf(job), 1);
      }
    }
  }

  /** read_c / write_c: the job id. */
  private async start(job: QueuedJob): Promise<string> {
    const { req, what } = job;
    if (this.stop.signal.aborted) throw this.stopped(what);
    const data = req.data ? ('sid' in req.data ? req.data : { ...req.data, sid: req.sid }) : { sid: req.sid };
    const env = await this.cloud.call(req.kind === 'read' ? JOB_PATHS.read : JOB_PATHS.write, { action: req.action, data });
    if (env.status !== '0') {
      throw new JobError('refused', `The Hoymiles cloud refused to ${what}: ${env.message || `status ${env.status}`}.`, { apiStatus: env.status });
    }
    const id = str(env.data);
    if (!id) throw new JobError('bad-response', `The Hoymiles cloud sent no job id when asked to ${what}.`);
    this.opts.logger?.debug(`Job ${id} started: ${what} (station ${req.sid}, action ${req.action})`);
    return id;
  }

  /** One `setting_status_c` poll: the result when done, undefined while running; throws when the job failed. */
  private async poll(job: RunningJob): Promise<Record<string, unknown> | undefined> {
    const { id, what } = job;
    const poll = ++job.polls;
    let status: Record<string, unknown>;
    try {
      status = parseStatus(await this.cloud.call(JOB_PATHS.status, { id }), what);
    } catch (e) {
      // A lost poll is not a lost job: keep polling within the budget unless the cloud said no for good.
      if (e instanceof CloudError && (e.kind === 'network' || e.kind === 'timeout' || e.kind === 'http') && !this.outOfTime(poll, job.started)) {
        this.opts.logger?.debug(`Job ${id}: status poll failed, retrying (${e.message})`);
        return undefined;
      }
      throw e;
    }
    const code = num(status.code);
    if (code === JOB_RUNNING) {
      if (this.outOfTime(poll, job.started)) {
        const secs = Math.round((this.now() - job.started) / 100) / 10;
        throw new JobError('timeout', `The battery did not confirm in time (${secs} s) when asked to ${what}. The setting may or may not have changed.`);
      }
      return undefined;
    }
    if (code === 0) {
      this.opts.logger?.debug(`Job ${id} done after ${poll} poll(s)`);
      return resultObject(status.data);
    }
    const why = clip(str(status.message) || (str(status.err_code) ? `error ${str(status.err_code)}` : `code ${code ?? '?'}`), 200);
    throw new JobError('failed', `The battery could not ${what}: ${why}.`, { apiStatus: code === undefined ? undefined : String(code) });
  }

  private outOfTime(polls: number, started: number): boolean {
    if (polls >= this.maxPolls) return true;
    return this.opts.timeoutMs !== undefined && this.now() - started >= this.opts.timeoutMs;
  }

  private stopped(what: string): JobError {
    return new JobError('stopped', `Cannot ${what}: the bridge is stopping.`);
  }

  /** Waits `ms`; rejects at once when the runner is closed. */
  private sleep(ms: number): Promise<void> {
    const signal = this.stop.signal;
    if (signal.aborted) return Promise.reject(new Error('stopped'));
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(timer);
        reject(new Error('stopped'));
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/** `setting_status_c` → its `data` object (the cloud may send it as a JSON string). */
function parseStatus(env: Envelope, what: string): Record<string, unknown> {
  if (env.status !== '0') {
    throw new JobError('failed', `The Hoymiles cloud lost track of the job to ${what}: ${env.message || `status ${env.status}`}.`, { apiStatus: env.status });
  }
  const data = maybeJson(env.data);
  if (!isObject(data)) throw new JobError('bad-response', `The Hoymiles cloud sent an unexpected job status when asked to ${what}.`);
  return data;
}

/** A job's result: an object, or a JSON string of one; anything else (a write's `[]`, null) is `{}`. */
function resultObject(value: unknown): Record<string, unknown> {
  const v = maybeJson(value);
  return isObject(v) ? v : {};
}

function maybeJson(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const s = value.trim();
  if (!s.startsWith('{') && !s.startsWith('[')) return value;
  try {
    return JSON.parse(s);
  } catch {
    return value;
  }
}

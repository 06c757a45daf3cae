/**
 * S-Miles Home `station_ctl` jobs (reference hoymiles-cloud-api.md §7): `read_c` / `write_c` answer a job id,
 * `setting_status_c {id}` answers `code 2` while the battery works on it, `code 0` (+ `data`) when done and any
 * other code on failure. Jobs of one station run one at a time, in order, behind a small bounded queue, so a
 * burst of commands can neither pile up on the account nor reach the battery out of order.
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

  /** Read a setting: resolves with the job's result object (`{}` if the cloud sent none). */
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
    if (this.stop.signal.aborted) return Promise.reject(new JobError('stopped', `Cannot ${what}: the bridge is stopping.`));
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
    const job = queue.tail.then(() => this.execute(req, what));
    queue.tail = job.then(
      () => undefined,
      () => undefined,
    );
    void queue.tail.then(() => {
      queue.size--;
      if (queue.size === 0 && this.queues.get(req.sid) === queue) this.queues.delete(req.sid);
    });
    return job;
  }

  /** Stop polling: running and waiting jobs end with a "stopped" error, new ones are refused. */
  close(): void {
    this.stop.abort();
  }

  // ---- one job --------------------------------------------------------------------------------------------

  private async execute(req: JobRequest, what: string): Promise<Record<string, unknown>> {
    this.checkStopped(what);
    const data = req.data ? ('sid' in req.data ? req.data : { ...req.data, sid: req.sid }) : { sid: req.sid };
    const started = this.now();
    const env = await this.cloud.call(req.kind === 'read' ? JOB_PATHS.read : JOB_PATHS.write, { action: req.action, data });
    if (env.status !== '0') {
      throw new JobError('refused', `The Hoymiles cloud refused to ${what}: ${env.message || `status ${env.status}`}.`, { apiStatus: env.status });
    }
    const id = str(env.data);
    if (!id) throw new JobError('bad-response', `The Hoymiles cloud sent no job id when asked to ${what}.`);
    this.opts.logger?.debug(`Job ${id} started: ${what} (station ${req.sid}, action ${req.action})`);

    for (let poll = 1; ; poll++) {
      await this.sleep(this.pollIntervalMs, what);
      let status: Record<string, unknown>;
      try {
        status = parseStatus(await this.cloud.call(JOB_PATHS.status, { id }), what);
      } catch (e) {
        // A lost poll is not a lost job: keep polling within the budget unless the cloud said no for good.
        if (e instanceof CloudError && (e.kind === 'network' || e.kind === 'timeout' || e.kind === 'http') && !this.outOfTime(poll, started)) {
          this.opts.logger?.debug(`Job ${id}: status poll failed, retrying (${e.message})`);
          continue;
        }
        throw e;
      }
      const code = num(status.code);
      if (code === JOB_RUNNING) {
        if (this.outOfTime(poll, started)) {
          const secs = Math.round((this.now() - started) / 100) / 10;
          throw new JobError('timeout', `The battery did not confirm in time (${secs} s) when asked to ${what}. The setting may or may not have changed.`);
        }
        continue;
      }
      if (code === 0) {
        this.opts.logger?.debug(`Job ${id} done after ${poll} poll(s)`);
        return resultObject(status.data);
      }
      const why = clip(str(status.message) || (str(status.err_code) ? `error ${str(status.err_code)}` : `code ${code ?? '?'}`), 200);
      throw new JobError('failed', `The battery could not ${what}: ${why}.`, { apiStatus: code === undefined ? undefined : String(code) });
    }
  }

  private outOfTime(polls: number, started: number): boolean {
    if (polls >= this.maxPolls) return true;
    return this.opts.timeoutMs !== undefined && this.now() - started >= this.opts.timeoutMs;
  }

  private checkStopped(what: string): void {
    if (this.stop.signal.aborted) throw new JobError('stopped', `Cannot ${what}: the bridge is stopping.`);
  }

  private sleep(ms: number, what: string): Promise<void> {
    this.checkStopped(what);
    const signal = this.stop.signal;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(timer);
        reject(new JobError('stopped', `Cannot ${what}: the bridge is stopping.`));
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

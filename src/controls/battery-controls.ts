/**
 * Driving the battery from Home Assistant and the tray: grid charging, on-grid input power, reserve SoC
 * (cloud `station_ctl` jobs) and "refresh now" (an immediate poll). One set of controls per station, attached
 * to the station's master battery.
 *
 * Rules (mqtt-home-assistant.md §10.7): retained commands are ignored; payloads are parsed strictly; each
 * setting is written at most once per rate-limit window; the state JSON only ever holds values the cloud
 * confirmed (read, or a write job that finished), so on a failed write the previous value is published again
 * and Home Assistant snaps back. A setting is offered (discovery, tray) only once a read of it succeeded; a
 * station that refuses the read ("The device list is empty") never gets that entity. The controls appear in
 * discovery together, once the station's start-up read round has ended.
 */
import { EventEmitter } from 'node:events';
import { CloudError } from '../cloud/errors.js';
import { JobError, type JobRunner } from '../cloud/jobs.js';
import type { BridgeSnapshot } from '../core/snapshot.js';
import type { Logger } from '../log/logger.js';
import { clip } from '../log/mask.js';
import { sanitizeId } from '../mqtt/topics.js';
import {
  CLOUD_CONTROLS,
  controlName,
  DEFAULT_INPUT_POWER,
  describeChange,
  describeValue,
  isControlKey,
  parseCommand,
  parseNumber,
  quote,
  SELF_CONSUMPTION_MODE,
  SETTING_KEYS,
  stateValue,
  type ControlKey,
  type NumberRange,
  type SettingKey,
  type SettingValue,
} from './battery-settings.js';
import { controlComponents } from './ha-components.js';
import type { StationControlsView } from './views.js';

export type { SettingView, StationControlsView } from './views.js';

export interface BatteryControlsOptions {
  jobs: Pick<JobRunner, 'read' | 'write' | 'close'>;
  /** An immediate poll (Poller.refreshNow). */
  refresh: () => Promise<unknown>;
  /** MQTT base topic, for the command topics in discovery. */
  base: string;
  logger: Logger;
  /** Re-read the settings this often (default CONTROL_READ_INTERVAL_MS, 30 min). */
  readIntervalMs?: number;
  /** After a failed read or write, read again this soon (default 1 min, never later than readIntervalMs). */
  retryReadMs?: number;
  /** At most one write per setting (and one refresh) per station in this window (default 10 s). */
  rateLimitMs?: number;
  inputPower?: NumberRange;
  now?: () => number;
}

/**
 * The settings are read at start-up, on "Refresh now", soon after a failed read or write, and otherwise this
 * often. Each read is a job the cloud sends to the battery (read_c and a status poll a second), not a database
 * lookup; the settings change only when someone changes them (this app confirms its own writes), and "Refresh
 * now" reads them at once.
 */
export const CONTROL_READ_INTERVAL_MS = 30 * 60_000;

/** A command that was not sent to the cloud, with the reason in plain words. */
export class ControlRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ControlRefused';
  }
}

export interface ControlEvent {
  sn: string;
  sid: number;
  key: ControlKey;
  value?: SettingValue;
  /** Why it failed or was refused. */
  message?: string;
  at: number;
}

export declare interface BatteryControls {
  /** The state JSON (or discovery) of `sn` changed; `force`: publish it even if it looks unchanged (snap back). */
  on(event: 'change', listener: (sn: string, force: boolean) => void): this;
  on(event: 'confirmed', listener: (e: ControlEvent) => void): this;
  /** A write reached the cloud and failed (also kept in `lastControlError` for the tray). */
  on(event: 'control-error', listener: (e: ControlEvent) => void): this;
  /** A command was refused before reaching the cloud. */
  on(event: 'refused', listener: (e: ControlEvent) => void): this;
}

interface StationState {
  sid: number;
  sn: string;
  name: string;
  support: Partial<Record<SettingKey, boolean>>;
  values: Partial<Record<SettingKey, SettingValue>>;
  /** Action 83: the station's app work mode. */
  mode?: number;
  writing: Map<SettingKey, number>;
  lastActionAt: Map<ControlKey, number>;
  reading?: Promise<void>;
  nextReadAt: number;
  /** Read rounds that failed in a row: the retry waits longer each time (up to the normal interval). */
  readFailures?: number;
  /** End of the first read round: the controls are announced together from then on. */
  lastReadAt?: number;
}

export class BatteryControls extends EventEmitter {
  /** The last failed write in plain words (cleared by the next confirmed one): for the tray. */
  lastControlError?: string;
  lastControlErrorAt?: number;
  private readonly stationsBySid = new Map<number, StationState>();
  private readonly inputPower: NumberRange;
  /** Each setting's range: the table's, the input power's as configured. */
  private readonly ranges: Partial<Record<SettingKey, NumberRange>>;
  private readonly readIntervalMs: number;
  private readonly retryReadMs: number;
  private readonly rateLimitMs: number;
  private readonly now: () => number;
  private readonly log: Logger;
  private stopped = false;

  constructor(private readonly o: BatteryControlsOptions) {
    super();
    this.inputPower = o.inputPower ?? DEFAULT_INPUT_POWER;
    this.ranges = { input_power: this.inputPower, reserve_soc: CLOUD_CONTROLS.reserve_soc.range };
    this.readIntervalMs = o.readIntervalMs ?? CONTROL_READ_INTERVAL_MS;
    this.retryReadMs = Math.min(o.retryReadMs ?? 60_000, this.readIntervalMs);
    this.rateLimitMs = o.rateLimitMs ?? 10_000;
    this.now = o.now ?? Date.now;
    this.log = o.logger;
  }

  // ---- feeding --------------------------------------------------------------------------------------------

  /** Every poller snapshot: learn the stations (master batteries) and read their settings when due. */
  onSnapshot(s: BridgeSnapshot): void {
    if (this.stopped) return;
    const seen = new Set<number>();
    for (const b of s.batteries) {
      if (!b.master) continue;
      seen.add(b.stationId);
      let st = this.stationsBySid.get(b.stationId);
      if (!st || st.sn !== b.sn) {
        st = { sid: b.stationId, sn: b.sn, name: b.stationName, support: {}, values: {}, writing: new Map(), lastActionAt: new Map(), nextReadAt: 0 };
        this.stationsBySid.set(b.stationId, st);
      }
      st.name = b.stationName;
    }
    for (const sid of [...this.stationsBySid.keys()]) if (!seen.has(sid)) this.stationsBySid.delete(sid);
    // While the cloud is failing the reads would fail too: wait for a good cycle.
    if (s.problem) return;
    const now = this.now();
    for (const st of this.stationsBySid.values()) if (!st.reading && now >= st.nextReadAt) void this.readStation(st);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.o.jobs.close();
    await Promise.all([...this.stationsBySid.values()].map((st) => st.reading));
  }

  // ---- what the publisher and the tray see ----------------------------------------------------------------

  /** Discovery components of `sn` (publisher's extraComponents): only for a station's master battery. */
  components(sn: string): Record<string, Record<string, unknown>> {
    const st = this.bySn(sn);
    // Announced once, complete, after the start-up read (not a bare button first and the rest seconds later).
    if (!st || st.lastReadAt === undefined) return {};
    const offered: ControlKey[] = ['refresh', ...SETTING_KEYS.filter((k) => st.support[k] === true)];
    return controlComponents(st.sn, this.o.base, offered, this.inputPower);
  }

  /** What components(sn) depends on, as a short string: the publisher rebuilds discovery only when it changes. */
  componentsKey(sn: string): string {
    const st = this.bySn(sn);
    if (!st || st.lastReadAt === undefined) return '';
    return `${st.sn}:${SETTING_KEYS.filter((k) => st.support[k] === true).join()}`;
  }

  /** The last cloud-confirmed value of one setting of `sn`'s station (undefined = unknown). */
  value(sn: string, key: SettingKey): SettingValue | undefined {
    return this.bySn(sn)?.values[key];
  }

  /** State JSON keys of `sn` (publisher's extraState): confirmed values only, null while unknown. */
  state(sn: string): Record<string, unknown> | undefined {
    const st = this.bySn(sn);
    if (!st) return undefined;
    const out: Record<string, unknown> = {};
    for (const key of SETTING_KEYS) if (st.support[key] === true) out[key] = stateValue(CLOUD_CONTROLS[key], st.values[key]);
    return out;
  }

  stations(): StationControlsView[] {
    return [...this.stationsBySid.values()].map((st) => ({
      sid: st.sid,
      sn: st.sn,
      stationName: st.name,
      lastReadAt: st.lastReadAt,
      settings: SETTING_KEYS.map((key) => ({
        key,
        label: controlName(CLOUD_CONTROLS[key], 'en'),
        supported: st.support[key],
        value: st.values[key],
        range: this.ranges[key],
        writing: (st.writing.get(key) ?? 0) > 0,
        blocked: this.blockedReason(st, key),
      })),
    }));
  }

  // ---- commands -------------------------------------------------------------------------------------------

  /** Publisher's onCommand: `<base>/<sn>/<key>/set`. Never throws; every refusal and failure is logged. */
  onCommand(sn: string, key: string, payload: string, packet?: { retain?: boolean }): void {
    // Topic levels come from whoever publishes: bound them before they reach a log line.
    const topic = clip(`${this.o.base}/${sn}/${key}/set`);
    if (packet?.retain) {
      this.log.warn(`Ignored the retained command ${quote(payload)} on ${topic}: only live commands are taken (clear it by publishing an empty retained message)`);
      return;
    }
    if (!isControlKey(key)) {
      this.log.warn(`Refused the command ${quote(payload)} on ${topic}: there is no control "${clip(key, 40)}"`);
      return;
    }
    void this.command(sn, key, payload).catch(() => undefined);
  }

  /** A command payload as it arrives over MQTT: parsed strictly, then applied. */
  async command(sn: string, key: ControlKey, payload: string): Promise<void> {
    const parsed = parseCommand(key, payload, this.inputPower);
    if (!parsed.ok) throw this.refuse(sn, key, undefined, `${parsed.reason}`, payload);
    if (key === 'refresh') return this.refresh(sn);
    return this.set(sn, key, parsed.value);
  }

  /**
   * Write a setting (tray and MQTT). Resolves once the cloud confirmed it; rejects with ControlRefused when it
   * never went out, or with the cloud's error when the write failed (then the previous value is re-published).
   */
  async set(sn: string, key: SettingKey, value: SettingValue): Promise<void> {
    const st = this.bySn(sn);
    if (!st) throw this.refuse(sn, key, value, `battery ${sn} has no controls (not a station's first battery, or not polled yet)`);
    const def = CLOUD_CONTROLS[key];
    const invalid = this.invalid(key, value);
    if (invalid) throw this.refuse(sn, key, value, invalid);
    const blocked = this.blockedReason(st, key);
    if (blocked) throw this.refuse(sn, key, value, blocked);
    const now = this.now();
    const wait = this.rateLimited(st, key, now);
    if (wait) throw this.refuse(sn, key, value, wait);
    st.lastActionAt.set(key, now);

    const what = describeChange(def, value);
    this.log.info(`${cap(what)} (station ${st.sid})`);
    st.writing.set(key, (st.writing.get(key) ?? 0) + 1);
    try {
      await this.o.jobs.write(st.sid, def.job.action, def.job.writeData(st.sid, value), what);
    } catch (e) {
      if (this.stopped) throw e;
      const message = e instanceof Error ? e.message : String(e);
      this.lastControlError = message;
      this.lastControlErrorAt = this.now();
      this.log.error(`${message} Keeping ${describeValue(def, st.values[key])}.`);
      st.nextReadAt = Math.min(st.nextReadAt, this.now() + this.retryReadMs);
      this.emit('control-error', { sn: st.sn, sid: st.sid, key, value, message, at: this.lastControlErrorAt } satisfies ControlEvent);
      this.emit('change', st.sn, true); // the previous value again: Home Assistant snaps back
      throw e;
    } finally {
      st.writing.set(key, (st.writing.get(key) ?? 1) - 1);
    }
    st.values[key] = value;
    if (key === 'reserve_soc') st.mode = SELF_CONSUMPTION_MODE;
    this.lastControlError = undefined;
    this.lastControlErrorAt = undefined;
    this.log.info(`Confirmed by the cloud: ${what} (station ${st.sid})`);
    this.emit('confirmed', { sn: st.sn, sid: st.sid, key, value, at: this.now() } satisfies ControlEvent);
    this.emit('change', st.sn, false);
  }

  /** "Refresh now": an immediate poll and a fresh read of the settings; no cloud write. */
  async refresh(sn?: string): Promise<void> {
    const targets = sn === undefined ? [...this.stationsBySid.values()] : [this.bySn(sn)].filter((s): s is StationState => !!s);
    if (sn !== undefined && !targets.length) throw this.refuse(sn, 'refresh', undefined, `battery ${sn} has no controls`);
    const now = this.now();
    for (const st of targets) {
      const wait = this.rateLimited(st, 'refresh', now);
      if (wait) throw this.refuse(st.sn, 'refresh', undefined, wait);
    }
    for (const st of targets) st.lastActionAt.set('refresh', now);
    this.log.info(`Refreshing now${sn ? ` (${sn})` : ''}`);
    await Promise.all([this.o.refresh(), ...targets.map((st) => this.readStation(st))]);
  }

  // ---- reads ----------------------------------------------------------------------------------------------

  /** Read the settings of one station (by its master battery) or of every known station now. */
  async readNow(sn?: string): Promise<void> {
    const targets = sn === undefined ? [...this.stationsBySid.values()] : [this.bySn(sn)].filter((s): s is StationState => !!s);
    await Promise.all(targets.map((st) => this.readStation(st)));
  }

  /** Read the three settings of a station (one round at a time). */
  private readStation(st: StationState): Promise<void> {
    st.reading ??= this.doRead(st).finally(() => (st.reading = undefined));
    return st.reading;
  }

  private async doRead(st: StationState): Promise<void> {
    const before = JSON.stringify([this.state(st.sn), this.components(st.sn)]);
    let failed = false;
    await Promise.all(
      SETTING_KEYS.map(async (key) => {
        const def = CLOUD_CONTROLS[key];
        const label = controlName(def, 'en');
        try {
          const result = await this.o.jobs.read(st.sid, def.job.action, `read the ${label.toLowerCase()}`);
          if (this.stationsBySid.get(st.sid) !== st) return;
          const outcome = def.job.read(result);
          if (st.support[key] !== true) this.log.info(`${label} can be controlled on station ${st.sid}`);
          st.support[key] = true;
          if (key === 'reserve_soc') {
            if (outcome.mode !== undefined && outcome.mode !== st.mode && outcome.mode !== SELF_CONSUMPTION_MODE) {
              this.log.info(`Station ${st.sid} is in work mode ${outcome.mode}, not self-consumption: its reserve state of charge is not shown or written`);
            }
            st.mode = outcome.mode;
          }
          if (outcome.value !== undefined) st.values[key] = outcome.value;
          else {
            delete st.values[key];
            if (!(key === 'reserve_soc' && st.mode !== undefined && st.mode !== SELF_CONSUMPTION_MODE)) {
              this.log.warn(`The cloud sent no ${label.toLowerCase()} for station ${st.sid}: ${JSON.stringify(result).slice(0, 200)}`);
            }
          }
        } catch (e) {
          if (this.stopped) return;
          failed = true;
          if (e instanceof JobError && e.reason === 'refused' && st.support[key] !== true) {
            if (st.support[key] === undefined) this.log.info(`${label} is not offered for station ${st.sid}: ${e.message}`);
            st.support[key] = false;
          } else {
            const msg = e instanceof CloudError ? e.message : String(e);
            // A pause of logins was said once where it began: not again for every setting.
            const quiet = e instanceof CloudError && e.detail?.logged;
            this.log[quiet ? 'debug' : 'warn'](`Could not read the ${label.toLowerCase()} of station ${st.sid}; keeping the last known value: ${msg}`);
          }
        }
      }),
    );
    if (this.stopped) return;
    st.lastReadAt = this.now();
    st.readFailures = failed ? (st.readFailures ?? 0) + 1 : 0;
    const retry = Math.min(this.retryReadMs * 2 ** Math.max(0, st.readFailures - 1), this.readIntervalMs);
    st.nextReadAt = st.lastReadAt + (failed ? retry : this.readIntervalMs);
    const after = JSON.stringify([this.state(st.sn), this.components(st.sn)]);
    if (after !== before) this.emit('change', st.sn, false);
  }

  // ---- helpers --------------------------------------------------------------------------------------------

  private bySn(sn: string): StationState | undefined {
    const id = sanitizeId(sn);
    for (const st of this.stationsBySid.values()) if (st.sn === sn || sanitizeId(st.sn) === id) return st;
    return undefined;
  }

  private invalid(key: SettingKey, value: SettingValue): string | undefined {
    if (CLOUD_CONTROLS[key].platform === 'switch') return typeof value === 'boolean' ? undefined : `${quote(String(value))} is neither on nor off`;
    if (typeof value !== 'number' || !Number.isFinite(value)) return `${quote(String(value))} is not a number`;
    const parsed = parseNumber(String(value), this.ranges[key]!, CLOUD_CONTROLS[key].unit);
    return parsed.ok ? undefined : parsed.reason;
  }

  private blockedReason(st: StationState, key: SettingKey): string | undefined {
    const label = controlName(CLOUD_CONTROLS[key], 'en');
    if (st.support[key] === false) return `station ${st.sid} does not offer the ${label.toLowerCase()} setting`;
    if (st.support[key] !== true) return `the ${label.toLowerCase()} of station ${st.sid} has not been read yet`;
    if (key === 'reserve_soc' && st.mode !== undefined && st.mode !== SELF_CONSUMPTION_MODE) {
      return `station ${st.sid} is in work mode ${st.mode}, not self-consumption; writing a reserve would switch its mode (change the mode in the S-Miles Home app)`;
    }
    return undefined;
  }

  private rateLimited(st: StationState, key: ControlKey, now: number): string | undefined {
    const last = st.lastActionAt.get(key);
    if (last === undefined || now - last >= this.rateLimitMs) return undefined;
    const left = Math.ceil((this.rateLimitMs - (now - last)) / 100) / 10;
    return `too soon: at most one ${key === 'refresh' ? 'refresh' : 'change of this setting'} per ${this.rateLimitMs / 1000} s (try again in ${left} s)`;
  }

  private refuse(sn: string, key: ControlKey, value: SettingValue | undefined, reason: string, payload?: string): ControlRefused {
    const what = payload !== undefined ? `the command ${quote(payload)} for ${key}` : value !== undefined ? `${key} = ${quote(String(value))}` : key;
    this.log.warn(`Refused ${what} of ${clip(sn, 40)}: ${clip(reason, 300)}`);
    const st = this.bySn(sn);
    this.emit('refused', { sn, sid: st?.sid ?? 0, key, value, message: reason, at: this.now() } satisfies ControlEvent);
    return new ControlRefused(`${cap(clip(reason, 300))}.`);
  }
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

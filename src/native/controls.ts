/**
 * Control through the battery's own feed (reference ms-a2-native-mqtt.md §5.1–5.2, §7): the EMS mode
 * (`general`, `mqtt_ctrl`, `tou_plan`) and a power setpoint (+ = discharge), written to the firmware's command
 * topics of the master unit, never retained.
 *
 * The firmware falls back to self-consumption when no setpoint arrives for a minute, so while `mqtt_ctrl` is on
 * and a setpoint is set, it is re-sent every 30 s (with `mqtt_ctrl` before it and a 0.1 W nudge every other
 * time, as every known client does). The re-sending stops when the mode changes, when the user clears the
 * setpoint, and when another client writes the setpoint topic (said once: two controllers fighting one battery
 * is worse than none). Commands are checked strictly (retained ignored, range, rate limit); the state JSON only
 * holds what the feed confirmed: the mode from system/state, the setpoint once the battery power follows it.
 */
import { EventEmitter } from 'node:events';
import { CLEAR, FEED_COMMAND_KEYS, FEED_CONTROLS, parseControl, quote, SETPOINT_RANGE, type EmsMode, type NumberRange } from '../controls/battery-settings.js';
import { controlComponent } from '../controls/ha-components.js';
import type { NativeControlView } from '../controls/views.js';
import type { Logger } from '../log/logger.js';
import { topics } from '../mqtt/topics.js';
import type { NativeSource, NativeUnit } from './source.js';
import { nativeTopics } from './topics.js';

/** The command topic levels of the feed's controls (from their rows in controls/battery-settings.ts). */
export const NATIVE_CONTROL_KEYS = FEED_COMMAND_KEYS;
export type NativeControlKey = (typeof NATIVE_CONTROL_KEYS)[number];
export const isNativeControlKey = (k: string): k is NativeControlKey => (NATIVE_CONTROL_KEYS as readonly string[]).includes(k);

export interface NativeControlsOptions {
  feed: Pick<NativeSource, 'unit' | 'on' | 'off'>;
  /** Publish on a firmware command topic (QoS 1, never retained); false when the broker is away. */
  publish: (topic: string, payload: string) => boolean;
  base: string;
  logger: Logger;
  /** Re-send the setpoint this often (default 30 s, half the firmware's 1-minute fallback). */
  keepAliveMs?: number;
  /** At most one change per control and battery in this window (default 10 s). */
  rateLimitMs?: number;
  /** After a mode command, a system/state still showing the old mode is not believed for this long (30 s). */
  echoGuardMs?: number;
  now?: () => number;
}

interface UnitControl {
  sn: string;
  dev: string;
  /** Last mode we sent, and when. */
  sentMode?: EmsMode;
  sentModeAt?: number;
  /** Confirmed by the feed. */
  mode?: EmsMode;
  /** The setpoint being kept alive (undefined = none). */
  setpoint?: number;
  /** The setpoint the battery power was seen to follow. */
  confirmedSetpoint?: number;
  keepAlive?: NodeJS.Timeout;
  nudge: boolean;
  /** Our own recent setpoint payloads: the broker echoes them back to us. */
  ownPayloads: { payload: string; at: number }[];
  lastActionAt: Map<NativeControlKey, number>;
}

export declare interface NativeControls {
  on(event: 'change', listener: (sn: string) => void): this;
  /** The feed reports the EMS mode we sent (`sn` of the master unit). */
  on(event: 'confirmed', listener: (sn: string, mode: EmsMode) => void): this;
}

export class NativeControls extends EventEmitter {
  /** The last refusal or stop in plain words, for the tray. */
  lastControlError?: string;
  private readonly units = new Map<string, UnitControl>();
  private readonly now: () => number;
  private readonly log: Logger;
  private readonly keepAliveMs: number;
  private stopped = false;
  private readonly onQuick = (u: NativeUnit) => this.quickSeen(u);
  private readonly onMode = (u: NativeUnit, mode: EmsMode) => this.modeSeen(u, mode);
  private readonly onCommandSeen = (dev: string, what: 'mode-command' | 'setpoint-command', payload: string) => this.commandSeen(dev, what, payload);

  constructor(private readonly o: NativeControlsOptions) {
    super();
    this.now = o.now ?? Date.now;
    this.log = o.logger;
    this.keepAliveMs = o.keepAliveMs ?? 30_000;
    o.feed.on('quick', this.onQuick);
    o.feed.on('ems-mode', this.onMode);
    o.feed.on('command-seen', this.onCommandSeen);
  }

  /** Stops the re-sending; if we were in control, hands the battery back to its own logic (`general`). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.o.feed.off('quick', this.onQuick);
    this.o.feed.off('ems-mode', this.onMode);
    this.o.feed.off('command-seen', this.onCommandSeen);
    for (const c of this.units.values()) {
      if (c.keepAlive) {
        this.o.publish(nativeTopics.emsModeCommand(c.dev), 'general');
        this.log.info(`Stopping: handed ${c.dev} back to its own logic (EMS mode general)`);
      }
      clearInterval(c.keepAlive);
      c.keepAlive = undefined;
    }
  }

  // ---- what the publisher and the tray see ----------------------------------------------------------------

  /** What components(sn) depends on, as a short string: the publisher rebuilds discovery only when it changes. */
  componentsKey(sn: string): string {
    const u = this.o.feed.unit(sn);
    if (!u?.master) return '';
    const r = this.range(u);
    return `${u.sn}:${r.min}:${r.max}:${r.step}`;
  }

  /** Discovery components from the feed's rows: the mode select, the setpoint number, the button that clears it (master units only). */
  components(sn: string): Record<string, Record<string, unknown>> {
    const u = this.o.feed.unit(sn);
    if (!u?.master) return {};
    const range = this.range(u);
    const out: Record<string, Record<string, unknown>> = {};
    for (const def of Object.values(FEED_CONTROLS)) out[def.key] = controlComponent(def, u.sn, this.o.base, def.key === 'power_setpoint' ? range : undefined);
    return out;
  }

  /** State JSON keys: the confirmed values only, null while unknown. */
  state(sn: string): Record<string, unknown> | undefined {
    const u = this.o.feed.unit(sn);
    if (!u?.master) return undefined;
    const c = this.units.get(u.dev);
    return { ems_mode: c?.mode ?? u.reading.emsMode ?? null, power_setpoint: c?.setpoint !== undefined && c.confirmedSetpoint === c.setpoint ? c.setpoint : null };
  }

  view(sn: string): NativeControlView | undefined {
    const u = this.o.feed.unit(sn);
    if (!u?.master) return undefined;
    const c = this.units.get(u.dev);
    const mode = c?.mode ?? u.reading.emsMode;
    return {
      sn: u.sn,
      dev: u.dev,
      mode,
      pendingMode: c?.sentMode !== undefined && c.sentMode !== mode ? c.sentMode : undefined,
      setpoint: c?.setpoint,
      confirmedSetpoint: c?.confirmedSetpoint,
      range: this.range(u),
      keepingAlive: !!c?.keepAlive,
    };
  }

  // ---- commands -------------------------------------------------------------------------------------------

  /** Publisher's onCommand for `<base>/<sn>/ems_mode/set` and `…/power_setpoint/set`. Never throws. */
  onCommand(sn: string, key: NativeControlKey, payload: string, packet?: { retain?: boolean }): void {
    const topic = topics.command(this.o.base, sn, key);
    if (packet?.retain) {
      this.log.warn(`Ignored the retained command ${quote(payload)} on ${topic}: only live commands are taken (clear it by publishing an empty retained message)`);
      return;
    }
    try {
      if (key === 'ems_mode') this.setMode(sn, payload);
      else if (payload.trim().toUpperCase() === CLEAR) this.clearSetpoint(sn);
      else {
        const u = this.o.feed.unit(sn);
        const parsed = parseControl(FEED_CONTROLS.power_setpoint, payload, u ? this.range(u) : undefined);
        if (!parsed.ok) throw this.refuse(sn, key, parsed.reason);
        this.setSetpoint(sn, Number(parsed.value));
      }
    } catch {
      /* refused and logged */
    }
  }

  /** Switch the EMS mode (tray, MQTT). Throws with the reason when refused. */
  setMode(sn: string, mode: string): void {
    const valid = parseControl(FEED_CONTROLS.ems_mode, mode);
    if (!valid.ok) throw this.refuse(sn, 'ems_mode', valid.reason);
    const c = this.control(sn, 'ems_mode');
    const m = mode as EmsMode;
    if (!this.o.publish(nativeTopics.emsModeCommand(c.dev), m)) throw this.refuse(sn, 'ems_mode', 'the MQTT broker is not connected');
    c.lastActionAt.set('ems_mode', this.now());
    c.sentMode = m;
    c.sentModeAt = this.now();
    this.lastControlError = undefined;
    this.log.info(`Set the EMS mode of ${c.dev} to ${m}; waiting for the battery's feed to confirm it`);
    if (m !== 'mqtt_ctrl' && c.setpoint !== undefined) this.stopKeepAlive(c, `the EMS mode is now ${m}`);
    this.emit('change', c.sn);
  }

  /** Set and keep alive a setpoint (W, + = discharge). Needs `mqtt_ctrl`. Throws with the reason when refused. */
  setSetpoint(sn: string, watts: number): void {
    const u = this.o.feed.unit(sn);
    if (u) {
      const parsed = parseControl(FEED_CONTROLS.power_setpoint, String(watts), this.range(u));
      if (!parsed.ok) throw this.refuse(sn, 'power_setpoint', parsed.reason);
    }
    const c = this.control(sn, 'power_setpoint');
    const mode = c.sentMode ?? c.mode ?? u?.reading.emsMode;
    if (mode !== 'mqtt_ctrl') {
      throw this.refuse(sn, 'power_setpoint', `the battery follows a setpoint only in EMS mode mqtt_ctrl (now ${mode ?? 'unknown'}): switch the mode first`);
    }
    c.lastActionAt.set('power_setpoint', this.now());
    c.setpoint = watts;
    c.nudge = false;
    this.lastControlError = undefined;
    this.log.info(`Power setpoint of ${c.dev}: ${watts} W (${watts > 0 ? 'discharge' : watts < 0 ? 'charge' : 'hold'}); re-sent every ${this.keepAliveMs / 1000} s`);
    this.send(c);
    clearInterval(c.keepAlive);
    c.keepAlive = setInterval(() => this.send(c), this.keepAliveMs);
    c.keepAlive.unref?.();
    this.emit('change', c.sn);
  }

  clearSetpoint(sn: string): void {
    const u = this.o.feed.unit(sn);
    const c = u && this.units.get(u.dev);
    if (!c || c.setpoint === undefined) {
      this.log.info(`No power setpoint of ${sn} to clear`);
      return;
    }
    this.stopKeepAlive(c, 'it was cleared');
    this.emit('change', c.sn);
  }

  // ---- the feed -------------------------------------------------------------------------------------------

  private quickSeen(u: NativeUnit): void {
    const c = this.units.get(u.dev);
    if (!c || c.setpoint === undefined || c.confirmedSetpoint === c.setpoint) return;
    const p = u.reading.batteryPower;
    // No read-back exists: the setpoint counts as confirmed once the battery power follows it.
    if (p !== undefined && Math.abs(p - c.setpoint) <= Math.max(25, Math.abs(c.setpoint) * 0.1)) {
      c.confirmedSetpoint = c.setpoint;
      this.log.info(`The feed confirms the power setpoint of ${c.dev}: ${c.setpoint} W`);
      this.emit('change', c.sn);
    }
  }

  private modeSeen(u: NativeUnit, mode: EmsMode): void {
    const c = this.units.get(u.dev) ?? this.newControl(u);
    const guard = c.sentModeAt !== undefined && this.now() - c.sentModeAt < (this.o.echoGuardMs ?? 30_000);
    // Right after a command, a report of the old mode is the firmware's last round, not an answer.
    if (guard && c.sentMode !== undefined && mode !== c.sentMode) return;
    const changed = c.mode !== mode;
    c.mode = mode;
    const confirmed = c.sentMode === mode;
    if (confirmed) this.log.info(`The feed confirms the EMS mode of ${c.dev}: ${mode}`);
    else if (c.sentMode !== undefined) this.log.warn(`${c.dev} reports the EMS mode ${mode}, not ${c.sentMode}: changed in the app, by another client, or the one-minute fallback`);
    c.sentMode = undefined;
    if (mode !== 'mqtt_ctrl' && c.setpoint !== undefined) this.stopKeepAlive(c, `the battery reports the EMS mode ${mode}`);
    if (changed) this.emit('change', c.sn);
    if (confirmed) this.emit('confirmed', c.sn, mode);
  }

  private commandSeen(dev: string, what: 'mode-command' | 'setpoint-command', payload: string): void {
    const c = this.units.get(dev);
    if (!c) return;
    const now = this.now();
    c.ownPayloads = c.ownPayloads.filter((p) => now - p.at < 10_000);
    if (what === 'mode-command') {
      const mine = c.ownPayloads.findIndex((p) => p.payload === `mode:${payload}`);
      if (mine >= 0) return void c.ownPayloads.splice(mine, 1);
      if (c.keepAlive && payload !== 'mqtt_ctrl') this.foreign(c, `the EMS mode ${quote(payload)}`);
      return;
    }
    const mine = c.ownPayloads.findIndex((p) => p.payload === payload);
    if (mine >= 0) return void c.ownPayloads.splice(mine, 1);
    if (c.keepAlive) this.foreign(c, `the power setpoint ${quote(payload)}`);
  }

  private foreign(c: UnitControl, what: string): void {
    const message = `Another MQTT client wrote ${what} to ${c.dev}: stopped re-sending our setpoint of ${c.setpoint} W (two controllers fighting one battery is worse than none). Set it here again to take over.`;
    this.log.warn(message);
    this.lastControlError = message;
    this.stopKeepAlive(c, undefined);
    this.emit('change', c.sn);
  }

  // ---- helpers --------------------------------------------------------------------------------------------

  private send(c: UnitControl): void {
    if (this.stopped || c.setpoint === undefined) return;
    // mqtt_ctrl before every setpoint, and a 0.1 W nudge every other time: a repeated identical value may not
    // restart the firmware's one-minute timer (§5.2).
    const value = c.setpoint + (c.nudge ? 0.1 : 0);
    c.nudge = !c.nudge;
    const payload = value.toFixed(1);
    c.ownPayloads.push({ payload: 'mode:mqtt_ctrl', at: this.now() }, { payload, at: this.now() });
    if (c.ownPayloads.length > 20) c.ownPayloads.splice(0, c.ownPayloads.length - 20);
    const ok = this.o.publish(nativeTopics.emsModeCommand(c.dev), 'mqtt_ctrl') && this.o.publish(nativeTopics.powerCtrlSet(c.dev), payload);
    if (!ok) this.log.debug(`Could not re-send the setpoint of ${c.dev}: broker not connected`);
  }

  private stopKeepAlive(c: UnitControl, why: string | undefined): void {
    clearInterval(c.keepAlive);
    c.keepAlive = undefined;
    if (why && c.setpoint !== undefined) this.log.info(`Stopped re-sending the power setpoint of ${c.dev} (${c.setpoint} W): ${why}`);
    c.setpoint = undefined;
    c.confirmedSetpoint = undefined;
  }

  private range(u: NativeUnit): NumberRange {
    const r = u.powerRange;
    return r ? { min: Math.max(SETPOINT_RANGE.min, Math.ceil(r.min)), max: Math.min(SETPOINT_RANGE.max, Math.floor(r.max)), step: SETPOINT_RANGE.step } : SETPOINT_RANGE;
  }

  private newControl(u: NativeUnit): UnitControl {
    const c: UnitControl = { sn: u.sn, dev: u.dev, nudge: false, ownPayloads: [], lastActionAt: new Map() };
    this.units.set(u.dev, c);
    return c;
  }

  /** The unit's control state, after the checks every command needs (known master, rate limit). */
  private control(sn: string, key: NativeControlKey): UnitControl {
    if (this.stopped) throw this.refuse(sn, key, 'the app is stopping');
    const u = this.o.feed.unit(sn);
    if (!u) throw this.refuse(sn, key, `battery ${sn} has not been seen on the feed`);
    if (!u.master) throw this.refuse(sn, key, `${u.dev} is not the master unit; only the master takes commands`);
    const c = this.units.get(u.dev) ?? this.newControl(u);
    const last = c.lastActionAt.get(key);
    const limit = this.o.rateLimitMs ?? 10_000;
    if (last !== undefined && this.now() - last < limit) {
      throw this.refuse(sn, key, `too soon: at most one change of this control per ${limit / 1000} s (try again in ${Math.ceil((limit - (this.now() - last)) / 100) / 10} s)`);
    }
    return c;
  }

  private refuse(sn: string, key: NativeControlKey, reason: string): Error {
    this.log.warn(`Refused ${key} of ${sn}: ${reason}`);
    this.lastControlError = `${reason.charAt(0).toUpperCase()}${reason.slice(1)}.`;
    return new Error(this.lastControlError);
  }
}
